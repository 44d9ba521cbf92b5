"""The fast path of the EDIFACT reader: the document alone, from per-segment code generated once per profile.

``edifact_reader`` records, for every value, the segment, element and component it came from, and
reports every structural fault. Most messages have no fault, and their positions are never asked
for, so decoding first runs this reader, which builds only the document: each rule of the profile
is turned into a small Python function (generated when the profile is first read) that fills its
fields without generic loops. It gives up (returns None) at the first thing that is not plain
(a segment with no place, a repeated segment, a section out of order, a contradicted fixed code);
the full reader then reads the message again and reports what is wrong, so every issue comes from
one place. Positions are recorded by the full reader too, only when a report needs them.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from singlewindow.datamodel.codecs.edifact_reader import iso_date
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
    SegmentKey,
)
from singlewindow.datamodel.codecs.edifact_syntax import Message

Elements = tuple[tuple[str, ...], ...]
Fill = Callable[[Elements, dict[str, Any], bool], bool]
"""Puts a segment's values into the object; False when a fixed code is contradicted."""


Move = tuple[int, int, Fill, "_Level | None"]
"""Where a segment key leads from a level: the depth of the level that holds it, its bit there (0 for a
group's trigger, which may repeat), its fill function and, for a trigger, the group it opens."""


class _Level:
    """A section or group as the fast reader needs it: where each segment key leads from here.

    Every level the full reader would search (this one, then each enclosing one) is folded into
    ``moves``, innermost first, so one lookup replaces the search.
    """

    __slots__ = ("depth", "implied", "levels", "moves", "name", "opener", "parts")

    def __init__(self, node: Node, outer: _Level | None):
        self.parts = node.parts
        self.name = node.parts[0] if len(node.parts) == 1 else None
        """The list's name in the enclosing object, when the group's list is a field of it directly."""
        self.opener = node.opener
        self.implied = node.implied.parts[0] if node.implied is not None else None
        self.levels: tuple[_Level, ...] = (*(outer.levels if outer is not None else ()), self)
        """The open levels when this one is innermost, outermost first."""
        self.depth = len(self.levels) - 1
        self.moves: dict[SegmentKey, Move] = {}


_PLANS: dict[int, tuple[CompiledProfile, list[_Level]]] = {}


def read_document(message: Message, compiled: CompiledProfile, decimal_mark: str = ".") -> dict[str, Any] | None:
    """The document ``edifact_reader.read_message`` would build, or None when it would report an issue.

    The same walk as the full reader: a segment is looked up from the innermost open level outwards;
    a group's trigger opens a new instance, any other segment fills the level it was found at, once.
    """
    sections = _plan(compiled)
    comma = decimal_mark == ","
    document: dict[str, Any] = {}
    section = 0
    level = sections[0]
    objs: list[dict[str, Any]] = [document]  # the object being filled at each open depth
    seen: list[int] = [0]  # the bits of the segments already given at each open depth
    qualified_first, bare, keyers = _QUALIFIED_FIRST, _BARE, _KEYERS
    key: SegmentKey
    for tag, elements in message.body:
        if tag in qualified_first:
            key = (tag, (elements[0][0] or None) if elements else None)
        elif tag == "UNS":
            code = (elements[0][0] if elements and elements[0] else "") or ""
            for index in range(section + 1, len(sections)):
                if sections[index].opener == code:
                    section = index
                    level, objs, seen = sections[index], [document], [0]
                    break
            else:
                return None
            continue
        elif tag in bare:
            key = bare[tag]
        else:
            keyer = keyers.get(tag)
            if keyer is None:
                return None
            key = keyer(elements)
        move = level.moves.get(key)
        if move is None:
            return None
        depth, bit, fill, group = move
        if depth < level.depth:
            del objs[depth + 1:]
            del seen[depth + 1:]
            level = level.levels[depth]
        obj = objs[depth]
        if group is not None:
            name = group.name
            if name is None:
                items = _container(obj, group.parts)
            else:
                items = obj.get(name)
                if items is None:
                    items = obj[name] = []
            child: dict[str, Any] = {}
            if group.implied is not None:
                child[group.implied] = len(items) + 1
            items.append(child)
            objs.append(child)
            seen.append(0)
            level = group
            obj = child
        else:
            given = seen[depth]
            if given & bit:
                return None
            seen[depth] = given | bit
        if not fill(elements, obj, comma):
            return None
    return document


_QUALIFIED_FIRST = frozenset(tag for tag, positions in KEY_AT.items() if positions == ((1, 1),))
_BARE = {tag: (tag,) for tag, positions in KEY_AT.items() if not positions}
"""Segments told apart by their tag alone: the key is always the same."""


def _keyer(tag: str, positions: tuple[tuple[int, int], ...]) -> Callable[[Elements], SegmentKey]:
    """The key of a segment whose qualifiers sit elsewhere than first (``edifact_reader._key``), as code."""
    values = []
    for element, component in positions:
        values.append(f"((elements[{element - 1}][{component - 1}] or None) if len(elements) >= {element} "
                      f"and len(elements[{element - 1}]) >= {component} else None)")
    names: dict[str, Any] = {}
    exec(f"def key(elements): return ({tag!r}, {', '.join(values)})", names)  # noqa: S102 - from KEY_AT
    keyer: Callable[[Elements], SegmentKey] = names["key"]
    return keyer


_KEYERS = {tag: _keyer(tag, positions) for tag, positions in KEY_AT.items()
           if positions and positions != ((1, 1),)}


