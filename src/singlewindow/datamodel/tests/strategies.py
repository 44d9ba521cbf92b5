"""Hypothesis strategies that build any valid harmonised document from the data set's shape.

Built from the same field shapes the codecs use, so a new element is covered by the round-trip
properties without touching this file.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from hypothesis import strategies as st

from singlewindow.datamodel.datasets.base import DataSet, ucr_shape
from singlewindow.datamodel.datasets.shape import FieldShape, Kind, shape_of, strip_annotation

# Characters XML 1.0 can carry, without control characters: text must survive every format.
TEXT = st.characters(codec="utf-8", exclude_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"))
UCR_IDS = st.from_regex(r"\A6TW[0-9]{8}-[A-Z0-9]{1,12}\Z")


def document(model: type[DataSet], depth: int = 0) -> st.SearchStrategy[dict[str, Any]]:
    """A dict (JSON names) that validates as ``model``; optional parts are sometimes left out."""
    parts: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for field in shape_of(model):
        strategy = _field(model, field, depth)
        (parts if field.required else optional)[field.json_name] = strategy
    return st.fixed_dictionaries(parts, optional=optional)


def _field(model: type[DataSet], field: FieldShape, depth: int) -> st.SearchStrategy[Any]:
    single = _single(model, field, depth)
    if field.repeats:
        return st.lists(single, min_size=1, max_size=2 if depth < 3 else 1)
    return single


def _single(model: type[DataSet], field: FieldShape, depth: int) -> st.SearchStrategy[Any]:
    if field.kind is Kind.CLASS and field.model is not None:
        return document(field.model, depth + 1)
    if field.kind is Kind.VALUE and field.model is not None:
        return document(field.model, depth + 1)
    if field.kind is Kind.DATE:
        moments = st.datetimes(min_value=datetime(2000, 1, 1), max_value=datetime(2099, 12, 31),  # noqa: DTZ001
                               timezones=st.just(UTC)).map(lambda d: d.replace(microsecond=0).isoformat())
        return st.one_of(moments, st.dates().map(lambda d: d.isoformat()))
    if any(getattr(m, "func", None) is ucr_shape for m in _metadata(model.model_fields[field.name])):
        return UCR_IDS
    return _scalar(model, field)


def _scalar(model: type[DataSet], field: FieldShape) -> st.SearchStrategy[Any]:
    info = model.model_fields[field.name]
    metadata = _metadata(info)
    if field.choices:
        return st.sampled_from(field.choices)
    if field.name == "value":
        places = 3 if "currency_id" in model.model_fields else 6
        return st.decimals(min_value=0, max_value=Decimal("9999999999"), places=places).map(str)
    pattern = next((m.pattern for m in metadata if getattr(m, "pattern", None)), None)
    if pattern:
        limit = field.max_length or 512
        return st.from_regex(re.compile(pattern.replace("^", r"\A").replace("$", r"\Z"))).filter(
            lambda text: len(text) <= limit)
    if field.scalar == "integer":
        low = next((m.ge for m in metadata if getattr(m, "ge", None) is not None), 0)
        high = next((m.le for m in metadata if getattr(m, "le", None) is not None), 99999)
        return st.integers(min_value=low, max_value=min(high, 99999))
    if field.scalar == "decimal":
        return st.decimals(min_value=Decimal("0.001"), max_value=Decimal("9999"), places=3).map(str)
    size = min(field.max_length or 35, 40)
    return st.text(TEXT, min_size=1, max_size=size).map(str.strip).filter(bool).filter(
        lambda text: not (len(text) == 8 and text.isdigit()))  # eight digits would be read as a business ID


def _metadata(info: Any) -> list[Any]:
    found = list(info.metadata)
    _, extra = strip_annotation(info.annotation)
    found.extend(extra)
    return found
