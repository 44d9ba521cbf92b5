"""A consignment's timeline: state changes are stored lines, each message on it is a line made from
the message itself; both in the order of their evidence, and the stored copies of message lines
that older versions wrote are removed by a migration that can be undone."""

from __future__ import annotations

import pytest
from django.utils import translation

from singlewindow import testing
from singlewindow.exchange import services
from singlewindow.exchange.models import Message, TimelineEvent
from singlewindow.exchange.selectors import consignment_timeline
from singlewindow.registry.actors import Actor

TYPE = "import_declaration.submit"
UCR = "6TW30000002-LINE001"
BEFORE = ("exchange", "0006_message_receipt_derived")


def _submit(party: testing.Party, reference: str, **declaration: object) -> Message:
    body = testing.encode(testing.declaration(ucr=UCR, reference=reference, **declaration))
    return testing.submit_signed(party, body, reference).message


def test_messages_and_state_changes_are_lines_in_evidence_order(world: testing.World) -> None:
    trader, customs = world["trader_a"], world["customs"].organisation
    first = _submit(trader, "line-1")
    change = services.record_state_change(organisation=customs, kind="customs.selected", fields={"lane": "C2"},
                                          ucr=UCR, title_en="Selected for documents", title_zh="抽中文件審核")
    second = _submit(trader, "line-2")
    assert not TimelineEvent.objects.filter(kind="message.received").exists()  # nothing stored per message
    found = consignment_timeline(Actor(organisation=trader.organisation), UCR)
    assert found is not None
    consignment, lines = found
    assert consignment.ucr == UCR
    assert [(line.kind, line.sequence) for line in lines] == [
        ("message.received", first.evidence_seq), ("customs.selected", change.seq),
        ("message.received", second.evidence_seq)]
    received = lines[0]
    assert (received.message_id, received.organisation, received.at) == (first.pk, trader.organisation,
                                                                          first.received_at)
    assert received.title_en == f"Import declaration ({TYPE}) received from {trader.organisation.name_en}"
    assert received.title_zh == f"收到{trader.organisation.name_zh}傳送之進口報單（{TYPE}）"
    assert "payload" in received.message.get_deferred_fields()  # a timeline never reads the payloads


def test_the_timeline_api_shows_message_lines_in_both_languages(client, world: testing.World) -> None:
    trader = world["trader_a"]
    message = _submit(trader, "line-api")
    with translation.override("en"):
        answer = client.get(f"/api/v1/consignments/{UCR}/timeline", **trader.auth())
    assert answer.status_code == 200, answer.content
    (line,) = answer.json()["events"]
    assert line["kind"] == "message.received" and line["message_id"] == str(message.pk)
    assert line["evidence_seq"] == message.evidence_seq and line["organisation"] == trader.code
    assert line["title"]["zh-Hant"].startswith("收到") and "received from" in line["title"]["en"]


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_stored_message_lines_and_undoing_it_restores_them() -> None:
    world = testing.build_world()
    trader, customs = world["trader_a"], world["customs"].organisation
    message = _submit(trader, "line-migrated")
    services.record_state_change(organisation=customs, kind="customs.selected", fields={}, ucr=UCR,
                                 title_en="Selected", title_zh="抽中")
    with testing.migrated_back(BEFORE):
        restored = TimelineEvent.objects.filter(kind="message.received")
        assert [(line.message_id, line.evidence_seq, line.at) for line in restored] == [
            (message.pk, None, message.received_at)]
        assert restored[0].title_en == (f"Import declaration ({TYPE}) received from "
                                        f"{trader.organisation.name_en}")
    assert list(TimelineEvent.objects.values_list("kind", flat=True)) == ["customs.selected"]
