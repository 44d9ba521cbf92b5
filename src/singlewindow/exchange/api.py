"""HTTP API of the exchange: intake, messages, mailbox, webhooks, timelines, evidence proofs."""

from __future__ import annotations

import json
from typing import Any
from uuid import UUID

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from ninja import Router

from singlewindow.boundary import message_body
from singlewindow.exchange import evidence, intake, receipts, selectors, services
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.models import Checkpoint, Delivery, EvidenceEntry, Message, WebhookEndpoint
from singlewindow.exchange.schemas import (
    CheckpointOut,
    ConsistencyProofOut,
    DeliveryStateOut,
    InclusionProofOut,
    MailboxItemOut,
    MailboxPageOut,
    MessageOut,
    ReceiptOut,
    TimelineEventOut,
    TimelineOut,
    WebhookIn,
    WebhookOut,
)
from singlewindow.registry.auth import API_AUTH, actor_of
from singlewindow.registry.models import Organisation

router = Router(auth=API_AUTH, tags=["exchange"])


def _not_found(what: str) -> ExchangeError:
    return ExchangeError(ExchangeErrorCode.NOT_FOUND, detail=f"{what} not found")


@router.post("/messages", response={200: ReceiptOut, 201: ReceiptOut}, summary="Submit a message")
def submit_message(request: HttpRequest) -> HttpResponse:
    """Submit payload bytes as the body; the envelope travels in headers.

    Headers: ``Content-Type`` (the format), ``X-SW-Message-Type`` (``<dataset>.<function>``),
    ``X-SW-Client-Reference`` (idempotency key) and, for certificate-based services,
    ``X-SW-Signature`` (compact JWS, detached unencoded payload, with ``x5c``, ``swt`` and
    ``swr`` in the protected header). 201 with a signed receipt; 200 with the original
    receipt when the client reference was already used for the same bytes.
    """
    actor = actor_of(request)
    payload, declared = message_body(request)
    envelope = intake.Envelope(
        message_type=request.headers.get("X-SW-Message-Type", ""),
        client_reference=request.headers.get("X-SW-Client-Reference", ""),
        content_type=request.headers.get("Content-Type", ""),
        payload=payload,
        signature=request.headers.get("X-SW-Signature", "")[:65536],
    )
    if declared > settings.SW_MAX_MESSAGE_BYTES:
        error = ExchangeError(ExchangeErrorCode.TOO_LARGE,
                              detail=f"body of {declared} bytes exceeds {settings.SW_MAX_MESSAGE_BYTES}")
        intake.record_rejection(envelope=envelope, actor=actor, digest="", error=error, size=declared)
        raise error
    result = intake.submit_message(envelope=envelope, actor=actor)
    # The receipt module's own encoding, answered as it is: ninja's validation and rendering of it would
    # cost every submission a few per cent (ReceiptOut still documents it).
    return HttpResponse(result.receipt_json(), status=201 if result.created else 200,
                        content_type="application/json; charset=utf-8")


def _message_out(message: Message, receipt: dict[str, Any] | None, viewer: Organisation | None) -> MessageOut:
    return MessageOut(
        id=message.id, message_type=message.message_type, sender=message.sender.code,
        client_reference=message.client_reference,
        ucr=message.consignment.ucr if message.consignment else None, format=message.format,
        payload_sha256=message.payload_sha256, received_at=message.received_at,
        evidence_seq=message.evidence_seq, signed=bool(message.signature),
        deliveries=[_delivery_out(d, viewer) for d in message.deliveries.all()],
        receipt=receipt,
    )


def _delivery_out(delivery: Delivery, viewer: Organisation | None) -> DeliveryStateOut:
    """A delivery's state; how pushes to it fare (which can name its webhook's host) only for its recipient."""
    own = viewer is not None and delivery.recipient_id == viewer.pk
    return DeliveryStateOut(
        id=delivery.pk, recipient=delivery.recipient.code, state=delivery.state,
        delivered_at=delivery.delivered_at, acknowledged_at=delivery.acknowledged_at,
        push_state=delivery.push_state if own else None, push_attempts=delivery.push_attempts if own else None,
        last_error=delivery.last_error if own else None,
    )


