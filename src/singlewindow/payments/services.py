"""Writes on payment orders and refunds: an order when a case awaits payment, release against a
guarantee, an order cancelled with its case, and refund orders.

Statutory figures (override in settings; see docs/payments.md):

* ``PAYMENT_DAYS`` = 14: duties are paid within 14 days of the payment notice (Customs Act
  art. 43, the limit customs' lifecycle uses for ``awaiting_payment`` too); ``SW_PAYMENT_DUE_DAYS``.
* ``REFUND_DAYS`` = 30: customs pays a refund back within 30 days of ordering it (the Single
  Window's service target); ``SW_REFUND_DAYS``.
* ``REFUND_CLAIM_YEARS`` = 5: a trader may claim over-paid duties within five years of payment
  (Customs Act art. 65); refunds found here are ordered at once, without a claim.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone

from singlewindow.customs.models import Case
from singlewindow.customs.models.cases import CaseState
from singlewindow.customs.services import CaseRun, record_payment
from singlewindow.datamodel.datasets import Declaration
from singlewindow.exchange.models import Message
from singlewindow.exchange.selectors import document_of
from singlewindow.exchange.services import record_state_change
from singlewindow.payments import ledger, references
from singlewindow.payments.models import (
    BankConfirmation,
    EntryKind,
    Guarantee,
    GuaranteeState,
    OrderState,
    PaymentOrder,
    RefundOrder,
    RefundReason,
    RefundState,
)
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation
from singlewindow.registry.selectors import organisations_by_business_ids

PAYMENT_DAYS = 14
REFUND_DAYS = 30
REFUND_CLAIM_YEARS = 5
logger = logging.getLogger(__name__)

OPEN_STATES = (OrderState.OPEN, OrderState.PART_PAID)


def payment_days() -> int:
    return int(getattr(settings, "SW_PAYMENT_DUE_DAYS", PAYMENT_DAYS))


def refund_days() -> int:
    return int(getattr(settings, "SW_REFUND_DAYS", REFUND_DAYS))


def whole(amount: Decimal) -> Decimal:
    """Whole New Taiwan dollars, as customs rounds."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def lines_of(assessment: dict[str, Any], amount: Decimal) -> list[dict[str, str]]:
    """The order's lines per duty, tax or fee from the case's assessment; they add up to ``amount``."""
    names: dict[str, tuple[str, str]] = {}
    for item in assessment.get("items", []):
        for charge in item.get("charges", []):
            names.setdefault(str(charge.get("code", "")), (str(charge.get("en", "")), str(charge.get("zh", ""))))
    lines = []
    for code, value in (assessment.get("totals") or {}).items():
        rounded = whole(Decimal(str(value)))
        if rounded:
            en, zh = names.get(code, (code, code))
            lines.append({"code": code, "en": en, "zh": zh, "amount": str(rounded)})
    listed = sum((Decimal(line["amount"]) for line in lines), Decimal(0))
    if listed != amount:  # an officer's assessment, an earlier part payment, or rounding
        lines.append({"code": "balance", "en": "Amount due not itemised above", "zh": "其他應納金額",
                      "amount": str(amount - listed)})
    return lines


def _importer(case: Case) -> tuple[Organisation | None, str]:
    """The importer (the taxpayer) the declaration names, else the declarant."""
    message = Message.objects.filter(pk=case.latest_message_id).first()
    document = document_of(message) if message is not None else None
    party = None
    if isinstance(document, Declaration) and document.goods_shipment is not None:
        party = document.goods_shipment.importer
    business_id = (party.id if party is not None else None) or case.declarant.business_id or ""
    found = organisations_by_business_ids([business_id]) if business_id else []
    return (found[0] if found else None), business_id


def on_case_entered(case: Case, previous: str, actor: Actor, run: CaseRun) -> None:
    """Customs' hook: an order when a case awaits payment; open orders end when it is amended."""
    if case.state == CaseState.AWAITING_PAYMENT:
        order = open_order(case)
        if order is not None and order.importer_id is not None and Guarantee.objects.filter(
                trader_id=order.importer_id, state=GuaranteeState.ACCEPTED).exists():
            from singlewindow.payments.tasks import cover_task

            order_id = order.pk
            transaction.on_commit(lambda: cover_task.enqueue(order_id))
    elif case.state == CaseState.AMENDED and previous == CaseState.AWAITING_PAYMENT:
        # what was paid stays on the case: the new version's order asks for the rest
        PaymentOrder.objects.filter(case_id=case.pk, state__in=OPEN_STATES).update(state=OrderState.CANCELLED)


