"""The express API: brokers' and terminals' systems, the public progress query; refusals for
unauthorised, malformed, oversize and conflicting requests change nothing."""

from __future__ import annotations

from datetime import UTC
from typing import Any

import pytest

from singlewindow.express.awb import make_awb
from singlewindow.express.models import Anomaly, Appointment, Slot
from singlewindow.express.tests.conftest import MASTER, Express


def _booking(ex: Express, **change: Any) -> dict[str, Any]:
    return {"terminal": ex.terminal.code, "master_awb": MASTER, "bag_number": "B1",
            "slot_starts_at": ex.slot(9).isoformat(), "house_awbs": [make_awb("297", 11), make_awb("297", 12)],
            **change}


def test_book_move_and_clear_over_the_api(ex: Express) -> None:
    response = ex.api(ex.broker, "post", "/appointments", _booking(ex))
    assert response.status_code == 201, response.content
    booked = response.json()
    assert booked["stage"] == "booked" and booked["parcel_count"] == 2 and booked["version"] == 1
    moved = ex.api(ex.broker, "post", f"/appointments/{booked['id']}/reschedule",
                   {"slot_starts_at": ex.slot(10).isoformat(), "version": 1})
    assert moved.status_code == 200 and moved.json()["version"] == 2
    queue = ex.api(ex.terminal, "get", f"/appointments?day={ex.day.isoformat()}").json()
    assert [q["bag_number"] for q in queue] == ["B1"]
    called = ex.api(ex.terminal, "post", f"/appointments/{booked['id']}/stage",
                    {"stage": "called", "lane": "L1", "version": 2})
    assert called.status_code == 200 and called.json()["lane"] == "L1"
    public = ex.api(None, "get", f"/progress?master_awb={MASTER}&bag=b1")
    assert public.status_code == 200
    assert public.json()[0]["stage"] == "called" and set(public.json()[0]) == {
        "master_awb", "bag_number", "stage", "lane", "slot_starts_at", "called_at", "cleared_at", "done_at",
        "updated_at"}
    slots = ex.api(ex.broker, "get", f"/terminals/{ex.terminal.code}/slots?day={ex.day.isoformat()}&free_only=true")
    assert slots.status_code == 200 and len(slots.json()) == 8


def test_no_token_or_a_bad_one_is_401_and_changes_nothing(ex: Express) -> None:
    for headers in ({}, {"HTTP_AUTHORIZATION": "Bearer nope"}):
        from django.test import Client

        response = Client().post("/api/v1/express/appointments", data=_booking(ex), content_type="application/json",
                                 **headers)
        assert response.status_code == 401
        assert response.json()["code"] == "auth.required"
    assert not Appointment.objects.exists()


def test_roles_are_enforced_and_strangers_see_not_found(ex: Express) -> None:
    booked = ex.api(ex.broker, "post", "/appointments", _booking(ex)).json()
    assert ex.api(ex.terminal, "post", "/appointments", _booking(ex, bag_number="T")).status_code == 403
    assert ex.api(ex.broker, "post", f"/appointments/{booked['id']}/stage",
                  {"stage": "called", "lane": "L1", "version": 1}).status_code == 403
    stranger = ex.api(ex.broker_2, "get", f"/appointments/{booked['id']}")
    missing = ex.api(ex.broker_2, "get", "/appointments/999999")
    assert stranger.status_code == missing.status_code == 404
    assert stranger.json()["errors"] == missing.json()["errors"]
    assert ex.api(ex.terminal_2, "get", f"/appointments/{booked['id']}").status_code == 404
    assert ex.api(ex.broker_2, "get", "/appointments").json() == []
    assert ex.api(ex.broker, "post", "/lanes", {"code": "L9"}).status_code == 403


def test_a_bad_check_digit_is_a_bilingual_422(ex: Express) -> None:
    response = ex.api(ex.broker, "post", "/appointments", _booking(ex, master_awb="297-12345670"))
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "express.awb_check_digit"
    assert "modulo 7" in problem["errors"][0]["message"]["en"] and "餘數" in problem["errors"][0]["message"]["zh-Hant"]
    house = ex.api(ex.broker, "post", "/appointments", _booking(ex, house_awbs=["297-00000113"]))
    assert house.json()["code"] == "express.awb_check_digit"
    public = ex.api(None, "get", "/progress?master_awb=297-12345670&bag=B1")
    assert public.status_code == 422
    assert not Appointment.objects.exists()


@pytest.mark.parametrize("body", [
    "not json", "[]", '{"terminal": 5}', '{"master_awb": "297-12345675"}',
])
def test_malformed_bodies_are_422(ex: Express, body: str) -> None:
    from django.test import Client

    response = Client().post("/api/v1/express/appointments", data=body, content_type="application/json",
                             **ex.broker.auth())
    assert response.status_code in (400, 422)
    assert not Appointment.objects.exists()


