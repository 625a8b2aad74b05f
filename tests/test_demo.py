"""``einlang demo`` is the README's first command: it must finish on a plain install (no extras)."""

from __future__ import annotations

import importlib.util
import io

import pytest

from einlang import demo


@pytest.mark.slow  # runs the whole demo, timings included
def test_demo_without_pillow_finishes_and_says_how_to_get_the_pictures(tmp_path, monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "PIL" else real_find_spec(name, *a))
    out = io.StringIO()
    assert demo.run_demo(tmp_path, quick=True, out=out) == 0
    assert "einlang[images]" in out.getvalue()
    assert not list(tmp_path.glob("*.png"))
