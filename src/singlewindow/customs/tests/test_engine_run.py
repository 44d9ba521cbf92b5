"""The engine's run writes everything in one burst at its end: notices are named by the position
of their event in the case, follow their transition in the evidence log, are never sent twice,
and a run that fails writes nothing at all."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from singlewindow import testing
from singlewindow.customs import engine, services
from singlewindow.customs.models import Case, CaseEvent, CaseState
from singlewindow.customs.tests.clearance import (
    LAPTOP_DUE,
    URL,
    channel_chooser,
    clearance_world,
    notices,
    officer,
    run_engine,
    submit,
)
from singlewindow.datamodel.codecs import Codec, codec_named
from singlewindow.datamodel.datasets import CustomsResponse
from singlewindow.exchange import evidence
from singlewindow.exchange.engines import process_engine_delivery
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.intake import Envelope, submit_message
from singlewindow.exchange.models import Delivery, EvidenceEntry, EvidenceHead, Message
from singlewindow.registry.actors import Actor

NOTICE = "customs_response.notification"


@pytest.fixture
def world(db: None, tmp_path: Path, national_mapping_file: Path, code_lists: None, nz_group: Any) -> testing.World:
    return clearance_world(tmp_path, national_mapping_file)


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    return channel_chooser(monkeypatch)


def codec_json() -> Codec:
    codec = codec_named("json")
    assert codec is not None
    return codec


def _notice_references(case: Case) -> list[str]:
    return list(Message.objects.filter(message_type=NOTICE, client_reference__startswith=f"cus-{case.pk}-")
                .order_by("evidence_seq").values_list("client_reference", flat=True))


def test_notices_are_named_by_their_event_and_follow_it_in_the_log(client: Any, world: testing.World,
                                                                   channel: Callable[[str], None]) -> None:
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="P-1"),
                                              "p-1").id)
    events = list(CaseEvent.objects.filter(case=case).order_by("pk"))
    assert [e.to_state for e in events] == ["received", "validated", "matched", "assessed", "selected",
                                            "awaiting_payment"]
    # received (1st event), selected (5th) and awaiting payment (6th) are the ones the declarant hears of
    assert _notice_references(case) == [f"cus-{case.pk}-1", f"cus-{case.pk}-5", f"cus-{case.pk}-6"]
    for reference in _notice_references(case):
        position = int(reference.rsplit("-", 1)[1])
        event = events[position - 1]
        notice = Message.objects.get(client_reference=reference)
        # the transition's own entry comes right before the entry of the message telling of it
        assert notice.evidence_seq == event.evidence_seq + 1
        assert EvidenceEntry.objects.get(seq=notice.evidence_seq).kind == "message.received"
    assert evidence.verify_evidence().ok
    # an officer's later steps continue the numbering: paid is 7th (no notice), released 8th
    services.record_payment(case, actor=officer(world), amount=LAPTOP_DUE, reference="BANK-P1")
    assert _notice_references(case)[-1] == f"cus-{case.pk}-8"
    assert notices(world["trader_a"])[-1] == ("09", "released")


def test_running_a_delivery_again_sends_nothing_twice(client: Any, world: testing.World,
                                                      channel: Callable[[str], None]) -> None:
    trader = world["trader_a"]
    message = submit(client, trader, testing.declaration(reference="P-2"), "p-2")
    delivery = Delivery.objects.get(message=message, recipient__engine="customs")
    before = (Message.objects.count(), CaseEvent.objects.count(), EvidenceEntry.objects.count())
    assert process_engine_delivery(delivery.pk) is False
    assert (Message.objects.count(), CaseEvent.objects.count(), EvidenceEntry.objects.count()) == before
    assert notices(trader) == [("02", "received"), ("01", "accepted"), ("13", "amount_due")]


def test_a_run_that_fails_writes_nothing_and_its_retry_notifies_once(client: Any, world: testing.World,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    trader = world["trader_a"]

    def broken(case: Any, declaration: Any, assessment: Any) -> Any:
        raise RuntimeError("the selection step is down")

    monkeypatch.setattr(engine, "SELECTOR", [broken])
    body = testing.encode(testing.declaration(reference="P-3"))
    response = client.post(URL, data=body, **testing.submit_headers(trader, body, client_reference="p-3"))
    assert response.status_code == 201
    delivery = Delivery.objects.get(message_id=response.json()["receipt"]["message_id"], recipient__engine="customs")
    head = EvidenceHead.objects.get(pk=1).seq
    with pytest.raises(RuntimeError):
        process_engine_delivery(delivery.pk)
    # the received notice was prepared before the failure, yet nothing of the run is kept
    assert not Case.objects.filter(reference="P-3").exists()
    assert notices(trader) == []
    assert EvidenceHead.objects.get(pk=1).seq == head
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING
    channel_chooser(monkeypatch)
    run_engine()
    case = Case.objects.get(reference="P-3")
    assert case.state == CaseState.AWAITING_PAYMENT
    assert notices(trader) == [("02", "received"), ("01", "accepted"), ("13", "amount_due")]
    assert _notice_references(case) == [f"cus-{case.pk}-1", f"cus-{case.pk}-5", f"cus-{case.pk}-6"]
    assert evidence.verify_evidence().ok


def test_a_taken_notice_reference_fails_the_run_and_keeps_the_log_whole(client: Any, world: testing.World,
                                                                        channel: Callable[[str], None]) -> None:
    trader, office = world["trader_a"], world["customs"].organisation
    case = Case.objects.get(message_id=submit(client, trader, testing.declaration(reference="P-4"), "p-4").id)
    # Someone already sent, as the office, a message under the reference the amendment's
    # selection notice will take (amended 7th, validated, matched, assessed, selected 11th).
    taken = CustomsResponse(function_code="03", status="rejected", issue_date_time=timezone.now(),
                            declaration_message_id=str(case.message_id), remarks="Not about P-4.")
    submit_message(envelope=Envelope(NOTICE, f"cus-{case.pk}-11", "application/json",
                                     codec_json().encode(taken, "customs_response")),
                   actor=Actor(organisation=office))
    amended = testing.declaration(reference="P-4")
    amended["functionCode"] = "13"
    body = testing.encode(amended)
    response = client.post(URL, data=body, **testing.submit_headers(trader, body, client_reference="p-4-amend"))
    assert response.status_code == 201
    delivery = Delivery.objects.get(message_id=response.json()["receipt"]["message_id"], recipient__engine="customs")
    events, head = CaseEvent.objects.filter(case=case).count(), EvidenceHead.objects.get(pk=1).seq
    with pytest.raises(ExchangeError) as raised:
        process_engine_delivery(delivery.pk)
    assert raised.value.code == ExchangeErrorCode.CLIENT_REFERENCE_REUSED
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_PAYMENT and case.version == 1
    assert CaseEvent.objects.filter(case=case).count() == events
    assert EvidenceHead.objects.get(pk=1).seq == head
    assert evidence.verify_evidence().ok


def test_the_office_tells_routing_its_declarant_so_a_notice_asks_no_query(client: Any, world: testing.World,
                                                                          channel: Callable[[str], None]) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from singlewindow.registry import cache

    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="P-9"),
                                              "p-9").id)
    cache.invalidate()  # nothing remembered from the notices so far
    with CaptureQueriesContext(connection) as queries:
        services.record_payment(case, actor=officer(world), amount=LAPTOP_DUE, reference="BANK-P9")
    assert not [q for q in queries.captured_queries if "SELECT m.sender_id" in q["sql"]]  # routing._sender_of
    assert notices(world["trader_a"])[-1] == ("09", "released")
