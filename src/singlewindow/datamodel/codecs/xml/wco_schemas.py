"""Where the official WCO DEC DMS schemas sit inside a schemas directory.

The project does not ship these XSDs; an operator points at a copy. The metadata envelope
(``md:MetaData``) only names the declaration and response namespaces as wildcards, so each set is
the envelope XSD plus the body XSD, imported together.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from singlewindow.datamodel.codecs.xml.schemas import XsdValidator, xsd_validator

METADATA_NAMESPACE = "urn:wco:datamodel:WCO:DocumentMetaData-DMS:2"
DECLARATION_NAMESPACE = "urn:wco:datamodel:WCO:DEC-DMS:2"
RESPONSE_NAMESPACE = "urn:wco:datamodel:WCO:RES-DMS:2"

_DECLARATION_FILES = ("declaration/DocumentMetaData_2_DMS.xsd", "declaration/WCO_DEC_2_DMS.xsd")
# The response schema imports ../declaration/WCO_DEC_2_DMS.xsd, so both folders must sit side by side.
_NOTIFICATION_FILES = ("notification/DocumentMetaData_2_DMS.xsd", "notification/WCO_RES_2_DMS.xsd")


@dataclass(frozen=True)
class SchemaSet:
    """Entry XSD files and the directory every file they import must stay inside."""

    root: Path
    files: tuple[Path, ...]

    def validator(self) -> XsdValidator:
        return xsd_validator(*self.files, root=self.root)


def wco_declaration_schemas(schemas_dir: Path) -> SchemaSet:
    """The WCO DEC declaration set: ``md:MetaData`` carrying a ``Declaration``."""
    return _schema_set(schemas_dir, _DECLARATION_FILES)


def wco_notification_schemas(schemas_dir: Path) -> SchemaSet:
    """The WCO RES notification set: ``md:MetaData`` carrying a ``Response``."""
    return _schema_set(schemas_dir, _NOTIFICATION_FILES)


def _schema_set(schemas_dir: Path, names: tuple[str, ...]) -> SchemaSet:
    """Accept either the folder holding ``wco/`` or ``wco/`` itself."""
    root = schemas_dir / "wco" if (schemas_dir / "wco").is_dir() else schemas_dir
    files = tuple(root / name for name in names)
    missing = [str(f) for f in files if not f.is_file()]
    if missing:
        raise FileNotFoundError(f"WCO DMS schema files not found: {', '.join(missing)}")
    return SchemaSet(root.resolve(), tuple(f.resolve() for f in files))
