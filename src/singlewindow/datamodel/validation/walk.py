"""Walk a validated data set, yielding every nested class with its JSON pointer."""

from __future__ import annotations

from collections.abc import Iterator

from singlewindow.datamodel.datasets.base import DataSet


def walk(node: DataSet, pointer: str = "") -> Iterator[tuple[str, DataSet]]:
    """Depth-first, in field order; iterative so deep documents cannot exhaust the stack."""
    stack: list[tuple[str, DataSet]] = [(pointer, node)]
    while stack:
        here, current = stack.pop()
        yield here, current
        children: list[tuple[str, DataSet]] = []
        for name, field in type(current).model_fields.items():
            value = getattr(current, name)
            alias = field.alias or name
            if isinstance(value, DataSet):
                children.append((f"{here}/{alias}", value))
            elif isinstance(value, list):
                children.extend((f"{here}/{alias}/{i}", v) for i, v in enumerate(value) if isinstance(v, DataSet))
        stack.extend(reversed(children))


def field_pointer(model: DataSet, pointer: str, name: str) -> str:
    """The pointer of one field of ``model`` found at ``pointer``."""
    field = type(model).model_fields[name]
    return f"{pointer}/{field.alias or name}"
