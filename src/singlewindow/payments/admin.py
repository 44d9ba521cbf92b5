"""Back office: payment orders, confirmations, guarantees, their ledger and refunds, read-only.

Every change goes through the services (and the ledger's hash chain), so the back office only looks.
"""

from __future__ import annotations

from django.contrib import admin

from singlewindow.payments.models import BankConfirmation, Guarantee, LedgerEntry, PaymentOrder, RefundOrder
from singlewindow.registry.admin import ReadOnlyAdmin


@admin.register(PaymentOrder)
class PaymentOrderAdmin(ReadOnlyAdmin):
    list_display = ("reference", "case", "amount", "amount_paid", "state", "due_at")
    list_filter = ("state",)
    search_fields = ("reference", "case__reference", "importer_business_id")


@admin.register(BankConfirmation)
class BankConfirmationAdmin(ReadOnlyAdmin):
    list_display = ("bank", "transaction_id", "reference", "amount", "outcome", "received_at")
    list_filter = ("outcome", "bank")
    search_fields = ("transaction_id", "reference")


@admin.register(Guarantee)
class GuaranteeAdmin(ReadOnlyAdmin):
    list_display = ("number", "bank", "trader", "amount", "balance", "state", "valid_to")
    list_filter = ("state", "bank")
    search_fields = ("number", "trader__business_id")


@admin.register(LedgerEntry)
class LedgerEntryAdmin(ReadOnlyAdmin):
    list_display = ("guarantee", "seq", "kind", "amount", "balance", "at")
    list_filter = ("kind",)


@admin.register(RefundOrder)
class RefundOrderAdmin(ReadOnlyAdmin):
    list_display = ("reference", "reason", "payee", "amount", "state", "due_at")
    list_filter = ("reason", "state")
