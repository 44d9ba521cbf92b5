"""End to end over the API: the broker declares, books a bag; the terminal calls it to a lane,
inspects, flags one parcel (blurred label), the broker corrects it, the terminal accepts; the bag
clears and is done. Every step is on the evidence log and the consignment's timeline, and the
public query follows it without naming anybody."""

from __future__ import annotations

from django.test import Client

from singlewindow import testing
from singlewindow.exchange.models import EvidenceEntry, TimelineEvent
from singlewindow.exchange.selectors import consignment_timeline
from singlewindow.express.awb import make_awb
from singlewindow.express.models import Appointment
from singlewindow.express.tests.conftest import MASTER, Express

UCR = "6TW30000013-EXPRESS1"


def test_a_bag_booked_called_inspected_corrected_and_cleared(ex: Express) -> None:
    # given the broker's declaration for the consignment is on the exchange
    broker = ex.broker
    payload = testing.encode(testing.declaration(ucr=UCR, reference="EXP-1"))
    sent = Client().post("/api/v1/messages", data=payload,
                         **testing.submit_headers(ex.world["broker"], payload, client_reference="EXP-1"))
    assert sent.status_code == 201, sent.content
    houses = [make_awb("297", n) for n in (501, 502, 503)]

    # when the broker books the bag and the terminal works it
    booked = ex.api(broker, "post", "/appointments", {
        "terminal": ex.terminal.code, "master_awb": MASTER, "bag_number": "BAG-01", "ucr": UCR,
        "slot_starts_at": ex.slot(9).isoformat(), "house_awbs": houses, "priority": "perishable"})
    assert booked.status_code == 201, booked.content
    bag = booked.json()
    version = bag["version"]

    def move(stage: str, **extra: str) -> dict[str, object]:
        nonlocal version
        answer = ex.api(ex.terminal, "post", f"/appointments/{bag['id']}/stage",
                        {"stage": stage, "version": version, **extra})
        assert answer.status_code == 200, answer.content
        version = answer.json()["version"]
        return answer.json()  # type: ignore[no-any-return]

    move("called", lane="L1")
    move("at_lane")
    move("inspecting", note="x-ray")
    flagged = ex.api(ex.terminal, "post", "/anomalies", {
        "master_awb": MASTER, "house_awb": houses[1], "category": "label_unreadable", "pieces": 1,
        "location": "Lane 1 table", "notes": "Consignee label smudged"})
    assert flagged.status_code == 201, flagged.content
    anomaly = flagged.json()
    assert anomaly["broker"] == broker.code and anomaly["bag_number"] == "BAG-01"
    held = move("held", note="parcel 2 label")
    assert held["cleared_at"] is not None

    mine = ex.api(broker, "get", "/anomalies?status=open").json()
    assert [a["house_awb"] for a in mine] == [houses[1]]
    corrected = ex.api(broker, "post", f"/anomalies/{anomaly['id']}/corrections", {
        "action": "Shipper re-issued the label; consignee confirmed", "documents": ["LBL-297-502"],
        "version": anomaly["version"]})
    assert corrected.status_code == 201
    closed = ex.api(ex.terminal, "post", f"/anomalies/{anomaly['id']}/review",
                    {"decision": "accept", "version": corrected.json()["version"]})
    assert closed.json()["status"] == "closed" and closed.json()["closed_at"] is not None

    move("inspecting")
    cleared = move("cleared")
    done = move("done")

    # then the broker, the terminal and the public see the same end
    assert done["stage"] == "done" and cleared["lane"] == "L1" and done["done_at"] is not None
    public = ex.api(None, "get", f"/progress?master_awb={MASTER}&bag=BAG-01").json()
    assert public[0]["stage"] == "done" and public[0]["lane"] == "L1"
    assert broker.code not in str(public) and ex.terminal.code not in str(public)
    assert ex.api(broker, "get", "/anomalies?status=active").json() == []
    kinds = list(EvidenceEntry.objects.filter(kind__startswith="express.").exclude(
        kind__in=("express.lane.opened", "express.slots.opened")).values_list("kind", flat=True))
    assert kinds == [
        "express.appointment.booked", "express.appointment.called", "express.appointment.at_lane",
        "express.appointment.inspecting", "express.anomaly.recorded", "express.appointment.held",
        "express.anomaly.correction_filed", "express.anomaly.closed", "express.appointment.inspecting",
        "express.appointment.cleared", "express.appointment.done"]
    found = consignment_timeline(ex.actor(broker), UCR)
    assert found is not None
    lines = [event.kind for event in found[1] if event.kind.startswith("express.")]
    assert lines == kinds
    titles = [event.title_zh for event in found[1] if event.kind.startswith("express.")]
    assert "快遞袋 BAG-01：已通關（通關線 L1）" in titles


def test_a_bag_cannot_be_booked_onto_another_organisations_consignment(ex: Express) -> None:
    """Booking lines follow the UCR onto its timeline: a broker with no mandate from trader A may not name A's."""
    own = Client().post("/api/v1/messages", data=(payload := testing.encode(testing.declaration(
        ucr="6TW30000002-EXPRESS9", reference="EXP-9"))), **testing.submit_headers(
        ex.trader, payload, client_reference="EXP-9"))
    assert own.status_code == 201, own.content
    before = (Appointment.objects.count(), TimelineEvent.objects.count())
    for ucr in ("6TW30000002-EXPRESS9", "6TW30000002-EXPRESS10"):  # an existing consignment, and a new one
        refused = ex.api(ex.broker_2, "post", "/appointments", {
            "terminal": ex.terminal.code, "master_awb": MASTER, "bag_number": "BAG-X", "ucr": ucr,
            "slot_starts_at": ex.slot(9).isoformat(), "parcel_count": 2, "priority": "normal"})
        assert refused.status_code == 422 and refused.json()["code"] == "express.ucr", refused.content
    assert (Appointment.objects.count(), TimelineEvent.objects.count()) == before
    # the broker holding trader A's mandate may
    booked = ex.api(ex.broker, "post", "/appointments", {
        "terminal": ex.terminal.code, "master_awb": MASTER, "bag_number": "BAG-Y", "ucr": "6TW30000002-EXPRESS9",
        "slot_starts_at": ex.slot(9).isoformat(), "parcel_count": 2, "priority": "normal"})
    assert booked.status_code == 201, booked.content
