"""The declarative EDIFACT mapping: which segment, qualifier and position carries each harmonised field.

A profile (one per message: CUSDEC, CUSCAR, CUSRES) is a tree of rules shaped like the data set:

* a ``Seg`` is one segment, known by its tag and qualifier, whose slots hold values of the object
  it belongs to (a slot's path may step into nested single classes: ``commodity/goodsMeasure/...``);
* a ``Group`` is a repeating class: each occurrence of its trigger segment opens one instance, and
  the segments and groups after it belong to that instance until a segment of an outer level comes;
* a ``Section`` is the part of a message between UNS segments (CUSDEC's header, detail and summary).

The reader, the writer and ``docs/edifact.md`` all work from these tables. ``compile_profile``
checks a profile against its data set when the module is imported: every path must name a field of
the right kind and no two rules at one level may share a segment key, so a table cannot drift from
the data sets unnoticed.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache

from singlewindow.datamodel.datasets.base import DataSet
from singlewindow.datamodel.datasets.shape import FieldShape, Kind, shape_of

# Where each segment keeps the qualifier(s) that tell its occurrences apart (element, component).
# A segment without a qualifier occurs at most once per level, or opens a group every time.
KEY_AT: dict[str, tuple[tuple[int, int], ...]] = {
    "ALC": ((1, 1),),
    "BGM": (),
    "CNI": (),
    "CNT": ((1, 1),),
    "CST": (),
    "CUX": ((1, 1),),
    "DOC": (),
    "DTM": ((1, 1),),
    "EQD": ((1, 1),),
    "ERC": (),
    "ERP": (),
    "FTX": ((1, 1),),
    "GID": (),
    "GIS": ((1, 2),),
    "LOC": ((1, 1),),
    "MEA": ((1, 1), (2, 1)),
    "MOA": ((1, 1),),
    "NAD": ((1, 1),),
    "PCI": (),
    "PIA": ((1, 1),),
    "RFF": ((1, 1),),
    "SEL": (),
    "TAX": ((1, 1),),
    "TDT": ((1, 1),),
    "TOD": (),
}

SegmentKey = tuple[str | None, ...]


# --------------------------------------------------------------------------------------------
# The rules, as the profiles write them
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A scalar (text, code, number) at one component; or text spread over ``span`` components.

    Spread text is cut into pieces of ``width`` characters (the directory length of one
    component); text too long for ``span`` such pieces is cut into ``span`` longer ones, so
    nothing is lost. ``implied`` marks a sequence number that defaults to the record's position.
    """

    path: str
    element: int
    component: int = 1
    span: int = 1
    width: int = 35
    implied: bool = False


@dataclass(frozen=True)
class Value:
    """An amount, measure or quantity: the number and its currency or unit, in one composite."""

    path: str
    element: int
    number: int
    unit: int


@dataclass(frozen=True)
class When:
    """A date (format 102, CCYYMMDD) or a date-time (304 with zone, 204 without) and its format code."""

    path: str
    element: int
    value: int = 2
    format: int = 3


@dataclass(frozen=True)
class Each:
    """A repeating class written one instance per element from ``element`` on, fields in component order."""

    path: str
    element: int
    fields: tuple[str, ...]


@dataclass(frozen=True)
class Link:
    """A value that is not a data-set field but ties records together (a house bill's master bill)."""

    key: str
    element: int
    component: int = 1


Slot = Text | Value | When | Each | Link


@dataclass(frozen=True)
class Seg:
    """One segment: tag, qualifier values (at ``KEY_AT``), the slots it carries and what it means.

    ``fixed`` values are always written and, when a sender gives them, must match. ``marker`` is
    written only when the segment would otherwise be empty (a record opened by a segment that has
    no qualifier and none of whose values are given): an agreed code in a position nothing else uses.
    """

    tag: str
    qualifier: tuple[str, ...] = ()
    slots: tuple[Slot, ...] = ()
    meaning: str = ""
    fixed: tuple[tuple[int, int, str], ...] = ()
    marker: tuple[int, int, str] | None = None


@dataclass(frozen=True)
class Group:
    """A repeating class: ``path`` names the list field, ``trigger`` opens each instance."""

    path: str
    trigger: Seg
    segments: tuple[Seg, ...] = ()
    groups: tuple[Group, ...] = ()
    meaning: str = ""


