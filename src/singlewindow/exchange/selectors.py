"""Reads that depend on who asks. "Not yours" and "not found" look the same to the caller."""

from __future__ import annotations

import threading
import uuid
from collections import OrderedDict
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet

from singlewindow.datamodel.codecs import codec_named
from singlewindow.datamodel.datasets import DATA_SET_TITLES, DataSet
from singlewindow.datamodel.issues import MessageInvalid
from singlewindow.datamodel.validation.schema import validate_schema
from singlewindow.exchange.models import (
    Consignment,
    ConsignmentParty,
    Delivery,
    Message,
    TimelineEvent,
    WebhookEndpoint,
)
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation
from singlewindow.registry.selectors import data_set_for


def messages_visible_to(actor: Actor) -> QuerySet[Message]:
    """Messages the actor's organisation sent or received."""
    if actor.organisation is None:
        return Message.objects.none()
    org = actor.organisation
    return Message.objects.filter(Q(sender=org) | Q(deliveries__recipient=org)).distinct()


def sent_messages(actor: Actor, limit: int = 50) -> QuerySet[Message]:
    if actor.organisation is None:
        return Message.objects.none()
    return (
        Message.objects.filter(sender=actor.organisation)
        .select_related("consignment")
        .prefetch_related("deliveries__recipient")
        .order_by("-received_at")[:limit]
    )


def mailbox(actor: Actor, *, after: int = 0, limit: int = 100,
            include_acknowledged: bool = True) -> QuerySet[Delivery]:
    """The actor's deliveries after a cursor, in commit order."""
    if actor.organisation is None:
        return Delivery.objects.none()
    deliveries = Delivery.objects.filter(recipient=actor.organisation, seq__gt=after)
    if not include_acknowledged:
        deliveries = deliveries.exclude(state=Delivery.State.ACKNOWLEDGED)
    return deliveries.select_related("message__sender", "message__consignment").order_by("seq")[:limit]


def delivery_for_recipient(actor: Actor, delivery_id: int) -> Delivery | None:
    if actor.organisation is None:
        return None
    return (
        Delivery.objects.select_related("message", "recipient")
        .filter(pk=delivery_id, recipient=actor.organisation)
        .first()
    )


def _ways_to_see(organisation: Organisation) -> tuple[QuerySet[Any], QuerySet[Any], QuerySet[Any]]:
    """The consignments an organisation may see, as the three ways it comes to (each a query of
    consignment ids): it sent a message on one, a message on one was delivered to it, or a message
    on one named it (its party row)."""
    return (Message.objects.filter(sender=organisation).values("consignment"),
            Delivery.objects.filter(recipient=organisation).values("message__consignment"),
            ConsignmentParty.objects.filter(organisation=organisation).values("consignment"))


def consignments_visible_to(actor: Actor) -> QuerySet[Consignment]:
    """Consignments the actor's organisation is a party to or had a message routed to.

    For lists: the organisation's ids are gathered through the sender, recipient and party indexes,
    so the cost follows its own traffic, not the size of the consignment table.
    """
    if actor.organisation is None:
        return Consignment.objects.none()
    sent, delivered, named = _ways_to_see(actor.organisation)
    return Consignment.objects.filter(pk__in=sent.union(delivered, named))


def consignment_visible_to(actor: Actor, ucr: str) -> Consignment | None:
    """The consignment ``ucr`` if the actor's organisation may see it (as ``consignments_visible_to``).

    One consignment is found by its UCR first, then each way to see it is one probe of an index.
    """
    if actor.organisation is None:
        return None
    sent, delivered, named = _ways_to_see(actor.organisation)
    here = OuterRef("pk")
    return Consignment.objects.filter(ucr=ucr).filter(
        Exists(sent.filter(consignment=here)) | Exists(delivered.filter(message__consignment=here))
        | Exists(named.filter(consignment=here))).first()


def consignment_timeline(actor: Actor, ucr: str) -> tuple[Consignment, list[TimelineEvent]] | None:
    """The consignment's lines in time order: its state changes, stored as such, and a line for each
    message on it, made from the message itself (so intake writes no row for it)."""
    consignment = consignment_visible_to(actor, ucr)
    if consignment is None:
        return None
    changes = list(consignment.events.select_related("organisation", "message"))
    received = consignment.messages.select_related("sender").defer("payload", "signature")
    lines = changes + [_received_line(consignment, message) for message in received]
    lines.sort(key=lambda line: (line.at, line.sequence or 0, line.pk or 0))
    return consignment, lines


def _received_line(consignment: Consignment, message: Message) -> TimelineEvent:
    """A message's line on its consignment's timeline (not stored: see ``consignment_timeline``)."""
    sender = message.sender
    en, zh = DATA_SET_TITLES.get(data_set_for(message.message_type), (message.message_type,) * 2)
    return TimelineEvent(
        consignment=consignment, at=message.received_at, kind="message.received", message=message,
        organisation=sender, evidence_seq=message.evidence_seq,
        title_en=f"{en} ({message.message_type}) received from {sender.name_en}",
        title_zh=f"收到{sender.name_zh or sender.name_en}傳送之{zh}（{message.message_type}）",
    )


def webhook_of(actor: Actor) -> WebhookEndpoint | None:
    if actor.organisation is None:
        return None
    return WebhookEndpoint.objects.filter(organisation=actor.organisation).first()


_DOCUMENTS: OrderedDict[uuid.UUID, DataSet] = OrderedDict()
_DOCUMENTS_KEPT = 256
_documents_lock = threading.Lock()


def document_of(message: Message) -> DataSet:
    """The harmonised data set a stored message carries, decoded from its original format.

    Intake validated it fully, so only the schema layer runs again here. A message never
    changes and its data set is immutable, so the last few hundred decoded are kept: one
    transaction often reads the same message in several places (the customs engine, then the
    payment order it makes).
    """
    with _documents_lock:
        kept = _DOCUMENTS.get(message.pk)
        if kept is not None:
            _DOCUMENTS.move_to_end(message.pk)
            return kept
    model = _decode(message)
    with _documents_lock:
        _DOCUMENTS[message.pk] = model
        if len(_DOCUMENTS) > _DOCUMENTS_KEPT:
            _DOCUMENTS.popitem(last=False)
    return model


def _decode(message: Message) -> DataSet:
    codec = codec_named(message.format)
    if codec is None:
        raise LookupError(f"no codec {message.format!r} for message {message.id}")
    dataset = data_set_for(message.message_type)
    model, issues = validate_schema(dataset, codec.decode(bytes(message.payload), dataset).document)
    if model is None:
        raise MessageInvalid(issues)
    return model
