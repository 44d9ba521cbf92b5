"""A bank's payment confirmation (``duty_payment.notification``), as the customs engine hands it over.

Recorded once per bank transaction id (a resend, under any client reference, changes nothing);
a payment short of the amount due keeps the order open; the payment that completes it calls
customs' ``record_payment``, which releases the case (or, for goods released against a
guarantee, records the payment and the guarantee's balance is restored). Money beyond what
the order still needs (paid twice, paid too much, paid on a cancelled declaration) becomes a
refund order. A confirmation customs cannot record is kept as refused and the bank is told why.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from singlewindow.customs.services import record_payment_locked
from singlewindow.datamodel.datasets.payments import DutyPayment
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.rows import Batch, update_statement
from singlewindow.exchange.selectors import document_of
from singlewindow.exchange.services import record_state_change
from singlewindow.payments import references, rows, selectors, services
from singlewindow.payments.errors import Code, PaymentsError, error
from singlewindow.payments.models import BankConfirmation, OrderState, Outcome, PaymentOrder, RefundReason
from singlewindow.payments.notices import refuse_to_bank
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation

MESSAGE_TYPE = "duty_payment.notification"
_REASONS_ZH = {RefundReason.OVERPAYMENT: "溢繳", RefundReason.DOUBLE_PAYMENT: "重複繳納",
               RefundReason.CANCELLED: "報單已撤銷"}


def handle_payment(delivery: Delivery, actor: Actor) -> None:
    """The customs engine's handler: record the confirmation, or refuse it to the bank."""
    message = delivery.message
    document = document_of(message)
    if not isinstance(document, DutyPayment):
        return
    try:  # record_confirmation is atomic itself: a refusal rolls back to before it (one savepoint, not two)
        record_confirmation(document, bank=message.sender, actor=actor, message_id=message.id)
    except PaymentsError as refused:
        record_refusal(document, bank=message.sender, office=delivery.recipient, problem=refused,
                       message_id=message.id)
        refuse_to_bank(message, actor, refused.code, refused.en, refused.zh,
                       reference=document.payment_reference_id, transaction_id=document.transaction_id)


def check_payment(document: DutyPayment, bank: Organisation) -> None:
    """What a confirmation must be before it is looked up: from the bank it names, whole TWD, a valid reference."""
    if not selectors.is_registered_bank(bank, document.financial_institution.id or ""):
        raise error(Code.UNKNOWN_BANK)
    if (document.payment_amount.currency_id or "") != "TWD":
        raise error(Code.BAD_CURRENCY)
    amount = document.payment_amount.value
    if amount <= 0 or amount != amount.to_integral_value():
        raise error(Code.BAD_AMOUNT)
    if not references.is_valid(document.payment_reference_id):
        raise error(Code.BAD_CHECK_DIGITS)