def open_order(case: Case) -> PaymentOrder | None:
    """The payment order of ``case``'s amount due (plain rows: this runs inside the case's transition)."""
    amount = whole(case.amount_due - case.amount_paid)
    if amount <= 0:
        return None
    earlier = list(PaymentOrder.objects.filter(case_id=case.pk).only("pk", "state", "amount"))
    still_open = [order for order in earlier if order.state in OPEN_STATES]
    for order in still_open:
        if order.amount == amount:
            return order
    if still_open:
        PaymentOrder.objects.filter(pk__in=[order.pk for order in still_open]).update(state=OrderState.CANCELLED)
    now = timezone.now()
    importer, business_id = _importer(case)
    number = case.pk * 100 + len(earlier) + 1
    return PaymentOrder.objects.create(
        reference=references.payment_reference(now.year, number), case=case, office_id=case.office_id,
        declarant_id=case.declarant_id, importer=importer, importer_business_id=business_id[:17], amount=amount,
        lines=lines_of(case.assessment or {}, amount), issued_at=now, due_at=now + timedelta(days=payment_days()),
    )


def on_case_withdrawn(case: Case, actor: Actor) -> None:
    """Customs' hook: a rejected or cancelled case's open orders end; what was paid on them is refunded."""
    for order in PaymentOrder.objects.select_for_update().filter(case_id=case.pk, state__in=OPEN_STATES):
        order.state = OrderState.CANCELLED
        order.save(update_fields=["state"])
        if order.amount_paid > 0:
            last = BankConfirmation.objects.filter(order=order, refused=False).order_by("-pk").first()
            order_refund(reason=RefundReason.CANCELLED, payee=order.importer or order.declarant,
                         bank=last.bank if last is not None else None, order=order, amount=order.amount_paid)


def order_refund(*, reason: str, payee: Organisation, amount: Decimal, bank: Organisation | None = None,
                 order: PaymentOrder | None = None, confirmation: BankConfirmation | None = None) -> RefundOrder:
    """A refund order back to ``payee`` through ``bank``, due within ``refund_days()``."""
    now = timezone.now()
    refund = RefundOrder.objects.create(
        reference=f"new-{now.timestamp()}"[:20], reason=reason, payee=payee, bank=bank, order=order,
        confirmation=confirmation, amount=amount, created_at=now, due_at=now + timedelta(days=refund_days()))
    refund.reference = references.refund_reference(now.year, refund.pk)
    RefundOrder.objects.filter(pk=refund.pk).update(reference=refund.reference)
    return refund


@transaction.atomic
def release_deposit(*, order: PaymentOrder, amount: Decimal, actor: Actor) -> RefundOrder:
    """A cash deposit lodged for ``order`` is no longer needed: order it back to the trader."""
    refund = order_refund(reason=RefundReason.DEPOSIT, payee=order.importer or order.declarant,
                          amount=whole(amount), order=order)
    _refund_evidence(refund, actor)
    return refund


@transaction.atomic
def mark_refund_paid(*, refund: RefundOrder, actor: Actor) -> RefundOrder:
    """Customs paid the refund back; a second call changes nothing."""
    updated = RefundOrder.objects.filter(pk=refund.pk, state=RefundState.PENDING).update(
        state=RefundState.PAID, paid_at=timezone.now())
    refund.refresh_from_db()
    if updated:
        record_state_change(organisation=refund.order.office if refund.order else refund.payee,
                            kind="payments.refund_paid", ucr=None,
                            fields={"refund": refund.reference, "amount": str(refund.amount), "actor": actor.label},
                            title_en=f"Refund {refund.reference} of NT${refund.amount:,.0f} paid",
                            title_zh=f"退款 {refund.reference} 新臺幣 {refund.amount:,.0f} 元已退還")
    return refund


def _refund_evidence(refund: RefundOrder, actor: Actor) -> None:
    office = refund.order.office if refund.order is not None else refund.payee
    record_state_change(
        organisation=office, kind="payments.refund_ordered",
        ucr=(refund.order.case.ucr or None) if refund.order is not None else None,
        fields={"refund": refund.reference, "reason": refund.reason, "amount": str(refund.amount),
                "actor": actor.label[:200]},
        title_en=f"Refund {refund.reference} of NT${refund.amount:,.0f} ordered ({refund.reason})",
        title_zh=f"退款 {refund.reference} 新臺幣 {refund.amount:,.0f} 元（{refund.get_reason_display()}）")


