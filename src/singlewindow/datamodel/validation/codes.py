"""Layer 3, code lists: every coded value must exist in its list.

International lists (countries, currencies, units, package types, transport modes, HS 2022)
apply to every document. National lists (customs offices, document types) apply to documents
lodged with a Taiwan office, since other administrations' samples use their own codes.
"""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from singlewindow.datamodel.codelists import CodeLists, check_code
from singlewindow.datamodel.datasets.base import DataSet
from singlewindow.datamodel.datasets.common import AdditionalDocument, ExportCountry, Origin
from singlewindow.datamodel.datasets.declaration import Classification, Declaration, Packaging
from singlewindow.datamodel.issues import Issue
from singlewindow.datamodel.validation.walk import field_pointer, walk

# Field name -> code list, wherever the field appears.
_BY_FIELD = {
    "country_code": "country",
    "registration_nationality_code": "country",
    "routing_country_code": "country",
    "export_country_code": "country",
    "destination_country_code": "country",
    "currency_id": "currency",
    "currency_type_code": "currency",
    "unit_code": "unit",
    "mode_code": "transport_mode",
    "package_type_code": "package_type",
}
# Fields whose list depends on the class they are in.
_BY_CLASS_FIELD: dict[tuple[type[DataSet], str], str] = {
    (ExportCountry, "id"): "country",
    (Packaging, "type_code"): "package_type",
    (Classification, "id"): "hs2022",
    (Declaration, "declaration_office_id"): "customs_office",
    (AdditionalDocument, "type_code"): "document_type",
}
NATIONAL_LISTS = {"customs_office", "document_type"}
# Classification type codes whose ID begins with an HS subheading: none given, HS itself, the EU
# combined nomenclature (TSP), Taiwan's CCC code.
HS_BASED_CLASSIFICATIONS = {None, "HS", "TSP", "CCC", "TW"}


def is_national(document: DataSet) -> bool:
    """Whether the document is lodged with a Taiwan office, so Taiwan's own code lists apply."""
    office = getattr(document, "declaration_office_id", None)
    return isinstance(office, str) and office.startswith("TW")


def check_codes(document: DataSet, code_lists: CodeLists,
                nodes: list[tuple[str, DataSet]] | None = None) -> list[Issue]:
    """Every coded value not in its list; ``nodes`` is the document already walked, if at hand."""
    national = is_national(document)
    found = (check_code(code_lists, list_name, value, pointer)
             for pointer, list_name, value in _coded_values(nodes or list(walk(document)), national))
    return [problem for problem in found if problem is not None]


def list_for(model: type[DataSet], field_name: str) -> str | None:
    """The code list a field's values come from, or None: one answer for validation and the guide."""
    if field_name in _BY_FIELD:
        return _BY_FIELD[field_name]
    for klass in model.__mro__:
        if (klass, field_name) in _BY_CLASS_FIELD:
            return _BY_CLASS_FIELD[(klass, field_name)]
    if field_name == "classification_id":
        return "hs2022"
    return None


@cache
def _coded_fields(model: type[DataSet]) -> tuple[tuple[str, str], ...]:
    """(field name, code list) of a class's coded fields, worked out once per class."""
    return tuple((name, listed) for name in model.model_fields if (listed := list_for(model, name)) is not None)


def _coded_values(nodes: list[tuple[str, DataSet]], national: bool) -> Iterator[tuple[str, str, str]]:
    for pointer, node in nodes:
        for name, list_name in _coded_fields(type(node)):
            value = getattr(node, name)
            if not isinstance(value, str):
                continue
            if list_name in NATIONAL_LISTS and not national:
                continue
            if list_name == "hs2022":
                hs = _hs_subheading(node)
                if hs is not None:
                    yield field_pointer(node, pointer, name), list_name, hs
                continue
            if list_name == "document_type" and not value.isdigit():
                continue  # national document codes that are not UN/EDIFACT 1001 numbers
            if isinstance(node, Origin) and len(value) != 2:
                continue  # regional origins (EU, …) are not country codes
            yield field_pointer(node, pointer, name), list_name, value.split("#", 1)[0]


def _hs_subheading(node: DataSet) -> str | None:
    """The six-digit HS subheading of a node carrying an HS-based commodity code."""
    if isinstance(node, Classification):
        if node.identification_type_code in HS_BASED_CLASSIFICATIONS and len(node.id) >= 6 and node.id.isdigit():
            return node.id[:6]
        return None
    value = getattr(node, "classification_id", None)
    return value[:6] if isinstance(value, str) and len(value) >= 6 else None