@router.get("/messages", response=list[MessageOut], summary="Messages my organisation sent")
def list_sent_messages(request: HttpRequest, limit: int = 50) -> list[MessageOut]:
    actor = actor_of(request)
    messages = list(selectors.sent_messages(actor, min(max(limit, 1), 200)))
    signed = receipts.receipts_for(messages)
    return [_message_out(m, signed.get(m.id), actor.organisation) for m in messages]


@router.get("/messages/{message_id}", response=MessageOut, summary="One message and its delivery states")
def get_message(request: HttpRequest, message_id: UUID) -> MessageOut:
    actor = actor_of(request)
    message = (
        selectors.messages_visible_to(actor)
        .select_related("sender", "consignment")
        .prefetch_related("deliveries__recipient")
        .filter(pk=message_id).first()
    )
    if message is None:
        raise _not_found("message")
    # a recipient sees the message, not the sender's receipt
    is_sender = message.sender_id == actor.organisation.pk  # type: ignore[union-attr]
    return _message_out(message, receipts.receipt_for(message) if is_sender else None, actor.organisation)


@router.get("/messages/{message_id}/payload", summary="The exact payload bytes as received")
def get_payload(request: HttpRequest, message_id: UUID) -> HttpResponse:
    message = selectors.messages_visible_to(actor_of(request)).filter(pk=message_id).first()
    if message is None:
        raise _not_found("message")
    response = HttpResponse(bytes(message.payload), content_type=message.content_type)
    # The bytes are the sender's: a browser must save them, never render them in this origin (an
    # XML payload may carry XHTML and script the codec ignores).
    response["Content-Disposition"] = f'attachment; filename="{message.pk}.{_extension(message.content_type)}"'
    response["Content-Security-Policy"] = "sandbox; default-src 'none'"
    response["X-Content-Type-Options"] = "nosniff"
    response["X-SW-Message-Type"] = message.message_type
    response["X-SW-Payload-SHA256"] = message.payload_sha256
    if message.signature:
        response["X-SW-Signature"] = message.signature
    return response


def _extension(content_type: str) -> str:
    subtype = content_type.split(";", 1)[0].rsplit("/", 1)[-1].rsplit("+", 1)[-1].strip().lower()
    return {"json": "json", "xml": "xml", "edifact": "edi"}.get(subtype, "bin")


@router.get("/mailbox", response=MailboxPageOut, summary="My mailbox after a cursor")
def get_mailbox(request: HttpRequest, after: int = 0, limit: int = 100, pending_only: bool = False
                ) -> MailboxPageOut:
    """Deliveries in commit order. Keep the returned ``next_cursor`` and pass it as ``after``."""
    actor = actor_of(request)
    page = list(selectors.mailbox(actor, after=max(after, 0), limit=min(max(limit, 1), 500),
                                  include_acknowledged=not pending_only))
    if actor.token is not None:
        # A system's pull hands the deliveries over. A person's session only reads: a GET another
        # site can make a browser send (top-level, with the cookie) must not change any state.
        services.take_mailbox_page(deliveries=page, actor=actor)
    items = [
        MailboxItemOut(
            delivery_id=d.pk, cursor=d.seq, state=d.state, message_id=d.message_id,
            message_type=d.message.message_type, sender=d.message.sender.code,
            ucr=d.message.consignment.ucr if d.message.consignment else None,
            content_type=d.message.content_type, payload_sha256=d.message.payload_sha256,
            received_at=d.message.received_at,
            payload_url=f"/api/v1/messages/{d.message_id}/payload",
        )
        for d in page
    ]
    return MailboxPageOut(items=items, next_cursor=page[-1].seq if page else max(after, 0))


@router.post("/mailbox/{delivery_id}/ack", response=DeliveryStateOut, summary="Acknowledge a delivery")
def acknowledge(request: HttpRequest, delivery_id: int) -> DeliveryStateOut:
    actor = actor_of(request)
    delivery = selectors.delivery_for_recipient(actor, delivery_id)
    if delivery is None:
        raise _not_found("delivery")
    return _delivery_out(services.acknowledge_delivery(delivery=delivery, actor=actor), actor.organisation)


@router.post("/mailbox/{delivery_id}/redeliver", response=DeliveryStateOut,
             summary="Push a delivery again (e.g. after a dead letter)")
def redeliver(request: HttpRequest, delivery_id: int) -> DeliveryStateOut:
    actor = actor_of(request)
    delivery = selectors.delivery_for_recipient(actor, delivery_id)
    if delivery is None:
        raise _not_found("delivery")
    return _delivery_out(services.redeliver(delivery=delivery, actor=actor), actor.organisation)


