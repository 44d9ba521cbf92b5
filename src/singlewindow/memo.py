"""Remembering what was computed from long-lived objects, by the objects' identity.

``functools.lru_cache`` keys on the arguments' hashes. For a parsed X.509 certificate that hash walks
the whole certificate, and in a served request, with the processor's caches cold, that costs some
30 µs a look-up: more than some of the work remembered. The objects met here are kept for the
process's life (the Single Window's signing identity, certificates parsed once and cached by
``jws``), so their identity is key enough.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import TypeVar

V = TypeVar("V")


def by_identity(maxsize: int) -> Callable[[Callable[..., V]], Callable[..., V]]:
    """Remember a function's value per tuple of positional arguments, compared by identity.

    Each entry holds its arguments, so none of them is freed and its identity given to another
    object while the entry lasts. When ``maxsize`` entries are held, all are forgotten at once:
    the callers meet a handful of objects, and a full table means they have turned over.
    """
    if maxsize < 1:
        raise ValueError("maxsize must be positive")

    def decorate(function: Callable[..., V]) -> Callable[..., V]:
        entries: dict[tuple[int, ...], tuple[tuple[object, ...], V]] = {}

        @functools.wraps(function)
        def remembered(*arguments: object) -> V:
            key = tuple(map(id, arguments))
            found = entries.get(key)
            if found is not None and all(kept is given for kept, given in zip(found[0], arguments, strict=True)):
                return found[1]
            value = function(*arguments)
            if len(entries) >= maxsize:
                entries.clear()
            entries[key] = (arguments, value)
            return value

        return remembered

    return decorate