@dataclass(frozen=True)
class Section:
    """A message section; ``opener`` is the UNS section identification that starts it (None: the first)."""

    name: str
    opener: str | None
    segments: tuple[Seg, ...] = ()
    groups: tuple[Group, ...] = ()


@dataclass(frozen=True)
class Profile:
    message: str
    model: type[DataSet]
    sections: tuple[Section, ...]
    title: str = ""


# --------------------------------------------------------------------------------------------
# The compiled form the reader and writer use
# --------------------------------------------------------------------------------------------

TEXT, SPREAD, VALUE, DATE, EACH, LINK = range(6)


@dataclass(frozen=True, slots=True)
class CompiledSlot:
    kind: int
    parts: tuple[str, ...]
    """JSON names from the owning object to the field."""
    attrs: tuple[str, ...]
    """The same path as Python attribute names."""
    element: int
    component: int
    span: int = 1
    width: int = 35
    second: int = 0
    """The unit / currency component of a value, or the format component of a date."""
    unit_json: str = ""
    unit_attr: str = ""
    numeric: bool = False
    """Decimal numbers: a sender's decimal comma is read as a point."""
    implied: bool = False
    fields_json: tuple[str, ...] = ()
    fields_attr: tuple[str, ...] = ()
    rule: Slot | None = None
    suffix: str = ""
    """The JSON pointer from the owning object to the field (``/commodity/description``)."""
    prefixes: tuple[str, ...] = ()
    """The pointers of the single classes crossed on the way."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "suffix", "".join(f"/{p}" for p in self.parts))
        object.__setattr__(self, "prefixes", tuple("".join(f"/{p}" for p in self.parts[:i])
                                                   for i in range(1, len(self.parts))))


@dataclass(frozen=True, slots=True)
class CompiledSeg:
    key: SegmentKey
    rule: Seg
    slots: tuple[CompiledSlot, ...]
    positions: tuple[tuple[int, int], ...]
    required: tuple[tuple[str, ...], ...] = ()
    """Required classes this segment stands for: written even when empty, created when read."""
    plain: tuple[tuple[int, int, str, str, bool], ...] = ()
    """The reader's fast path: (element, component, JSON name, pointer suffix, numeric) of single-name text slots."""
    others: tuple[CompiledSlot, ...] = ()
    """Every other slot."""
    fixed: bool = False
    """Whether the rule fixes a code somewhere in the segment."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "fixed", bool(self.rule.fixed))
        plain = tuple((s.element, s.component, s.parts[0], s.suffix, s.numeric) for s in self.slots
                      if s.kind == TEXT and len(s.parts) == 1)
        object.__setattr__(self, "plain", plain)
        object.__setattr__(self, "others", tuple(s for s in self.slots if not (s.kind == TEXT and len(s.parts) == 1)))


@dataclass(slots=True)
class Node:
    """A level of the tree: a section or a group, with the keys of everything that may occur in it."""

    name: str
    parts: tuple[str, ...] = ()
    attrs: tuple[str, ...] = ()
    model: type[DataSet] | None = None
    trigger: CompiledSeg | None = None
    segments: tuple[CompiledSeg, ...] = ()
    groups: tuple[Node, ...] = ()
    lookup: dict[SegmentKey, CompiledSeg | Node] = field(default_factory=dict)
    implied: CompiledSlot | None = None
    opener: str | None = None
    rule: Group | Section | None = None
    suffix: str = ""


@dataclass(frozen=True)
class CompiledProfile:
    profile: Profile
    sections: tuple[Node, ...]


class ProfileError(Exception):
    """A mapping table that does not fit its data set: a programming error, caught at import time."""


def key_of(tag: str, qualifier: tuple[str, ...]) -> SegmentKey:
    return (tag, *qualifier)


def compile_profile(profile: Profile) -> CompiledProfile:
    sections = tuple(_compile_level(section.name, profile.model, section.segments, section.groups, section)
                     for section in profile.sections)
    for node, section in zip(sections, profile.sections, strict=True):
        node.opener = section.opener
    return CompiledProfile(profile, sections)


def _compile_level(name: str, model: type[DataSet], segments: tuple[Seg, ...], groups: tuple[Group, ...],
                   rule: Group | Section) -> Node:
    node = Node(name=name, model=model, rule=rule)
    node.segments = tuple(_compile_seg(seg, model) for seg in segments)
    node.groups = tuple(_compile_group(group, model) for group in groups)
    entries: list[tuple[SegmentKey, CompiledSeg | Node]] = [(seg.key, seg) for seg in node.segments]
    entries += [(group.trigger.key, group) for group in node.groups if group.trigger is not None]
    for key, item in entries:
        if key in node.lookup:
            raise ProfileError(f"{name}: two rules for segment {key}")
        node.lookup[key] = item
    implied = [s for seg in node.segments for s in seg.slots if s.implied]
    if len(implied) > 1:
        raise ProfileError(f"{name}: more than one implied sequence number")
    node.implied = implied[0] if implied else None
    return node


def _compile_group(group: Group, parent: type[DataSet]) -> Node:
    parts, attrs, shape, _ = resolve(parent, group.path)
    if shape.kind is not Kind.CLASS or not shape.repeats or shape.model is None:
        raise ProfileError(f"group {group.path}: not a repeating class")
    node = _compile_level(group.path, shape.model, group.segments, group.groups, group)
    node.parts, node.attrs = parts, attrs
    node.suffix = "".join(f"/{p}" for p in parts)
    node.trigger = _compile_seg(group.trigger, shape.model)
    if node.trigger.key in node.lookup:
        raise ProfileError(f"group {group.path}: its trigger also occurs inside it")
    if node.trigger.slots and node.trigger.slots[0].implied:
        raise ProfileError(f"group {group.path}: the trigger cannot carry an implied sequence")
    if not _never_empty(node, shape.model):
        raise ProfileError(f"group {group.path}: its trigger could be written empty; give it a marker")
    return node


def _never_empty(node: Node, model: type[DataSet]) -> bool:
    """A trigger is never empty when it has a qualifier, a marker or a required value, or holds everything."""
    trigger = node.trigger
    assert trigger is not None
    if len(trigger.key) > 1 or trigger.rule.marker or trigger.rule.fixed:
        return True
    required = {f.json_name for f in shape_of(model) if f.required}
    if any(len(s.parts) == 1 and s.parts[0] in required for s in trigger.slots):
        return True
    return not node.segments and not node.groups


def _compile_seg(seg: Seg, model: type[DataSet]) -> CompiledSeg:
    positions = KEY_AT.get(seg.tag)
    if positions is None:
        raise ProfileError(f"segment {seg.tag}: no qualifier positions known (add it to KEY_AT)")
    if len(positions) != len(seg.qualifier):
        raise ProfileError(f"segment {seg.tag}: qualifier {seg.qualifier} does not fit {positions}")
    slots = tuple(_compile_slot(slot, model, seg) for slot in seg.slots)
    # Only a qualified segment can stand for a class that is present but empty.
    required = tuple(sorted({path for slot in seg.slots if (path := _required_class(model, slot, seg))}))
    return CompiledSeg(key_of(seg.tag, seg.qualifier), seg, slots, positions, required)


def _required_class(model: type[DataSet], slot: Slot, seg: Seg) -> tuple[str, ...] | None:
    """The path of the outermost required single class the slot's path starts with, if any."""
    if isinstance(slot, Link) or not seg.qualifier:
        return None
    first = _by_json_name(model).get(slot.path.split("/", 1)[0])
    if first is not None and first.required and first.kind is Kind.CLASS and not first.repeats and "/" in slot.path:
        return (first.json_name,)
    return None


