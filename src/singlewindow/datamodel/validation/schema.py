"""Layer 2, schema: structure, types, lengths and patterns, from the pydantic data sets."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from pydantic import ValidationError

from singlewindow.datamodel.datasets import DATA_SETS, DataSet
from singlewindow.datamodel.issues import Issue, json_pointer
from singlewindow.datamodel.validation.catalogue import CATALOGUE, issue

if TYPE_CHECKING:
    from singlewindow.datamodel.codecs import Decoded

MAX_ISSUES = 100
_DETAIL_KEYS = ("max_length", "min_length", "ge", "le", "expected", "max_digits", "decimal_places")
_SAME_AS = {"datetime_from_date_parsing": "datetime", "datetime_parsing": "datetime", "date_from_datetime_parsing":
            "datetime", "date_parsing": "datetime", "datetime_type": "datetime", "date_type": "datetime",
            "model_type": "invalid", "list_type": "invalid", "dict_type": "invalid", "int_type": "int_parsing",
            "decimal_type": "decimal_parsing", "int_from_float": "int_parsing", "decimal_whole_digits":
            "decimal_max_digits", "string_sub_type": "string_type", "union_tag_invalid": "invalid"}


def validate_schema(dataset: str, document: dict[str, Any]) -> tuple[DataSet | None, list[Issue]]:
    """The validated data set, or None and every schema fault (at most ``MAX_ISSUES``)."""
    try:
        return DATA_SETS[dataset].model_validate(document), []
    except ValidationError as exc:
        return None, _issues(exc.errors(include_url=False))


def validate_decoded_schema(dataset: str, decoded: Decoded) -> tuple[DataSet | None, list[Issue]]:
    """As ``validate_schema`` on the decoded document, but straight from the submitted text when the codec
    offers it: pydantic reading JSON text builds the data set for far less than the parse and the dict cost.

    The caller still owes ``decoded.source.check`` on a valid result (duplicate keys). Faults come as the
    parsed document gives them: syntax first (reading the document raises them), then the schema's, whose
    locations pydantic reports alike from text and from a dict, so one mapping serves both.
    """
    source = decoded.source
    if source is None:
        return validate_schema(dataset, decoded.document)
    try:
        return DATA_SETS[dataset].model_validate_json(source.text), []
    except ValidationError as exc:
        errors = exc.errors(include_url=False)
        document = decoded.document  # raises the syntax faults, which come before any schema fault
        if any(error["type"] == "json_invalid" for error in errors):
            # the text's parser is stricter than the codec's in places (an escaped lone surrogate): the codec's
            # parse decides what is JSON, so the parsed document is validated instead
            return validate_schema(dataset, document)
        return None, _issues(errors)


def _issues(errors: list[Any]) -> list[Issue]:
    return _deduplicated(_issue(error) for error in errors[:MAX_ISSUES])


def _issue(error: Any) -> Issue:
    kind = error["type"]
    pointer = json_pointer([part for part in error["loc"] if not _is_union_branch(part)])
    if kind == "value_error":
        key = str(error.get("ctx", {}).get("error", ""))
        if f"schema.{key}" in CATALOGUE:
            return issue(f"schema.{key}", pointer)
        return issue("schema.invalid", pointer, detail=error["msg"])
    kind = _SAME_AS.get(kind, kind)
    code = f"schema.{kind}"
    if code not in CATALOGUE:
        return issue("schema.invalid", pointer, detail=error["msg"])
    context = error.get("ctx", {})
    detail = next((f"{key.replace('_', ' ')} {context[key]}" for key in _DETAIL_KEYS if key in context), "")
    return issue(code, pointer, detail=detail)


def _is_union_branch(part: object) -> bool:
    """pydantic names the branch of an optional/union type in locations (``function-after[...]``)."""
    return isinstance(part, str) and ("[" in part or part in {"datetime", "date", "str", "int", "decimal"})


def _deduplicated(issues: Any) -> list[Issue]:
    """One issue per pointer: a value failing both branches of ``date | datetime`` is one fault."""
    seen: dict[str, Issue] = {}
    for found in issues:
        seen.setdefault(found.pointer, found)
    return list(seen.values())
