"""State of the payments app: payment orders, bank confirmations, electronic guarantees with their
hash-chained ledger, and refund orders.

Money is whole New Taiwan dollars (customs rounds every charge to the dollar), stored as
``DecimalField(decimal_places=0)`` and handled as ``Decimal``.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from singlewindow.customs.models import Case
from singlewindow.registry.models import Organisation


class OrderState(models.TextChoices):
    OPEN = "open", pgettext_lazy("payments", "Open")
    PART_PAID = "part_paid", _("Partly paid")
    GUARANTEED = "guaranteed", _("Released against a guarantee, payment due")
    PAID = "paid", _("Paid")
    CANCELLED = "cancelled", _("Cancelled")


class PaymentOrder(models.Model):
    """What a declaration owes: one order per amount-due notice, with its charges and due date."""

    reference = models.CharField(max_length=20, unique=True, help_text=_("Payment reference with check digits."))
    case = models.ForeignKey(Case, on_delete=models.PROTECT, related_name="payment_orders")
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    declarant = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payment_orders")
    importer = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                 help_text=_("The importer, when registered here (the taxpayer)."))
    importer_business_id = models.CharField(max_length=17, blank=True)
    amount = models.DecimalField(max_digits=16, decimal_places=0)
    amount_paid = models.DecimalField(max_digits=16, decimal_places=0, default=Decimal(0))
    lines = models.JSONField(default=list, help_text=_("Per duty, tax or fee: code, names and amount."))
    state = models.CharField(max_length=20, choices=OrderState.choices, default=OrderState.OPEN)
    guarantee = models.ForeignKey("Guarantee", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="orders", help_text=_("The guarantee the goods were released against."))
    guaranteed_amount = models.DecimalField(max_digits=16, decimal_places=0, default=Decimal(0))
    issued_at = models.DateTimeField()
    due_at = models.DateTimeField()
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-issued_at", "-id"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gt=0), name="payments_order_amount_positive"),
            models.CheckConstraint(condition=Q(amount_paid__gte=0) & Q(amount_paid__lte=F("amount")),
                                   name="payments_order_paid_within_amount"),
        ]
        indexes = [models.Index(fields=["state", "due_at"], name="payments_order_state_due")]

    def __str__(self) -> str:
        return f"{self.reference} NT${self.amount} ({self.state})"

    @property
    def outstanding(self) -> Decimal:
        return self.amount - self.amount_paid


class Outcome(models.TextChoices):
    APPLIED = "applied", _("Applied in full")
    PARTIAL = "partial", _("Partial payment")
    SURPLUS = "surplus", _("Over-payment, surplus refunded")
    DUPLICATE = "duplicate", _("Order paid twice, refunded")
    REFUNDED = "refunded", _("Order cancelled, refunded")
    REFUSED = "refused", _("Refused")


class BankConfirmation(models.Model):
    """A bank's payment confirmation as customs recorded (or refused) it."""

    bank = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="payment_confirmations")
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                               help_text=_("The customs office that received it."))
    transaction_id = models.CharField(max_length=35)
    reference = models.CharField(max_length=35, help_text=_("The payment reference the bank sent."))
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="confirmations")
    amount = models.DecimalField(max_digits=19, decimal_places=3)
    applied = models.DecimalField(max_digits=16, decimal_places=0, default=Decimal(0),
                                  help_text=_("Part of the amount set against the order."))
    outcome = models.CharField(max_length=20, choices=Outcome.choices)
    refused = models.BooleanField(default=False)
    reason_en = models.CharField(max_length=300, blank=True)
    reason_zh = models.CharField(max_length=300, blank=True)
    paid_at = models.DateTimeField()
    received_at = models.DateTimeField()
    message_id = models.UUIDField(null=True, blank=True)

    class Meta:
        ordering = ["-received_at", "-id"]
        constraints = [
            # a bank's transaction is recorded once; refusals are kept apart so a corrected resend counts
            models.UniqueConstraint(fields=["bank", "transaction_id"], condition=Q(refused=False),
                                    name="payments_confirmation_once"),
        ]
        indexes = [models.Index(fields=["bank", "received_at"], name="payments_confirmation_bank_day")]

    def __str__(self) -> str:
        return f"{self.bank_id}:{self.transaction_id} {self.outcome}"


class GuaranteeState(models.TextChoices):
    REQUESTED = "requested", _("Requested by the bank")
    ACCEPTED = "accepted", _("Accepted")
    SUSPENDED = "suspended", _("Suspended by the bank")
    CLOSED = "closed", pgettext_lazy("payments", "Closed")


