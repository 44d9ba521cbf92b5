"""One quick pass over a validated data set: the distinct codes to look up, the priced currencies, the size.

Most documents are valid, and a valid document's pointers are never shown. So the code-list layer
and the one-currency rule first ask only *whether* something is wrong: this pass visits each nested
class once, by a plan worked out once per class (which fields are coded, in which list, which fields
hold nested classes), builds no pointers and looks each distinct code up once. Only when it finds a
doubt does validation walk the document again with pointers (``walk``, ``check_codes``,
``check_rules``), so the issues reported are exactly those of the full walk.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Any

from singlewindow.datamodel.codelists import CodeLists
from singlewindow.datamodel.datasets.base import Amount, DataSet
from singlewindow.datamodel.datasets.common import Origin
from singlewindow.datamodel.datasets.shape import Kind, shape_of
from singlewindow.datamodel.validation.codes import NATIONAL_LISTS, _coded_fields, _hs_subheading

PLAIN, HS, DOCUMENT_TYPE, ORIGIN = range(4)
EXEMPT_FIELDS = frozenset({"dutyTaxFee", "obligationGuarantee"})
"""Amounts under these elements are in the national currency (see ``rules._one_currency``)."""


@dataclass(frozen=True, slots=True)
class Plan:
    """What the quick pass does at one class: its coded fields and where its nested classes are."""

    codes: tuple[tuple[str, str, int], ...]
    """(attribute, code list, how the value is read) of the coded fields."""
    national_codes: tuple[tuple[str, str, int], ...]
    """The same for a document lodged in Taiwan, with the national lists too."""
    singles: tuple[tuple[str, bool], ...]
    """(attribute, whether amounts below it are exempt from the one-currency rule)."""
    repeats: tuple[tuple[str, bool], ...]
    priced: bool
    """An amount: its currency must be the invoice's unless exempt."""


@cache
def plan_of(model: type[DataSet]) -> Plan:
    """The plan of a class, worked out from the same tables as the full walk."""
    codes: list[tuple[str, str, int]] = []
    for name, list_name in _coded_fields(model):
        if list_name == "hs2022":
            how = HS
        elif list_name == "document_type":
            how = DOCUMENT_TYPE
        elif issubclass(model, Origin):
            how = ORIGIN
        else:
            how = PLAIN
        codes.append((name, list_name, how))
    nested = [f for f in shape_of(model) if f.kind in (Kind.CLASS, Kind.VALUE)]
    return Plan(
        codes=tuple(c for c in codes if c[1] not in NATIONAL_LISTS),
        national_codes=tuple(codes),
        singles=tuple((f.name, f.json_name in EXEMPT_FIELDS) for f in nested if not f.repeats),
        repeats=tuple((f.name, f.json_name in EXEMPT_FIELDS) for f in nested if f.repeats),
        priced=issubclass(model, Amount),
    )


Visitor = Callable[[DataSet, int, set[tuple[str | None, str]]], int]
"""Visits one node: adds ``(list, code)`` pairs and ``(None, currency)`` of priced amounts to the set, and
answers how many elements the node and those below it were given."""


@dataclass(slots=True)
class Scan:
    """What the quick pass found: the distinct (list, code) pairs, and the currencies of priced amounts."""

    codes: set[tuple[str, str]]
    currencies: set[str]
    members: int
    """How many elements were given, over every nested class (a JSON object member each)."""

    def codes_known(self, code_lists: CodeLists) -> bool:
        """Whether every code is in its list; one lookup per distinct code."""
        return all(code_lists.contains(list_name, code) for list_name, code in self.codes)


def scan(document: DataSet, national: bool) -> Scan:
    """Every coded value (as ``codes._coded_values`` reads it) and every non-exempt amount's currency."""
    found: set[tuple[str | None, str]] = set()
    visitors = _NATIONAL if national else _INTERNATIONAL
    members = visitors[type(document)](document, 0, found)
    codes: set[tuple[str, str]] = set()
    currencies: set[str] = set()
    for list_name, code in found:
        if list_name is None:
            currencies.add(code)
        else:
            codes.add((list_name, code))
    return Scan(codes, currencies, members)


class _Visitors(dict[type[DataSet], Visitor]):
    """The visitor of each class, compiled from its plan the first time the class is met.

    A visitor is a small generated function: reading a dozen known fields straight from the
    instance costs far less than a generic loop over field tables, and nested classes are read in
    place by their parent, a few levels down (``INLINE_DEPTH``), instead of through calls.
    Exempt states: 0, priced amounts count; 1, exempt; 2, this node counts but those below it not.
    """

    def __init__(self, national: bool):
        super().__init__()
        self.national = national
        self._lock = threading.Lock()

    def __missing__(self, model: type[DataSet]) -> Visitor:
        with self._lock:
            visitor = self.get(model) or _compile(model, self)
            self[model] = visitor
        return visitor


