"""Safe foundations for XML codecs: a hardened parser, XPath pointers and XSD validation."""

from singlewindow.datamodel.codecs.xml.parsing import (
    DEFAULT_MAX_BYTES,
    DEFAULT_MAX_DEPTH,
    DEFAULT_MAX_ELEMENTS,
    parse_xml,
)
from singlewindow.datamodel.codecs.xml.pointers import local_name, xpath_of
from singlewindow.datamodel.codecs.xml.schema_sources import SchemaUnavailable
from singlewindow.datamodel.codecs.xml.schemas import XsdValidator, xsd_validator
from singlewindow.datamodel.codecs.xml.wco_schemas import (
    DECLARATION_NAMESPACE,
    METADATA_NAMESPACE,
    RESPONSE_NAMESPACE,
    SchemaSet,
    wco_declaration_schemas,
    wco_notification_schemas,
)

__all__ = [
    "DECLARATION_NAMESPACE",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_DEPTH",
    "DEFAULT_MAX_ELEMENTS",
    "METADATA_NAMESPACE",
    "RESPONSE_NAMESPACE",
    "SchemaSet",
    "SchemaUnavailable",
    "XsdValidator",
    "local_name",
    "parse_xml",
    "wco_declaration_schemas",
    "wco_notification_schemas",
    "xpath_of",
    "xsd_validator",
]