class Guarantee(models.Model):
    """A bank's electronic guarantee of a trader's duties (先放後稅), with its available balance."""

    bank = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="guarantees_issued")
    number = models.CharField(max_length=35, help_text=_("The bank's guarantee number."))
    trader = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="guarantees")
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+",
                               help_text=_("The customs office that accepts it."))
    purpose = models.CharField(max_length=30, default="release_before_payment")
    currency = models.CharField(max_length=3, default="TWD")
    amount = models.DecimalField(max_digits=16, decimal_places=0)
    balance = models.DecimalField(max_digits=16, decimal_places=0, default=Decimal(0))
    valid_from = models.DateField()
    valid_to = models.DateField()
    state = models.CharField(max_length=20, choices=GuaranteeState.choices, default=GuaranteeState.REQUESTED)
    message_id = models.UUIDField(null=True, blank=True)
    requested_at = models.DateTimeField()
    updated_at = models.DateTimeField()
    entries = models.PositiveIntegerField(default=0, help_text=_("Ledger entries so far."))
    head_hash = models.CharField(max_length=64, default="0" * 64, help_text=_("Hash of the latest ledger entry."))

    class Meta:
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["bank", "number"], name="payments_guarantee_number"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="payments_guarantee_balance_not_negative"),
            models.CheckConstraint(condition=Q(balance__lte=F("amount")), name="payments_guarantee_balance_within"),
            models.CheckConstraint(condition=Q(valid_to__gte=F("valid_from")), name="payments_guarantee_validity"),
        ]

    def __str__(self) -> str:
        return f"{self.number} ({self.state})"


class EntryKind(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    ACCEPTED = "accepted", _("Accepted")
    DEBIT = "debit", _("Release against the guarantee")
    CREDIT = "credit", _("Duties paid, balance restored")
    SUSPENDED = "suspended", _("Suspended")
    CLOSED = "closed", pgettext_lazy("payments", "Closed")


class LedgerEntry(models.Model):
    """One line of a guarantee's ledger; ``hash`` covers the previous entry's hash and ``body``."""

    guarantee = models.ForeignKey(Guarantee, on_delete=models.PROTECT, related_name="ledger")
    seq = models.PositiveIntegerField()
    kind = models.CharField(max_length=20, choices=EntryKind.choices)
    amount = models.DecimalField(max_digits=16, decimal_places=0, default=Decimal(0))
    balance = models.DecimalField(max_digits=16, decimal_places=0, help_text=_("Available balance after the entry."))
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="+")
    at = models.DateTimeField()
    actor = models.CharField(max_length=200)
    body = models.TextField(help_text=_("The canonical JSON that is hashed."))
    hash = models.CharField(max_length=64)

    class Meta:
        ordering = ["guarantee", "seq"]
        constraints = [models.UniqueConstraint(fields=["guarantee", "seq"], name="payments_ledger_seq")]

    def __str__(self) -> str:
        return f"{self.guarantee_id}#{self.seq} {self.kind}"


class RefundReason(models.TextChoices):
    OVERPAYMENT = "overpayment", _("Over-payment")
    DOUBLE_PAYMENT = "double_payment", _("Paid twice")
    CANCELLED = "cancelled", _("Declaration cancelled or rejected")
    DEPOSIT = "deposit", _("Deposit released")


class RefundState(models.TextChoices):
    PENDING = "pending", _("Pending")
    PAID = "paid", _("Paid back")


class RefundOrder(models.Model):
    """Money customs owes back to a trader, paid to the bank account it came from."""

    reference = models.CharField(max_length=20, unique=True)
    reason = models.CharField(max_length=20, choices=RefundReason.choices)
    payee = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="refunds",
                              help_text=_("The declarant (or importer) the money goes back to."))
    bank = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             help_text=_("The bank the money came through and goes back through."))
    order = models.ForeignKey(PaymentOrder, on_delete=models.PROTECT, null=True, blank=True, related_name="refunds")
    confirmation = models.OneToOneField(BankConfirmation, on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="refund")
    amount = models.DecimalField(max_digits=16, decimal_places=0)
    state = models.CharField(max_length=20, choices=RefundState.choices, default=RefundState.PENDING)
    created_at = models.DateTimeField()
    due_at = models.DateTimeField(help_text=_("Customs' own limit to pay it back."))
    paid_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [models.CheckConstraint(condition=Q(amount__gt=0), name="payments_refund_amount_positive")]

    def __str__(self) -> str:
        return f"{self.reference} NT${self.amount} ({self.reason}, {self.state})"
