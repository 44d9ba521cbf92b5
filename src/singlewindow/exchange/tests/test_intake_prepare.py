"""Intake in two steps: ``prepare_message`` checks without writing or locking, ``store_message``
(or a burst of state changes) writes; ``submit_message`` stays the two together."""

from __future__ import annotations

import time
import uuid

import pytest
from django.db import transaction

from singlewindow import testing
from singlewindow.exchange import evidence
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.intake import Envelope, new_message_id, prepare_message, store_message, submit_message
from singlewindow.exchange.models import Delivery, EvidenceEntry, EvidenceHead, Message, TimelineEvent
from singlewindow.exchange.services import StateChange, record_state_changes
from singlewindow.registry.actors import Actor

TYPE = "import_declaration.submit"


def _envelope(party: testing.Party, reference: str, payload: bytes | None = None) -> Envelope:
    body = payload if payload is not None else testing.encode(testing.declaration())
    return Envelope(TYPE, reference, "application/json", body,
                    testing.sign(party, body, message_type=TYPE, client_reference=reference))


def _written() -> tuple[int, int, int]:
    return Message.objects.count(), EvidenceEntry.objects.count(), Delivery.objects.count()


def test_prepare_writes_nothing_and_store_receipts_like_submit(world: testing.World) -> None:
    trader = world["trader_a"]
    before = _written()
    prepared = prepare_message(envelope=_envelope(trader, "two-step-1"), actor=Actor(organisation=trader.organisation))
    assert _written() == before
    assert [r.code for r in prepared.recipients] == ["t-customs-kel"]
    stored = store_message(prepared)
    assert stored.created
    message = stored.message
    receipt = stored.receipt()
    assert receipt["receipt"]["evidence_seq"] == message.evidence_seq
    assert EvidenceEntry.objects.get(seq=message.evidence_seq).kind == "message.received"
    assert [d.recipient.code for d in Delivery.objects.filter(message=message)] == ["t-customs-kel"]
    # storing the same prepared message again answers as a resend, with the original receipt
    again = store_message(prepared)
    assert not again.created and again.message.pk == message.pk and again.receipt() == receipt
    assert _written() == (before[0] + 1, before[1] + 1, before[2] + 1)


def test_a_refused_prepare_records_nothing_but_submit_records_the_refusal(world: testing.World) -> None:
    trader = world["trader_a"]
    bad = _envelope(trader, "two-step-bad", payload=b'{"functionCode": ')
    actor = Actor(organisation=trader.organisation)
    before = _written()
    with pytest.raises(ExchangeError) as raised:
        prepare_message(envelope=bad, actor=actor)
    assert raised.value.code == ExchangeErrorCode.INVALID
    assert _written() == before
    with pytest.raises(ExchangeError):
        submit_message(envelope=bad, actor=actor)
    assert [e.kind for e in EvidenceEntry.objects.order_by("-seq")[:1]] == ["message.rejected"]
    assert Message.objects.count() == before[0]


def test_a_state_change_and_its_notice_are_written_in_one_burst_in_order(world: testing.World) -> None:
    trader = world["trader_a"]
    first = submit_message(envelope=_envelope(trader, "burst-1"), actor=Actor(organisation=trader.organisation))
    customs = world["customs"].organisation
    notice = prepare_message(envelope=_envelope(trader, "burst-2"), actor=Actor(organisation=trader.organisation))
    change = StateChange(organisation=customs, kind="customs.test", fields={"step": 1}, ucr="6TW30000002-IMP0001",
                         title_en="a step", title_zh="一個步驟", notice=notice)
    later = StateChange(organisation=customs, kind="customs.test", fields={"step": 2}, ucr=None,
                        title_en="another step", title_zh="另一個步驟")
    head = EvidenceHead.objects.get(pk=1).seq
    with transaction.atomic():
        entries, _ = record_state_changes([change, later])
    # the changes' entries are returned; the notice's entry sits between them
    assert [e.seq for e in entries] == [head + 1, head + 3]
    assert list(EvidenceEntry.objects.filter(seq__gt=head).order_by("seq").values_list("kind", flat=True)) == [
        "customs.test", "message.received", "customs.test"]
    stored = Message.objects.get(client_reference="burst-2")
    assert stored.evidence_seq == head + 2 and stored.pk != first.message.pk
    assert Delivery.objects.filter(message=stored, seq=head + 2).count() == 1
    assert TimelineEvent.objects.filter(kind="customs.test", evidence_seq=head + 1).count() == 1
    assert evidence.verify_evidence().ok


def test_a_burst_whose_notice_reference_is_taken_writes_nothing(world: testing.World) -> None:
    trader = world["trader_a"]
    actor = Actor(organisation=trader.organisation)
    submit_message(envelope=_envelope(trader, "burst-taken"), actor=actor)
    notice = prepare_message(envelope=_envelope(trader, "burst-taken"), actor=actor)
    change = StateChange(organisation=world["customs"].organisation, kind="customs.test", fields={}, ucr=None,
                         title_en="a step", title_zh="一個步驟", notice=notice)
    before, head = _written(), EvidenceHead.objects.get(pk=1).seq
    with pytest.raises(ExchangeError) as raised, transaction.atomic():
        record_state_changes([change])
    assert raised.value.code == ExchangeErrorCode.CLIENT_REFERENCE_REUSED
    assert _written() == before and EvidenceHead.objects.get(pk=1).seq == head


def test_message_ids_are_uuid7_carrying_the_time_they_were_made() -> None:
    before = time.time_ns() // 1_000_000
    ids = [new_message_id() for _ in range(1000)]
    after = time.time_ns() // 1_000_000
    assert all(i.version == 7 and i.variant == uuid.RFC_4122 for i in ids)
    assert all(before <= i.int >> 80 <= after for i in ids)
    assert len(set(ids)) == len(ids)
    time.sleep(0.002)
    assert new_message_id() > max(ids)  # a later millisecond sorts after