def _compile_slot(slot: Slot, model: type[DataSet], seg: Seg) -> CompiledSlot:
    where = f"{seg.tag}+{'+'.join(seg.qualifier)} {getattr(slot, 'path', getattr(slot, 'key', ''))}"
    if isinstance(slot, Link):
        return CompiledSlot(LINK, (slot.key,), (slot.key,), slot.element, slot.component, rule=slot)
    parts, attrs, shape, _ = resolve(model, slot.path)
    if isinstance(slot, Each):
        if shape.kind is not Kind.CLASS or not shape.repeats or shape.model is None:
            raise ProfileError(f"{where}: Each needs a repeating class")
        inner = {f.json_name: f for f in shape_of(shape.model)}
        if any(name not in inner or inner[name].kind is not Kind.SCALAR for name in slot.fields):
            raise ProfileError(f"{where}: Each fields must be scalars of {shape.model.__name__}")
        return CompiledSlot(EACH, parts, attrs, slot.element, 1, fields_json=slot.fields,
                            fields_attr=tuple(inner[name].name for name in slot.fields), rule=slot)
    if shape.repeats:
        raise ProfileError(f"{where}: a repeating field needs a Group or Each")
    if isinstance(slot, Value):
        if shape.kind is not Kind.VALUE or shape.model is None:
            raise ProfileError(f"{where}: Value needs an amount, measure or quantity")
        [unit] = [f for f in shape_of(shape.model) if f.name != "value"]
        return CompiledSlot(VALUE, parts, attrs, slot.element, slot.number, second=slot.unit,
                            unit_json=unit.json_name, unit_attr=unit.name, numeric=True, rule=slot)
    if isinstance(slot, When):
        if shape.kind is not Kind.DATE:
            raise ProfileError(f"{where}: When needs a date field")
        return CompiledSlot(DATE, parts, attrs, slot.element, slot.value, second=slot.format, rule=slot)
    if shape.kind is not Kind.SCALAR:
        raise ProfileError(f"{where}: Text needs a scalar field, not {shape.kind.value}")
    if slot.span > 1 and shape.scalar != "text":
        raise ProfileError(f"{where}: only text can be spread")
    return CompiledSlot(SPREAD if slot.span > 1 else TEXT, parts, attrs, slot.element, slot.component,
                        span=slot.span, width=slot.width, numeric=shape.scalar == "decimal",
                        implied=slot.implied, rule=slot)


