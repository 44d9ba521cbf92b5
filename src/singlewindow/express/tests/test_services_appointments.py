"""Booking, the queue rule, capacity, rescheduling, cancelling and the terminal's state machine."""

from __future__ import annotations

import json
from datetime import time, timedelta

import pytest
from django.utils import timezone

from singlewindow.exchange.models import EvidenceEntry
from singlewindow.express import selectors, services
from singlewindow.express.awb import make_awb
from singlewindow.express.errors import ExpressError
from singlewindow.express.models import Appointment, Slot
from singlewindow.express.tests.conftest import CAPACITY, MASTER, Express


def _code(error: pytest.ExceptionInfo[ExpressError]) -> str:
    return error.value.code


def test_a_booking_takes_a_place_and_is_evidenced(ex: Express) -> None:
    appointment = ex.book("B1", houses=(make_awb("297", 1), make_awb("297", 2)))
    assert appointment.stage == "booked" and appointment.parcel_count == 2 and appointment.master_awb == MASTER
    assert Slot.objects.get(pk=appointment.slot_id).booked == 1
    entry = EvidenceEntry.objects.filter(kind="express.appointment.booked").get()
    body = json.loads(entry.body)
    assert body["master_awb"] == MASTER and body["bag"] == "B1" and body["organisation"] == ex.broker.code


def test_the_queue_is_slot_then_priority_then_booking_time(ex: Express) -> None:
    later = ex.book("LATE", hour=9, minute=30, priority="medical")
    normal = ex.book("N1", hour=9)
    medical = ex.book("MED", hour=9, priority="medical")
    assert [a.bag_number for a in selectors.terminal_queue(ex.actor(ex.terminal), ex.day)] == [
        medical.bag_number, normal.bag_number, later.bag_number]
    ex.book("PER", hour=10, priority="perishable")
    ex.book("N10", hour=10, who=ex.trader)
    order = [a.bag_number for a in selectors.terminal_queue(ex.actor(ex.terminal), ex.day)]
    assert order == ["MED", "N1", "LATE", "PER", "N10"]


def test_a_full_slot_refuses_and_names_the_next_free_one(ex: Express) -> None:
    for n in range(CAPACITY):
        ex.book(f"F{n}", hour=9)
    ex.book("F9", hour=9, minute=30)
    ex.book("F10", hour=9, minute=30)
    with pytest.raises(ExpressError) as caught:
        ex.book("OVER", hour=9)
    assert _code(caught) == "express.slot_full" and caught.value.status == 409
    assert "10:00" in caught.value.en and "10:00" in caught.value.zh
    assert Slot.objects.get(terminal=ex.terminal.organisation, starts_at=ex.slot(9)).booked == CAPACITY
    assert not Appointment.objects.filter(bag_number="OVER").exists()


def test_a_time_without_slot_names_the_next_one(ex: Express) -> None:
    with pytest.raises(ExpressError) as caught:
        ex.book("X", hour=9, minute=10)
    assert _code(caught) == "express.no_slot" and "09:30" in caught.value.en


def test_a_bag_cannot_be_booked_twice_until_cancelled(ex: Express) -> None:
    first = ex.book("DUP")
    with pytest.raises(ExpressError) as caught:
        ex.book("DUP", hour=10, who=ex.broker_2)
    assert _code(caught) == "express.already_booked"
    services.cancel_appointment(appointment_id=first.pk, actor=ex.actor(ex.broker))
    assert ex.book("DUP", hour=10).stage == "booked"


@pytest.mark.parametrize(("change", "code"), [
    ({"master_awb": "297-12345671"}, "express.awb_check_digit"),
    ({"bag_number": "bag one!"}, "express.bag_number"),
    ({"house_awbs": ["297-00000011", "297-00000011"]}, "express.duplicate_house"),
    ({"house_awbs": ["297-00000012"]}, "express.awb_check_digit"),
    ({"parcel_count": None}, "express.no_parcels"),
    ({"house_awbs": ["297-00000011"], "parcel_count": 4}, "express.parcel_count_mismatch"),
    ({"priority": "vip"}, "express.priority"),
    ({"terminal_code": "t-broker"}, "express.unknown_terminal"),
    ({"notes": "x" * 1001}, "express.too_long"),
    ({"house_awbs": [make_awb("297", n) for n in range(501)], "parcel_count": None}, "express.too_many_houses"),
])
def test_bad_bookings_are_refused_and_change_nothing(ex: Express, change: dict[str, object], code: str) -> None:
    request: dict[str, object] = {"terminal_code": ex.terminal.code, "master_awb": MASTER, "bag_number": "B1",
                                  "slot_starts_at": ex.slot(9), "parcel_count": 2, **change}
    with pytest.raises(ExpressError) as caught:
        services.book_appointment(**request, actor=ex.actor(ex.broker))  # type: ignore[arg-type]
    assert _code(caught) == code
    assert not Appointment.objects.exists()
    assert Slot.objects.filter(booked__gt=0).count() == 0
    assert not EvidenceEntry.objects.filter(kind__startswith="express.appointment").exists()