def test_oversize_lists_and_texts_are_refused(ex: Express) -> None:
    many = [make_awb("297", n) for n in range(501)]
    assert ex.api(ex.broker, "post", "/appointments", _booking(ex, house_awbs=many)).status_code == 422
    assert ex.api(ex.broker, "post", "/appointments", _booking(ex, notes="x" * 5000)).status_code == 422
    assert ex.api(ex.broker, "post", "/appointments", _booking(ex, bag_number="B" * 21)).status_code == 422
    assert ex.api(ex.broker, "post", "/appointments", _booking(ex, parcel_count=10**9,
                                                              house_awbs=[])).status_code == 422
    assert not Appointment.objects.exists() and not Slot.objects.filter(booked__gt=0).exists()


def test_two_clerks_updating_one_bag_the_second_gets_409(ex: Express) -> None:
    booked = ex.api(ex.broker, "post", "/appointments", _booking(ex)).json()
    first = ex.api(ex.terminal, "post", f"/appointments/{booked['id']}/stage",
                   {"stage": "called", "lane": "L1", "version": 1})
    second = ex.api(ex.terminal, "post", f"/appointments/{booked['id']}/stage",
                    {"stage": "called", "lane": "L2", "version": 1})
    assert first.status_code == 200 and second.status_code == 409
    assert second.json()["code"] == "express.version_conflict"
    assert Appointment.objects.get(pk=booked["id"]).lane.code == "L1"  # type: ignore[union-attr]


def test_a_full_slot_answers_409_with_the_next_slot(ex: Express) -> None:
    for bag in ("A", "B"):
        assert ex.api(ex.broker, "post", "/appointments", _booking(ex, bag_number=bag)).status_code == 201
    full = ex.api(ex.broker_2, "post", "/appointments", _booking(ex, bag_number="C"))
    assert full.status_code == 409 and full.json()["code"] == "express.slot_full"
    assert full.json()["detail"] == f"next free slot: {ex.slot(9, 30).astimezone(UTC).isoformat()}"


def test_anomaly_correction_and_review_over_the_api(ex: Express) -> None:
    house = make_awb("297", 11)
    ex.api(ex.broker, "post", "/appointments", _booking(ex))
    posted = ex.api(ex.terminal, "post", "/anomalies", {"master_awb": MASTER, "house_awb": house,
                                                        "category": "value_over_declared", "location": "Cage 2"})
    assert posted.status_code == 201, posted.content
    anomaly = posted.json()
    assert anomaly["broker"] == ex.broker.code and anomaly["status"] == "open" and not anomaly["overdue"]
    assert ex.api(ex.broker_2, "get", f"/anomalies/{anomaly['id']}").status_code == 404
    assert ex.api(ex.broker, "post", "/anomalies", {"master_awb": MASTER, "category": "other"}).status_code == 403
    listed = ex.api(ex.broker, "get", "/anomalies?status=open").json()
    assert [a["reference"] for a in listed] == [anomaly["reference"]]
    filed = ex.api(ex.broker, "post", f"/anomalies/{anomaly['id']}/corrections",
                   {"action": "Amended the declared value", "documents": ["INV-7"], "version": 1})
    assert filed.status_code == 201 and filed.json()["status"] == "correction_filed"
    assert ex.api(ex.broker, "post", f"/anomalies/{anomaly['id']}/corrections",
                  {"action": "twice", "documents": ["x" * 71]}).status_code == 422
    closed = ex.api(ex.terminal, "post", f"/anomalies/{anomaly['id']}/review", {"decision": "accept", "version": 2})
    assert closed.status_code == 200 and closed.json()["status"] == "closed"
    assert closed.json()["corrections"][0]["decision"] == "accepted"
    again = ex.api(ex.terminal, "post", f"/anomalies/{anomaly['id']}/review", {"decision": "accept"})
    assert again.status_code == 409
    assert Anomaly.objects.get().status == "closed"


def test_lists_take_the_same_queries_however_long(ex: Express) -> None:
    def counted(who: Any, path: str) -> int:
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert ex.api(who, "get", path).status_code == 200
        return len(queries)

    day = f"/appointments?day={ex.day.isoformat()}"
    for n in range(2):
        ex.book(f"S{n}", hour=8)
    services_anomaly(ex, "S0")
    ex.api(ex.terminal, "get", day)  # the role caches fill on each party's first call
    ex.api(ex.broker, "get", "/appointments")
    few = (counted(ex.terminal, day), counted(ex.broker, "/appointments"), counted(ex.broker, "/anomalies"))
    for n in range(2, 8):
        ex.book(f"S{n}", hour=9 + (n - 2) // 4, minute=30 * ((n - 2) // 2 % 2))
        services_anomaly(ex, f"S{n}")
    ex.api(ex.terminal, "get", day)  # refill the caches, should their few seconds have run out
    ex.api(ex.broker, "get", "/appointments")
    many = (counted(ex.terminal, day), counted(ex.broker, "/appointments"), counted(ex.broker, "/anomalies"))
    assert few == many


def services_anomaly(ex: Express, bag: str) -> None:
    from singlewindow.express import services

    services.record_anomaly(master_awb=MASTER, bag_number=bag, category="other", actor=ex.actor(ex.terminal))