def _compile(model: type[DataSet], visitors: _Visitors) -> Visitor:
    plan = plan_of(model)
    names: dict[str, object] = {"visitors": visitors, "hs_subheading": _hs_subheading}
    lines = ["def visit(node, exempt, found):", " d0 = node.__dict__", " add = found.add",
             " n = len(node.__pydantic_fields_set__)"]
    lines += _own(plan, "node", "d0", "exempt != 1", visitors.national, " ")
    lines += _nested(model, 0, "exempt", names, visitors.national, " ")
    namespace: dict[str, Any] = {}
    lines.append(" return n")
    exec(compile("\n".join(lines), f"<visitor {model.__name__}>", "exec"), names, namespace)  # noqa: S102 - our own source
    visitor: Visitor = namespace["visit"]
    return visitor


INLINE_DEPTH = 6
"""How many levels below its own class a visitor reads in place before calling the next visitor."""


def _nested(model: type[DataSet], depth: int, exempt: str, names: dict[str, object], national: bool,
            indent: str) -> list[str]:
    """Visit the nested classes of a ``model`` node whose values are in ``d{depth}``, in exempt state ``exempt``.

    A child of exactly its field's class is read in place, and so are its own children, down to
    ``INLINE_DEPTH`` levels (a call per node costs more than the node's own work); any other child,
    a subclass or one deeper down, is handed to its class's visitor.
    """
    plan = plan_of(model)
    shapes = {f.name: f.model for f in shape_of(model)}
    child, level = f"c{depth + 1}", depth + 1
    fields = [(name, exempting, False) for name, exempting in plan.singles]
    fields += [(name, exempting, True) for name, exempting in plan.repeats]
    lines: list[str] = []
    for name, exempting, repeats in fields:
        if repeats:
            state, counts = ("1", "False") if exempting else (f"1 if {exempt} else 0", f"{exempt} == 0")
            lines.append(f"{indent}for {child} in d{depth}[{name!r}] or ():")
        else:
            state = f"1 if {exempt} else 2" if exempting else f"1 if {exempt} else 0"
            counts = f"{exempt} == 0"
            lines += [f"{indent}{child} = d{depth}[{name!r}]", f"{indent}if {child} is not None:"]
        inner = indent + " "
        call = f"n += visitors[{child}.__class__]({child}, {state}, found)"
        declared = shapes.get(name)
        if declared is None or level > INLINE_DEPTH:
            lines.append(inner + call)
            continue
        key = f"M{len(names)}"
        names[key] = declared
        declared_plan = plan_of(declared)
        below = bool(declared_plan.singles or declared_plan.repeats)
        own = _own(declared_plan, child, f"d{level}", counts, national, inner + " ")
        lines.append(f"{inner}if {child}.__class__ is {key}:")
        if own or below:
            lines.append(f"{inner} d{level} = {child}.__dict__")
        lines.append(f"{inner} n += len({child}.__pydantic_fields_set__)")
        lines += own
        if below:
            lines.append(f"{inner} x{level} = {state}")
            lines += _nested(declared, level, f"x{level}", names, national, inner + " ")
        lines += [f"{inner}else:", f"{inner} {call}"]
    return lines


def _own(plan: Plan, node: str, values: str, counts: str, national: bool, indent: str) -> list[str]:
    """The lines that add one node's own codes (and its currency, when priced)."""
    lines: list[str] = []
    if plan.priced:
        lines += [f"{indent}v = {values}['currency_id']", f"{indent}if v and {counts}:", f"{indent} add((None, v))"]
    for name, list_name, how in plan.national_codes if national else plan.codes:
        lines += [f"{indent}v = {values}[{name!r}]", f"{indent}if isinstance(v, str):"]
        if how == HS:
            lines += [f"{indent} h = hs_subheading({node})", f"{indent} if h is not None:",
                      f"{indent}  add(({list_name!r}, h))"]
            continue
        test = {DOCUMENT_TYPE: "v.isdigit()", ORIGIN: "len(v) == 2"}.get(how)
        if test is not None:
            lines += [f"{indent} if {test}:", f"{indent}  add(({list_name!r}, v.split('#', 1)[0]))"]
        else:
            lines += [f"{indent} add(({list_name!r}, v.split('#', 1)[0]))"]
    return lines


_NATIONAL = _Visitors(national=True)
_INTERNATIONAL = _Visitors(national=False)
