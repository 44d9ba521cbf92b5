"""Validation in layers: syntax (in the codecs), schema, code lists, business rules.

Each layer reports every fault it finds with a stable code (see ``catalogue``), a pointer and
two languages. Code lists and business rules run only on a schema-valid document, since
they need its values; both are reported together.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from singlewindow.datamodel.codelists import CodeLists
from singlewindow.datamodel.datasets import DataSet
from singlewindow.datamodel.issues import Issue, MessageInvalid
from singlewindow.datamodel.validation.codes import check_codes, is_national
from singlewindow.datamodel.validation.plans import scan
from singlewindow.datamodel.validation.rules import check_rules, currencies_agree
from singlewindow.datamodel.validation.schema import validate_decoded_schema, validate_schema
from singlewindow.datamodel.validation.walk import walk

if TYPE_CHECKING:
    from singlewindow.datamodel.codecs import Decoded, Source


def validate_document(dataset: str, document: dict[str, Any], code_lists: CodeLists | None = None) -> DataSet:
    """The validated data set; raises ``MessageInvalid`` with every fault (JSON pointers).

    Without ``code_lists`` the code-list layer is skipped (for tools run without a database).
    """
    model, issues = validate_schema(dataset, document)
    return _checked(model, issues, code_lists, None)


def validate_decoded(dataset: str, decoded: Decoded, code_lists: CodeLists | None = None) -> DataSet:
    """As ``validate_document`` on what a codec decoded, from the submitted text when the codec offers it.

    Faults point into the document (JSON pointers): ``decoded.relocate`` points them into the submitted format.
    """
    model, issues = validate_decoded_schema(dataset, decoded)
    return _checked(model, issues, code_lists, decoded.source)


def _checked(model: DataSet | None, issues: list[Issue], code_lists: CodeLists | None,
             source: Source | None) -> DataSet:
    """The code-list and business-rule layers on a schema-valid document."""
    if model is None:
        raise MessageInvalid(issues)
    found = scan(model, is_national(model))
    if source is not None:
        source.check(found.members)
    if (code_lists is None or found.codes_known(code_lists)) and currencies_agree(model, found.currencies):
        # every code is known and no amount is in a stray currency: the layers' only walk-based checks pass,
        # so the rules run without the walk
        issues = check_rules(model, [])
    else:  # a fault to report: walk with pointers, once for both layers
        nodes = list(walk(model))
        issues = [*(check_codes(model, code_lists, nodes) if code_lists is not None else []),
                  *check_rules(model, nodes)]
    if issues:
        raise MessageInvalid(issues)
    return model


__all__ = ["validate_decoded", "validate_document"]
