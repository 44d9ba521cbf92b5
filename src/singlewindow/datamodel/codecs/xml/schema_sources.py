"""Read a set of XSD files and everything they import, all from one local directory, before compiling.

The XSD compiler would otherwise open whatever ``schemaLocation`` names: a remote URL or any file on
the machine. Reading the whole closure up front, through the same hardened parser as messages, means
the compiler is only ever handed bytes that were checked here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from lxml import etree

from singlewindow.datamodel.codecs.xml.parsing import parse_xml
from singlewindow.datamodel.issues import MessageInvalid

XSD_NAMESPACE = "http://www.w3.org/2001/XMLSchema"
_REFERENCES = tuple(f"{{{XSD_NAMESPACE}}}{name}" for name in ("import", "include", "redefine", "override"))
_MAX_SCHEMA_BYTES = 32 * 1024 * 1024
_MAX_SCHEMA_DEPTH = 64
_MAX_SCHEMA_ELEMENTS = 2_000_000


class SchemaUnavailable(RuntimeError):
    """The configured schema cannot be used: a deployment fault, never the sender's."""


@dataclass(frozen=True)
class EntryPoint:
    path: Path
    target_namespace: str | None


@dataclass(frozen=True)
class SchemaSources:
    """The entry XSDs and the bytes of every file they reach, keyed by resolved path."""

    root: Path
    entry_points: tuple[EntryPoint, ...]
    documents: Mapping[Path, bytes]


def gather_schema_sources(files: Sequence[Path], *, root: Path) -> SchemaSources:
    """Read ``files`` and their imports; refuse any reference leaving ``root`` or the local disk."""
    root = root.resolve()
    documents: dict[Path, bytes] = {}
    entry_points: list[EntryPoint] = []
    pending = [Path(f).resolve() for f in files]
    entry_paths = list(pending)
    while pending:
        path = pending.pop()
        if path in documents:
            continue
        data, schema = _read(path, root)
        documents[path] = data
        if path in entry_paths:
            entry_points.append(EntryPoint(path, schema.get("targetNamespace")))
        for reference in schema.iterchildren(*_REFERENCES):
            location = reference.get("schemaLocation")
            if location:
                pending.append(_referenced_path(location, path))
    entry_points.sort(key=lambda e: entry_paths.index(e.path))
    return SchemaSources(root, tuple(entry_points), documents)


def local_path(url: str) -> Path | None:
    """The resolved file a ``file:`` URL or plain path names; ``None`` for any other scheme."""
    parts = urlsplit(url)
    if parts.scheme not in ("", "file") or parts.netloc not in ("", "localhost"):
        return None
    return Path(unquote(parts.path)).resolve()


def _referenced_path(location: str, referrer: Path) -> Path:
    if urlsplit(location).scheme not in ("", "file"):
        raise SchemaUnavailable(f"{referrer} refers to {location!r}; only local schema files may be used.")
    if location.startswith("file:"):
        path = local_path(location)
        if path is None:
            raise SchemaUnavailable(f"{referrer} refers to {location!r}; only local schema files may be used.")
        return path
    return (referrer.parent / unquote(location)).resolve()


def _read(path: Path, root: Path) -> tuple[bytes, etree._Element]:
    if not path.is_relative_to(root):
        raise SchemaUnavailable(f"{path} lies outside the schema directory {root}.")
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise SchemaUnavailable(f"cannot read schema {path}: {exc.strerror or exc}") from exc
    try:
        schema = parse_xml(
            data, max_bytes=_MAX_SCHEMA_BYTES, max_depth=_MAX_SCHEMA_DEPTH, max_elements=_MAX_SCHEMA_ELEMENTS
        )
    except MessageInvalid as exc:
        raise SchemaUnavailable(f"schema {path} was refused: {exc}") from exc
    if schema.tag != f"{{{XSD_NAMESPACE}}}schema":
        raise SchemaUnavailable(f"{path} is not an XML Schema document.")
    return data, schema
