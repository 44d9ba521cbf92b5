"""POST /api/v1/messages: the happy path and the receipt."""

import importlib
import json

import pytest
from django.test import Client

from singlewindow import testing
from singlewindow.exchange import jws
from singlewindow.exchange.models import Consignment, ConsignmentParty, Delivery, EvidenceEntry, Message, TimelineEvent
from singlewindow.exchange.schemas import ReceiptOut
from singlewindow.exchange.selectors import consignment_timeline, consignment_visible_to, consignments_visible_to
from singlewindow.registry.actors import Actor


def post(client, party, document, **kwargs):
    payload = testing.encode(document)
    return client.post("/api/v1/messages", data=payload,
                       **testing.submit_headers(party, payload, **kwargs))


def test_signed_declaration_is_received_routed_and_receipted(client, world):
    response = post(client, world["trader_a"], testing.declaration())
    assert response.status_code == 201, response.content
    assert response["Content-Type"] == "application/json; charset=utf-8"
    body = response.json()
    assert ReceiptOut.model_validate(body).model_dump() == body  # what the API documents, and no more
    receipt = body["receipt"]
    message = Message.objects.get(pk=receipt["message_id"])
    assert message.sender == world["trader_a"].organisation
    assert receipt["payload_sha256"] == message.payload_sha256
    # the receipt is signed by the Single Window over its canonical bytes
    canonical = json.dumps(receipt, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()
    signed = jws.verify_detached(body["signature"], canonical)
    assert response.content.startswith(b'{"receipt":' + canonical + b',')  # the member is the signed bytes
    assert signed.chain[0].subject.rfc4514_string().find("Single Window") >= 0
    # routed to the customs office named in the declaration, and only there
    assert [d.recipient.code for d in Delivery.objects.filter(message=message)] == ["t-customs-kel"]
    entry = EvidenceEntry.objects.get(seq=receipt["evidence_seq"])
    assert entry.kind == "message.received" and entry.leaf_hash == receipt["leaf_hash"]
    # the message is its own line on the timeline: intake stores no copy of it
    assert not TimelineEvent.objects.filter(consignment__ucr="6TW30000002-IMP0001").exists()
    _, lines = consignment_timeline(Actor(organisation=world["trader_a"].organisation), "6TW30000002-IMP0001")
    assert [(line.kind, line.message_id, line.sequence) for line in lines] == [
        ("message.received", message.pk, receipt["evidence_seq"])]
    assert lines[0].title_en == "Import declaration (import_declaration.submit) received from Org trader_a"


def test_a_consignment_gathers_the_parties_and_lines_of_every_message_on_its_ucr(client, world):
    trader, broker = world["trader_a"], world["broker"]
    ucr = "6TW30000002-PARTY01"
    first = post(client, trader, testing.declaration(ucr=ucr), client_reference="party-1")
    # the broker declares for the trader on the same consignment, to the other office
    second = post(client, broker, testing.declaration(ucr=ucr, declarant="30000013", office="TWKHH"),
                  client_reference="party-2")
    assert first.status_code == second.status_code == 201, (first.content, second.content)
    consignment = Consignment.objects.get(ucr=ucr)
    assert Consignment.objects.filter(ucr=ucr).count() == 1
    # senders and recipients are known from the messages: only the trader the broker's declaration names
    # without sending or receiving it gets a party row, though it sent the first message itself
    assert set(ConsignmentParty.objects.filter(consignment=consignment)
               .values_list("organisation__code", flat=True)) == {"t-trader-a"}
    may_see = {name for name in ("trader_a", "trader_b", "broker", "customs", "customs_2", "agency")
               if consignment_visible_to(Actor(organisation=world[name].organisation), ucr) is not None}
    assert may_see == {"trader_a", "broker", "customs", "customs_2"}
    listing = {name for name in ("trader_a", "trader_b", "broker", "customs", "customs_2", "agency")
               if consignment in consignments_visible_to(Actor(organisation=world[name].organisation))}
    assert listing == may_see
    _, lines = consignment_timeline(Actor(organisation=trader.organisation), ucr)
    assert [line.message_id for line in lines] == [
        Message.objects.get(client_reference=reference).pk for reference in ("party-1", "party-2")]
    assert set(Message.objects.values_list("consignment_id", flat=True)) == {consignment.pk}


def test_resending_the_same_client_reference_returns_the_original_receipt(client, world):
    first = post(client, world["trader_a"], testing.declaration())
    entries = EvidenceEntry.objects.count()
    again = post(client, world["trader_a"], testing.declaration())
    assert again.status_code == 200
    assert again.json() == first.json()
    assert Message.objects.count() == 1
    assert EvidenceEntry.objects.count() == entries


def test_mailbox_ack_and_timeline(client, world):
    receipt = post(client, world["trader_a"], testing.declaration()).json()["receipt"]
    customs = world["customs"]
    page = client.get("/api/v1/mailbox?after=0", **customs.auth()).json()
    assert [i["message_id"] for i in page["items"]] == [receipt["message_id"]]
    assert page["next_cursor"] == receipt["evidence_seq"]
    assert client.get(f"/api/v1/mailbox?after={page['next_cursor']}", **customs.auth()).json()["items"] == []
    delivery_id = page["items"][0]["delivery_id"]
    acked = client.post(f"/api/v1/mailbox/{delivery_id}/ack", **customs.auth()).json()
    assert acked["state"] == "acknowledged"
    sent = client.get(f"/api/v1/messages/{receipt['message_id']}", **world["trader_a"].auth()).json()
    assert sent["deliveries"][0]["state"] == "acknowledged"
    timeline = client.get("/api/v1/consignments/6TW30000002-IMP0001/timeline",
                          **world["trader_a"].auth()).json()
    assert [e["kind"] for e in timeline["events"]] == ["message.received", "delivery.acknowledged"]


def test_a_payload_is_served_as_a_download_never_rendered(client, world):
    """A sender's bytes (an XML payload may carry XHTML and script) must not run in this origin."""
    payload = testing.encode(testing.declaration())
    message_id = client.post("/api/v1/messages", data=payload, **testing.submit_headers(world["trader_a"], payload)
                             ).json()["receipt"]["message_id"]
    answer = client.get(f"/api/v1/messages/{message_id}/payload", **world["customs"].auth())
    assert answer.status_code == 200 and answer.content == payload
    assert answer["Content-Disposition"] == f'attachment; filename="{message_id}.json"'
    assert answer["Content-Security-Policy"] == "sandbox; default-src 'none'"
    assert answer["X-Content-Type-Options"] == "nosniff"


def test_how_pushes_fare_is_shown_to_the_recipient_only(client, world):
    """A failed push's error can name the recipient's webhook host: not the sender's business."""
    message_id = post(client, world["trader_a"], testing.declaration()).json()["receipt"]["message_id"]
    Delivery.objects.update(push_state=Delivery.PushState.DEAD, push_attempts=6,
                            last_error="no address for hook.internal")
    [as_sender] = client.get(f"/api/v1/messages/{message_id}", **world["trader_a"].auth()).json()["deliveries"]
    assert as_sender["state"] == "pending"
    assert (as_sender["push_state"], as_sender["push_attempts"], as_sender["last_error"]) == (None, None, None)
    [own] = client.get(f"/api/v1/messages/{message_id}", **world["customs"].auth()).json()["deliveries"]
    assert (own["push_state"], own["push_attempts"], own["last_error"]) == ("dead", 6, "no address for hook.internal")
    [listed] = client.get("/api/v1/messages", **world["trader_a"].auth()).json()[0]["deliveries"]
    assert listed["last_error"] is None


def test_a_session_reads_the_mailbox_and_only_a_system_s_pull_takes_deliveries(client, world):
    """Another site can make a browser send a GET with its cookie: reading must change nothing."""
    post(client, world["trader_a"], testing.declaration())
    person = Client()
    assert person.login(username=world["customs"].username, password=world["customs"].password)
    entries = EvidenceEntry.objects.count()
    [item] = person.get("/api/v1/mailbox").json()["items"]
    assert item["state"] == "pending" and Delivery.objects.get().state == "pending"
    assert EvidenceEntry.objects.count() == entries
    [pulled] = client.get("/api/v1/mailbox", **world["customs"].auth()).json()["items"]
    assert pulled["state"] == "delivered" and EvidenceEntry.objects.count() == entries + 1


def test_on_postgresql_a_payload_is_stored_lz4_compressed_and_read_back_exactly(client, world):
    from django.db import connection
    if connection.vendor != "postgresql":
        pytest.skip("column compression is PostgreSQL's")
    migration = importlib.import_module("singlewindow.exchange.migrations.0010_payload_lz4")
    with connection.cursor() as cursor:
        cursor.execute(migration.SUPPORTED)  # the question the migration asks the server
        if not cursor.fetchone()[0]:
            pytest.skip("this PostgreSQL server was built without LZ4")
    payload = testing.encode(testing.declaration(items=3))
    answer = client.post("/api/v1/messages", data=payload, **testing.submit_headers(world["trader_a"], payload))
    assert answer.status_code == 201, answer.content
    message_id = answer.json()["receipt"]["message_id"]
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_column_compression(payload) FROM exchange_message WHERE id = %s", [message_id])
        assert cursor.fetchone() == ("lz4",)
    assert bytes(Message.objects.get(pk=message_id).payload) == payload


def test_on_postgresql_a_declaration_row_stays_whole_with_its_payload_compressed(client, world):
    from django.db import connection
    if connection.vendor != "postgresql":
        pytest.skip("TOAST is PostgreSQL's")

    def stored_out_of_row() -> int:  # values this transaction moved to the message table's TOAST table
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_stat_get_xact_tuples_inserted(reltoastrelid) FROM pg_class "
                           "WHERE oid = 'exchange_message'::regclass")
            return int(cursor.fetchone()[0])

    before = stored_out_of_row()
    ids = []
    for items in (1, 2, 3):
        payload = testing.encode(testing.declaration(items=items, ucr=f"6TW30000002-ROW{items}",
                                                     reference=f"ROW-{items}"))
        answer = client.post("/api/v1/messages", data=payload, **testing.submit_headers(
            world["trader_a"], payload, client_reference=f"row-{items}"))
        assert answer.status_code == 201, answer.content
        ids.append(answer.json()["receipt"]["message_id"])
    assert stored_out_of_row() == before
    with connection.cursor() as cursor:  # a row over the target compresses its payload, never the signature
        cursor.execute("SELECT pg_column_compression(payload) IS NOT NULL, pg_column_compression(signature) "
                       "FROM exchange_message WHERE id = %s::uuid", [ids[-1]])
        assert cursor.fetchone() == (True, None)


def test_the_row_target_migration_is_undone_and_redone(world):
    from django.db import connection
    if connection.vendor != "postgresql":
        pytest.skip("TOAST is PostgreSQL's")

    def options() -> list[str]:
        with connection.cursor() as cursor:
            cursor.execute("SELECT coalesce(reloptions, '{}') FROM pg_class WHERE oid = 'exchange_message'::regclass")
            return list(cursor.fetchone()[0])

    target = importlib.import_module("singlewindow.exchange.migrations.0011_message_row_target").ROW_TARGET
    assert options() == [f"toast_tuple_target={target}"]
    with testing.migrated_back(("exchange", "0010_payload_lz4")):
        assert options() == []
    assert options() == [f"toast_tuple_target={target}"]
