"""Write a validated data set as the segments of one EDIFACT message, by its profile.

Segments come out in the profile's order: at each level its own segments, then its groups, each
group instance as trigger, segments, inner groups. A class holding no value at all is not
written (EDIFACT cannot say "present but empty"); ``without_empty_classes`` gives the document a
reader gets back. Numbers are written without exponent; dates as 102 (CCYYMMDD), date-times as
204 (CCYYMMDDHHMMSS) in UTC.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from singlewindow.datamodel.codecs.edifact_rules import (
    DATE,
    EACH,
    SPREAD,
    TEXT,
    VALUE,
    CompiledProfile,
    CompiledSeg,
    CompiledSlot,
    Node,
)
from singlewindow.datamodel.datasets.base import DataSet

OutSegment = tuple[str, list[list[str]]]


def write_message(compiled: CompiledProfile, document: Any) -> list[OutSegment]:
    """The message body (between UNH and UNT) for ``document``, a data set or a stand-in with its attributes."""
    out: list[OutSegment] = []
    for section in compiled.sections:
        if section.opener:
            out.append(("UNS", [[section.opener]]))
        _write_level(section, document, out, 0)
    return out


def _write_level(node: Node, obj: Any, out: list[OutSegment], position: int) -> None:
    for seg in node.segments:
        built = _build(seg, obj, position, force=False)
        if built is not None:
            out.append(built)
    for group in node.groups:
        items = _get(obj, group.attrs) or ()
        written = 0
        for item in items:
            if not has_values(item):
                continue
            written += 1
            assert group.trigger is not None
            built = _build(group.trigger, item, written, force=True)
            assert built is not None
            out.append(built)
            _write_level(group, item, out, written)


def _build(seg: CompiledSeg, obj: Any, position: int, *, force: bool) -> OutSegment | None:
    elements: list[list[str]] = []
    carries = False
    for slot in seg.slots:
        value = _get(obj, slot.attrs)
        if value is None or value == []:
            continue
        if slot.implied and value == position:
            continue  # the reader infers a sequence number that equals the position
        carries = True
        _place(elements, slot, value)
    if not carries and not force and not seg.required:
        return None
    for (element, component), code in zip(seg.positions, seg.rule.qualifier, strict=True):
        _set(elements, element, component, code)
    for element, component, code in seg.rule.fixed:
        _set(elements, element, component, code)
    if not carries and seg.rule.marker is not None:
        _set(elements, *seg.rule.marker)
    return seg.rule.tag, elements


def _place(elements: list[list[str]], slot: CompiledSlot, value: Any) -> None:
    kind = slot.kind
    if kind == TEXT:
        _set(elements, slot.element, slot.component, text_of(value))
    elif kind == SPREAD:
        for offset, piece in enumerate(spread(str(value), slot.span, slot.width)):
            _set(elements, slot.element, slot.component + offset, piece)
    elif kind == VALUE:
        _set(elements, slot.element, slot.component, text_of(getattr(value, "value")))  # noqa: B009
        unit = getattr(value, slot.unit_attr)
        if unit is not None:
            _set(elements, slot.element, slot.second, unit)
    elif kind == DATE:
        text, code = dtm_of(value)
        _set(elements, slot.element, slot.component, text)
        _set(elements, slot.element, slot.second, code)
    elif kind == EACH:
        number = slot.element
        for item in value:
            parts = [_get(item, (name,)) for name in slot.fields_attr]
            if all(part is None for part in parts):
                continue
            for index, part in enumerate(parts):
                if part is not None:
                    _set(elements, number, index + 1, text_of(part))
            number += 1
    else:  # LINK
        _set(elements, slot.element, slot.component, str(value))


def _set(elements: list[list[str]], element: int, component: int, value: str) -> None:
    while len(elements) < element:
        elements.append([])
    components = elements[element - 1]
    while len(components) < component:
        components.append("")
    components[component - 1] = value


def _get(obj: Any, attrs: Sequence[str]) -> Any:
    for name in attrs:
        obj = getattr(obj, name, None)
        if obj is None:
            return None
    return obj


def text_of(value: Any) -> str:
    if isinstance(value, Decimal):
        return format(value, "f")
    return str(value)


def spread(text: str, span: int, width: int) -> list[str]:
    """Cut text into at most ``span`` pieces of ``width`` characters, longer pieces when it does not fit."""
    size = max(width, -(-len(text) // span))
    return [text[start:start + size] for start in range(0, len(text), size)]


def dtm_of(value: date) -> tuple[str, str]:
    """102 for a date; 304 with zone UTC for a date-time that has a zone; 204 for one that has none."""
    if isinstance(value, datetime):
        moment = value.astimezone(UTC) if value.tzinfo else value
        text = (f"{moment.year:04d}{moment.month:02d}{moment.day:02d}"
                f"{moment.hour:02d}{moment.minute:02d}{moment.second:02d}")
        return (f"{text}UTC", "304") if value.tzinfo else (text, "204")
    return f"{value.year:04d}{value.month:02d}{value.day:02d}", "102"


def has_values(value: Any) -> bool:
    """Whether a data set (or a stand-in wrapping one) holds any value, however deep."""
    if value is None:
        return False
    if isinstance(value, list):
        return any(has_values(item) for item in value)
    wrapped = getattr(value, "wrapped", None)
    if isinstance(wrapped, DataSet):
        return has_values(wrapped)
    if isinstance(value, DataSet):
        return any(has_values(getattr(value, name)) for name in type(value).model_fields)
    return True


def without_empty_classes(model: DataSet) -> DataSet:
    """The same document without classes that hold no value: what an EDIFACT round trip gives back."""
    return type(model).model_validate(_pruned(model))


def _pruned(model: DataSet) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for name in type(model).model_fields:
        value = getattr(model, name)
        if isinstance(value, DataSet):
            if has_values(value) or type(model).model_fields[name].is_required():
                result[name] = _pruned(value)
        elif isinstance(value, list):
            kept = [_pruned(item) if isinstance(item, DataSet) else item for item in value if has_values(item)]
            if kept:
                result[name] = kept
        elif value is not None:
            result[name] = value
    return result