@transaction.atomic
def record_confirmation(document: DutyPayment, *, bank: Organisation, actor: Actor,
                        message_id: uuid.UUID | None = None) -> BankConfirmation:
    """Set the payment against its order (locked); the one recorded before for a resent transaction.

    The order and its case are locked together (order first, as when customs records the
    payment itself), so customs records it on the case as read here; this side's other
    statements then go in one round trip.
    """
    check_payment(document, bank)
    order = rows.lock_order(document.payment_reference_id)
    if order is None:
        raise error(Code.UNKNOWN_REFERENCE)
    amount = services.whole(document.payment_amount.value)
    now = timezone.now()
    if order.state == OrderState.CANCELLED:
        applied, outcome, reason = Decimal(0), Outcome.REFUNDED, RefundReason.CANCELLED
    elif order.state == OrderState.PAID:
        applied, outcome, reason = Decimal(0), Outcome.DUPLICATE, RefundReason.DOUBLE_PAYMENT
    else:
        applied = min(amount, order.outstanding)
        outcome = Outcome.SURPLUS if amount > applied else (
            Outcome.APPLIED if applied == order.outstanding else Outcome.PARTIAL)
        reason = RefundReason.OVERPAYMENT
    confirmation = BankConfirmation(
        bank=bank, office_id=order.office_id, transaction_id=document.transaction_id,
        reference=document.payment_reference_id, order=order,
        amount=amount, applied=applied, outcome=outcome, paid_at=_when(document.payment_date_time),
        received_at=now, message_id=message_id)
    # One round trip: the case's events (customs numbers its notices by them), the confirmation
    # unless the bank's transaction is already recorded, and the order's new paid amount.
    batch = Batch()
    counted = batch.add(*rows.count_events_statement(order.case_id))
    inserted = batch.insert(BankConfirmation, [rows.values_of(confirmation)], ignore_conflicts=True,
                            returning="id")
    guaranteed = order.state == OrderState.GUARANTEED
    before = {"amount_paid": order.amount_paid, "state": order.state, "paid_at": order.paid_at}
    if applied:
        order.amount_paid += applied
        if order.amount_paid >= order.amount:
            order.state, order.paid_at = OrderState.PAID, timezone.now()
        elif not guaranteed:
            order.state = OrderState.PART_PAID
        batch.add(*update_statement(PaymentOrder, order.pk, {
            "amount_paid": order.amount_paid, "state": order.state, "paid_at": order.paid_at}))
    results = batch.run()
    assert inserted is not None
    if not results[inserted]:
        return _resent(document, order, before if applied else None, bank=bank, amount=amount)
    rows.stored(confirmation, results[inserted][0][0])
    events = int(results[counted][0][0])
    if applied:
        if guaranteed:  # before customs' records, which hold the evidence lock to the commit
            services.credit_guarantee(order, applied, actor=actor)
        record_payment_locked(order.case, actor=actor, amount=applied, reference=order.reference, events=events)
    if amount > applied:
        refund = services.order_refund(reason=reason, payee=order.importer or order.declarant, bank=bank,
                                       order=order, confirmation=confirmation, amount=amount - applied)
        record_state_change(
            organisation=order.office, kind="payments.refund_ordered", ucr=order.case.ucr or None,
            message_id=message_id,
            fields={"order": order.reference, "refund": refund.reference, "reason": reason,
                    "amount": str(refund.amount), "transaction": document.transaction_id},
            title_en=f"Payment {order.reference}: NT${refund.amount:,.0f} to be refunded ({outcome})",
            title_zh=f"繳款單 {order.reference}：新臺幣 {refund.amount:,.0f} 元應退還（{_REASONS_ZH[reason]}）")
    return confirmation


def _resent(document: DutyPayment, order: PaymentOrder, before: dict[str, object] | None, *,
            bank: Organisation, amount: Decimal) -> BankConfirmation:
    """The bank's transaction was recorded before (a resend; the order's lock makes one racing its
    original wait and land here): the order gets back what this transaction had set, and the
    confirmation recorded then is the answer, unless the transaction id now names another payment."""
    if before is not None:
        undo = Batch()
        undo.add(*update_statement(PaymentOrder, order.pk, before))
        undo.run()
    earlier = BankConfirmation.objects.get(bank=bank, transaction_id=document.transaction_id, refused=False)
    if earlier.reference != document.payment_reference_id or earlier.amount != amount:
        raise error(Code.TRANSACTION_REUSED)
    return earlier


def record_refusal(document: DutyPayment, *, bank: Organisation, office: Organisation, problem: PaymentsError,
                   message_id: uuid.UUID | None) -> BankConfirmation:
    """Keep a refused confirmation for the reconciliation (it never counts as recorded)."""
    value = document.payment_amount.value
    now = timezone.now()
    return BankConfirmation.objects.create(
        bank=bank, office=office, transaction_id=document.transaction_id, reference=document.payment_reference_id,
        order=None,
        amount=value, applied=0, outcome=Outcome.REFUSED, refused=True, reason_en=problem.en[:300],
        reason_zh=problem.zh[:300], paid_at=_when(document.payment_date_time),
        received_at=now, message_id=message_id)


def _when(value: date | datetime) -> datetime:
    """A payment time as stored: a date alone is midnight UTC of that day."""
    return value if isinstance(value, datetime) else datetime.combine(value, time(), tzinfo=UTC)
