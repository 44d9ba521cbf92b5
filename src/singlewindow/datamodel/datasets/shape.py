"""The shape of a data set class, read once from its pydantic fields.

Codecs and the message implementation guide walk data sets generically: for each field they
need its three names, whether it repeats, and whether it holds a nested class, a qualified
value (amount, measure), a date or a plain value. This module answers that from the type
hints, so adding an element to a data set needs no change in any codec.
"""

from __future__ import annotations

import re
import types
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from enum import Enum
from functools import cache
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic.fields import FieldInfo

from singlewindow.datamodel.datasets.base import DataSet, ValueType, xml_attribute_name, xml_name

_PATTERN_LIMIT = re.compile(r"\{(?:\d+,)?(\d+)\}\$?$")


class Kind(Enum):
    CLASS = "class"  # a nested WCO class
    VALUE = "value"  # amount, measure, quantity: text plus attributes
    DATE = "date"  # date or date-time (DateTimeString in XML)
    SCALAR = "scalar"  # text, code, identifier, number


@dataclass(frozen=True)
class FieldShape:
    name: str
    json_name: str
    xml_name: str
    kind: Kind
    repeats: bool
    required: bool
    model: type[DataSet] | None
    scalar: str
    """For scalars: text, integer, decimal or code (a fixed set of values)."""
    max_length: int | None
    max_items: int | None
    choices: tuple[str, ...]
    description: str


@cache
def shape_of(model: type[DataSet]) -> tuple[FieldShape, ...]:
    return tuple(_shape(name, info) for name, info in model.model_fields.items())


@cache
def by_xml_name(model: type[DataSet]) -> dict[str, FieldShape]:
    return {field.xml_name: field for field in shape_of(model)}


def attribute_fields(model: type[ValueType]) -> tuple[tuple[str, str], ...]:
    """(field name, XML attribute name) of a value type's attributes."""
    return tuple((name, xml_attribute_name(name)) for name in model.model_fields if name != "value")


def _shape(name: str, info: FieldInfo) -> FieldShape:
    annotation, metadata = strip_annotation(info.annotation)
    repeats = get_origin(annotation) is list
    max_items = _limit(metadata, "max_length") if repeats else None
    if repeats:
        annotation, inner = strip_annotation(get_args(annotation)[0])
        metadata = inner
    model = annotation if isinstance(annotation, type) and issubclass(annotation, DataSet) else None
    if model is not None:
        kind = Kind.VALUE if issubclass(model, ValueType) else Kind.CLASS
    elif _is_date(annotation):
        kind = Kind.DATE
    else:
        kind = Kind.SCALAR
    choices = tuple(str(a) for a in get_args(annotation)) if get_origin(annotation) is Literal else ()
    return FieldShape(
        name=name,
        json_name=info.alias or name,
        xml_name=xml_name(name),
        kind=kind,
        repeats=repeats,
        required=info.is_required(),
        model=model,
        scalar=_scalar(annotation, choices),
        max_length=_limit([*metadata, *info.metadata], "max_length") if not repeats else None,
        max_items=max_items,
        choices=choices,
        description=(info.description or "").strip(),
    )


def strip_annotation(annotation: Any) -> tuple[Any, list[Any]]:
    """Drop ``None`` from optionals and unwrap ``Annotated``, keeping the constraints."""
    metadata: list[Any] = []
    while True:
        if get_origin(annotation) is Annotated:
            annotation, *extra = get_args(annotation)
            for item in extra:  # Field(...) inside Annotated carries its constraints in .metadata
                metadata.extend(item.metadata if isinstance(item, FieldInfo) else [item])
        elif get_origin(annotation) in (Union, types.UnionType):
            options = [a for a in get_args(annotation) if a is not type(None)]
            if len(options) == 1:
                annotation = options[0]
            else:
                return Union[tuple(options)], metadata  # noqa: UP007 - built from a runtime tuple
        else:
            return annotation, metadata


def _is_date(annotation: Any) -> bool:
    if annotation in (date, datetime):
        return True
    return get_origin(annotation) in (Union, types.UnionType) and set(get_args(annotation)) <= {date, datetime}


def _scalar(annotation: Any, choices: tuple[str, ...]) -> str:
    if choices:
        return "code"
    if annotation is int:
        return "integer"
    if annotation is Decimal:
        return "decimal"
    return "text"


def _limit(metadata: list[Any], attribute: str) -> int | None:
    """A length limit, given directly or as the ``{1,n}`` of a code pattern."""
    for item in metadata:
        value = getattr(item, attribute, None)
        if isinstance(value, int):
            return value
        found = _PATTERN_LIMIT.search(getattr(item, "pattern", None) or "")
        if found:
            return int(found.group(1))
    return None
