"""The declaration lifecycle end to end: signed declarations through the API, the customs engine
reading its mailbox, officer actions, and the declarant's notifications and timeline."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from singlewindow import testing
from singlewindow.customs import services
from singlewindow.customs.models import Case, CaseEvent, CaseState
from singlewindow.customs.services import CaseError, RequestedDocument
from singlewindow.customs.tests.clearance import (
    LAPTOP_DUE,
    URL,
    channel_chooser,
    clearance_world,
    notices,
    officer,
    run_engine,
    states,
    submit,
)
from singlewindow.exchange import evidence
from singlewindow.exchange.models import Delivery, Message, TimelineEvent
from singlewindow.exchange.selectors import document_of


@pytest.fixture
def world(db: None, tmp_path: Path, national_mapping_file: Path, code_lists: None, nz_group: Any) -> testing.World:
    return clearance_world(tmp_path, national_mapping_file)


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    return channel_chooser(monkeypatch)


def test_c1_declaration_is_assessed_notified_paid_and_released(client: Any, world: testing.World,
                                                               channel: Callable[[str], None]) -> None:
    trader = world["trader_a"]
    message = submit(client, trader, testing.declaration(reference="C1-1"), "c1-1")
    case = Case.objects.get(message_id=message.id)
    assert case.state == CaseState.AWAITING_PAYMENT and case.channel == "C1"
    assert case.amount_due == LAPTOP_DUE
    assert case.assessment["items"][0]["customs_value"] == "36000"
    assert notices(trader) == [("02", "received"), ("01", "accepted"), ("13", "amount_due")]
    services.record_payment(case, actor=officer(world), amount=LAPTOP_DUE, reference="BANK-1")
    case.refresh_from_db()
    assert case.state == CaseState.RELEASED
    assert states(case) == ["received", "validated", "matched", "assessed", "selected", "awaiting_payment", "paid",
                            "released"]
    assert notices(trader)[-1] == ("09", "released")
    kinds = list(TimelineEvent.objects.filter(consignment__ucr=case.ucr).values_list("kind", flat=True))
    assert "customs.selected" in kinds and "customs.released" in kinds
    assert evidence.verify_evidence().ok


def test_partial_payment_keeps_the_case_waiting(client: Any, world: testing.World,
                                                channel: Callable[[str], None]) -> None:
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="P-1"),
                                              "p-1").id)
    services.record_payment(case, actor=officer(world), amount=Decimal(1000), reference="BANK-1")
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_PAYMENT and case.amount_paid == 1000
    services.record_payment(case, actor=officer(world), amount=LAPTOP_DUE - 1000, reference="BANK-2")
    case.refresh_from_db()
    assert case.state == CaseState.RELEASED and case.amount_paid == LAPTOP_DUE


def test_release_before_payment_against_a_guarantee(client: Any, world: testing.World,
                                                    channel: Callable[[str], None]) -> None:
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="G-1"),
                                              "g-1").id)
    with pytest.raises(CaseError):
        services.record_payment(case, actor=officer(world), amount=Decimal(10), reference="GUA-1", guarantee=True)
    services.record_payment(case, actor=officer(world), amount=LAPTOP_DUE, reference="GUA-1", guarantee=True)
    case.refresh_from_db()
    assert case.state == CaseState.RELEASED
    services.record_payment(case, actor=officer(world), amount=LAPTOP_DUE, reference="BANK-9")
    case.refresh_from_db()
    assert case.state == CaseState.RELEASED and case.amount_paid == LAPTOP_DUE
    assert states(case)[-3:] == ["guaranteed", "released", "released"]  # the last one records the payment
    assert TimelineEvent.objects.filter(consignment__ucr=case.ucr, kind="customs.paid").exists()


def test_c2_deficiency_notice_documents_and_release(client: Any, world: testing.World,
                                                    channel: Callable[[str], None]) -> None:
    channel("C2")
    trader = world["trader_a"]
    case = Case.objects.get(message_id=submit(client, trader, testing.declaration(reference="C2-1"), "c2-1").id)
    assert case.state == CaseState.SELECTED and case.channel == "C2"
    deadline = timezone.now() + timedelta(days=3)
    services.request_documents(case, actor=officer(world), deadline=deadline, documents=[
        RequestedDocument("380", "Commercial invoice", "商業發票"),
        RequestedDocument("861", "Certificate of origin", "產地證明書"),
    ])
    last = Delivery.objects.filter(recipient=trader.organisation).order_by("-seq").first()
    assert last is not None
    notice = document_of(last.message)
    assert notice.function_code == "06"  # type: ignore[attr-defined]
    assert [i.statement_type_code for i in notice.additional_information] == ["380", "861"]  # type: ignore[attr-defined]
    amendment = testing.declaration(reference="C2-1")
    amendment["functionCode"] = "13"
    amendment["additionalDocument"] = [{"id": "INV-77", "typeCode": "380"}, {"id": "CO-77", "typeCode": "861"}]
    submit(client, trader, amendment, "c2-1-docs")
    case.refresh_from_db()
    assert case.state == CaseState.DOCUMENTS_RECEIVED
    services.accept_documents(case, actor=officer(world))
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_PAYMENT
    services.record_payment(case, actor=officer(world), amount=LAPTOP_DUE, reference="BANK-2")
    case.refresh_from_db()
    assert case.state == CaseState.RELEASED
    assert [code for code, _ in notices(trader)] == ["02", "01", "06", "13", "09"]


def test_c3_inspection_discrepancy_amendment_and_reassessment(client: Any, world: testing.World,
                                                              channel: Callable[[str], None]) -> None:
    channel("C3")
    trader = world["trader_a"]
    case = Case.objects.get(message_id=submit(client, trader, testing.declaration(reference="C3-1"), "c3-1").id)
    with pytest.raises(CaseError):
        services.accept_documents(case, actor=officer(world))
    services.record_inspection(case, actor=officer(world), findings_en="Twelve laptops found, not ten.",
                               findings_zh="實到十二台，申報十台。", discrepancy=True)
    case.refresh_from_db()
    assert case.state == CaseState.INSPECTED
    amended = testing.declaration(reference="C3-1")
    amended["functionCode"] = "13"
    line = amended["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]
    line["invoiceLine"]["itemChargeAmount"]["value"] = "1440.00"
    amended["invoiceAmount"]["value"] = "1440.00"
    submit(client, trader, amended, "c3-1-amend")
    case.refresh_from_db()
    # 1,440 x 30 = 43,200; duty 2,160; business tax 5 % of 45,360 = 2,268; fee 17.28 -> 17.
    assert case.state == CaseState.AWAITING_PAYMENT and case.channel == "C3" and case.version == 2
    assert case.amount_due == Decimal(2160 + 2268 + 17)
    assert "amended" in states(case)


def test_a_declaration_the_tariff_does_not_know_is_rejected_with_reasons(client: Any, world: testing.World,
                                                                         channel: Callable[[str], None]) -> None:
    trader = world["trader_a"]
    document = testing.declaration(reference="R-1")
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]["classification"][0]["id"] = "85171300"
    case = Case.objects.get(message_id=submit(client, trader, document, "r-1").id)
    assert case.state == CaseState.REJECTED
    last = Delivery.objects.filter(recipient=trader.organisation).order_by("-seq").first()
    assert last is not None
    rejection = document_of(last.message)
    assert rejection.function_code == "03" and "85171300" in rejection.error[0].description  # type: ignore[attr-defined]


def test_cancellation_and_a_cancellation_of_nothing(client: Any, world: testing.World,
                                                    channel: Callable[[str], None]) -> None:
    channel("C2")
    trader = world["trader_a"]
    case = Case.objects.get(message_id=submit(client, trader, testing.declaration(reference="X-1"), "x-1").id)
    withdrawal = testing.declaration(reference="X-1")
    withdrawal["functionCode"] = "1"
    submit(client, trader, withdrawal, "x-1-cancel")
    case.refresh_from_db()
    assert case.state == CaseState.CANCELLED and notices(trader)[-1] == ("10", "cancelled")
    unknown = testing.declaration(reference="NEVER-SENT")
    unknown["functionCode"] = "1"
    submit(client, trader, unknown, "x-2-cancel")
    assert notices(trader)[-1] == ("03", "rejected")
    assert not Case.objects.filter(reference="NEVER-SENT").exists()


def test_a_reused_reference_is_refused_and_opens_no_second_case(client: Any, world: testing.World,
                                                                channel: Callable[[str], None]) -> None:
    trader = world["trader_a"]
    submit(client, trader, testing.declaration(reference="DUP-1"), "dup-1")
    submit(client, trader, testing.declaration(reference="DUP-1"), "dup-2")
    assert Case.objects.filter(reference="DUP-1").count() == 1
    assert notices(trader)[-1] == ("03", "rejected")


def test_a_transition_the_lifecycle_forbids_changes_nothing(client: Any, world: testing.World,
                                                            channel: Callable[[str], None]) -> None:
    channel("C2")
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="F-1"),
                                              "f-1").id)
    before = (CaseEvent.objects.count(), Message.objects.count())
    with pytest.raises(CaseError) as raised:
        services.transition(case, CaseState.RELEASED.value, actor=officer(world))  # C2 selected: not yet
    assert raised.value.code == "case.not_yet" and "稅費尚未繳納" in raised.value.zh
    with pytest.raises(CaseError) as raised:
        services.transition(case, CaseState.PAID.value, actor=officer(world))
    assert raised.value.code == "case.transition_not_allowed" and "不能" in raised.value.zh
    with pytest.raises(CaseError):
        services.request_documents(case, actor=officer(world), documents=[])
    with pytest.raises(CaseError):
        services.record_payment(case, actor=officer(world), amount=Decimal(-5), reference="X")
    case.refresh_from_db()
    assert case.state == CaseState.SELECTED and (CaseEvent.objects.count(), Message.objects.count()) == before


def test_overdue_steps_are_reminded_once(client: Any, world: testing.World, channel: Callable[[str], None]) -> None:
    channel("C2")
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="O-1"),
                                              "o-1").id)
    assert case.due_at is not None  # an officer acts on a C2 selection within a day
    later = case.due_at + timedelta(minutes=1)
    assert services.remind_overdue(later) == 1
    assert services.remind_overdue(later) == 0
    assert TimelineEvent.objects.filter(consignment__ucr=case.ucr, kind="customs.overdue").count() == 1


@pytest.mark.parametrize("content_type", ["application/xml", "application/edifact"])
def test_notifications_go_back_in_the_declarants_format(client: Any, world: testing.World,
                                                        channel: Callable[[str], None], content_type: str) -> None:
    from singlewindow.datamodel.codecs import codec_for_content_type
    from singlewindow.datamodel.validation import validate_document

    codec = codec_for_content_type(content_type)
    assert codec is not None
    model = validate_document("import_declaration", testing.declaration(reference="FMT-1"))
    trader = world["trader_a"]
    submit(client, trader, {}, "fmt-1", content_type=content_type, payload=codec.encode(model, "import_declaration"))
    answers = Message.objects.filter(message_type="customs_response.notification").order_by("evidence_seq")
    assert [m.content_type for m in answers] == [content_type] * 3
    assert [document_of(m).status for m in answers] == ["received", "accepted", "amount_due"]  # type: ignore[attr-defined]


def test_an_export_declaration_owes_nothing_and_c1_releases_it(client: Any, world: testing.World,
                                                               channel: Callable[[str], None]) -> None:
    trader = world["trader_a"]
    body = testing.encode(testing.export_declaration(reference="E-1"))
    headers = testing.submit_headers(trader, body, client_reference="e-1", message_type="export_declaration.submit")
    response = client.post(URL, data=body, **headers)
    assert response.status_code == 201, response.content
    run_engine()
    case = Case.objects.get(reference="E-1")
    assert case.state == CaseState.RELEASED and case.amount_due == 0
    assert timezone.now() - case.received_at <= timedelta(minutes=5)