def _container(obj: dict[str, Any], parts: tuple[str, ...]) -> Any:
    for part in parts[:-1]:
        child = obj.get(part)
        if child is None:
            child = obj[part] = {}
        obj = child
    items = obj.get(parts[-1])
    if items is None:
        items = obj[parts[-1]] = []
    return items


# --------------------------------------------------------------------------------------------
# Generating the fill functions
# --------------------------------------------------------------------------------------------


def _plan(compiled: CompiledProfile) -> list[_Level]:
    known = _PLANS.get(id(compiled))
    if known is not None and known[0] is compiled:
        return known[1]
    levels = [_level(section) for section in compiled.sections]
    for level in levels:
        _inherit(level)
    _PLANS[id(compiled)] = (compiled, levels)
    return levels


def _level(node: Node, outer: _Level | None = None) -> _Level:
    """The level of ``node`` and, below it, its groups', each with its own moves only."""
    level = _Level(node, outer)
    for bit, (key, item) in enumerate(node.lookup.items()):
        if isinstance(item, Node):
            assert item.trigger is not None
            level.moves[key] = (level.depth, 0, _fill_function(item.trigger), _level(item, level))
        else:
            level.moves[key] = (level.depth, 1 << bit, _fill_function(item), None)
    return level


def _inherit(level: _Level) -> None:
    """Give each group below ``level`` the moves of the levels around it, the nearest first."""
    for depth, _bit, _fill, group in list(level.moves.values()):
        if group is not None and depth == level.depth:
            for key, move in level.moves.items():
                group.moves.setdefault(key, move)
            _inherit(group)


def _fill_function(seg: CompiledSeg) -> Fill:
    """Python source doing what ``edifact_reader._Reader._fill`` does for this rule, minus the positions."""
    lines = ["def fill(elements, obj, comma):", "    count = len(elements)"]
    for element, component, code in seg.rule.fixed:
        lines += [f"    if count >= {element}:",
                  f"        cs = elements[{element - 1}]",
                  f"        if len(cs) >= {component} and cs[{component - 1}] and cs[{component - 1}] != {code!r}:",
                  "            return False"]
    for parts in seg.required:
        lines.append(f"    if {parts[0]!r} not in obj: obj[{parts[0]!r}] = {{}}")
    for number, component, name, _suffix, numeric in seg.plain:
        value = "(v.replace(',', '.') if comma else v)" if numeric else "v"
        lines += [f"    if count >= {number}:",
                  f"        cs = elements[{number - 1}]",
                  f"        if len(cs) >= {component}:",
                  f"            v = cs[{component - 1}]",
                  f"            if v: obj[{name!r}] = {value}"]
    names: dict[str, Any] = {"iso_date": iso_date, "_each": _each}
    for index, slot in enumerate(seg.others):
        names[f"slot{index}"] = slot
        lines += [f"    if count >= {slot.element}:",
                  f"        cs = elements[{slot.element - 1}]",
                  *("        " + line for line in _slot_lines(slot, f"slot{index}"))]
    lines.append("    return True")
    exec("\n".join(lines), names)  # noqa: S102 - source built above from the profile's own tables
    fill: Fill = names["fill"]
    return fill


def _slot_lines(slot: CompiledSlot, name: str) -> list[str]:
    """The body for one slot, with ``cs`` holding its element's components."""
    kind, start = slot.kind, slot.component - 1
    if kind == EACH:
        return [f"_each(elements, {name}, obj)"]
    if kind == TEXT:
        lines = [f"v = cs[{start}] if len(cs) > {start} else ''", "if v:"]
        if slot.numeric:
            lines.append("    v = v.replace(',', '.') if comma else v")
    elif kind == SPREAD:
        lines = [f"v = ''.join(cs[{start}:{start + slot.span}])", "if v:"]
    elif kind == DATE:
        second = slot.second - 1
        lines = [f"v = cs[{start}] if len(cs) > {start} else ''", "if v:",
                 f"    v = iso_date(v, (cs[{second}] if len(cs) > {second} else '') or None)"]
    elif kind == LINK:
        lines = [f"v = cs[{start}] if len(cs) > {start} else ''", "if v:"]
    else:
        assert kind == VALUE
        second = slot.second - 1
        lines = [f"n = cs[{start}] if len(cs) > {start} else ''",
                 f"u = cs[{second}] if len(cs) > {second} else ''",
                 "if n or u:",
                 "    v = {}",
                 "    if n: v['value'] = n.replace(',', '.') if comma else n",
                 f"    if u: v[{slot.unit_json!r}] = u"]
    target = "obj"
    for depth, part in enumerate(slot.parts[:-1]):
        inner = f"o{depth}"
        lines += [f"    {inner} = {target}.get({part!r})", f"    if {inner} is None:",
                  f"        {inner} = {target}[{part!r}] = {{}}"]
        target = inner
    lines.append(f"    {target}[{slot.parts[-1]!r}] = v")
    return lines


def _each(elements: Elements, slot: CompiledSlot, obj: dict[str, Any]) -> None:
    items: list[Any] | None = None
    names = slot.fields_json
    for number in range(slot.element, len(elements) + 1):
        components = elements[number - 1]
        if not any(components):
            continue
        if items is None:
            items = _container(obj, slot.parts)
        items.append({name: components[index] for index, name in enumerate(names)
                      if index < len(components) and components[index]})
