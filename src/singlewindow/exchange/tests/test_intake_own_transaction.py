"""Intake outside a transaction on PostgreSQL: the whole write is one pipelined round trip that is
its own transaction, so a taken client reference must undo all of it and leave the connection
(and its prepared statements) fit for the next message."""

from __future__ import annotations

import threading
import time
from typing import Any

import psycopg
import pytest
from django.db import connection, connections
from django.test import Client

from singlewindow import testing
from singlewindow.exchange import evidence
from singlewindow.exchange.models import (
    Consignment,
    ConsignmentParty,
    Delivery,
    EvidenceEntry,
    EvidenceHead,
    Message,
    TimelineEvent,
)
from singlewindow.testing import race

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the own-transaction round trip is PostgreSQL's"),
]


def _post(client: Client, party: testing.Party, reference: str, ucr: str, *, items: int = 1) -> Any:
    payload = testing.encode(testing.declaration(ucr=ucr, reference=reference, items=items))
    return client.post("/api/v1/messages", data=payload,
                       **testing.submit_headers(party, payload, client_reference=reference))


def _written() -> tuple[int, ...]:
    return (Message.objects.count(), Delivery.objects.count(), EvidenceEntry.objects.count(),
            TimelineEvent.objects.count(), Consignment.objects.count(), ConsignmentParty.objects.count(),
            EvidenceHead.objects.get(pk=1).seq)


def test_a_resend_first_on_a_fresh_connection_changes_nothing_and_later_messages_are_stored() -> None:
    world = testing.build_world()
    trader, client = world["trader_a"], Client()
    first = _post(client, trader, "own-1", "6TW30000002-OWN0001")
    assert first.status_code == 201, first.content
    assert not connection.in_atomic_block
    connections.close_all()  # the next request opens a connection with no statement prepared yet
    before = _written()
    for _ in range(8):  # past the driver's prepare threshold: a failed pipeline must not corrupt its cache
        again = _post(client, trader, "own-1", "6TW30000002-OWN0001")
        assert (again.status_code, again.json()) == (200, first.json())
    assert _written() == before
    reused = _post(client, trader, "own-1", "6TW30000002-OWN0002")  # same reference, other bytes
    assert reused.status_code == 409
    assert reused.json()["code"] == "envelope.client_reference_reused"
    # the refusal leaves its one evidence entry and nothing else
    assert _written() == (*before[:2], before[2] + 1, *before[3:6], before[6] + 1)
    for i in range(3):
        stored = _post(client, trader, f"own-next-{i}", f"6TW30000002-OWN1{i:03d}", items=1 + i)
        assert stored.status_code == 201, stored.content
        assert Message.objects.get(client_reference=f"own-next-{i}").consignment.ucr == f"6TW30000002-OWN1{i:03d}"
    assert Delivery.objects.filter(message__client_reference="own-next-2").count() == 1
    report = evidence.verify_evidence()
    assert report.ok, report.problem


def test_racing_requests_with_one_reference_store_it_once_and_all_get_its_receipt() -> None:
    world = testing.build_world()
    trader = world["trader_b"]
    bid = trader.organisation.business_id
    payload = testing.encode(testing.declaration(ucr=f"6TW{bid}-RACE0001", reference="race-1", declarant=bid,
                                                 importer=bid))
    headers = testing.submit_headers(trader, payload, client_reference="race-1")

    def submit(_: int) -> tuple[int, Any]:
        response = Client().post("/api/v1/messages", data=payload, **headers)
        return response.status_code, response.json()

    answers = race(6, submit)
    assert sorted(status for status, _ in answers) == [200] * 5 + [201]
    assert len({str(body) for _, body in answers}) == 1  # every one the same receipt
    assert Message.objects.filter(client_reference="race-1").count() == 1
    assert EvidenceEntry.objects.filter(kind="message.received").count() == 1
    report = evidence.verify_evidence()
    assert report.ok, report.problem


def _begun_elsewhere(sql: str, params: list[Any]) -> psycopg.Connection[Any]:
    """A connection of its own whose open transaction has run ``sql`` (and holds what it wrote)."""
    settings = connection.get_connection_params()
    other = psycopg.connect(**{k: v for k, v in settings.items() if k != "cursor_factory"})
    other.execute(sql, params)
    return other


def _waiting_for_a_lock() -> bool:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_locks WHERE NOT granted")
        return bool(cursor.fetchone()[0])


def _evidence_lock_free() -> bool:
    """Whether another transaction could take the evidence head's row lock now."""
    other = _begun_elsewhere("SELECT 1", [])
    try:
        other.execute("SELECT 1 FROM exchange_evidencehead WHERE id = 1 FOR UPDATE NOWAIT")
        return True
    except psycopg.errors.LockNotAvailable:
        return False
    finally:
        other.close()


def _waits_without_the_evidence_lock(blocker: psycopg.Connection[Any], submit: Any) -> Any:
    """Run ``submit`` in a thread while ``blocker`` holds a row it writes; check that it waits for that row
    without holding the evidence lock (which would stop every other append), then let it go on."""
    answer: list[Any] = []

    def run() -> None:
        try:
            answer.append(submit())
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not _waiting_for_a_lock():
            assert time.monotonic() < deadline, "the submission never waited for the row being written"
            time.sleep(0.02)
        assert _evidence_lock_free(), "the submission holds the evidence lock while it waits for a row"
    finally:
        blocker.commit()
        blocker.close()
        thread.join(timeout=30)
    assert answer, "the submission did not finish"
    return answer[0]


def test_a_message_waits_for_its_consignment_before_it_takes_the_evidence_lock() -> None:
    world = testing.build_world()
    trader, client = world["trader_a"], Client()
    assert _post(client, trader, "order-0", "6TW30000002-ORDER000").status_code == 201  # the head row exists
    blocker = _begun_elsewhere("INSERT INTO exchange_consignment (ucr, created_at) VALUES (%s, now())",
                               ["6TW30000002-ORDER001"])
    answer = _waits_without_the_evidence_lock(
        blocker, lambda: _post(Client(), trader, "order-1", "6TW30000002-ORDER001"))
    assert answer.status_code == 201, answer.content
    assert Message.objects.get(client_reference="order-1").consignment.ucr == "6TW30000002-ORDER001"


def test_a_message_waits_for_a_consignment_another_writer_holds_before_it_takes_the_evidence_lock() -> None:
    world = testing.build_world()
    broker, importer = world["broker"], world["trader_a"].organisation
    ucr = "6TW30000013-ORDER002"

    def post(reference: str) -> Any:  # the broker's declaration names the importer: a party row
        payload = testing.encode(testing.declaration(ucr=ucr, reference=reference, declarant="30000013",
                                                     importer=importer.business_id))
        return Client().post("/api/v1/messages", data=payload,
                             **testing.submit_headers(broker, payload, client_reference=reference))

    assert post("order-2").status_code == 201
    consignment = Consignment.objects.get(ucr=ucr)
    ConsignmentParty.objects.filter(consignment=consignment).delete()
    # another message of the consignment, its transaction still open, as intake upserts it
    blocker = _begun_elsewhere("INSERT INTO exchange_consignment (ucr, created_at) VALUES (%s, now()) "
                               "ON CONFLICT (ucr) DO UPDATE SET ucr = EXCLUDED.ucr", [ucr])
    answer = _waits_without_the_evidence_lock(blocker, lambda: post("order-3"))
    assert answer.status_code == 201, answer.content
    assert list(ConsignmentParty.objects.filter(consignment=consignment).values_list("organisation", flat=True)) \
        == [importer.pk]
    report = evidence.verify_evidence()
    assert report.ok, report.problem
