"""Declaration cases: one per declaration a customs office received, with its lifecycle.

A case is customs' own record of a declaration: the exchange keeps the messages, the case keeps
where the declaration stands (state, channel, amounts due, deadlines) and one dated line per
transition. The times of the transitions are what the time release study measures.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.utils.translation import gettext_lazy as _

from singlewindow.customs.models.selection import Channel
from singlewindow.registry.models import Organisation


class CaseState(models.TextChoices):
    RECEIVED = "received", _("Received")
    VALIDATED = "validated", _("Validated")
    MATCHED = "matched", _("Matched with manifest and permits")
    ASSESSED = "assessed", _("Assessed")
    SELECTED = "selected", _("Selected")
    DOCUMENTS_REQUESTED = "documents_requested", _("Documents requested")
    DOCUMENTS_RECEIVED = "documents_received", _("Documents received")
    INSPECTED = "inspected", _("Inspected")
    AWAITING_PAYMENT = "awaiting_payment", _("Awaiting payment")
    PAID = "paid", _("Paid")
    GUARANTEED = "guaranteed", _("Secured by guarantee")
    RELEASED = "released", _("Released")
    AMENDED = "amended", _("Amended")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class Case(models.Model):
    """Customs' record of one declaration, from receipt to release (or rejection or cancellation)."""

    message_id = models.UUIDField(unique=True, help_text=_("The exchange message of the original declaration."))
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="customs_cases")
    declarant = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="declared_cases",
                                  help_text=_("The organisation that sent the declaration."))
    kind = models.CharField(max_length=30, help_text=_("Data set: import_declaration or export_declaration."))
    reference = models.CharField(max_length=35, help_text=_("The declarant's functional reference (LRN)."))
    ucr = models.CharField(max_length=35, blank=True)
    response_format = models.CharField(max_length=20, default="json",
                                       help_text=_("Codec the declarant used; answers go back in it."))
    state = models.CharField(max_length=30, choices=CaseState.choices, default=CaseState.RECEIVED)
    channel = models.CharField(max_length=2, choices=Channel.choices, blank=True)
    risk_score = models.FloatField(null=True, blank=True)
    selection = models.JSONField(default=dict, blank=True, help_text=_("Why this channel: rules hit, top features."))
    assessment = models.JSONField(default=dict, blank=True, help_text=_("Per-item and total duties and taxes."))
    amount_due = models.DecimalField(max_digits=16, decimal_places=0, default=Decimal(0))
    amount_paid = models.DecimalField(max_digits=16, decimal_places=0, default=Decimal(0))
    version = models.PositiveIntegerField(default=1, help_text=_("1, then one more per amendment."))
    latest_message_id = models.UUIDField(help_text=_("The message of the current version."))
    received_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("Statutory limit of the current step."))
    reminded_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-received_at"]
        constraints = [
            models.UniqueConstraint(fields=["declarant", "reference"], name="customs_case_reference_unique"),
        ]
        indexes = [
            models.Index(fields=["office", "state"], name="customs_case_office_state"),
            models.Index(fields=["due_at"], name="customs_case_due"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} ({self.state})"


class CaseEvent(models.Model):
    """One transition of a case: when, from what to what, by whom, and why."""

    case = models.ForeignKey(Case, on_delete=models.CASCADE, related_name="events")
    at = models.DateTimeField()
    from_state = models.CharField(max_length=30, choices=CaseState.choices, blank=True)
    to_state = models.CharField(max_length=30, choices=CaseState.choices)
    actor = models.CharField(max_length=200)
    note_en = models.TextField(blank=True)
    note_zh = models.TextField(blank=True)
    data = models.JSONField(default=dict, blank=True)
    evidence_seq = models.BigIntegerField(null=True)

    class Meta:
        ordering = ["at", "id"]
        indexes = [models.Index(fields=["to_state", "at"], name="customs_event_state_at")]

    def __str__(self) -> str:
        return f"{self.case_id}: {self.from_state} -> {self.to_state}"
