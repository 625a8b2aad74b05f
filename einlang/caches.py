"""The program layer's bounded caches: an LRU map bounded in entries and weight, and the pool that
bounds the bytes of constants cached programs hold.

>>> cache = BoundedCache(2)
>>> for key in "abc":
...     _ = cache.put(key, key.upper())
>>> len(cache), cache.get("a"), cache.get("c")
(2, None, 'C')
"""

from __future__ import annotations

import threading
import weakref
from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from .program import BoundProgram


class BoundedCache:
    """A thread-safe LRU mapping bounded in entries and, given ``weigh``, in the total weight of its
    values (bytes, say): plans and programs never grow without limit."""

    def __init__(self, maxsize: int, max_weight: int | None = None, weigh: Callable[[Any], int] | None = None) -> None:
        self.maxsize = maxsize
        self.max_weight = max_weight
        self._weigh = weigh
        self.weight = 0
        self._data: OrderedDict[Any, Any] = OrderedDict()
        self._lock = threading.Lock()
        self.item = self._data.__getitem__  # a hit, without a Python frame (KeyError on a miss)

    def get(self, key: Any) -> Any:
        try:
            return self._data[key]  # a hit needs no lock and no reordering: that keeps calls fast
        except (KeyError, TypeError):
            return None

    def put(self, key: Any, value: Any) -> Any:
        weigh = self._weigh
        with self._lock:
            if weigh is not None and key in self._data:
                self.weight -= weigh(self._data[key])
            self._data[key] = value
            self._data.move_to_end(key)
            if weigh is not None:
                self.weight += weigh(value)
            while len(self._data) > self.maxsize or (
                self.max_weight is not None and self.weight > self.max_weight and len(self._data) > 1
            ):
                _, evicted = self._data.popitem(last=False)
                if weigh is not None:
                    self.weight -= weigh(evicted)
        return value

    def __len__(self) -> int:
        return len(self._data)

    def clear(self) -> None:
        with self._lock:
            self._data.clear()
            self.weight = 0


class ConstantPool:
    """The bytes of constants (array literals, folded values) that cached bindings hold, across every
    program: a binding that would take the total past ``limit`` is used but not cached (100 distinct
    programs with 8 MB literals kept 811 MB). A cached binding gives its bytes back when it is freed."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.held = 0
        self._lock = threading.Lock()

    @staticmethod
    def small(bound: BoundProgram) -> bool:
        """Whether ``bound``'s constants are too small to count (scalars and small literals)."""
        return bound.constant_bytes < 4096

    def admit(self, bound: BoundProgram) -> bool:
        """Whether ``bound`` may be cached (its bytes are then counted until it is freed)."""
        nbytes = bound.constant_bytes
        if self.small(bound):
            return True
        with self._lock:
            if self.held + nbytes > self.limit:
                return False
            self.held += nbytes
        weakref.finalize(bound, self._release, nbytes)
        return True

    def _release(self, nbytes: int) -> None:
        with self._lock:
            self.held -= nbytes


CONSTANT_POOL = ConstantPool(64_000_000)
