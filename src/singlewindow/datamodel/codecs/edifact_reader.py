"""Read one EDIFACT message into the data set's JSON shape by its profile, remembering where each value was.

Values are taken as written: a wrong code, number or date is left for schema validation to report,
and the origin kept here points that report at the segment, element and component it came from.
What the reader itself rejects is structure: a segment that has no place at that point of the
message, a segment given twice where one is allowed, sections out of order, a fixed code that
contradicts the data set. Positions a profile does not list (code-list agencies, for instance)
are ignored.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from typing import Any

from singlewindow.datamodel.codecs.edifact_rules import (
    DATE,
    EACH,
    KEY_AT,
    LINK,
    SPREAD,
    TEXT,
    VALUE,
    CompiledProfile,
    CompiledSeg,
    CompiledSlot,
    Node,
)
from singlewindow.datamodel.codecs.edifact_syntax import MAX_ISSUES, Message, Segment, segment_pointer
from singlewindow.datamodel.identifiers import is_digits
from singlewindow.datamodel.issues import Issue

# code -> (English, Traditional Chinese); the texts are filled per issue.
CODES: dict[str, tuple[str, str]] = {
    "syntax.edifact.unexpected_segment": (
        "Segment {what} has no place here in a {message} message of this profile.",
        "此處的 {what} 區段不屬於本規格的 {message} 訊息結構。"),
    "syntax.edifact.repeated_segment": (
        "Segment {what} may occur only once here; it was already given.",
        "{what} 區段在此只能出現一次，但已重複出現。"),
    "syntax.edifact.section": (
        "UNS+{what} does not open a section that may follow here.",
        "UNS+{what} 不是此處可接續的訊息段落。"),
    "syntax.edifact.fixed_code": (
        "The code here must be {what} for a {message} of this data set.",
        "此處代碼必須為 {what}（{message}）。"),
    "syntax.edifact.message_count": (
        "The interchange must hold exactly one {message} message; it holds {what}.",
        "交換檔必須恰有一個 {message} 訊息，實有 {what} 個。"),
    "syntax.edifact.data_set": (
        "UN/EDIFACT does not carry the {what} data set.",
        "UN/EDIFACT 格式不適用於 {what} 資料集。"),
    "syntax.edifact.master_reference": (
        "This house bill names master bill {what}, which no earlier master bill in the message has.",
        "此分提單所指的主提單 {what} 不在訊息中先前的主提單之列。"),
}


def codec_issue(code: str, pointer: str, *, what: str = "", message: str = "") -> Issue:
    en, zh = CODES[code]
    return Issue(code, pointer, en.format(what=what, message=message), zh.format(what=what, message=message))


Where = tuple[int, str, int | None, int | None]
"""A position kept while reading (segment number, tag, element, component), made text when asked for."""


class Origins(Mapping[str, str]):
    """JSON pointer -> ``segment N (TAG), element E, component C``, formatted only when looked up.

    A ten-item declaration has hundreds of locations and most are never asked for, so the reader
    keeps positions and this mapping writes the text of the few that an error report needs. When
    decoding took the fast path (``edifact_fast``), not even the positions exist until a report
    asks for one: ``load`` then reads the interchange again, recording them.
    """

    __slots__ = ("_load", "_raw")

    def __init__(self, raw: dict[str, Where] | None = None, *, load: Callable[[], dict[str, Where]] | None = None):
        if (raw is None) == (load is None):
            raise TypeError("give either the positions or the function that records them")
        self._raw = raw
        self._load = load

    @property
    def raw(self) -> dict[str, Where]:
        """The positions; recorded on first use when decoding deferred them (the message read again)."""
        if self._raw is None:
            assert self._load is not None
            self._raw = self._load()
            self._load = None
        return self._raw

    def __getitem__(self, pointer: str) -> str:
        return segment_pointer(*self.raw[pointer])

    def __contains__(self, pointer: object) -> bool:
        return pointer in self.raw

    def __iter__(self) -> Iterator[str]:
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


class _Frame:
    """An open level while reading: the rules in force, the object being filled, what it already has."""

    __slots__ = ("lookup", "node", "obj", "pointer", "seen")

    def __init__(self, node: Node, obj: dict[str, Any], pointer: str):
        self.node = node
        self.lookup = node.lookup
        self.obj = obj
        self.pointer = pointer
        self.seen: set[tuple[str | None, ...]] = set()


def read_message(message: Message, compiled: CompiledProfile, decimal_mark: str = ".",
                 ) -> tuple[dict[str, Any], dict[str, Where], list[Issue]]:
    """The document, where each location came from, and every structural issue."""
    document: dict[str, Any] = {}
    header = message.header
    origins: dict[str, Where] = {"": (header.position, header.tag, None, None)}
    issues: list[Issue] = []
    reader = _Reader(compiled, document, origins, issues, decimal_mark)
    for segment in message.segments:
        if len(issues) >= MAX_ISSUES:
            break
        reader.take(segment)
    return document, origins, issues[:MAX_ISSUES]


_FIRST = ((1, 1),)
_QUALIFIED_FIRST = frozenset(tag for tag, positions in KEY_AT.items() if positions == _FIRST)
"""Most segments: the qualifier is the first value."""


def _key(segment: Segment, positions: tuple[tuple[int, int], ...]) -> tuple[str | None, ...]:
    elements = segment.elements
    values: list[str | None] = [segment.tag]
    for element, component in positions:
        value = None
        if element <= len(elements):
            parts = elements[element - 1]
            if component <= len(parts):
                value = parts[component - 1] or None
        values.append(value)
    return tuple(values)


class _Reader:
    def __init__(self, compiled: CompiledProfile, document: dict[str, Any], origins: dict[str, Where],
                 issues: list[Issue], decimal_mark: str):
        self.compiled = compiled
        self.document = document
        self.origins = origins
        self.issues = issues
        self.comma = decimal_mark == ","
        self.section = 0
        self.stack = [_Frame(compiled.sections[0], document, "")]

    def take(self, segment: Segment) -> None:
        tag = segment.tag
        if tag == "UNS":
            self._switch(segment)
            return
        if tag in _QUALIFIED_FIRST:
            elements = segment.elements
            key: tuple[str | None, ...] = (tag, (elements[0][0] or None) if elements else None)
        else:
            positions = KEY_AT.get(tag)
            if positions is None:
                self._unexpected(segment, tag)
                return
            key = _key(segment, positions)
        stack = self.stack
        depth = len(stack) - 1
        while depth >= 0:
            found = stack[depth].lookup.get(key)
            if found is not None:
                break
            depth -= 1
        else:
            self._unexpected(segment, "+".join(part or "" for part in key))
            return
        if depth < len(stack) - 1:
            del stack[depth + 1:]
        frame = stack[depth]
        if isinstance(found, Node):
            self._open(found, frame, segment)
        elif key in frame.seen:
            self.issues.append(codec_issue("syntax.edifact.repeated_segment", segment.pointer(),
                                           what="+".join(part or "" for part in key)[:40]))
        else:
            frame.seen.add(key)
            self._fill(found, segment, frame.obj, frame.pointer)

    def _switch(self, segment: Segment) -> None:
        code = segment.element(1) or ""
        sections = self.compiled.sections
        for index in range(self.section + 1, len(sections)):
            if sections[index].opener == code:
                self.section = index
                self.stack = [_Frame(sections[index], self.document, "")]
                return
        self.issues.append(codec_issue("syntax.edifact.section", segment.pointer(1), what=code[:3]))

    def _unexpected(self, segment: Segment, what: str) -> None:
        self.issues.append(codec_issue("syntax.edifact.unexpected_segment", segment.pointer(),
                                       what=what[:40], message=self.compiled.profile.message))

    def _open(self, node: Node, frame: _Frame, segment: Segment) -> None:
        where: Where = (segment.position, segment.tag, None, None)
        items = self._container(frame.obj, frame.pointer, node.parts, where)
        index = len(items)
        obj: dict[str, Any] = {}
        items.append(obj)
        pointer = f"{frame.pointer}{node.suffix}/{index}"
        self.origins[pointer] = where
        implied = node.implied
        if implied is not None:
            obj[implied.parts[0]] = index + 1
            self.origins[pointer + implied.suffix] = where
        self.stack.append(_Frame(node, obj, pointer))
        assert node.trigger is not None
        self._fill(node.trigger, segment, obj, pointer)

    def _container(self, obj: dict[str, Any], pointer: str, parts: tuple[str, ...], where: Where) -> Any:
        """The list at ``parts`` (created with any single classes on the way), for a group or Each."""
        for part in parts[:-1]:
            pointer = f"{pointer}/{part}"
            child = obj.get(part)
            if child is None:
                child = obj[part] = {}
                self.origins[pointer] = where
            obj = child
        items = obj.get(parts[-1])
        if items is None:
            items = obj[parts[-1]] = []
            self.origins[f"{pointer}/{parts[-1]}"] = where
        return items

    def _fill(self, seg: CompiledSeg, segment: Segment, obj: dict[str, Any], pointer: str) -> None:
        position, tag, elements = segment.position, segment.tag, segment.elements
        count = len(elements)
        origins = self.origins
        if seg.fixed:
            self._check_fixed(seg, segment)
        for parts in seg.required:
            if parts[0] not in obj:
                obj[parts[0]] = {}
                origins[f"{pointer}/{parts[0]}"] = (position, tag, None, None)
        for number, component, name, suffix, numeric in seg.plain:
            if number <= count:
                components = elements[number - 1]
                if component <= len(components) and components[component - 1]:
                    text = components[component - 1]
                    obj[name] = text.replace(",", ".") if numeric and self.comma else text
                    origins[pointer + suffix] = (position, tag, number, component)
        for slot in seg.others:
            number = slot.element
            if number > count:
                continue
            components = elements[number - 1]
            kind = slot.kind
            if kind == TEXT:
                component = slot.component
                if component > len(components) or not components[component - 1]:
                    continue
                value: Any = components[component - 1]
                if self.comma and slot.numeric:
                    value = value.replace(",", ".")
            elif kind == VALUE:
                value = self._value(components, slot)
                if value is None:
                    continue
            else:
                value = self._other(kind, components, slot, segment, obj, pointer)
                if value is None:
                    continue
            parts = slot.parts
            if len(parts) == 1:
                obj[parts[0]] = value
            else:
                obj_at = obj
                for part, prefix in zip(parts[:-1], slot.prefixes, strict=False):
                    child = obj_at.get(part)
                    if child is None:
                        child = obj_at[part] = {}
                        origins[pointer + prefix] = (position, tag, None, None)
                    obj_at = child
                obj_at[parts[-1]] = value
            here = pointer + slot.suffix
            origins[here] = (position, tag, number, slot.component)
            if kind == VALUE:
                if "value" in value:
                    origins[here + "/value"] = (position, tag, number, slot.component)
                if slot.unit_json in value:
                    origins[f"{here}/{slot.unit_json}"] = (position, tag, number, slot.second)

    def _other(self, kind: int, components: tuple[str, ...], slot: CompiledSlot, segment: Segment,
               obj: dict[str, Any], pointer: str) -> Any:
        """Spread text, dates, links and Each: the value to put, or None (Each puts its own)."""
        start = slot.component - 1
        if kind == SPREAD:
            return "".join(components[start:start + slot.span]) or None
        if kind == DATE:
            text = components[start] if start < len(components) else ""
            code = components[slot.second - 1] if slot.second <= len(components) else ""
            return iso_date(text, code or None) if text else None
        if kind == LINK:
            return (components[start] if start < len(components) else "") or None
        assert kind == EACH
        self._each(segment, slot, obj, pointer)
        return None

    def _check_fixed(self, seg: CompiledSeg, segment: Segment) -> None:
        for element, component, code in seg.rule.fixed:
            given = segment.component(element, component)
            if given is not None and given != code:
                self.issues.append(codec_issue("syntax.edifact.fixed_code", segment.pointer(element, component),
                                               what=code, message=self.compiled.profile.message))

    def _value(self, components: tuple[str, ...], slot: CompiledSlot) -> dict[str, str] | None:
        size = len(components)
        number = components[slot.component - 1] if slot.component <= size else ""
        unit = components[slot.second - 1] if slot.second <= size else ""
        if not number and not unit:
            return None
        value: dict[str, str] = {}
        if number:
            value["value"] = number.replace(",", ".") if self.comma else number
        if unit:
            value[slot.unit_json] = unit
        return value

    def _each(self, segment: Segment, slot: CompiledSlot, obj: dict[str, Any], pointer: str) -> None:
        """Instances written one per element (a commodity's classifications in CST)."""
        elements = segment.elements
        position, tag = segment.position, segment.tag
        items: list[Any] | None = None
        base = pointer + slot.suffix
        for number in range(slot.element, len(elements) + 1):
            components = elements[number - 1]
            if not any(components):
                continue
            if items is None:
                items = self._container(obj, pointer, slot.parts, (position, tag, None, None))
            here = f"{base}/{len(items)}"
            item: dict[str, str] = {}
            self.origins[here] = (position, tag, number, None)
            for index, name in enumerate(slot.fields_json):
                if index < len(components) and components[index]:
                    item[name] = components[index]
                    self.origins[f"{here}/{name}"] = (position, tag, number, index + 1)
            items.append(item)


def iso_date(value: str, code: str | None) -> str:
    """ISO 8601 text for DTM formats 102 (date), 203/204 (date-time, no zone) and 303/304 (with a zone).

    The data sets read a date-time without zone as UTC.

    Anything else is handed on as written, so that schema validation reports it where it stands.
    """
    if code in ("303", "304"):
        size = 12 if code == "303" else 14
        digits, zone = value[:size], _zone(value[size:])
        if len(digits) == size and is_digits(digits) and zone is not None:
            seconds = digits[12:14] if size == 14 else "00"
            return f"{digits[:4]}-{digits[4:6]}-{digits[6:8]}T{digits[8:10]}:{digits[10:12]}:{seconds}{zone}"
        return value
    if not is_digits(value):
        return value
    if len(value) == 8 and code in (None, "102"):
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}"
    if len(value) == 12 and code in (None, "203"):
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}T{value[8:10]}:{value[10:12]}:00"
    if len(value) == 14 and code in (None, "204"):
        return f"{value[:4]}-{value[4:6]}-{value[6:8]}T{value[8:10]}:{value[10:12]}:{value[12:14]}"
    return value


def _zone(text: str) -> str | None:
    """A DTM time zone (``UTC``, ``Z``, ``+08``, ``+0800``) as an ISO offset."""
    if text in ("", "Z", "UTC", "GMT"):
        return "+00:00"
    if len(text) in (3, 5) and text[0] in "+-" and is_digits(text[1:]):
        return f"{text[:3]}:{text[3:5] or '00'}"
    return None
