"""Short-lived read caches for registry lookups on the intake hot path.

The registry changes rarely and intake reads it on every message, so each process keeps
answers for ``TTL_SECONDS``. A write in this process clears every cache at once (and again
after commit); other processes see the change within the TTL, as a CRL refresh would.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

TTL_SECONDS = 5.0
MAX_ENTRIES = 10_000
V = TypeVar("V")
_generation = 0
_lock = threading.Lock()


def invalidate() -> None:
    """Forget every cached answer in this process."""
    global _generation
    with _lock:
        _generation += 1


class TTLCache(Generic[V]):
    def __init__(self, ttl: float = TTL_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, int, V]] = {}

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        now = time.monotonic()
        hit = self._entries.get(key)
        if hit is not None and hit[1] == _generation and now - hit[0] < self.ttl:
            return hit[2]
        value = load()
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now, _generation, value)
        return value