# --- release before payment -------------------------------------------------------------------


def usable(guarantee: Guarantee, amount: Decimal) -> bool:
    """Accepted, within its validity today, and with enough balance left for ``amount``."""
    today = timezone.localdate()
    return (guarantee.state == GuaranteeState.ACCEPTED and guarantee.valid_from <= today <= guarantee.valid_to
            and guarantee.balance >= amount)


def covering_guarantees(trader: Any, amount: Any) -> QuerySet[Guarantee]:
    """The trader's guarantees that cover ``amount`` today: accepted, valid, with the balance for it
    (``usable`` asks the same of one locked guarantee). Values or, in a subquery, ``OuterRef``s."""
    today = timezone.localdate()
    return Guarantee.objects.filter(trader_id=trader, state=GuaranteeState.ACCEPTED, valid_from__lte=today,
                                    valid_to__gte=today, balance__gte=amount)


@transaction.atomic
def cover_with_guarantee(order_id: int, *, actor: Actor | None = None) -> Guarantee | None:
    """Release the order's case against one of the importer's guarantees, debiting its balance.

    The order's row and then the guarantee's are locked, so two cases of one trader never
    both take the last of a balance; the database refuses a negative balance besides. Nothing
    happens (None) when the order is no longer open, or no guarantee covers it: the case then
    waits for payment.
    """
    order = PaymentOrder.objects.select_for_update(of=("self",)).select_related("case", "office").get(pk=order_id)
    if order.state != OrderState.OPEN or order.importer_id is None:
        return None
    office_actor = actor or Actor(organisation=order.office, membership_role="engine")
    amount = order.outstanding
    candidates = list(covering_guarantees(order.importer_id, amount).order_by("valid_to", "pk")
                      .values_list("pk", flat=True))
    for candidate in candidates:
        guarantee = ledger.lock_guarantees([candidate])[0]
        if not usable(guarantee, amount):
            continue
        Guarantee.objects.filter(pk=guarantee.pk).update(balance=F("balance") - amount)
        guarantee.balance -= amount
        ledger.append(guarantee, EntryKind.DEBIT, actor=office_actor, amount=amount, order=order)
        order.state, order.guarantee, order.guaranteed_amount = OrderState.GUARANTEED, guarantee, amount
        order.save(update_fields=["state", "guarantee", "guaranteed_amount"])
        record_payment(order.case, actor=office_actor, amount=amount, reference=order.reference, guarantee=True)
        return guarantee
    return None


COVER_GRACE = timedelta(seconds=60)


def cover_waiting_orders(*, grace: timedelta = COVER_GRACE, limit: int = 200) -> int:
    """The sweeper's share: release open orders that an accepted guarantee now covers.

    The release after assessment runs as a task queued on commit; a worker that dies before
    running it, or a guarantee accepted (or a balance restored by a payment) after the order
    was issued, would otherwise leave a covered case waiting for payment. Orders younger than
    ``grace`` are left to their task. Each order is covered in its own transaction, under the
    same locks as the task, so the two never release one case twice. Returns how many were.
    """
    covering = covering_guarantees(OuterRef("importer_id"), OuterRef("amount") - OuterRef("amount_paid"))
    waiting = (PaymentOrder.objects.filter(state=OrderState.OPEN, importer__isnull=False,
                                           issued_at__lt=timezone.now() - grace)
               .filter(Exists(covering)).order_by("issued_at", "pk").values_list("pk", flat=True)[:limit])
    covered = 0
    for order_id in list(waiting):
        try:
            covered += cover_with_guarantee(order_id) is not None
        except Exception:  # one order that cannot be covered must not hold up the rest
            logger.exception("covering payment order %s with a guarantee failed", order_id)
    return covered


def credit_guarantee(order: PaymentOrder, amount: Decimal, *, actor: Actor) -> None:
    """Duties secured by a guarantee were paid: its balance gets ``amount`` back (order locked by the caller)."""
    if order.guarantee_id is None or amount <= 0:
        return
    guarantee = ledger.lock_guarantees([order.guarantee_id])[0]
    Guarantee.objects.filter(pk=guarantee.pk).update(balance=F("balance") + amount)
    guarantee.balance += amount
    ledger.append(guarantee, EntryKind.CREDIT, actor=actor, amount=amount, order=order)