def test_only_brokers_and_traders_book(ex: Express) -> None:
    for who in (ex.terminal, ex.world["customs"], ex.world["bank"]):
        with pytest.raises(ExpressError) as caught:
            ex.book("B", who=who)
        assert caught.value.status == 403
    assert not Appointment.objects.exists()


def test_a_slot_already_over_cannot_be_booked(ex: Express) -> None:
    yesterday = ex.day - timedelta(days=2)
    services.open_slots(day=yesterday, start=time(8), end=time(9), minutes=30, capacity=1,
                        actor=ex.actor(ex.terminal))
    with pytest.raises(ExpressError) as caught:
        services.book_appointment(terminal_code=ex.terminal.code, master_awb=MASTER, bag_number="OLD",
                                  slot_starts_at=ex.slot(8) - timedelta(days=2), parcel_count=1,
                                  actor=ex.actor(ex.broker))
    assert _code(caught) == "express.slot_over"


def test_reschedule_moves_the_place_and_refuses_a_full_slot(ex: Express) -> None:
    appointment = ex.book("R1", hour=9)
    moved = services.reschedule_appointment(appointment_id=appointment.pk, slot_starts_at=ex.slot(10),
                                            version=appointment.version, actor=ex.actor(ex.broker))
    assert moved.slot_starts_at == ex.slot(10) and moved.version == 2
    places = dict(Slot.objects.filter(terminal=ex.terminal.organisation).values_list("starts_at", "booked"))
    assert places[ex.slot(9)] == 0 and places[ex.slot(10)] == 1
    ex.book("R2", hour=11)
    ex.book("R3", hour=11)
    with pytest.raises(ExpressError) as caught:
        services.reschedule_appointment(appointment_id=appointment.pk, slot_starts_at=ex.slot(11),
                                        actor=ex.actor(ex.broker))
    assert _code(caught) == "express.slot_full"
    assert Appointment.objects.get(pk=appointment.pk).slot_starts_at == ex.slot(10)
    with pytest.raises(ExpressError) as caught:
        services.reschedule_appointment(appointment_id=appointment.pk, slot_starts_at=ex.slot(8),
                                        version=1, actor=ex.actor(ex.broker))
    assert _code(caught) == "express.version_conflict" and caught.value.status == 409


def test_another_broker_cannot_touch_a_booking_and_learns_nothing(ex: Express) -> None:
    appointment = ex.book("MINE")
    for action in (
        lambda: services.cancel_appointment(appointment_id=appointment.pk, actor=ex.actor(ex.broker_2)),
        lambda: services.reschedule_appointment(appointment_id=appointment.pk, slot_starts_at=ex.slot(10),
                                                actor=ex.actor(ex.broker_2)),
        lambda: services.advance_appointment(appointment_id=appointment.pk, to="called", lane_code="L1",
                                             actor=ex.actor(ex.terminal_2)),
    ):
        with pytest.raises(ExpressError) as caught:
            action()
        assert _code(caught) == "express.not_found"
    with pytest.raises(ExpressError) as missing:
        services.cancel_appointment(appointment_id=appointment.pk + 999, actor=ex.actor(ex.broker))
    assert missing.value.en == caught.value.en
    assert Appointment.objects.get(pk=appointment.pk).version == 1