@router.get("/webhook", response=WebhookOut, summary="My organisation's webhook")
def get_webhook(request: HttpRequest) -> WebhookEndpoint:
    endpoint = selectors.webhook_of(actor_of(request))
    if endpoint is None:
        raise _not_found("webhook")
    return endpoint


@router.put("/webhook", response=WebhookOut, summary="Set my organisation's webhook")
def put_webhook(request: HttpRequest, body: WebhookIn) -> WebhookEndpoint:
    return services.set_webhook(actor=actor_of(request), url=body.url, is_active=body.is_active)


@router.get("/consignments/{ucr}/timeline", response=TimelineOut, summary="One consignment's timeline")
def get_timeline(request: HttpRequest, ucr: str) -> TimelineOut:
    found = selectors.consignment_timeline(actor_of(request), ucr)
    if found is None:
        raise _not_found("consignment")
    consignment, events = found
    return TimelineOut(ucr=consignment.ucr, events=[
        TimelineEventOut(at=e.at, kind=e.kind, title={"en": e.title_en, "zh-Hant": e.title_zh},
                         organisation=e.organisation.code if e.organisation else None,
                         message_id=e.message_id, evidence_seq=e.sequence)
        for e in events
    ])


evidence_router = Router(tags=["evidence"])


def _checkpoint_out(checkpoint: Checkpoint) -> CheckpointOut:
    return CheckpointOut(tree_size=checkpoint.tree_size, root_hash=checkpoint.root_hash,
                         created_at=checkpoint.created_at, body=checkpoint.body,
                         signature=checkpoint.signature)


@evidence_router.get("/checkpoints/latest", response=CheckpointOut, summary="Latest signed checkpoint")
def latest_checkpoint(request: HttpRequest) -> CheckpointOut:
    # Only read: the worker signs checkpoints at intervals; an anonymous reader must not make it sign.
    checkpoint = Checkpoint.objects.order_by("-tree_size").first()
    if checkpoint is None:
        raise _not_found("checkpoint")
    return _checkpoint_out(checkpoint)


@evidence_router.get("/checkpoints/{tree_size}", response=CheckpointOut, summary="A signed checkpoint")
def get_checkpoint(request: HttpRequest, tree_size: int) -> CheckpointOut:
    checkpoint = Checkpoint.objects.filter(tree_size=tree_size).first()
    if checkpoint is None:
        raise _not_found("checkpoint")
    return _checkpoint_out(checkpoint)


@evidence_router.get("/consistency", response=ConsistencyProofOut,
                     summary="Consistency proof between two checkpoints")
def consistency(request: HttpRequest, first: int, second: int) -> ConsistencyProofOut:
    older = Checkpoint.objects.filter(tree_size=first).first()
    newer = Checkpoint.objects.filter(tree_size=second).first()
    if older is None or newer is None or first > second:
        raise _not_found("checkpoint pair")
    return ConsistencyProofOut(first=_checkpoint_out(older), second=_checkpoint_out(newer),
                               proof=evidence.consistency_proof(older, newer))


@router.get("/evidence/messages/{message_id}/proof", response=InclusionProofOut,
            summary="Inclusion proof of a message's evidence entry", tags=["evidence"])
def inclusion(request: HttpRequest, message_id: UUID, tree_size: int | None = None) -> InclusionProofOut:
    message = selectors.messages_visible_to(actor_of(request)).filter(pk=message_id).first()
    entry = (EvidenceEntry.objects.filter(message_id=message_id, kind="message.received").first()
             if message else None)
    if entry is None:
        raise _not_found("message")
    if tree_size is None:
        checkpoint = evidence.checkpoint_covering(entry.seq)
    else:
        found = Checkpoint.objects.filter(tree_size=tree_size, tree_size__gte=entry.seq).first()
        if found is None:
            raise _not_found("checkpoint covering this entry")
        checkpoint = found
    return InclusionProofOut(
        message_id=message_id, entry=json.loads(entry.body), leaf_index=entry.seq - 1,
        leaf_hash=entry.leaf_hash, audit_path=evidence.inclusion_proof(entry, checkpoint),
        checkpoint=_checkpoint_out(checkpoint),
    )
