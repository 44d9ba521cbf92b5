"""Electronic guarantees (電子保證): the bank requests and suspends, customs accepts and closes.

A request is kept as ``requested`` until an officer of the office it names accepts it; then its
whole amount is available for release before payment. A suspension stops further releases at
once (cases then wait for payment); customs closes a guarantee it no longer needs. Every change
is an entry of the guarantee's hash-chained ledger, and customs' decisions go to the bank
through the exchange.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime
from decimal import Decimal

from django.db import transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone

from singlewindow.datamodel.datasets.payments import ElectronicGuarantee
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.selectors import document_of
from singlewindow.exchange.services import record_state_change
from singlewindow.payments import ledger
from singlewindow.payments.errors import Code, PaymentsError, error
from singlewindow.payments.models import EntryKind, Guarantee, GuaranteeState, OrderState, PaymentOrder
from singlewindow.payments.notices import ACCEPT_TYPE, CLOSE_TYPE, refuse_to_bank, tell_bank
from singlewindow.payments.selectors import is_registered_bank
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.registry.selectors import organisations_by_business_ids

SUBMIT_TYPE = "electronic_guarantee.submit"
SUSPEND_TYPE = "electronic_guarantee.suspend"


def handle_guarantee(delivery: Delivery, actor: Actor) -> None:
    """The customs engine's handler for a bank's request or suspension; a refusal goes back to the bank."""
    message = delivery.message
    document = document_of(message)
    if not isinstance(document, ElectronicGuarantee):
        return
    try:
        with transaction.atomic():
            if message.message_type == SUBMIT_TYPE:
                request_guarantee(document, bank=message.sender, office=delivery.recipient, actor=actor,
                                  message_id=message.id)
            else:
                suspend_guarantee(document, bank=message.sender, actor=actor, message_id=message.id)
    except PaymentsError as refused:
        refuse_to_bank(message, actor, refused.code, refused.en, refused.zh, reference=document.id)


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        return timezone.localdate(value)
    return value


def _check_bank(document: ElectronicGuarantee, bank: Organisation) -> None:
    if not is_registered_bank(bank, document.guarantor.id or ""):
        raise error(Code.UNKNOWN_BANK)


@transaction.atomic
def request_guarantee(document: ElectronicGuarantee, *, bank: Organisation, office: Organisation, actor: Actor,
                      message_id: uuid.UUID | None = None) -> Guarantee:
    """Record a bank's guarantee request for the office to accept; a resend of the same terms changes nothing."""
    _check_bank(document, bank)
    if document.principal is None or not document.principal.id or document.amount is None or (
            document.validity_start_date_time is None or document.validity_end_date_time is None):
        raise error(Code.MISSING_FIELD, detail="principal, amount, validityStartDateTime, validityEndDateTime")
    if (document.amount.currency_id or "") != "TWD":
        raise error(Code.BAD_CURRENCY)
    amount = document.amount.value
    if amount <= 0 or amount != amount.to_integral_value():
        raise error(Code.BAD_AMOUNT)
    start, end = _day(document.validity_start_date_time), _day(document.validity_end_date_time)
    assert start is not None and end is not None
    if end < start or end < timezone.localdate():
        raise error(Code.BAD_VALIDITY)
    traders = [o for o in organisations_by_business_ids([document.principal.id])
               if o.role_codes & {OrganisationRole.TRADER, OrganisationRole.CUSTOMS_BROKER}]
    if not traders:
        raise error(Code.UNKNOWN_TRADER)
    purpose = document.purpose_code or "release_before_payment"
    existing = Guarantee.objects.filter(bank=bank, number=document.id).first()
    if existing is not None:
        same = (existing.trader_id == traders[0].pk and existing.amount == amount and existing.valid_from == start
                and existing.valid_to == end and existing.purpose == purpose)
        if not same:
            raise error(Code.GUARANTEE_REUSED)
        return existing
    now = timezone.now()
    guarantee = Guarantee.objects.create(
        bank=bank, number=document.id, trader=traders[0], office=office, purpose=purpose, amount=amount.quantize(
            Decimal(1)), valid_from=start, valid_to=end, message_id=message_id, requested_at=now, updated_at=now)
    ledger.append(guarantee, EntryKind.REQUESTED, actor=actor, amount=guarantee.amount)
    _evidence(guarantee, "requested", actor, message_id, "requested by the bank", "銀行申請")
    return guarantee


