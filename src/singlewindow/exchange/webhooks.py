"""Signed push of deliveries to organisations' webhooks, with backoff and dead letters.

A push is claimed by moving ``next_attempt_at`` forward (a lease) in a short transaction, so
no row lock is held while the HTTP call runs and a crashed worker's claim simply expires.
"""

from __future__ import annotations

import base64
from datetime import timedelta

import httpx
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from singlewindow.exchange import jws, webhook_targets
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.evidence import append_evidence
from singlewindow.exchange.identity import signing_identity
from singlewindow.exchange.models import Delivery, WebhookEndpoint
from singlewindow.exchange.services import lock_deliveries

LEASE = timedelta(seconds=60)
TIMEOUT_SECONDS = 10.0


def push_body(delivery: Delivery) -> bytes:
    message = delivery.message
    return canonical_json({
        "delivery_id": delivery.pk, "cursor": delivery.seq, "message_id": str(message.id),
        "message_type": message.message_type, "sender": message.sender.code,
        "ucr": message.consignment.ucr if message.consignment else None,
        "content_type": message.content_type, "payload_sha256": message.payload_sha256,
        "payload_base64": base64.b64encode(bytes(message.payload)).decode(),
        "sender_signature": message.signature,
    })


def _claim(delivery_id: int) -> Delivery | None:
    with transaction.atomic():
        now = timezone.now()
        claimed = Delivery.objects.filter(
            pk=delivery_id, push_state=Delivery.PushState.PENDING, next_attempt_at__lte=now,
        ).update(next_attempt_at=now + LEASE)
        if not claimed:
            return None
    return Delivery.objects.select_related("message__sender", "message__consignment", "recipient").get(
        pk=delivery_id
    )


def push_delivery(delivery_id: int) -> str:
    """Try one push; returns the resulting push state (or "skipped" if not due / not ours)."""
    delivery = _claim(delivery_id)
    if delivery is None:
        return "skipped"
    endpoint = WebhookEndpoint.objects.filter(organisation=delivery.recipient, is_active=True).first()
    error = "no active webhook endpoint"
    if endpoint is not None:
        body = push_body(delivery)
        identity = signing_identity()
        signature = jws.sign_detached(body, identity.private_key, identity.chain)
        headers = {"Content-Type": "application/json", "X-SW-Signature": signature,
                   "X-SW-Delivery": str(delivery.pk)}
        try:
            error = _post(endpoint.url, body, headers)
        except webhook_targets.UnusableTarget as refused:
            error = f"refused: {refused.en}"
        except (httpx.HTTPError, httpx.InvalidURL, OSError, ValueError) as exc:
            # A URL stored before today's checks, a name that no longer resolves, a refused connection:
            # each is a failed attempt, retried and in the end dead-lettered, never a crashed task.
            error = f"{type(exc).__name__}: {exc}"[:500]
    return _record_outcome(delivery.pk, error)


def _post(url: str, body: bytes, headers: dict[str, str]) -> str:
    """POST ``body`` to the webhook at ``url``, connecting only to addresses checked by ``webhook_targets``
    (each in turn until one accepts the connection); the error, or "" for a 2xx answer."""
    refused: httpx.ConnectError | None = None
    with httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client:
        for target in webhook_targets.targets(url, allow_internal=settings.SW_WEBHOOK_ALLOW_LOOPBACK):
            try:
                response = client.post(target.url, content=body, headers={**headers, "Host": target.host_header},
                                       extensions={"sni_hostname": target.server_name})
            except httpx.ConnectError as exc:
                refused = exc
                continue
            return "" if 200 <= response.status_code < 300 else f"HTTP {response.status_code}"
    raise refused or httpx.ConnectError(f"no address for {url}")


@transaction.atomic
def _record_outcome(delivery_id: int, error: str) -> str:
    delivery = lock_deliveries([delivery_id])[0]
    now = timezone.now()
    delivery.push_attempts += 1
    if not error:
        delivery.push_state = Delivery.PushState.SUCCEEDED
        delivery.next_attempt_at = None
        delivery.last_error = ""
        if delivery.state == Delivery.State.PENDING:
            delivery.state = Delivery.State.DELIVERED
            delivery.delivered_at = now
        kind = "delivery.delivered"
    elif delivery.push_attempts >= settings.SW_WEBHOOK_MAX_ATTEMPTS:
        delivery.push_state = Delivery.PushState.DEAD
        delivery.next_attempt_at = None
        delivery.last_error = error
        kind = "delivery.dead_lettered"
    else:
        backoff = settings.SW_WEBHOOK_BACKOFF_SECONDS * 2 ** (delivery.push_attempts - 1)
        delivery.next_attempt_at = now + timedelta(seconds=backoff)
        delivery.last_error = error
        kind = "delivery.push_failed"
    delivery.save()
    append_evidence(kind, {
        "delivery": delivery.pk, "recipient": delivery.recipient.code, "channel": "push",
        "attempt": delivery.push_attempts, "error": error,
    }, message_id=delivery.message_id, at=now)
    if kind == "delivery.push_failed":
        from singlewindow.exchange.tasks import push_delivery_task

        run_after = delivery.next_attempt_at
        transaction.on_commit(lambda: push_delivery_task.using(run_after=run_after).enqueue(delivery_id))
    return str(delivery.push_state)


def due_pushes(grace: timedelta, limit: int = 500) -> list[int]:
    """Pending pushes overdue by ``grace``: their task was lost (a worker died)."""
    cutoff = timezone.now() - grace
    return list(
        Delivery.objects.filter(push_state=Delivery.PushState.PENDING, next_attempt_at__lt=cutoff)
        .order_by("next_attempt_at").values_list("pk", flat=True)[:limit]
    )
