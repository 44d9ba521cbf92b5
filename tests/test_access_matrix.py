"""Who sees what: every party of the test world against every reading endpoint.

trader_a sends an import declaration to the Keelung customs office (TWKEL), which answers with
a customs response. Only those two see the messages and the consignment's timeline; only the
recipient of a delivery may acknowledge or redeliver it. Everyone else gets the same 404 as for
something that does not exist, and an empty mailbox. Each party is tried both as a system
(bearer token) and as a person logged in to the portal (session cookie + CSRF token).
"""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from singlewindow import testing
from singlewindow.exchange import services
from singlewindow.exchange.models import Checkpoint, Delivery, EvidenceEntry, Message, TimelineEvent
from singlewindow.registry.actors import Actor

API = "/api/v1"
UCR = "6TW30000002-IMP0001"
CSRF_TOKEN = "abcdefghijklmnopqrstuvwxyzABCDEF"
PARTIES = [name for name, *_ in testing.WORLD_ORGS]
ROLES = {name: roles[0].value for name, _code, _bid, roles, _office in testing.WORLD_ORGS}
MODES = ["token", "session"]

# who may see each message of the scenario, who sent it and whose mailbox it is in
SENDER = {"declaration": "trader_a", "response": "customs"}
RECIPIENT = {"declaration": "customs", "response": "trader_a"}
TIMELINE_PARTIES = {"trader_a", "customs"}



@dataclass
class Scenario:
    world: testing.World
    messages: dict[str, Message]
    deliveries: dict[str, Delivery]
    receipts: dict[str, dict[str, Any]]


@dataclass
class Caller:
    """One party acting through one channel; ``get``/``post`` add the credentials."""

    name: str
    mode: str
    client: Client
    party: testing.Party

    def _auth(self) -> dict[str, str]:
        if self.mode == "token":
            return self.party.auth()
        return {"HTTP_X_CSRFTOKEN": CSRF_TOKEN}

    def get(self, path: str) -> Any:
        return self.client.get(API + path, **self._auth())

    def post(self, path: str) -> Any:
        return self.client.post(API + path, **self._auth())

    @property
    def label(self) -> str:
        """How the evidence log names this caller."""
        if self.mode == "token":
            return f"{self.party.code} token:{self.party.token[:10]}"
        return f"{self.party.code} user:{self.party.username}"


def caller(world: testing.World, name: str, mode: str) -> Caller:
    client = Client(enforce_csrf_checks=True)  # behave like a real HTTP client
    if mode == "session":
        client.force_login(User.objects.get(username=world[name].username))
        client.cookies["csrftoken"] = CSRF_TOKEN
    return Caller(name, mode, client, world[name])


def customs_response(declaration_id: uuid.UUID, ucr: str = UCR) -> dict[str, Any]:
    return {
        "functionCode": "2",
        "ucr": ucr,
        "declarationMessageId": str(declaration_id),
        "status": "registered",
        "issueDateTime": timezone.now().isoformat(),
        "remarks": "",
    }


def submit(world: testing.World, name: str, document: dict[str, Any], **kwargs: Any) -> dict[str, Any]:
    payload = testing.encode(document)
    response = Client().post(f"{API}/messages", data=payload, **testing.submit_headers(world[name], payload, **kwargs))
    assert response.status_code == 201, response.content
    return response.json()


@pytest.fixture
def scenario(world: testing.World) -> Scenario:
    for name in ("trader_a", "customs"):
        services.set_webhook(actor=Actor(organisation=world[name].organisation), url=f"https://{name}.example/hook")
    declaration = submit(world, "trader_a", testing.declaration(ucr=UCR), client_reference="decl-1")
    declaration_id = uuid.UUID(declaration["receipt"]["message_id"])
    response = submit(
        world,
        "customs",
        customs_response(declaration_id),
        message_type="customs_response.notification",
        client_reference="resp-1",
        signed=False,
    )
    messages = {
        "declaration": Message.objects.get(pk=declaration_id),
        "response": Message.objects.get(pk=response["receipt"]["message_id"]),
    }
    # both pushes failed for good: the deliveries are dead letters waiting in the mailboxes
    Delivery.objects.update(push_state=Delivery.PushState.DEAD, push_attempts=6, last_error="HTTP 500")
    deliveries = {kind: Delivery.objects.get(message=message) for kind, message in messages.items()}
    assert deliveries["declaration"].recipient == world["customs"].organisation
    assert deliveries["response"].recipient == world["trader_a"].organisation
    return Scenario(world, messages, deliveries, {"declaration": declaration, "response": response})


# --- expectations, one function per endpoint -------------------------------------------------


def _not_found_twin(who: Caller, path: str, method: str = "get") -> bytes:
    """What the caller gets for something that does not exist at all."""
    response = getattr(who, method)(path)
    assert response.status_code == 404
    return bytes(response.content)


