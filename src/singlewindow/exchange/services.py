"""Writes on deliveries (taking mail, acknowledging it, redelivering dead letters) and the
state changes participants record on a consignment's timeline."""

from __future__ import annotations

import ipaddress
import uuid
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from singlewindow.datamodel.issues import Issue
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.evidence import append_evidence
from singlewindow.exchange.models import Consignment, Delivery, EvidenceEntry, TimelineEvent, WebhookEndpoint
from singlewindow.registry import cache
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation


def lock_deliveries(ids: list[int]) -> list[Delivery]:
    """Row locks in primary-key order, so concurrent takers never deadlock."""
    return list(
        Delivery.objects.select_for_update(of=("self",)).select_related("message", "recipient")
        .filter(pk__in=ids).order_by("pk")
    )


def _mark_delivered(delivery: Delivery, *, actor: Actor, channel: str, now: datetime) -> None:
    delivery.state = Delivery.State.DELIVERED
    delivery.delivered_at = now
    delivery.save(update_fields=["state", "delivered_at"])
    append_evidence("delivery.delivered", {
        "delivery": delivery.pk, "recipient": delivery.recipient.code, "channel": channel,
        "actor": actor.label[:200],
    }, message_id=delivery.message_id, at=now)


@transaction.atomic
def take_mailbox_page(*, deliveries: list[Delivery], actor: Actor) -> list[Delivery]:
    """Record first delivery of each pending item handed to its recipient by a pull."""
    pending = [d.pk for d in deliveries if d.state == Delivery.State.PENDING]
    if pending:
        now = timezone.now()
        for delivery in lock_deliveries(pending):
            if delivery.state == Delivery.State.PENDING:
                _mark_delivered(delivery, actor=actor, channel="pull", now=now)
        fresh = {d.pk: d for d in Delivery.objects.filter(pk__in=pending)}
        for delivery in deliveries:
            if delivery.pk in fresh:
                delivery.state = fresh[delivery.pk].state
                delivery.delivered_at = fresh[delivery.pk].delivered_at
    return deliveries


@transaction.atomic
def acknowledge_delivery(*, delivery: Delivery, actor: Actor) -> Delivery:
    """The recipient confirms it has the message; idempotent."""
    delivery = lock_deliveries([delivery.pk])[0]
    if delivery.state == Delivery.State.ACKNOWLEDGED:
        return delivery
    now = timezone.now()
    if delivery.state == Delivery.State.PENDING:
        _mark_delivered(delivery, actor=actor, channel="ack", now=now)
    delivery.state = Delivery.State.ACKNOWLEDGED
    delivery.acknowledged_at = now
    delivery.save(update_fields=["state", "acknowledged_at"])
    entry = append_evidence("delivery.acknowledged", {
        "delivery": delivery.pk, "recipient": delivery.recipient.code, "actor": actor.label[:200],
    }, message_id=delivery.message_id, at=now)
    if delivery.message.consignment_id is not None:
        recipient = delivery.recipient
        TimelineEvent.objects.create(
            consignment_id=delivery.message.consignment_id, at=now, kind="delivery.acknowledged",
            message=delivery.message, organisation=recipient, evidence_seq=entry.seq,
            title_en=f"{recipient.name_en} acknowledged {delivery.message.message_type}",
            title_zh=f"{recipient.name_zh or recipient.name_en}已確認收到（{delivery.message.message_type}）",
        )
    return delivery


@transaction.atomic
def redeliver(*, delivery: Delivery, actor: Actor) -> Delivery:
    """Put a dead-lettered (or any pushed) delivery back on the push queue."""
    if not WebhookEndpoint.objects.filter(organisation_id=delivery.recipient_id, is_active=True).exists():
        raise ExchangeError(ExchangeErrorCode.INVALID, [Issue(
            "webhook.not_configured", "", "No active webhook to push to; the message stays in the mailbox.",
            "尚未設定可用的 Webhook；訊息仍保留於信箱中。")])
    delivery = lock_deliveries([delivery.pk])[0]
    now = timezone.now()
    delivery.push_state = Delivery.PushState.PENDING
    delivery.push_attempts = 0
    delivery.next_attempt_at = now
    delivery.last_error = ""
    delivery.save(update_fields=["push_state", "push_attempts", "next_attempt_at", "last_error"])
    append_evidence("delivery.redelivery_requested", {
        "delivery": delivery.pk, "recipient": delivery.recipient.code, "actor": actor.label[:200],
    }, message_id=delivery.message_id, at=now)
    transaction.on_commit(lambda: _enqueue_push(delivery.pk))
    return delivery


def _is_internal_host(host: str) -> bool:
    """Loopback, private, link-local or unspecified literals (and localhost) are refused."""
    if host.lower() in {"localhost", "localhost.localdomain"} or host.lower().endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local or address.is_unspecified


def _enqueue_push(delivery_id: int) -> None:
    from singlewindow.exchange.tasks import push_delivery_task

    push_delivery_task.enqueue(delivery_id)


@transaction.atomic
def set_webhook(*, actor: Actor, url: str, is_active: bool = True) -> WebhookEndpoint:
    """Point the actor's organisation's pushes at ``url`` (http or https only)."""
    if actor.organisation is None:
        raise ExchangeError(ExchangeErrorCode.NO_ORGANISATION)
    if not url.startswith(("https://", "http://")) or len(url) > 500:
        raise ExchangeError(ExchangeErrorCode.INVALID, [Issue(
            "webhook.url", "/url", "The webhook URL must be an http(s) URL of at most 500 characters.",
            "Webhook 網址須為 http(s) 網址且不超過 500 字元。")])
    if not settings.SW_WEBHOOK_ALLOW_LOOPBACK and _is_internal_host(urlsplit(url).hostname or ""):
        raise ExchangeError(ExchangeErrorCode.INVALID, [Issue(
            "webhook.internal_address", "/url",
            "The webhook may not point at this machine or a private network address.",
            "Webhook 不得指向本機或私有網路位址。")])
    cache.invalidate()
    transaction.on_commit(cache.invalidate)
    endpoint, _ = WebhookEndpoint.objects.update_or_create(
        organisation=actor.organisation, defaults={"url": url, "is_active": is_active})
    append_evidence("webhook.configured", {"organisation": actor.organisation.code, "url": url,
                                           "active": is_active, "actor": actor.label[:200]})
    return endpoint


@transaction.atomic
def record_state_change(*, organisation: Organisation, kind: str, fields: dict[str, object], ucr: str | None,
                        title_en: str, title_zh: str, message_id: uuid.UUID | None = None) -> EvidenceEntry:
    """A participant's own state change (a customs case selected, a permit approved…): one
    evidence entry and, when the consignment is known, one line on its timeline."""
    now = timezone.now()
    entry = append_evidence(kind, {"organisation": organisation.code, **fields}, message_id=message_id, at=now)
    consignment = Consignment.objects.filter(ucr=ucr).only("pk").first() if ucr else None
    if consignment is not None:
        TimelineEvent.objects.create(
            consignment=consignment, at=now, kind=kind, organisation=organisation, evidence_seq=entry.seq,
            title_en=title_en[:300], title_zh=title_zh[:300],
        )
    return entry