@transaction.atomic
def suspend_guarantee(document: ElectronicGuarantee, *, bank: Organisation, actor: Actor,
                      message_id: uuid.UUID | None = None) -> Guarantee:
    """The bank suspends its guarantee: no release against it from now on (again: nothing changes)."""
    _check_bank(document, bank)
    found = Guarantee.objects.filter(bank=bank, number=document.id).values_list("pk", flat=True).first()
    if found is None:
        raise error(Code.UNKNOWN_GUARANTEE)
    guarantee = ledger.lock_guarantees([found])[0]
    if guarantee.state == GuaranteeState.SUSPENDED:
        return guarantee
    if guarantee.state == GuaranteeState.CLOSED:
        raise error(Code.WRONG_STATE, detail="closed")
    guarantee.state = GuaranteeState.SUSPENDED
    ledger.append(guarantee, EntryKind.SUSPENDED, actor=actor)
    _evidence(guarantee, "suspended", actor, message_id, "suspended by the bank", "銀行暫停")
    return guarantee


@transaction.atomic
def accept_guarantee(guarantee: Guarantee, *, actor: Actor) -> Guarantee:
    """The office accepts a requested guarantee: its whole amount becomes available; the bank is told."""
    locked = ledger.lock_guarantees([guarantee.pk])[0]
    if locked.state != GuaranteeState.REQUESTED:
        raise error(Code.WRONG_STATE, detail=locked.state)
    if locked.valid_to < timezone.localdate():
        raise error(Code.BAD_VALIDITY)
    locked.state, locked.balance = GuaranteeState.ACCEPTED, locked.amount
    Guarantee.objects.filter(pk=locked.pk).update(balance=locked.amount)
    ledger.append(locked, EntryKind.ACCEPTED, actor=actor, amount=locked.amount)
    _evidence(locked, "accepted", actor, None, "accepted", "核准")
    tell_bank(locked, ACCEPT_TYPE, actor=actor)
    return locked


@transaction.atomic
def close_guarantee(guarantee: Guarantee, *, actor: Actor) -> Guarantee:
    """The office closes a guarantee no release still relies on; the bank is told it may release it."""
    locked = ledger.lock_guarantees([guarantee.pk])[0]
    if locked.state == GuaranteeState.CLOSED:
        raise error(Code.WRONG_STATE, detail=locked.state)
    if PaymentOrder.objects.filter(guarantee=locked, state=OrderState.GUARANTEED).exists():
        raise PaymentsError(str(Code.WRONG_STATE), "Goods released against this guarantee are not paid for yet.",
                            "憑本保證先放行之稅費尚未繳清。")
    locked.state = GuaranteeState.CLOSED
    ledger.append(locked, EntryKind.CLOSED, actor=actor)
    _evidence(locked, "closed", actor, None, "closed", "註銷")
    tell_bank(locked, CLOSE_TYPE, actor=actor)
    return locked


def _evidence(guarantee: Guarantee, kind: str, actor: Actor, message_id: uuid.UUID | None, en: str, zh: str) -> None:
    record_state_change(
        organisation=guarantee.office, kind=f"payments.guarantee_{kind}", ucr=None, message_id=message_id,
        fields={"guarantee": guarantee.number, "bank": guarantee.bank.code, "trader": guarantee.trader.code,
                "amount": str(guarantee.amount), "balance": str(guarantee.balance), "head": guarantee.head_hash,
                "actor": actor.label[:200]},
        title_en=f"Guarantee {guarantee.number} of {guarantee.bank.name_en}: {en}",
        title_zh=f"{guarantee.bank.name_zh or guarantee.bank.name_en}保證 {guarantee.number}：{zh}")


def secured_orders() -> Exists:
    """For querysets of guarantees: whether releases still rely on the guarantee."""
    return Exists(PaymentOrder.objects.filter(guarantee=OuterRef("pk"), state=OrderState.GUARANTEED))
