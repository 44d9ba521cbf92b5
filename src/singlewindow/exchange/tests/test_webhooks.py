"""Signed webhook pushes: delivery, retries with exponential backoff, dead letters, redelivery."""

from __future__ import annotations

import base64
import json
import threading
from collections.abc import Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.db import connection
from django.utils import timezone

from singlewindow import testing
from singlewindow.exchange import jws, services, webhooks
from singlewindow.exchange.identity import signing_identity
from singlewindow.exchange.models import Delivery, EvidenceEntry
from singlewindow.registry.actors import Actor


class Receiver:
    """A loopback HTTP endpoint that answers with scripted status codes and keeps what it got."""

    def __init__(self) -> None:
        self.statuses: list[int] = []
        self.received: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.received.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/inbox"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    receiver = Receiver()
    yield receiver
    receiver.server.shutdown()


@pytest.fixture
def pushed_delivery(world, receiver) -> Delivery:
    customs = world["customs"]
    services.set_webhook(actor=Actor(organisation=customs.organisation), url=receiver.url)
    payload = testing.encode(testing.declaration())
    trader = world["trader_a"]
    result = testing.submit_signed(trader, payload, "c-1")
    delivery = Delivery.objects.get(message=result.message)
    assert delivery.push_state == Delivery.PushState.PENDING
    return delivery


def _make_due(delivery: Delivery) -> None:
    Delivery.objects.filter(pk=delivery.pk).update(next_attempt_at=timezone.now() - timedelta(seconds=1))


def test_push_is_signed_by_the_single_window_and_carries_the_exact_payload(pushed_delivery, receiver):
    assert webhooks.push_delivery(pushed_delivery.pk) == "succeeded"
    headers, body = receiver.received[0]
    signed = jws.verify_detached(headers["X-SW-Signature"], body)
    assert signed.chain[0] == signing_identity().certificate
    pushed = json.loads(body)
    assert base64.b64decode(pushed["payload_base64"]) == bytes(pushed_delivery.message.payload)
    delivery = Delivery.objects.get(pk=pushed_delivery.pk)
    assert (delivery.state, delivery.push_state, delivery.push_attempts) == ("delivered", "succeeded", 1)
    assert EvidenceEntry.objects.filter(kind="delivery.delivered", message_id=delivery.message_id).exists()
    # a second run finds nothing due: pushed exactly once
    assert webhooks.push_delivery(pushed_delivery.pk) == "skipped"
    assert len(receiver.received) == 1


def test_failures_back_off_exponentially_then_dead_letter_then_manual_redelivery(
    pushed_delivery, receiver, settings
):
    settings.SW_WEBHOOK_MAX_ATTEMPTS = 3
    settings.SW_WEBHOOK_BACKOFF_SECONDS = 5
    receiver.statuses = [500, 503, 502]
    for backoff in (5, 10, None):
        _make_due(pushed_delivery)
        before = timezone.now()
        state = webhooks.push_delivery(pushed_delivery.pk)
        after = timezone.now()
        delivery = Delivery.objects.get(pk=pushed_delivery.pk)
        if backoff is None:
            assert delivery.next_attempt_at is None
        else:
            # counted from the failed attempt's end, which a busy machine may delay
            wait = timedelta(seconds=backoff)
            assert before + wait <= delivery.next_attempt_at <= after + wait
    assert state == "dead"
    assert delivery.push_state == "dead" and delivery.last_error == "HTTP 502"
    assert delivery.state == "pending"  # never reached the recipient; still in its pull mailbox
    assert EvidenceEntry.objects.filter(kind="delivery.dead_lettered").count() == 1
    assert webhooks.push_delivery(pushed_delivery.pk) == "skipped"  # dead letters are not retried

    services.redeliver(delivery=delivery, actor=Actor(organisation=delivery.recipient))
    assert webhooks.push_delivery(pushed_delivery.pk) == "succeeded"
    assert len(receiver.received) == 4


def test_unreachable_endpoint_is_a_retry_not_a_crash(pushed_delivery, receiver):
    receiver.server.shutdown()
    receiver.server.server_close()
    assert webhooks.push_delivery(pushed_delivery.pk) == "pending"
    delivery = Delivery.objects.get(pk=pushed_delivery.pk)
    assert delivery.push_attempts == 1 and "ConnectError" in delivery.last_error


def test_webhook_url_must_be_http(world):
    from singlewindow.exchange.errors import ExchangeError

    with pytest.raises(ExchangeError):
        services.set_webhook(actor=Actor(organisation=world["customs"].organisation), url="file:///etc/passwd")


@pytest.mark.parametrize("url", ["http://127.0.0.1:8080/x", "http://localhost/x", "https://10.1.2.3/x",
                                 "http://[::1]/x", "http://169.254.169.254/latest", "http://0.0.0.0/"])
def test_internal_webhook_addresses_are_refused_when_loopback_is_not_allowed(world, settings, url):
    from singlewindow.exchange.errors import ExchangeError
    from singlewindow.exchange.models import WebhookEndpoint

    settings.SW_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(ExchangeError) as refused:
        services.set_webhook(actor=Actor(organisation=world["customs"].organisation), url=url)
    assert refused.value.issues[0].code == "webhook.internal_address"
    assert not WebhookEndpoint.objects.exists()
    services.set_webhook(actor=Actor(organisation=world["customs"].organisation), url="https://agency.example.org/in")
    assert WebhookEndpoint.objects.get().url == "https://agency.example.org/in"


