"""XSD validation with faults reported as issues that point into the submitted document.

Schema files are read once per validator (see ``schema_sources``) and compiled once per thread:
lxml keeps each validator's error log on the schema object, so one compiled schema must not serve
two threads at the same time. Compiling the WCO DEC set takes a few milliseconds.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Sequence
from os.path import commonpath
from pathlib import Path
from typing import TYPE_CHECKING

from lxml import etree

from singlewindow.datamodel.codecs.xml.pointers import xpath_of
from singlewindow.datamodel.codecs.xml.schema_sources import (
    XSD_NAMESPACE,
    SchemaSources,
    SchemaUnavailable,
    gather_schema_sources,
    local_path,
)
from singlewindow.datamodel.issues import Issue, MessageInvalid

if TYPE_CHECKING:
    from lxml.etree._docloader import _InputDocument

DEFAULT_MAX_ISSUES = 50
_CLARK_NAMESPACE = re.compile(r"\{[A-Za-z][A-Za-z0-9+.-]*:[^{}\s]*\}")


class XsdValidator:
    """Validates element trees against one set of XSD files (imported together, e.g. envelope + body)."""

    def __init__(
        self, schema_files: Sequence[Path], *, root: Path | None = None, max_issues: int = DEFAULT_MAX_ISSUES
    ) -> None:
        if not schema_files:
            raise ValueError("at least one schema file is needed")
        self.schema_files = tuple(Path(f).resolve() for f in schema_files)
        self.root = (root or Path(commonpath([f.parent for f in self.schema_files]))).resolve()
        self.max_issues = max_issues
        self._lock = threading.Lock()
        self._sources: SchemaSources | None = None
        self._per_thread = threading.local()

    def warm_up(self) -> None:
        """Load and compile now, so a missing or broken schema shows at start-up, not on a message."""
        self._schema()

    def validate(self, tree: etree._Element | etree._ElementTree) -> list[Issue]:
        """Every fault found (up to ``max_issues``); an empty list when the tree is valid."""
        element = tree.getroot() if isinstance(tree, etree._ElementTree) else tree
        schema = self._schema()
        if schema.validate(element):
            return []
        issues: list[Issue] = []
        for entry in schema.error_log:
            if entry.level < etree.ErrorLevels.ERROR:
                continue
            issues.append(_issue(entry, element))
            if len(issues) >= self.max_issues:
                break
        return issues

    def check(self, tree: etree._Element | etree._ElementTree) -> None:
        """Raise ``MessageInvalid`` with every schema fault, if there is any."""
        issues = self.validate(tree)
        if issues:
            raise MessageInvalid(issues)

    def _schema(self) -> etree.XMLSchema:
        schema: etree.XMLSchema | None = getattr(self._per_thread, "schema", None)
        if schema is None:
            schema = _compile(self._load_sources())
            self._per_thread.schema = schema
        return schema

    def _load_sources(self) -> SchemaSources:
        with self._lock:
            if self._sources is None:
                self._sources = gather_schema_sources(self.schema_files, root=self.root)
            return self._sources


_VALIDATORS: dict[tuple[tuple[Path, ...], Path | None], XsdValidator] = {}
_VALIDATORS_LOCK = threading.Lock()


def xsd_validator(*schema_files: Path, root: Path | None = None) -> XsdValidator:
    """The process-wide validator for these files, so each schema set is read and compiled only once."""
    key = (tuple(Path(f).resolve() for f in schema_files), root.resolve() if root else None)
    with _VALIDATORS_LOCK:
        validator = _VALIDATORS.get(key)
        if validator is None:
            validator = _VALIDATORS[key] = XsdValidator(schema_files, root=root)
        return validator


class _ServeChecked(etree.Resolver):
    """Answers the compiler with the bytes read in advance and refuses everything else."""

    def __init__(self, sources: SchemaSources) -> None:
        super().__init__()
        self.documents = sources.documents
        self.refused: list[str] = []

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> _InputDocument | None:
        path = local_path(system_url) if system_url else None
        data = self.documents.get(path) if path is not None else None
        if path is None or data is None:
            self.refused.append(system_url or repr(public_id))
            return self.resolve_string(b"", context)
        return self.resolve_string(data, context, base_url=path.as_uri())


def _compile(sources: SchemaSources) -> etree.XMLSchema:
    resolver = _ServeChecked(sources)
    parser = etree.XMLParser(resolve_entities=False, load_dtd=False, no_network=True, huge_tree=False)
    parser.resolvers.add(resolver)
    driver = etree.fromstring(_driver_document(sources), parser, base_url=sources.root.as_uri() + "/")
    try:
        schema = etree.XMLSchema(driver)
    except etree.XMLSchemaParseError as exc:
        raise SchemaUnavailable(f"the schema set under {sources.root} does not compile: {exc}") from exc
    if resolver.refused:
        raise SchemaUnavailable(f"the schema set under {sources.root} asked for unknown files: {resolver.refused}")
    return schema


def _driver_document(sources: SchemaSources) -> bytes:
    """One small schema that imports each entry point, so they validate as one set."""
    driver = etree.Element(f"{{{XSD_NAMESPACE}}}schema", nsmap={"xs": XSD_NAMESPACE})
    for entry in sources.entry_points:
        if entry.target_namespace is None:
            etree.SubElement(driver, f"{{{XSD_NAMESPACE}}}include", schemaLocation=entry.path.as_uri())
        else:
            etree.SubElement(
                driver,
                f"{{{XSD_NAMESPACE}}}import",
                namespace=entry.target_namespace,
                schemaLocation=entry.path.as_uri(),
            )
    return etree.tostring(driver)


def _issue(entry: etree._LogEntry, validated: etree._Element) -> Issue:
    message = _readable(entry.message)
    en = f"{message} (line {entry.line})" if entry.line else message
    return Issue("schema.xsd", _pointer(entry.path, validated), en, f"不符合 XML 結構定義（XSD）：{en}")


def _readable(message: str) -> str:
    """Drop ``{namespace}`` from names when only one namespace is mentioned; keep it when it tells names apart."""
    if len(set(_CLARK_NAMESPACE.findall(message))) <= 1:
        message = _CLARK_NAMESPACE.sub("", message)
    return message.strip()


def _pointer(path: str | None, validated: etree._Element) -> str:
    """Our pointer for the node the validator names, or its own path when that cannot be followed.

    libxml2 writes paths such as ``/md:MetaData/*[6]/*[1]`` from the validated element down, with the
    document's own prefixes; they are evaluated relative to that element to find the node.
    """
    if not path or not path.startswith("/"):
        return path or ""
    relative = "/".join(path.split("/")[2:])
    if not relative:
        return xpath_of(validated)
    prefixes: dict[str, str] = {}
    for element in validated.iter(etree.Element):
        namespace = etree.QName(element).namespace
        if element.prefix and namespace:
            prefixes.setdefault(element.prefix, namespace)
    try:
        found = validated.xpath(relative, namespaces=prefixes)
    except etree.XPathError:
        return path
    if isinstance(found, list) and len(found) == 1 and isinstance(found[0], etree._Element):
        return xpath_of(found[0])
    return path
