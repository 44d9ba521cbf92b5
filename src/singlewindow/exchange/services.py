"""Writes on deliveries (taking mail, acknowledging it, redelivering dead letters), the state
changes participants record on a consignment's timeline, and the service desk's admission of a
party to a consignment."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from singlewindow.datamodel.issues import Issue
from singlewindow.exchange import intake, selectors, webhook_targets
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.evidence import (
    AppendedEntry,
    NewEvidence,
    Results,
    append_evidence,
    append_evidence_many,
    seq_param,
    seq_sql,
)
from singlewindow.exchange.models import Consignment, ConsignmentParty, Delivery, TimelineEvent, WebhookEndpoint
from singlewindow.exchange.rows import Batch, update_statement
from singlewindow.registry import cache
from singlewindow.registry import services as registry_services
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


@transaction.atomic(savepoint=False)  # it only raises for a failed write, which fails the whole transaction
def acknowledge_delivery(*, delivery: Delivery, actor: Actor, locked: bool = False) -> Delivery:
    """The recipient confirms it has the message; idempotent.

    The delivery row, its evidence entries (delivered, when it was still pending, and
    acknowledged) and its timeline line are written in one round trip. ``locked`` says the
    caller's transaction already holds the row's lock and ``delivery`` was read under it (an
    engine processing the delivery), so it is not locked and read a second time.
    """
    if not locked:
        delivery = lock_deliveries([delivery.pk])[0]
    if delivery.state == Delivery.State.ACKNOWLEDGED:
        return delivery
    now = timezone.now()
    items = []
    values: dict[str, object] = {"state": Delivery.State.ACKNOWLEDGED, "acknowledged_at": now}
    if delivery.state == Delivery.State.PENDING:
        items.append(NewEvidence("delivery.delivered", {
            "delivery": delivery.pk, "recipient": delivery.recipient.code, "channel": "ack",
            "actor": actor.label[:200],
        }, message_id=delivery.message_id, at=now))
        delivery.delivered_at = values["delivered_at"] = now
    delivery.state = Delivery.State.ACKNOWLEDGED
    delivery.acknowledged_at = now
    items.append(NewEvidence("delivery.acknowledged", {
        "delivery": delivery.pk, "recipient": delivery.recipient.code, "actor": actor.label[:200],
    }, message_id=delivery.message_id, at=now))
    first = Batch()
    first.add(*update_statement(Delivery, delivery.pk, values))

    def timeline(entries: list[AppendedEntry], batch: Batch) -> None:
        if delivery.message.consignment_id is None:
            return
        recipient = delivery.recipient
        batch.insert(TimelineEvent, [{
            "consignment": delivery.message.consignment_id, "at": now, "kind": "delivery.acknowledged",
            "message": delivery.message_id, "organisation": recipient.pk, "evidence_seq": seq_param(entries[-1]),
            "title_en": f"{recipient.name_en} acknowledged {delivery.message.message_type}",
            "title_zh": f"{recipient.name_zh or recipient.name_en}已確認收到（{delivery.message.message_type}）",
        }], expressions={"evidence_seq": seq_sql()})

    append_evidence_many(items, batch=first, then=timeline)
    return delivery


@transaction.atomic
def redeliver(*, delivery: Delivery, actor: Actor) -> Delivery:
    """Put a dead-lettered (or any pushed) delivery back on the push queue."""
    if not WebhookEndpoint.objects.filter(organisation_id=delivery.recipient_id, is_active=True).exists():
        raise ExchangeError(ExchangeErrorCode.WEBHOOK_NOT_CONFIGURED, [Issue(
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


def _enqueue_push(delivery_id: int) -> None:
    from singlewindow.exchange.tasks import push_delivery_task

    push_delivery_task.enqueue(delivery_id)


@transaction.atomic
def set_webhook(*, actor: Actor, url: str, is_active: bool = True) -> WebhookEndpoint:
    """Point the actor's organisation's pushes at ``url`` (http or https; see ``webhook_targets``)."""
    if actor.organisation is None:
        raise ExchangeError(ExchangeErrorCode.NO_ORGANISATION)
    try:
        webhook_targets.check_url(url, allow_internal=settings.SW_WEBHOOK_ALLOW_LOOPBACK)
    except webhook_targets.UnusableTarget as refused:
        raise ExchangeError(ExchangeErrorCode.WEBHOOK_REFUSED,
                            [Issue(refused.code, "/url", refused.en, refused.zh)]) from None
    cache.changed()
    endpoint, _ = WebhookEndpoint.objects.update_or_create(
        organisation=actor.organisation, defaults={"url": url, "is_active": is_active})
    append_evidence("webhook.configured", {"organisation": actor.organisation.code, "url": url,
                                           "active": is_active, "actor": actor.label[:200]})
    return endpoint


@transaction.atomic
def remove_webhook(*, endpoint: WebhookEndpoint, actor: Actor) -> None:
    """Stop pushing to an organisation: its deliveries stay in its mailbox, to pull."""
    cache.changed()
    organisation = endpoint.organisation
    endpoint.delete()
    append_evidence("webhook.removed", {"organisation": organisation.code, "url": endpoint.url,
                                        "actor": actor.label[:200]})


TITLE_LENGTH = 300  # a timeline line's titles, as ``TimelineEvent`` keeps them


@dataclass(frozen=True)
class StateChange:
    """A participant's own state change: what its evidence entry says and its timeline line's title.

    ``notice``, when given, is the message telling the parties of it (prepared, not yet stored):
    it is stored right after the change, its entry following the change's in the log.
    """

    organisation: Organisation
    kind: str
    fields: dict[str, object]
    ucr: str | None
    title_en: str
    title_zh: str
    message_id: uuid.UUID | None = None
    at: datetime | None = None
    notice: intake.PreparedMessage | None = None


@transaction.atomic
def record_state_change(*, organisation: Organisation, kind: str, fields: dict[str, object], ucr: str | None,
                        title_en: str, title_zh: str, message_id: uuid.UUID | None = None) -> AppendedEntry:
    """A participant's own state change (a customs case selected, a permit approved…): one
    evidence entry and, when the consignment is known, one line on its timeline."""
    change = StateChange(organisation=organisation, kind=kind, fields=fields, ucr=ucr, title_en=title_en,
                         title_zh=title_zh, message_id=message_id)
    return record_state_changes([change])[0][0]


def record_state_changes(
    changes: Sequence[StateChange], *, first: Batch | None = None,
    then: Callable[[list[AppendedEntry], Batch], None] | None = None,
) -> tuple[list[AppendedEntry], Results]:
    """Several state changes, in order, in one round trip, which takes the evidence lock.

    Each gets its evidence entry and, when its consignment is known, its timeline line; a
    change's notice is stored (message, deliveries) with its entry right after the change's.
    The caller's own rows ride along: ``first`` holds statements that need no evidence
    sequence (they run first, before the lock), ``then`` adds statements that name the new
    entries' sequence numbers (the caller's event rows, with ``evidence.seq_sql``; the entries
    have their numbers once this returns). Must run inside the caller's transaction; returns
    the changes' entries (the notices' entries are not among them) and the round trip's results
    (indices as the caller's batches gave them).

    A notice whose client reference is already taken fails the whole burst with
    ``CLIENT_REFERENCE_REUSED``: the burst's entries are written together or not at all.
    """
    batch = first if first is not None else Batch()
    now = timezone.now()
    items: list[NewEvidence] = []
    owned: list[int] = []  # each change's position among the entries
    notices: list[tuple[int, intake.PendingStore]] = []
    for change in changes:
        owned.append(len(items))
        items.append(NewEvidence(change.kind, {"organisation": change.organisation.code, **change.fields},
                                 message_id=change.message_id, at=change.at or now))
        if change.notice is not None:
            pending = intake.PendingStore(change.notice, batch)
            notices.append((len(items), pending))
            items.append(pending.evidence)

    def lines(all_entries: list[AppendedEntry], locked: Batch) -> None:
        entries[:] = [all_entries[i] for i in owned]
        # A change naming a consignment not known (yet) gets no line: its row finds no consignment.
        locked.insert(TimelineEvent, [{
            "consignment": change.ucr, "at": entry.recorded_at, "kind": change.kind,
            "organisation": change.organisation.pk, "evidence_seq": seq_param(entry),
            "title_en": change.title_en[:TITLE_LENGTH], "title_zh": change.title_zh[:TITLE_LENGTH],
        } for change, entry in zip(changes, entries, strict=True) if change.ucr],
            expressions={**intake.consignment_by_ucr(), "evidence_seq": seq_sql()}, unless_null="consignment")
        for index, pending in notices:
            pending.write(all_entries[index], locked)
        if then is not None:
            then(entries, locked)

    entries: list[AppendedEntry] = []
    try:
        _, results = append_evidence_many(items, batch=batch, then=lines)
    except IntegrityError as error:
        if not notices or not intake.client_reference_taken(error):
            raise
        references = ", ".join(pending.prepared.envelope.client_reference for _, pending in notices)
        raise ExchangeError(ExchangeErrorCode.CLIENT_REFERENCE_REUSED,
                            detail=f"a notice's client reference is already used ({references})") from None
    for _, pending in notices:
        pending.finish(results)
    return entries, results


ADMISSION_REASON_LENGTH = (10, 200)  # the whole reason fits the timeline line's title


@transaction.atomic
def admit_party(*, consignment: Consignment, organisation: Organisation, reason: str, user: Any) -> AppendedEntry:
    """The Single Window's service desk makes ``organisation`` a party to ``consignment``: it may then see the
    timeline and add to it, as a named party may (``intake._joining``).

    The remedy when an organisation is kept off a consignment that is its own: a foreign UCR started first by
    someone else, who names no one (see "Who may put a message on a consignment" in the architecture). The
    admission is a state change of the admitted organisation's standing, so the line and the entry name it as
    their organisation, and the desk's user as ``admitted_by``: an evidence entry with the reason, and a line on
    the timeline that every party sees; the back office's audit trail records it too (before the evidence lock
    is taken: nothing runs between that lock and the commit). Raises ``ValidationError`` (nothing written) for a
    reason too short or too long, an inactive organisation, or one already a party.
    """
    reason = " ".join(reason.split())
    shortest, longest = ADMISSION_REASON_LENGTH
    if not shortest <= len(reason) <= longest:
        raise ValidationError(_("Give the reason in %(shortest)d to %(longest)d characters.")
                              % {"shortest": shortest, "longest": longest}, code="reason")
    if not organisation.is_active:
        raise ValidationError(_("%(organisation)s is not active.") % {"organisation": organisation.code},
                              code="inactive")
    already = ValidationError(_("%(organisation)s is already a party to %(ucr)s.")
                              % {"organisation": organisation.code, "ucr": consignment.ucr}, code="party")
    if selectors.consignment_visible_to(Actor(organisation=organisation), consignment.ucr) is not None:
        raise already
    party, created = ConsignmentParty.objects.get_or_create(consignment=consignment, organisation=organisation)
    if not created:  # admitted by another request since the look-up
        raise already
    by = user.get_username()
    registry_services.record_audit(actor_user=user, action="admit", obj=party, clears_caches=False, changes={
        "consignment": consignment.ucr, "organisation": organisation.code, "reason": reason})
    title_en, title_zh = _admission_titles(organisation, reason)
    change = StateChange(organisation=organisation, kind="consignment.party_admitted", ucr=consignment.ucr,
                         fields={"ucr": consignment.ucr, "admitted_by": by, "reason": reason},
                         title_en=title_en, title_zh=title_zh)
    return record_state_changes([change])[0][0]


def _admission_titles(organisation: Organisation, reason: str) -> tuple[str, str]:
    """The admission's timeline titles, the whole reason in each: by the organisation's name, or by its code
    where a long name would push the reason past the title's length."""
    def titles(en: str, zh: str) -> tuple[str, str]:
        return (f"{en} admitted as a party by the Single Window service desk: {reason}",
                f"關港貿單一窗口服務台將{zh}列為當事人：{reason}")

    named = titles(organisation.name_en, organisation.name_zh or organisation.name_en)
    if max(len(title) for title in named) <= TITLE_LENGTH:
        return named
    return titles(organisation.code, organisation.code)
