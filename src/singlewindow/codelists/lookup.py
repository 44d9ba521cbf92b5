"""Code lookups for validation, served from memory and kept in step with the database.

Validating one declaration asks dozens of code questions, so each process holds each list in
memory. Whether a list changed is one cheap query on its stamp (id, revision, loaded_at),
kept through the registry's cache: a code-list write (``load_code_list``, ``code_values_edited``)
calls ``cache.changed()``, so the writer sees its change at once and other processes within the
cache's check interval; with no change seen, a list's stamp is asked again every
``check_seconds`` (for a revision moved by hand).
"""

from __future__ import annotations

import threading
from dataclasses import dataclass
from datetime import date, datetime

from singlewindow.codelists.models import CodeList, CodeValue
from singlewindow.registry.cache import MAX_AGE_SECONDS, TTLCache

Stamp = tuple[int, int, datetime | None]


@dataclass(frozen=True)
class _Code:
    name_en: str
    name_zh: str
    valid_from: date | None
    valid_to: date | None

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to


@dataclass(frozen=True)
class _Snapshot:
    stamp: Stamp | None
    codes: dict[str, _Code]


class DatabaseCodeLists:
    """The ``CodeLists`` lookup over the database; one instance per process is enough."""

    def __init__(self, check_seconds: float = MAX_AGE_SECONDS) -> None:
        self._stamps: TTLCache[Stamp | None] = TTLCache(ttl=check_seconds)
        self._snapshots: dict[str, _Snapshot] = {}
        self._lock = threading.Lock()

    def contains(self, list_name: str, code: str, *, on: date | None = None) -> bool:
        found = self._codes(list_name).get(code)
        return found is not None and (on is None or found.valid_on(on))

    def name(self, list_name: str, code: str) -> tuple[str, str] | None:
        found = self._codes(list_name).get(code)
        return None if found is None else (found.name_en, found.name_zh)

    def _codes(self, list_name: str) -> dict[str, _Code]:
        stamp = self._stamps.get(list_name, lambda: _stamp(list_name))
        snapshot = self._snapshots.get(list_name)
        if snapshot is not None and snapshot.stamp == stamp:
            return snapshot.codes
        with self._lock:  # one thread reads a changed list; the others then find it ready
            snapshot = self._snapshots.get(list_name)
            if snapshot is None or snapshot.stamp != stamp:
                snapshot = _Snapshot(stamp, _read(list_name) if stamp is not None else {})
                self._snapshots[list_name] = snapshot
        return snapshot.codes


def _stamp(list_name: str) -> Stamp | None:
    row = CodeList.objects.filter(name=list_name).values_list("pk", "revision", "loaded_at").first()
    return None if row is None else (row[0], row[1], row[2])


def _read(list_name: str) -> dict[str, _Code]:
    rows = CodeValue.objects.filter(code_list__name=list_name).values_list(
        "code", "name_en", "name_zh", "valid_from", "valid_to")
    return {code: _Code(en, zh, start, end) for code, en, zh, start, end in rows.iterator(chunk_size=2000)}
