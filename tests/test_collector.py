"""einlang.collector: the garbage collector's pause is shared by builds in several threads."""

from __future__ import annotations

import gc
import threading

from einlang.collector import paused


def test_a_build_ending_in_one_thread_keeps_the_pause_of_another():
    inside, finish = threading.Event(), threading.Event()

    def long_build():
        with paused():
            inside.set()
            finish.wait(5)

    worker = threading.Thread(target=long_build)
    worker.start()
    inside.wait(5)
    try:
        with paused():
            pass
        assert not gc.isenabled()  # the other thread's build is still running
    finally:
        finish.set()
        worker.join()
    assert gc.isenabled()


def test_the_collector_is_left_as_it_was_found():
    gc.disable()
    try:
        with paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    finally:
        gc.enable()
    with paused():
        assert not gc.isenabled()
    assert gc.isenabled()
