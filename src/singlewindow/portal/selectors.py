"""Portal reads: compose the exchange's actor-scoped selectors into what one screen shows.

Every visibility decision stays in ``exchange.selectors``; this module only shapes the result
(pages, cursors, who is looking), so templates never filter anything themselves.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from enum import StrEnum
from uuid import UUID

from django.db.models import QuerySet

from singlewindow.exchange import receipts
from singlewindow.exchange import selectors as exchange
from singlewindow.exchange.models import Consignment, Delivery, Message, TimelineEvent
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import AGENCY_ROLES

MAILBOX_PAGE_SIZE = 20
SENT_PAGE_SIZE = 20


class HomeKind(StrEnum):
    """Which home screen a visitor gets."""

    ANONYMOUS = "anonymous"
    NO_ORGANISATION = "no_organisation"
    AGENCY = "agency"
    PARTY = "party"


def home_kind(actor: Actor | None) -> HomeKind:
    """Agencies work from their mailbox; every other organisation from what it sent."""
    if actor is None:
        return HomeKind.ANONYMOUS
    if actor.organisation is None:
        return HomeKind.NO_ORGANISATION
    if actor.organisation.role_codes & AGENCY_ROLES:
        return HomeKind.AGENCY
    return HomeKind.PARTY


def recent_sent(actor: Actor, limit: int = SENT_PAGE_SIZE) -> list[Message]:
    return list(exchange.sent_messages(actor, limit))


@dataclass(frozen=True)
class MailboxPage:
    """One page of a mailbox read forward from a cursor (the evidence sequence)."""

    deliveries: list[Delivery]
    after: int
    next_cursor: int | None
    pending_only: bool


def mailbox_page(actor: Actor, *, after: int = 0, pending_only: bool = True,
                 size: int | None = None) -> MailboxPage:
    """Fetch one row more than shown, so the page knows whether a next page exists."""
    size = size or MAILBOX_PAGE_SIZE
    after = max(after, 0)
    rows = list(exchange.mailbox(actor, after=after, limit=size + 1,
                                 include_acknowledged=not pending_only))
    shown = rows[:size]
    next_cursor = shown[-1].seq if len(rows) > size else None
    return MailboxPage(deliveries=shown, after=after, next_cursor=next_cursor,
                       pending_only=pending_only)


def mailbox_row(actor: Actor, delivery_id: int) -> Delivery | None:
    """A single delivery of the actor's, with what its mailbox row displays."""
    delivery = exchange.delivery_for_recipient(actor, delivery_id)
    if delivery is None:
        return None
    return (
        Delivery.objects.select_related("message__sender", "message__consignment", "recipient")
        .get(pk=delivery.pk)
    )


def recent_consignments(actor: Actor, limit: int = 50) -> list[Consignment]:
    return list(exchange.consignments_visible_to(actor).order_by("-created_at", "-id")[:limit])


@dataclass(frozen=True)
class Timeline:
    """A consignment's events, plus which of their messages this viewer may open.

    A named party sees the whole timeline but not every message on it; knowing that here
    keeps the page from offering links that would only lead to "not found".
    """

    consignment: Consignment
    events: list[TimelineEvent]
    openable: frozenset[UUID]


def timeline(actor: Actor, ucr: str) -> Timeline | None:
    found = exchange.consignment_timeline(actor, ucr)
    if found is None:
        return None
    consignment, events = found
    rows = list(events)
    linked = {e.message_id for e in rows if e.message_id is not None}
    openable = frozenset(
        exchange.messages_visible_to(actor).filter(pk__in=linked).values_list("pk", flat=True)
    )
    return Timeline(consignment=consignment, events=rows, openable=openable)


@dataclass(frozen=True)
class MessageDetail:
    """A message as one viewer may see it: only its sender sees the signed receipt."""

    message: Message
    deliveries: list[Delivery]
    viewer_id: UUID  # the viewing organisation: only a delivery's recipient sees how pushes to it fare
    is_sender: bool
    receipt_json: str | None
    receipt_signature: str | None


def _visible_message(actor: Actor, message_id: UUID) -> QuerySet[Message]:
    return exchange.messages_visible_to(actor).filter(pk=message_id)


def message_detail(actor: Actor, message_id: UUID) -> MessageDetail | None:
    """Mirror the API: recipients see the envelope and delivery states, not the receipt."""
    message = (
        _visible_message(actor, message_id)
        .select_related("sender", "consignment")
        .defer("payload")
        .first()
    )
    if message is None or actor.organisation is None:
        return None
    is_sender = message.sender_id == actor.organisation.pk
    receipt = signature = None
    if is_sender and message.evidence_seq is not None:
        signed = receipts.receipt_for(message)
        receipt = json.dumps(signed["receipt"], indent=2, ensure_ascii=False, sort_keys=True)
        signature = signed["signature"]
    deliveries = list(message.deliveries.select_related("recipient").order_by("recipient__code"))
    return MessageDetail(message=message, deliveries=deliveries, viewer_id=actor.organisation.pk, is_sender=is_sender,
                         receipt_json=receipt, receipt_signature=signature)
