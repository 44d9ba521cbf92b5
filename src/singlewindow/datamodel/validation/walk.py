"""Walk a validated data set, yielding every nested class with its JSON pointer."""

from __future__ import annotations

from collections.abc import Iterator
from functools import cache

from singlewindow.datamodel.datasets.base import DataSet
from singlewindow.datamodel.datasets.shape import Kind, shape_of


@cache
def _children(model: type[DataSet]) -> tuple[tuple[str, str, bool], ...]:
    """(field name, JSON name, repeats) of the fields that hold nested classes or value types."""
    return tuple((f.name, f.json_name, f.repeats) for f in shape_of(model) if f.kind in (Kind.CLASS, Kind.VALUE))


def walk(node: DataSet, pointer: str = "") -> Iterator[tuple[str, DataSet]]:
    """Depth-first, in field order; iterative so deep documents cannot exhaust the stack."""
    stack: list[tuple[str, DataSet]] = [(pointer, node)]
    while stack:
        here, current = stack.pop()
        yield here, current
        children: list[tuple[str, DataSet]] = []
        for name, alias, repeats in _children(type(current)):
            value = getattr(current, name)
            if value is None:
                continue
            if repeats:
                children.extend((f"{here}/{alias}/{i}", v) for i, v in enumerate(value))
            else:
                children.append((f"{here}/{alias}", value))
        stack.extend(reversed(children))


@cache
def _json_names(model: type[DataSet]) -> dict[str, str]:
    return {f.name: f.json_name for f in shape_of(model)}


def field_pointer(model: DataSet, pointer: str, name: str) -> str:
    """The pointer of one field of ``model`` found at ``pointer``."""
    return f"{pointer}/{_json_names(type(model))[name]}"
