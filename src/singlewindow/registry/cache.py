"""Read caches for the reference data every request reads: the registry, code lists, tariffs, rules.

Each process keeps answers in memory. The data changes rarely, and every write to it calls
``changed()``: that clears this process's caches at once (and again after commit) and, once the
write is committed, gives the shared ``CacheStamp`` row a new value. Each process reads the stamp
at most every ``CHECK_SECONDS`` and clears its caches when the value moved. So a change reaches
every process within seconds, as before, but a process that sees no change keeps its answers
for one small query per interval, where it used to re-read every answer (a few milliseconds of
queries each) every five seconds.

An answer is re-read anyway once it is ``MAX_AGE_SECONDS`` old (or its cache's own ``ttl``), for
changes made outside the application, such as SQL typed by hand, as a CRL refresh would.
"""

from __future__ import annotations

import logging
import math
import threading
import time
import uuid
from collections.abc import Callable, Hashable
from typing import Any, Generic, TypeVar

from django.db import DatabaseError, transaction
from django.utils import timezone

CHECK_SECONDS = 5.0
MAX_AGE_SECONDS = 60.0
MAX_ENTRIES = 10_000
V = TypeVar("V")
logger = logging.getLogger(__name__)

_generation = 0
_lock = threading.Lock()
_UNREAD = object()
_stamp: object = _UNREAD  # the shared stamp's value when this process last read it
_checked_at = -math.inf


def invalidate() -> None:
    """Forget every cached answer in this process."""
    global _generation
    with _lock:
        _generation += 1


def changed() -> None:
    """Call within the transaction that writes cached data: this process forgets its answers now and
    after commit, and the other processes once the commit is done (see the module's docstring).

    The shared stamp moves only after the commit: moved before it, another process could read the
    old data again under the new stamp and keep it. Answers this process caches meanwhile may hold
    the transaction's own uncommitted writes; if it rolls back, they are forgotten at the next
    look-up (see ``_forget_rolled_back``)."""
    invalidate()
    committed = _Committed()
    transaction.on_commit(committed)
    connection = transaction.get_connection()
    if connection.in_atomic_block:
        with _lock:
            _pending.append((connection, committed))


class _Committed:
    """The on-commit callback of one ``changed()``; Django drops it if its transaction rolls back."""

    def __call__(self) -> None:
        with _lock:
            _pending[:] = [(c, done) for c, done in _pending if done is not self]
        invalidate()
        publish_change()


# Changes made in an open transaction of this process: (its connection, its on-commit callback).
_pending: list[tuple[Any, _Committed]] = []


def _forget_rolled_back() -> None:
    """Forget every answer if a transaction of this thread that changed cached data was rolled back:
    answers read inside it may hold its writes. Django drops a rolled-back transaction's (or
    savepoint's) on-commit callbacks, and runs a committed one's, which removes it from
    ``_pending``; a callback still pending but no longer queued was rolled back."""
    connection = transaction.get_connection()
    queued = {id(entry[1]) for entry in connection.run_on_commit}
    with _lock:
        kept = [(c, done) for c, done in _pending if c is not connection or id(done) in queued]
        if len(kept) == len(_pending):
            return
        _pending[:] = kept
    invalidate()


def publish_change() -> None:
    """Give the shared stamp a new value: every process forgets its answers at its next check of it
    (``changed`` calls this once the write is committed)."""
    from singlewindow.registry.models import CacheStamp

    try:
        CacheStamp.objects.update_or_create(pk=1, defaults={"value": uuid.uuid4(), "changed_at": timezone.now()})
    except DatabaseError:  # the change is committed: other processes see it when their answers expire
        logger.warning("the cache stamp could not be moved; other processes see the change within %s s",
                       MAX_AGE_SECONDS, exc_info=True)


def generation(now: float) -> int:
    """This process's cache generation, after reading the shared stamp if the last read is
    ``CHECK_SECONDS`` old (an answer cached under an older generation is stale)."""
    global _checked_at, _generation, _stamp
    if now - _checked_at < CHECK_SECONDS:
        return _generation
    with _lock:
        if now - _checked_at >= CHECK_SECONDS:
            stamp = _read_stamp()
            if stamp != _stamp:
                _generation += 1
                _stamp = stamp
            _checked_at = now
        return _generation


def _read_stamp() -> uuid.UUID | None:
    from singlewindow.registry.models import CacheStamp

    return CacheStamp.objects.filter(pk=1).values_list("value", flat=True).first()


class TTLCache(Generic[V]):
    """Answers by key, each kept while no change is seen (see the module's docstring) and for at most
    ``ttl`` seconds."""

    def __init__(self, ttl: float = MAX_AGE_SECONDS) -> None:
        self.ttl = ttl
        self._entries: dict[Hashable, tuple[float, int, V]] = {}

    def get(self, key: Hashable, load: Callable[[], V]) -> V:
        if _pending:
            _forget_rolled_back()
        now = time.monotonic()
        current = generation(now)  # read before loading: an answer is at least as new as its tag
        hit = self._entries.get(key)
        if hit is not None and hit[1] == current and now - hit[0] < self.ttl:
            return hit[2]
        value = load()
        if len(self._entries) >= MAX_ENTRIES:
            self._entries.clear()
        self._entries[key] = (now, current, value)
        return value