@cache
def _by_json_name(model: type[DataSet]) -> dict[str, FieldShape]:
    return {f.json_name: f for f in shape_of(model)}


def resolve(model: type[DataSet], path: str) -> tuple[tuple[str, ...], tuple[str, ...], FieldShape, type[DataSet]]:
    """JSON names, attribute names and shape of the field at ``path``; single classes may be crossed."""
    parts = tuple(path.split("/"))
    attrs: list[str] = []
    current = model
    shape: FieldShape | None = None
    for index, name in enumerate(parts):
        shape = _by_json_name(current).get(name)
        if shape is None:
            raise ProfileError(f"{model.__name__}: no field {name!r} in {path!r}")
        attrs.append(shape.name)
        if index < len(parts) - 1:
            if shape.kind is not Kind.CLASS or shape.repeats or shape.model is None:
                raise ProfileError(f"{model.__name__}: {path!r} crosses {name!r}, which is not a single class")
            current = shape.model
    assert shape is not None
    return parts, tuple(attrs), shape, current


def join(base: str, path: str) -> str:
    return f"{base}/{path}" if base else path


# --------------------------------------------------------------------------------------------
# Coverage: which data-set fields a profile carries
# --------------------------------------------------------------------------------------------


def leaf_paths(model: type[DataSet], prefix: str = "") -> list[str]:
    """Every value-holding field of a data set as a path (``*`` for a list), in document order."""
    found: list[str] = []
    for shape in shape_of(model):
        here = f"{prefix}/{shape.json_name}" + ("/*" if shape.repeats else "")
        if shape.kind is Kind.CLASS and shape.model is not None:
            found.extend(leaf_paths(shape.model, here))
        else:
            found.append(here)
    return found


def covered_paths(compiled: CompiledProfile) -> list[str]:
    """The field paths a profile's slots carry (with repetitions, so a field mapped twice shows twice)."""
    found: list[str] = []
    for section in compiled.sections:
        _cover(section, "", found)
    return found


def _cover(node: Node, prefix: str, found: list[str]) -> None:
    trigger = (node.trigger,) if node.trigger else ()
    for seg in (*trigger, *node.segments):
        for slot in seg.slots:
            if slot.kind == LINK:
                continue
            here = prefix + "".join(f"/{p}" for p in slot.parts)
            if slot.kind == EACH:
                found.extend(f"{here}/*/{name}" for name in slot.fields_json)
            else:
                found.append(here)
    for group in node.groups:
        _cover(group, prefix + "".join(f"/{p}" for p in group.parts) + "/*", found)
