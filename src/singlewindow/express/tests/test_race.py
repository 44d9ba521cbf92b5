"""Races on PostgreSQL: brokers racing for the last places of a slot, one bag booked twice at
once, and two clerks moving one bag at once. Threads have their own connections.

SQLite runs one writer at a time, so the race is PostgreSQL's question.
"""

from __future__ import annotations

from datetime import time

import pytest
from django.db import connection

from singlewindow.exchange.models import EvidenceEntry
from singlewindow.express import services
from singlewindow.express.errors import ExpressError
from singlewindow.express.models import Appointment, Slot
from singlewindow.express.tests.conftest import MASTER, Express, build_express
from singlewindow.testing import race

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")


def _outcome(call: object) -> str:
    try:
        call()  # type: ignore[operator]
    except ExpressError as error:
        return error.code
    return "ok"


@pytest.fixture
def rex(transactional_db: None) -> Express:
    """Each transactional test empties every table afterwards (seconds on PostgreSQL), so the races
    share two tests, each on its own slots: 14:00 and 15:00 hold three bags each."""
    ex = build_express()
    services.open_slots(day=ex.day, start=time(14), end=time(16), minutes=60, capacity=3,
                        actor=ex.actor(ex.terminal))
    return ex


def test_bookings_racing_for_places_never_overbook_nor_book_a_bag_twice(rex: Express) -> None:
    # twelve brokers' systems race for the three places of 14:00
    outcomes = race(12, lambda i: _outcome(lambda: rex.book(f"R{i}", hour=14,
                                                            who=rex.broker if i % 2 else rex.broker_2)))
    assert sorted(outcomes) == ["express.slot_full"] * 9 + ["ok"] * 3
    slot = Slot.objects.get(terminal=rex.terminal.organisation, starts_at=rex.slot(14))
    assert slot.booked == 3 == Appointment.objects.filter(slot=slot).count()
    assert EvidenceEntry.objects.filter(kind="express.appointment.booked").count() == 3

    # one bag sent five times at once into 15:00 is booked once
    outcomes = race(5, lambda i: _outcome(lambda: rex.book("SAME", hour=15, master=MASTER)))
    assert sorted(outcomes) == ["express.already_booked"] * 4 + ["ok"]
    assert Slot.objects.get(terminal=rex.terminal.organisation, starts_at=rex.slot(15)).booked == 1


def test_clerks_and_cancellations_at_once_lose_nothing(rex: Express) -> None:
    # two clerks call the same bag to different lanes at once: one wins, the other is told
    appointment = rex.book("CLERK", hour=15)
    terminal = rex.actor(rex.terminal)
    outcomes = race(2, lambda i: _outcome(lambda: services.advance_appointment(
        appointment_id=appointment.pk, to="called", lane_code=f"L{i + 1}", version=1, actor=terminal)))
    assert sorted(outcomes) == ["express.version_conflict", "ok"]
    assert Appointment.objects.get(pk=appointment.pk).version == 2

    # the three bags of 14:00 are cancelled while six others try to take their places
    first = [rex.book(f"OLD{i}", hour=14) for i in range(3)]

    def work(i: int) -> str:
        if i < 3:
            return _outcome(lambda: services.cancel_appointment(appointment_id=first[i].pk,
                                                                actor=rex.actor(rex.broker)))
        return _outcome(lambda: rex.book(f"NEW{i}", hour=14, who=rex.broker_2))

    outcomes = race(9, work)
    won = outcomes[3:].count("ok")
    assert outcomes[:3] == ["ok"] * 3 and 0 <= won <= 3
    slot = Slot.objects.get(terminal=rex.terminal.organisation, starts_at=rex.slot(14))
    live = Appointment.objects.filter(slot=slot).exclude(stage="cancelled").count()
    assert slot.booked == live == won