def _assert_hidden(response: Any, twin: bytes) -> None:
    assert response.status_code == 404, response.content
    assert response["Content-Type"] == "application/problem+json"
    assert json.loads(response.content)["code"] == "not_found"
    assert response.content == twin, "'not yours' must answer exactly like 'not found'"


def check_message(s: Scenario, who: Caller) -> None:
    twin = _not_found_twin(who, f"/messages/{uuid.uuid4()}")
    for kind, message in s.messages.items():
        response = who.get(f"/messages/{message.id}")
        if who.name in (SENDER[kind], RECIPIENT[kind]):
            assert response.status_code == 200, response.content
            body = response.json()
            assert body["id"] == str(message.id) and body["sender"] == s.world[SENDER[kind]].code
            assert body["ucr"] == UCR
            assert [d["recipient"] for d in body["deliveries"]] == [s.world[RECIPIENT[kind]].code]
            if who.name == SENDER[kind]:
                assert body["receipt"] == s.receipts[kind]
            else:
                assert body["receipt"] is None, "a recipient must not see the sender's receipt"
        else:
            _assert_hidden(response, twin)


def check_sent_list(s: Scenario, who: Caller) -> None:
    response = who.get("/messages")
    assert response.status_code == 200
    expected = [str(m.id) for kind, m in s.messages.items() if SENDER[kind] == who.name]
    assert [m["id"] for m in response.json()] == expected


def check_payload(s: Scenario, who: Caller) -> None:
    twin = _not_found_twin(who, f"/messages/{uuid.uuid4()}/payload")
    for kind, message in s.messages.items():
        response = who.get(f"/messages/{message.id}/payload")
        if who.name in (SENDER[kind], RECIPIENT[kind]):
            assert response.status_code == 200
            assert response.content == bytes(message.payload)
            assert response["X-SW-Payload-SHA256"] == message.payload_sha256
        else:
            _assert_hidden(response, twin)


def check_mailbox(s: Scenario, who: Caller) -> None:
    response = who.get("/mailbox")
    assert response.status_code == 200
    page = response.json()
    mine = [kind for kind in s.messages if RECIPIENT[kind] == who.name]
    assert [item["message_id"] for item in page["items"]] == [str(s.messages[k].id) for k in mine]
    assert [item["delivery_id"] for item in page["items"]] == [s.deliveries[k].pk for k in mine]
    # A system's pull hands its deliveries over; a person's session only reads them.
    taken = "delivered" if who.mode == "token" else "pending"
    if mine:
        assert page["next_cursor"] == s.deliveries[mine[-1]].seq
        assert [item["state"] for item in page["items"]] == [taken] * len(mine)
    else:
        assert page == {"items": [], "next_cursor": 0}
    # a pull hands over only the caller's own deliveries
    for kind, delivery in s.deliveries.items():
        delivery.refresh_from_db()
        assert delivery.state == (taken if kind in mine else "pending")


def check_timeline(s: Scenario, who: Caller) -> None:
    twin = _not_found_twin(who, "/consignments/6TW99999999-NONE/timeline")
    response = who.get(f"/consignments/{UCR}/timeline")
    if who.name in TIMELINE_PARTIES:
        assert response.status_code == 200
        events = response.json()["events"]
        assert [(e["kind"], e["message_id"]) for e in events] == [
            ("message.received", str(s.messages["declaration"].id)),
            ("message.received", str(s.messages["response"].id)),
        ]
    else:
        _assert_hidden(response, twin)


def check_proof(s: Scenario, who: Caller) -> None:
    twin = _not_found_twin(who, f"/evidence/messages/{uuid.uuid4()}/proof")
    for kind, message in s.messages.items():
        checkpoints = Checkpoint.objects.count()
        response = who.get(f"/evidence/messages/{message.id}/proof")
        if who.name in (SENDER[kind], RECIPIENT[kind]):
            assert response.status_code == 200
            body = response.json()
            assert body["leaf_index"] == message.evidence_seq - 1
            assert body["entry"]["message_id"] == str(message.id)
        else:
            _assert_hidden(response, twin)
            assert Checkpoint.objects.count() == checkpoints


def _delivery_write(s: Scenario, who: Caller, action: str) -> None:
    twin = _not_found_twin(who, f"/mailbox/987654321/{action}", "post")
    for kind, delivery in s.deliveries.items():
        before = (EvidenceEntry.objects.count(), TimelineEvent.objects.count())
        response = who.post(f"/mailbox/{delivery.pk}/{action}")
        fresh = Delivery.objects.get(pk=delivery.pk)
        if who.name == RECIPIENT[kind]:
            assert response.status_code == 200, response.content
            new = list(EvidenceEntry.objects.order_by("seq")[before[0] :])
            assert all(json.loads(e.body)["actor"] == who.label for e in new)
            if action == "ack":
                assert response.json()["state"] == fresh.state == "acknowledged"
                assert [e.kind for e in new] == ["delivery.delivered", "delivery.acknowledged"]
                assert TimelineEvent.objects.count() == before[1] + 1
            else:
                assert response.json()["push_state"] == fresh.push_state == "pending"
                assert (fresh.push_attempts, fresh.last_error) == (0, "")
                assert [e.kind for e in new] == ["delivery.redelivery_requested"]
        else:
            _assert_hidden(response, twin)
            assert (fresh.state, fresh.push_state, fresh.push_attempts) == (
                delivery.state,
                delivery.push_state,
                delivery.push_attempts,
            )
            assert (EvidenceEntry.objects.count(), TimelineEvent.objects.count()) == before