def test_the_sweeper_finds_overdue_pushes_only_through_the_index_of_pending_ones(pushed_delivery, world):
    trader = world["trader_a"]
    payload = testing.encode(testing.declaration(office="TWKHH"))  # to an office that only pulls
    pulled = testing.submit_signed(trader, payload, "c-pull")
    pull_only = Delivery.objects.get(message=pulled.message)
    assert pull_only.push_state == Delivery.PushState.NONE
    assert webhooks.due_pushes(timedelta(seconds=30)) == []  # pending, but not yet overdue
    Delivery.objects.filter(pk__in=[pushed_delivery.pk, pull_only.pk]).update(
        next_attempt_at=timezone.now() - timedelta(minutes=5))
    assert webhooks.due_pushes(timedelta(seconds=30)) == [pushed_delivery.pk]
    if connection.vendor == "postgresql":  # the partial index holds the pending pushes and serves the query
        query = Delivery.objects.filter(push_state=Delivery.PushState.PENDING, next_attempt_at__lt=timezone.now())
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL enable_seqscan = off")
            assert "push_due" in query.order_by("next_attempt_at").explain()


@pytest.mark.parametrize("url", [
    "http://127.1/x", "http://2130706433/x", "http://0x7f000001/x", "http://0177.0.0.1/x", "http://0/x",
    "http://100.64.0.1/x", "http://224.0.0.1/x", "http://[64:ff9b::7f00:1]/x", "http://[::ffff:127.0.0.1]/x",
    "http://[2002:7f00:1::]/x", "http://[64:ff9b:1::5]/x", "http://LOCALHOST./x", "http://hooks.localhost/x",
])
def test_internal_addresses_are_refused_in_every_spelling(world, settings, url):
    from singlewindow.exchange.errors import ExchangeError
    from singlewindow.exchange.models import WebhookEndpoint

    settings.SW_WEBHOOK_ALLOW_LOOPBACK = False
    with pytest.raises(ExchangeError) as refused:
        services.set_webhook(actor=Actor(organisation=world["customs"].organisation), url=url)
    assert refused.value.code == "webhook.refused"
    assert refused.value.issues[0].code in {"webhook.internal_address", "webhook.url"}
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("url", ["http://[::1", "http://a\x00b/", "http://example.com\r\nX: y/", "http://ex ample.org/",
                                 "http:///nohost", "https://" + "a" * 500 + ".example/"])
def test_malformed_webhook_urls_are_refused_before_they_are_stored(world, url):
    from singlewindow.exchange.errors import ExchangeError
    from singlewindow.exchange.models import WebhookEndpoint

    with pytest.raises(ExchangeError) as refused:
        services.set_webhook(actor=Actor(organisation=world["customs"].organisation), url=url)
    assert (refused.value.code, refused.value.issues[0].code) == ("webhook.refused", "webhook.url")
    assert not WebhookEndpoint.objects.exists()


def test_the_api_refuses_a_malformed_webhook_url_with_a_problem(world, client):
    token = world["customs"].token
    answer = client.put("/api/v1/webhook", data=json.dumps({"url": "http://[::1"}), content_type="application/json",
                        headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 422 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "webhook.refused"


def test_a_stored_url_that_no_longer_passes_is_a_failed_attempt_not_a_crash(pushed_delivery, receiver):
    from singlewindow.exchange.models import WebhookEndpoint

    WebhookEndpoint.objects.update(url="http://[::1")  # stored before the checks, or by hand
    assert webhooks.push_delivery(pushed_delivery.pk) == "pending"
    delivery = Delivery.objects.get(pk=pushed_delivery.pk)
    assert delivery.push_attempts == 1 and delivery.last_error.startswith("refused: ")
    assert not receiver.received


def test_a_name_resolving_inward_at_push_time_is_refused(pushed_delivery, receiver, settings, monkeypatch):
    """A name that passed registration but resolves to a loopback address when the push is made (changed,
    or rebound) reaches nothing."""
    from singlewindow.exchange.models import WebhookEndpoint

    port = receiver.server.server_address[1]
    WebhookEndpoint.objects.update(url=f"http://hooks.agency.example:{port}/inbox")
    _resolve_to(monkeypatch, "hooks.agency.example", "127.0.0.1")
    settings.SW_WEBHOOK_ALLOW_LOOPBACK = False
    assert webhooks.push_delivery(pushed_delivery.pk) == "pending"
    assert "refused" in Delivery.objects.get(pk=pushed_delivery.pk).last_error
    assert not receiver.received


def test_a_push_connects_to_the_checked_address_and_names_the_host(pushed_delivery, receiver, monkeypatch):
    """The push goes to the address resolved and checked, trying each in turn, and still tells the server
    which name was meant."""
    from singlewindow.exchange.models import WebhookEndpoint

    port = receiver.server.server_address[1]
    WebhookEndpoint.objects.update(url=f"http://hooks.agency.example:{port}/inbox")
    _resolve_to(monkeypatch, "hooks.agency.example", "::1", "127.0.0.1")  # nothing listens on ::1
    assert webhooks.push_delivery(pushed_delivery.pk) == "succeeded"
    (headers, _), = receiver.received
    assert headers["Host"] == f"hooks.agency.example:{port}"


def _resolve_to(monkeypatch, name: str, *addresses: str) -> None:
    """Stand in for DNS (outside this system) for one name; loopback only."""
    import socket

    real = socket.getaddrinfo

    def getaddrinfo(host, port, *args, **kwargs):
        if host != name:
            return real(host, port, *args, **kwargs)
        return [(socket.AF_INET6 if ":" in a else socket.AF_INET, socket.SOCK_STREAM, 6, "",
                 (a, port, 0, 0) if ":" in a else (a, port)) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
