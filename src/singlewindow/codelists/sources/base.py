"""What every source hands the loader: a list's name, provenance and entries."""

from __future__ import annotations

from dataclasses import dataclass

from singlewindow.datamodel.codelists import CodeEntry


@dataclass(frozen=True)
class SourceList:
    """One list as read from its source, before it touches the database."""

    name: str
    source: str
    version: str
    entries: tuple[CodeEntry, ...]