def check_ack(s: Scenario, who: Caller) -> None:
    _delivery_write(s, who, "ack")


def check_redeliver(s: Scenario, who: Caller) -> None:
    _delivery_write(s, who, "redeliver")


ENDPOINTS: dict[str, Callable[[Scenario, Caller], None]] = {
    "GET_message": check_message,
    "GET_messages_sent": check_sent_list,
    "GET_payload": check_payload,
    "GET_mailbox": check_mailbox,
    "GET_timeline": check_timeline,
    "GET_proof": check_proof,
    "POST_ack": check_ack,
    "POST_redeliver": check_redeliver,
}

CASES = [(name, mode, endpoint) for name in PARTIES for mode in MODES for endpoint in ENDPOINTS]


@pytest.mark.parametrize(("name", "mode", "endpoint"), CASES, ids=[f"{n}-{ROLES[n]}-{m}-{e}" for n, m, e in CASES])
def test_access_matrix(scenario: Scenario, name: str, mode: str, endpoint: str) -> None:
    ENDPOINTS[endpoint](scenario, caller(scenario.world, name, mode))


def test_the_matrix_covers_every_party_and_both_channels() -> None:
    assert len(PARTIES) == 7 and len(set(PARTIES)) == 7
    assert len(CASES) == 7 * 2 * len(ENDPOINTS)


def test_after_customs_acknowledges_the_declarant_sees_it(scenario: Scenario) -> None:
    customs = caller(scenario.world, "customs", "token")
    assert customs.post(f"/mailbox/{scenario.deliveries['declaration'].pk}/ack").status_code == 200
    trader = caller(scenario.world, "trader_a", "session")
    body = trader.get(f"/messages/{scenario.messages['declaration'].id}").json()
    assert body["deliveries"][0]["state"] == "acknowledged"
    kinds = [e["kind"] for e in trader.get(f"/consignments/{UCR}/timeline").json()["events"]]
    assert kinds == ["message.received", "message.received", "delivery.acknowledged"]
    for outsider in ("trader_b", "customs_2", "bank"):
        assert caller(scenario.world, outsider, "token").get(f"/consignments/{UCR}/timeline").status_code == 404


def test_a_party_named_in_a_declaration_sees_the_timeline_but_not_the_message(
    world: testing.World,
) -> None:
    ucr = "6TW30000013-IMP0001"
    document = testing.declaration(ucr=ucr, declarant="30000013", importer="30000007")
    receipt = submit(world, "broker", document, client_reference="brk-1")
    message_id = receipt["receipt"]["message_id"]
    for mode in MODES:
        importer = caller(world, "trader_b", mode)
        timeline = importer.get(f"/consignments/{ucr}/timeline")
        assert timeline.status_code == 200
        assert [(e["kind"], e["organisation"]) for e in timeline.json()["events"]] == [("message.received", "t-broker")]
        # named, but neither sender nor recipient: no message, payload, receipt, proof or mail
        assert importer.get(f"/messages/{message_id}").status_code == 404
        assert importer.get(f"/messages/{message_id}/payload").status_code == 404
        assert importer.get(f"/evidence/messages/{message_id}/proof").status_code == 404
        assert importer.get("/mailbox").json()["items"] == []
    broker = caller(world, "broker", "token").get(f"/messages/{message_id}").json()
    assert broker["receipt"] == receipt
    assert caller(world, "customs", "token").get(f"/consignments/{ucr}/timeline").status_code == 200
    for outsider in ("trader_a", "customs_2", "agency", "bank"):
        assert caller(world, outsider, "session").get(f"/consignments/{ucr}/timeline").status_code == 404


def test_a_named_party_learns_nothing_from_an_unrelated_consignment(world: testing.World) -> None:
    """Naming trader_b in one declaration does not open trader_a's own consignment to it."""
    submit(
        world,
        "broker",
        testing.declaration(ucr="6TW30000013-IMP0002", declarant="30000013", importer="30000007"),
        client_reference="brk-2",
    )
    submit(world, "trader_a", testing.declaration(ucr=UCR), client_reference="decl-1")
    trader_b = caller(world, "trader_b", "token")
    assert trader_b.get("/consignments/6TW30000013-IMP0002/timeline").status_code == 200
    assert trader_b.get(f"/consignments/{UCR}/timeline").status_code == 404
