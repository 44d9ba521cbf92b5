"""The express screens through the Django client: who gets in, what each role sees, and that a
refused form comes back with the reason and changes nothing."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest
from django.http import QueryDict
from django.test import Client

from singlewindow import testing
from singlewindow.express import forms, services
from singlewindow.express.models import Anomaly, Appointment
from singlewindow.express.tests.conftest import MASTER, Express


def _client(party: testing.Party) -> Client:
    client = Client()
    assert client.login(username=party.username, password=party.password)
    return client


def test_the_public_progress_page_needs_no_login_and_names_nobody(ex: Express) -> None:
    a = ex.book("PUB")
    services.advance_appointment(appointment_id=a.pk, to="called", lane_code="L2", actor=ex.actor(ex.terminal))
    page = Client().get("/express/progress/", {"master_awb": MASTER, "bag": "pub"})
    assert page.status_code == 200
    text = page.content.decode()
    assert 'data-field="lane">L2<' in text and "Org broker" not in text and "機構broker" not in text
    bad = Client().get("/express/progress/", {"master_awb": "297-12345670", "bag": "PUB"})
    assert bad.status_code == 422 and "餘數" in bad.content.decode()


def test_screens_are_for_their_roles(ex: Express) -> None:
    assert Client().get("/express/bookings/").status_code == 302
    assert _client(ex.terminal).get("/express/bookings/").status_code == 403
    assert _client(ex.broker).get("/express/terminal/").status_code == 403
    assert _client(ex.world["customs"]).get("/express/bookings/").status_code == 403
    assert _client(ex.broker).get("/express/").url == "/express/bookings/"
    assert _client(ex.terminal).get("/express/").url == "/express/terminal/"
    assert Client().get("/express/").url == "/express/progress/"


def test_the_broker_books_on_the_screen_and_a_full_slot_is_explained(ex: Express) -> None:
    broker = _client(ex.broker)
    page = broker.get("/express/bookings/", {"terminal": ex.terminal.code, "day": ex.day.isoformat()})
    assert page.status_code == 200 and ex.slot(9).isoformat() in page.content.decode()
    form = {"terminal": ex.terminal.code, "slot": ex.slot(9).isoformat(), "master_awb": MASTER,
            "parcel_count": "4", "priority": "normal"}
    for bag in ("S1", "S2"):
        assert broker.post("/express/bookings/", {**form, "bag_number": bag}).status_code == 302
    full = broker.post("/express/bookings/", {**form, "bag_number": "S3"})
    assert full.status_code == 422 and "09:30" in full.content.decode()
    bad = broker.post("/express/bookings/", {**form, "bag_number": "S4", "master_awb": "297-12345670"})
    assert bad.status_code == 422 and Appointment.objects.count() == 2
    first = Appointment.objects.get(bag_number="S1")
    assert broker.post(f"/express/bookings/{first.pk}/reschedule/",
                       {"slot": ex.slot(10).isoformat(), "version": "1"}).status_code == 302
    stale = broker.post(f"/express/bookings/{first.pk}/cancel/", {"version": "1"})
    assert stale.status_code == 422 and Appointment.objects.get(pk=first.pk).stage == "booked"
    assert broker.post(f"/express/bookings/{first.pk}/cancel/", {"version": "2"}).status_code == 302
    assert Appointment.objects.get(pk=first.pk).stage == "cancelled"
    assert _client(ex.broker_2).post(f"/express/bookings/{first.pk}/cancel/", {}).status_code == 404


def test_the_terminal_moves_bags_records_an_anomaly_and_reviews(ex: Express) -> None:
    a = ex.book("Q1", houses=(MASTER.replace("297", "618"),))
    terminal = _client(ex.terminal)
    queue = terminal.get("/express/terminal/", {"day": ex.day.isoformat()})
    assert queue.status_code == 200 and 'data-bag="Q1"' in queue.content.decode()
    moved = terminal.post(f"/express/terminal/{a.pk}/stage/?day={ex.day.isoformat()}",
                          {"stage": "called", "lane": "L2", "version": "1"})
    assert moved.status_code == 302
    again = terminal.post(f"/express/terminal/{a.pk}/stage/", {"stage": "called", "lane": "L1", "version": "1"})
    assert again.status_code == 409 and Appointment.objects.get(pk=a.pk).lane.code == "L2"  # type: ignore[union-attr]
    recorded = terminal.post("/express/terminal/anomaly/", {"master_awb": MASTER, "bag_number": "Q1",
                                                            "category": "packing_damaged", "pieces": "1"})
    assert recorded.status_code == 302
    anomaly = Anomaly.objects.get()
    assert _client(ex.broker_2).get(f"/express/anomalies/{anomaly.pk}/").status_code == 404
    broker = _client(ex.broker)
    assert anomaly.reference in broker.get("/express/anomalies/").content.decode()
    assert broker.post(f"/express/anomalies/{anomaly.pk}/correct/", {"action": "", "version": "1"}).status_code == 422
    assert broker.post(f"/express/anomalies/{anomaly.pk}/correct/",
                       {"action": "Repacked", "documents": "PHOTO-1\nPHOTO-2", "version": "1"}).status_code == 302
    assert Anomaly.objects.get().status == "correction_filed"
    assert broker.post(f"/express/anomalies/{anomaly.pk}/review/", {"decision": "accept"}).status_code == 403
    assert terminal.post(f"/express/anomalies/{anomaly.pk}/review/", {"decision": "accept"}).status_code == 302
    assert Anomaly.objects.get().status == "closed"


@pytest.mark.parametrize("typed", ["²", "١٢", "１２"])
def test_a_number_in_other_digits_is_refused_with_the_reason_not_a_crash(typed: str) -> None:
    # ``str.isdigit`` takes these; ``int`` refuses a superscript (a 500) and reads the others.
    assert forms.version(QueryDict(urlencode({"version": typed}))) is None
    with pytest.raises(forms.InputError):
        forms.whole(QueryDict(urlencode({"pieces": typed})), "pieces")
