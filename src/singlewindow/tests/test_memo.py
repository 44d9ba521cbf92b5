"""``memo.by_identity``: values remembered per argument object, never handed to an equal or later object."""

from __future__ import annotations

import gc
from collections.abc import Callable

import pytest

from singlewindow.memo import by_identity


class Thing:
    """Equal to every other Thing, as a parsed certificate is to another parse of the same bytes."""

    def __init__(self, label: str) -> None:
        self.label = label

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Thing)

    def __hash__(self) -> int:
        return 0


def counting() -> tuple[list[str], Callable[..., str]]:
    calls: list[str] = []

    @by_identity(maxsize=3)
    def describe(*things: Thing) -> str:
        calls.append("+".join(t.label for t in things))
        return "+".join(t.label for t in things)

    return calls, describe


def test_the_same_objects_are_computed_once() -> None:
    calls, describe = counting()
    a, b = Thing("a"), Thing("b")
    assert describe(a, b) == "a+b"
    assert describe(a, b) == "a+b"
    assert calls == ["a+b"]


def test_equal_but_distinct_objects_are_computed_afresh() -> None:
    calls, describe = counting()
    first, second = Thing("first"), Thing("second")
    assert first == second
    assert describe(first) == "first"
    assert describe(second) == "second"
    assert calls == ["first", "second"]


def test_an_entry_keeps_its_objects_so_their_identity_is_not_reused() -> None:
    _, describe = counting()
    describe(Thing("gone"))
    gc.collect()
    for index in range(50):  # new objects may only take identities no entry holds
        assert describe(Thing(f"new{index}")) == f"new{index}"


def test_a_full_table_is_forgotten_at_once() -> None:
    calls, describe = counting()
    things = [Thing(str(i)) for i in range(4)]
    for thing in things:
        describe(thing)
    describe(things[3])  # kept: added after the clear
    describe(things[0])  # forgotten with the full table
    assert calls == ["0", "1", "2", "3", "0"]


def test_order_of_arguments_matters() -> None:
    calls, describe = counting()
    a, b = Thing("a"), Thing("b")
    assert describe(a, b) == "a+b"
    assert describe(b, a) == "b+a"
    assert len(calls) == 2


def test_maxsize_must_be_positive() -> None:
    with pytest.raises(ValueError, match="positive"):
        by_identity(maxsize=0)