def test_the_terminal_walks_the_state_machine(ex: Express) -> None:
    a = ex.book("SM")
    terminal = ex.actor(ex.terminal)
    with pytest.raises(ExpressError) as caught:
        services.advance_appointment(appointment_id=a.pk, to="called", version=1, actor=terminal)
    assert _code(caught) == "express.lane_required"
    with pytest.raises(ExpressError) as caught:
        services.advance_appointment(appointment_id=a.pk, to="cleared", version=1, actor=terminal)
    assert _code(caught) == "express.transition_not_allowed" and caught.value.status == 409
    a = services.advance_appointment(appointment_id=a.pk, to="called", lane_code="l2", version=1, actor=terminal)
    assert a.lane is not None and a.lane.code == "L2" and a.called_at is not None
    with pytest.raises(ExpressError) as caught:  # a clerk working from the screen before the call
        services.advance_appointment(appointment_id=a.pk, to="called", lane_code="L1", version=1, actor=terminal)
    assert _code(caught) == "express.version_conflict" and a.version == 2
    for stage in ("at_lane", "inspecting", "held", "inspecting", "cleared", "done"):
        a = services.advance_appointment(appointment_id=a.pk, to=stage, version=a.version, actor=terminal)
        assert a.stage == stage
    assert a.cleared_at is not None and a.done_at is not None and a.version == 8
    kinds = list(EvidenceEntry.objects.filter(kind__startswith="express.appointment").values_list("kind", flat=True))
    assert kinds == ["express.appointment.booked", "express.appointment.called", "express.appointment.at_lane",
                     "express.appointment.inspecting", "express.appointment.held", "express.appointment.inspecting",
                     "express.appointment.cleared", "express.appointment.done"]
    with pytest.raises(ExpressError):
        services.advance_appointment(appointment_id=a.pk, to="booked", version=a.version, actor=terminal)


def test_a_broker_cancel_is_refused_once_at_the_lane(ex: Express) -> None:
    a = ex.book("LANE")
    terminal = ex.actor(ex.terminal)
    a = services.advance_appointment(appointment_id=a.pk, to="called", lane_code="L1", actor=terminal)
    a = services.advance_appointment(appointment_id=a.pk, to="at_lane", actor=terminal)
    with pytest.raises(ExpressError) as caught:
        services.cancel_appointment(appointment_id=a.pk, actor=ex.actor(ex.broker))
    assert _code(caught) == "express.not_cancellable"
    assert Slot.objects.get(pk=a.slot_id).booked == 1


def test_cancelling_frees_the_place_once(ex: Express) -> None:
    a = ex.book("C1")
    ex.book("C2")
    services.cancel_appointment(appointment_id=a.pk, actor=ex.actor(ex.broker))
    services.cancel_appointment(appointment_id=a.pk, actor=ex.actor(ex.broker))
    assert Slot.objects.get(pk=a.slot_id).booked == 1
    assert EvidenceEntry.objects.filter(kind="express.appointment.cancelled").count() == 1


def test_opening_slots_again_keeps_bookings_and_never_cuts_below_them(ex: Express) -> None:
    ex.book("K1")
    ex.book("K2")
    services.open_slots(day=ex.day, start=time(8), end=time(12), minutes=30, capacity=1, actor=ex.actor(ex.terminal))
    slot = Slot.objects.get(terminal=ex.terminal.organisation, starts_at=ex.slot(9))
    assert (slot.capacity, slot.booked) == (2, 2)
    assert Slot.objects.get(terminal=ex.terminal.organisation, starts_at=ex.slot(8)).capacity == 1
    with pytest.raises(ExpressError):
        services.open_slots(day=ex.day, start=time(12), end=time(8), minutes=30, capacity=1,
                            actor=ex.actor(ex.terminal))
    with pytest.raises(ExpressError):
        services.open_slots(day=ex.day, start=time(8), end=time(9), minutes=30, capacity=1,
                            actor=ex.actor(ex.broker))


def test_the_public_progress_names_no_party(ex: Express) -> None:
    a = ex.book("PUB")
    services.advance_appointment(appointment_id=a.pk, to="called", lane_code="L1", actor=ex.actor(ex.terminal))
    found = selectors.public_progress("297 1234 5675", "pub")
    assert len(found) == 1 and found[0].stage == "called" and found[0].lane == "L1"
    text = repr(found)
    assert ex.broker.code not in text and ex.terminal.code not in text and "Org" not in text
    assert selectors.public_progress(MASTER, "OTHER") == []
    assert timezone.now() - found[0].updated_at < timedelta(minutes=1)
