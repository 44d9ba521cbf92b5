"""One procedure end to end (一次申辦): a declaration needing permits of two agencies derives both
applications, each agency decides (one through the API, one on the hosted desk), customs matches,
assesses, selects and releases; and what happens when a permit does not cover the goods, an agency
rejects, or an agency decides what is not its own."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from singlewindow.customs.models import Case
from singlewindow.customs.services import record_payment
from singlewindow.customs.tests.clearance import LAPTOP_DUE, channel_chooser, officer
from singlewindow.exchange.models import Delivery, Message
from singlewindow.exchange.selectors import document_of
from singlewindow.permits import services
from singlewindow.permits.applications import DeskDecision, decide_on_desk, remind_overdue_applications
from singlewindow.permits.errors import PermitError
from singlewindow.permits.models import Application, Permit, WriteOff
from singlewindow.permits.tests.conftest import decision
from singlewindow.permits.tests.flow import (
    Flow,
    build_flow,
    decision_payload,
    post_decision,
    run_engines,
    ucr_of,
    waiting_reasons,
)
from singlewindow.registry.actors import Actor


@pytest.fixture(autouse=True)
def _c1(monkeypatch: pytest.MonkeyPatch) -> None:
    channel_chooser(monkeypatch)


@pytest.fixture
def flow(db: None, tmp_path: Path) -> Flow:
    return build_flow(tmp_path)


def mailbox(organisation: Any, message_type: str) -> list[Message]:
    return [d.message for d in Delivery.objects.filter(recipient=organisation, message__message_type=message_type)
            .select_related("message").order_by("seq")]


def test_two_agencies_decide_and_the_declaration_is_released(client: Any, flow: Flow) -> None:
    # given a declaration of laptops needing TP1 (t-agency, own system) and TQ1 (t-desk, hosted desk)
    case = flow.declare(client, "FLOW-1")
    # then it waits, both applications were derived from it and arrived in the agencies' mailboxes
    assert case.state == "validated"
    tp1, tq1 = flow.application(case, "TP1"), flow.application(case, "TQ1")
    assert (tp1.agency, tq1.agency) == (flow.agency, flow.desk)
    assert (tp1.origin, tp1.status, tp1.ucr, tp1.applicant_business_id) == ("derived", "submitted", ucr_of("FLOW-1"),
                                                                           "30000002")
    assert tp1.goods == [{"sequence": 1, "hs_code": "84713000", "description": "Laptop computers", "quantity": "10",
                          "unit": "PCE"}]
    sent = mailbox(flow.agency, "permit_application.submit")
    assert [document_of(m).functional_reference_id for m in sent] == [tp1.reference]  # type: ignore[attr-defined]
    assert sent[0].sender == flow.world["trader_a"].organisation and sent[0].consignment.ucr == ucr_of("FLOW-1")
    assert len(mailbox(flow.desk, "permit_application.submit")) == 1
    assert Delivery.objects.get(recipient=flow.desk).state == "acknowledged"  # the desk engine read it
    reasons = waiting_reasons(case)
    assert any("waiting for Org agency to decide on permit application" in r for r in reasons)
    assert any("waiting for Org desk agency" in r for r in reasons)

    # when t-agency's system approves through the API
    response = post_decision(client, flow.world["agency"].token, decision_payload(tp1), "dec-1")
    assert response.status_code == 201, response.content
    assert response.json()["permit"] == "TP-9001" and response.json()["status"] == "approved"
    run_engines()
    case.refresh_from_db()
    # then the case still waits, for the desk agency only
    assert case.state == "validated"
    assert [r for r in waiting_reasons(case) if "Org agency" in r] == []

    # when the desk agency approves on the hosted desk
    decide_on_desk(tq1, decision=DeskDecision("approved", permit_number="TQ-1", granted={1: Decimal(10)}),
                   actor=flow.desk_actor())
    run_engines()
    case.refresh_from_db()
    # then customs matched (both permits written off), assessed, selected C1 and asks for payment
    assert case.state == "awaiting_payment" and case.amount_due == LAPTOP_DUE
    rows = WriteOff.objects.order_by("permit__number")
    assert [(w.permit.number, w.quantity, w.item_sequence) for w in rows] == [("TP-9001", 10, 1), ("TQ-1", 10, 1)]
    record_payment(case, actor=officer(flow.world), amount=LAPTOP_DUE, reference="PAY-1")
    case.refresh_from_db()
    assert case.state == "released"
    # and the trader received both decisions
    decisions = mailbox(flow.world["trader_a"].organisation, "permit_decision.notification")
    assert sorted(document_of(m).permit_id for m in decisions) == ["TP-9001", "TQ-1"]  # type: ignore[attr-defined]


def test_one_consolidated_status_per_agency(client: Any, flow: Flow) -> None:
    case = flow.declare(client, "FLOW-2")
    post_decision(client, flow.world["agency"].token, decision_payload(flow.application(case, "TP1")), "dec-2")
    response = client.get(f"/api/v1/permits/consignments/{ucr_of('FLOW-2')}/clearances",
                          **flow.world["trader_a"].auth())
    assert response.status_code == 200
    assert [(row["agency"], row["status"]) for row in response.json()] == [("t-agency", "cleared"),
                                                                          ("t-desk", "waiting")]
    # a stranger sees nothing of it
    stranger = client.get(f"/api/v1/permits/consignments/{ucr_of('FLOW-2')}/clearances",
                          **flow.world["trader_b"].auth())
    assert stranger.json() == []


def test_running_the_check_again_derives_nothing_twice(client: Any, flow: Flow) -> None:
    case = flow.declare(client, "FLOW-3")
    from singlewindow.customs.engine import _process
    from singlewindow.customs.services import CaseRun, lock_case
    from singlewindow.datamodel.datasets import ImportDeclaration

    declaration = document_of(Message.objects.get(pk=case.message_id))
    assert isinstance(declaration, ImportDeclaration)
    with CaseRun(lock_case(case)) as run:
        _process(run, declaration, Actor(organisation=case.office), validated=True)
    assert Application.objects.count() == 2
    assert Message.objects.filter(message_type="permit_application.submit").count() == 2


def test_a_partial_approval_short_of_the_quantity_keeps_the_case_waiting(client: Any, flow: Flow) -> None:
    case = flow.declare(client, "NEG-QTY")
    tp1 = flow.application(case, "TP1")
    post_decision(client, flow.world["agency"].token, decision_payload(tp1, code="partially_approved", quantity="4"),
                  "dec-q")
    decide_on_desk(flow.application(case, "TQ1"), decision=DeskDecision(
        "approved", permit_number="TQ-2", granted={1: Decimal(10)}), actor=flow.desk_actor())
    run_engines()
    case.refresh_from_db()
    assert case.state == "validated"
    reasons = waiting_reasons(case)
    assert any("permit TP-9001: The quantity exceeds the permit's balance." in r for r in reasons)
    assert Permit.objects.get(number="TP-9001").lines.get().balance == 4  # nothing written off


@pytest.mark.parametrize(("reference", "options", "expected"), [
    ("NEG-EXP", {"effective_days": -30, "expiry_days": -1}, "The permit has expired."),
    ("NEG-HS", {"lines": ((1, "850760", "PCE", "25"),)}, "The permit covers no goods under this HS code."),
])
def test_a_cited_permit_that_does_not_cover_the_item(client: Any, flow: Flow, reference: str, options: dict[str, Any],
                                                     expected: str) -> None:
    # given trader_a holds a TP1 permit that is expired, or for other goods
    services.record_decision(decision(number="TP-OLD", **options), agency=flow.agency, regulation_code="TP1",
                             type_code="911", actor=Actor(organisation=flow.agency))
    case = flow.declare(client, reference, cite={"typeCode": "911", "id": "TP-OLD"})
    # then the case waits with the reason, nothing is written off, and the application is derived all the same
    assert case.state == "validated" and not WriteOff.objects.exists()
    assert any(f"permit TP-OLD: {expected}" in r for r in waiting_reasons(case))
    assert flow.application(case, "TP1").status == "submitted"


def test_an_agency_rejection_keeps_the_case_waiting_and_the_trader_is_told(client: Any, flow: Flow) -> None:
    case = flow.declare(client, "NEG-REJ")
    tp1 = flow.application(case, "TP1")
    response = post_decision(client, flow.world["agency"].token, decision_payload(
        tp1, code="rejected", reasons=("Goods not eligible / 貨品不符規定",)), "dec-r")
    assert response.status_code == 201 and response.json()["permit"] is None
    run_engines()
    case.refresh_from_db()
    assert case.state == "validated" and not Permit.objects.exists()
    assert any("rejected permit application" in r and "Goods not eligible" in r for r in waiting_reasons(case))
    told = mailbox(flow.world["trader_a"].organisation, "permit_decision.notification")
    assert [document_of(m).decision_code for m in told] == ["rejected"]  # type: ignore[attr-defined]
    tp1.refresh_from_db()
    assert tp1.status == "rejected" and tp1.reasons[0]["zh"] == "貨品不符規定"
    # a rejected application is closed: approving it later is refused
    again = post_decision(client, flow.world["agency"].token, decision_payload(tp1), "dec-r2")
    assert again.status_code == 409 and again.json()["code"] == "permits.application_closed"


def test_an_agency_cannot_decide_another_agencys_application(client: Any, flow: Flow) -> None:
    case = flow.declare(client, "NEG-AUTH")
    tp1 = flow.application(case, "TP1")
    # the desk agency, through the API, on t-agency's application
    response = post_decision(client, flow.desk_token, decision_payload(tp1), "steal-1")
    assert response.status_code == 403 and response.json()["code"] == "permits.not_your_application"
    # and through the desk's service function
    with pytest.raises(PermitError, match="not_your_application"):
        from singlewindow.permits.applications import send_decision

        send_decision(payload=decision_payload(tp1), client_reference="steal-2", actor=flow.desk_actor())
    # nothing changed: no permit, the application still open, no decision message
    tp1.refresh_from_db()
    assert tp1.status == "submitted" and not Permit.objects.exists()
    assert not Message.objects.filter(message_type="permit_decision.notification").exists()


def test_a_decision_sent_around_the_register_finds_no_route(client: Any, flow: Flow) -> None:
    case = flow.declare(client, "NEG-ROUTE")
    payload = decision_payload(flow.application(case, "TP1"))
    response = client.post("/api/v1/messages", data=payload, content_type="application/json",
                           HTTP_X_SW_MESSAGE_TYPE="permit_decision.notification", HTTP_X_SW_CLIENT_REFERENCE="raw-1",
                           **flow.world["agency"].auth())
    assert response.status_code == 422 and response.json()["code"] == "routing.no_route"
    assert not Permit.objects.exists()


@pytest.mark.parametrize("payload", [
    b"{not json", b"[]", b'{"decisionCode": "approved"}', b"\xff\xfe", b"{" * 5000,
])
def test_a_bad_decision_is_refused_and_changes_nothing(client: Any, flow: Flow, payload: bytes) -> None:
    case = flow.declare(client, "NEG-BAD")
    response = post_decision(client, flow.world["agency"].token, payload, "bad-1")
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert flow.application(case, "TP1").status == "submitted" and not Permit.objects.exists()


def test_a_decision_over_the_size_limit_is_refused(client: Any, flow: Flow, settings: Any) -> None:
    settings.SW_MAX_MESSAGE_BYTES = 1000
    response = post_decision(client, flow.world["agency"].token, b" " * 1001, "big-1")
    assert response.status_code == 413 and not Permit.objects.exists()


def test_without_a_token_no_decision(client: Any, flow: Flow) -> None:
    response = client.post("/api/v1/permits/decisions", data=b"{}", content_type="application/json")
    assert response.status_code == 401


@pytest.mark.parametrize(("desk", "message"), [
    (DeskDecision("approved", permit_number="", granted={1: Decimal(10)}), "permit number"),
    (DeskDecision("approved", permit_number="TQ-9", granted={1: Decimal(0)}), "at least one goods line"),
    (DeskDecision("rejected"), "reasons"),
    (DeskDecision("submitted"), "unknown decision"),
])
def test_the_desk_refuses_an_incomplete_decision(client: Any, flow: Flow, desk: DeskDecision, message: str) -> None:
    case = flow.declare(client, "NEG-DESK")
    tq1 = flow.application(case, "TQ1")
    with pytest.raises(PermitError, match=message):
        decide_on_desk(tq1, decision=desk, actor=flow.desk_actor())
    tq1.refresh_from_db()
    assert tq1.status == "submitted" and tq1.decisions == 0


def test_overdue_applications_are_reminded_once(client: Any, flow: Flow) -> None:
    case = flow.declare(client, "LATE-1")
    tq1 = flow.application(case, "TQ1")
    assert tq1.due_at is not None and tq1.due_at > tq1.submitted_at
    later = tq1.due_at + (tq1.due_at - tq1.submitted_at)
    assert remind_overdue_applications(later) == 2
    assert remind_overdue_applications(later) == 0
    assert Case.objects.get(pk=case.pk).state == "validated"
