"""The permit register and its quantity ledger, and the exemptions that waive a regulation.

A permit is what an agency granted (許可證, 輸入檢驗/查驗合格證明): its goods lines carry a
granted quantity and the balance left. Each declaration item that uses a permit writes off one
line once (a ``WriteOff`` row); cancelling the declaration restores it. The balance is kept on
the line, moved only by single-statement conditional updates, and can never go below zero.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from singlewindow.codelists.models import PermitType, RegulationCode
from singlewindow.registry.models import Organisation

HS_CODE = RegexValidator(r"^\d{6,10}$", _("An HS code on a permit has 6 to 10 digits."))
QUANTITY_DIGITS, QUANTITY_PLACES = 16, 6


class PermitStatus(models.TextChoices):
    ACTIVE = "active", _("Active")
    SUSPENDED = "suspended", _("Suspended")
    REVOKED = "revoked", _("Revoked")


class Permit(models.Model):
    """A permit (or inspection/quarantine clearance) an agency issued to a holder."""

    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="issued_permits")
    number = models.CharField(max_length=35, help_text=_("The agency's permit number, unique per agency."))
    permit_type = models.CharField(max_length=20, choices=PermitType.choices)
    type_code = models.CharField(max_length=3, blank=True,
                                 help_text=_("Document type (UN/EDIFACT 1001) declarations cite it with."))
    regulation = models.ForeignKey(RegulationCode, on_delete=models.PROTECT, related_name="permits")
    holder_business_id = models.CharField(max_length=17, db_index=True,
                                          help_text=_("The applicant's ID as the decision names it."))
    holder_name = models.CharField(max_length=70, blank=True)
    holder = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="held_permits", help_text=_("The holder, when registered."))
    valid_from = models.DateTimeField()
    valid_to = models.DateTimeField(null=True, blank=True, help_text=_("Inclusive; empty: no end."))
    status = models.CharField(max_length=20, choices=PermitStatus.choices, default=PermitStatus.ACTIVE)
    status_reason = models.CharField(max_length=500, blank=True)
    decision_code = models.CharField(max_length=30)
    decision_reference = models.CharField(max_length=35)
    application_reference = models.CharField(max_length=35)
    decision_message_id = models.UUIDField(null=True, blank=True)
    ucr = models.CharField(max_length=35, blank=True)
    issued_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["agency", "number"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "number"], name="permits_number_per_agency"),
            models.CheckConstraint(condition=Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                                   name="permits_validity_in_order"),
        ]
        verbose_name = _("permit")
        verbose_name_plural = _("permits")

    def __str__(self) -> str:
        return f"{self.number} ({self.status})"


class PermitLine(models.Model):
    """A granted goods line: what (HS code), how much (granted) and how much is left (balance)."""

    permit = models.ForeignKey(Permit, on_delete=models.CASCADE, related_name="lines")
    sequence = models.PositiveIntegerField()
    hs_code = models.CharField(max_length=10, validators=[HS_CODE],
                               help_text=_("Declared codes starting with it are covered."))
    description = models.CharField(max_length=512, blank=True)
    unit = models.CharField(max_length=5, help_text=_("UN/ECE Rec 20 unit of the quantities."))
    granted = models.DecimalField(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    balance = models.DecimalField(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)

    class Meta:
        ordering = ["permit", "sequence"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "sequence"], name="permits_line_sequence_unique"),
            models.CheckConstraint(condition=Q(balance__gte=0), name="permits_balance_not_negative"),
            models.CheckConstraint(condition=Q(balance__lte=F("granted")), name="permits_balance_within_granted"),
            models.CheckConstraint(condition=Q(granted__gt=0), name="permits_granted_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.permit_id}/{self.sequence} {self.hs_code} {self.balance}/{self.granted} {self.unit}"

    @property
    def used(self) -> Decimal:
        return self.granted - self.balance


class WriteOffState(models.TextChoices):
    WRITTEN_OFF = "written_off", _("Written off")
    RESTORED = "restored", _("Restored")


class WriteOff(models.Model):
    """One declaration item's use of one permit line; restored when the declaration is cancelled.

    A declaration item writes off a permit once: a second request for the same item (a retry)
    gets the first answer again. Declaration references are the customs office's own, so the
    office is part of the key.
    """

    permit = models.ForeignKey(Permit, on_delete=models.PROTECT, related_name="write_offs")
    line = models.ForeignKey(PermitLine, on_delete=models.PROTECT, related_name="write_offs")
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="permit_write_offs",
                               help_text=_("The customs office that asked."))
    declaration_ref = models.CharField(max_length=70)
    item_sequence = models.PositiveIntegerField()
    quantity = models.DecimalField(max_digits=QUANTITY_DIGITS, decimal_places=QUANTITY_PLACES)
    unit = models.CharField(max_length=5)
    state = models.CharField(max_length=20, choices=WriteOffState.choices, default=WriteOffState.WRITTEN_OFF)
    at = models.DateTimeField()
    by = models.CharField(max_length=200)
    message_id = models.UUIDField(null=True, blank=True, help_text=_("The declaration message, when known."))
    ucr = models.CharField(max_length=35, blank=True)
    result = models.JSONField(default=dict, help_text=_("The answer given, returned again on a retry."))
    evidence_seq = models.BigIntegerField(null=True, blank=True)
    restored_at = models.DateTimeField(null=True, blank=True)
    restored_by = models.CharField(max_length=200, blank=True)

    class Meta:
        ordering = ["at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["permit", "office", "declaration_ref", "item_sequence"],
                                    name="permits_item_writes_off_once"),
            models.CheckConstraint(condition=Q(quantity__gt=0), name="permits_write_off_positive"),
        ]
        indexes = [models.Index(fields=["office", "declaration_ref"], name="permits_writeoff_declaration")]

    def __str__(self) -> str:
        return f"{self.declaration_ref}#{self.item_sequence} {self.quantity} {self.unit} ({self.state})"


class Exemption(models.Model):
    """A regulation waived by value (CIF, in NT$) and/or by procedure: data an officer keeps, not code.

    With both conditions set, both must hold. Procedure codes match the item's procedure
    (GovernmentProcedure current code) or the declaration's type code.
    """

    regulation = models.ForeignKey(RegulationCode, on_delete=models.CASCADE, related_name="permit_exemptions")
    max_cif_value_twd = models.DecimalField(max_digits=16, decimal_places=0, null=True, blank=True,
                                            help_text=_("Exempt up to this CIF value per item, in NT$."))
    procedure_codes = models.CharField(max_length=200, blank=True,
                                       help_text=_("Space-separated procedure or declaration type codes."))
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    basis_en = models.CharField(max_length=300, help_text=_("Legal basis, in English."))
    basis_zh = models.CharField(max_length=300, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["regulation", "id"]
        constraints = [
            models.CheckConstraint(condition=Q(max_cif_value_twd__isnull=False) | ~Q(procedure_codes=""),
                                   name="permits_exemption_has_condition"),
            models.CheckConstraint(condition=Q(max_cif_value_twd__isnull=True) | Q(max_cif_value_twd__gte=0),
                                   name="permits_exemption_value_not_negative"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=F("valid_from")),
                name="permits_exemption_validity_in_order"),
        ]
        verbose_name = _("permit exemption")
        verbose_name_plural = _("permit exemptions")

    def __str__(self) -> str:
        return f"{self.regulation_id}: {self.basis_en}"

    @property
    def procedures(self) -> frozenset[str]:
        return frozenset(self.procedure_codes.upper().split())

    def valid_on(self, day: date) -> bool:
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def clean(self) -> None:
        if self.max_cif_value_twd is None and not self.procedure_codes.strip():
            raise ValidationError(_("Give a maximum value, procedure codes, or both."))
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The validity cannot end before it starts.")})


class ApplicationStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    INFORMATION_REQUESTED = "information_requested", _("Information requested")
    APPROVED = "approved", _("Approved")
    PARTIALLY_APPROVED = "partially_approved", _("Partially approved")
    REJECTED = "rejected", _("Rejected")


OPEN_STATUSES = frozenset({ApplicationStatus.SUBMITTED, ApplicationStatus.INFORMATION_REQUESTED})


class ApplicationOrigin(models.TextChoices):
    DERIVED = "derived", _("Derived from a declaration")
    DIRECT = "direct", _("Sent by the applicant")
    EXTERNAL = "external", _("Known from the agency's decision")


class Application(models.Model):
    """A permit application as the register follows it: to which agency, for what, and where it stands.

    The message itself is in the exchange (``message_id``); this row is what the desk's inbox,
    the statutory time limit and the consolidated status per agency read. One row per agency and
    application reference; a derived application's reference names the declaration and the
    regulation, so it is derived once.
    """

    agency = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="permit_applications")
    reference = models.CharField(max_length=35, help_text=_("The application's functional reference."))
    origin = models.CharField(max_length=20, choices=ApplicationOrigin.choices)
    regulation_code = models.CharField(max_length=17)
    regulation = models.ForeignKey(RegulationCode, on_delete=models.SET_NULL, null=True, blank=True,
                                   related_name="permit_applications")
    type_code = models.CharField(max_length=3, blank=True)
    applicant_business_id = models.CharField(max_length=17, db_index=True)
    applicant_name = models.CharField(max_length=70, blank=True)
    applicant = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True,
                                  related_name="+", help_text=_("The applicant, when registered."))
    sender = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", help_text=_("Who sent it (the declarant for a derived one)."))
    office = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
                               help_text=_("The customs office of the declaration it was derived from."))
    declaration_ref = models.CharField(max_length=70, blank=True, help_text=_("Customs' declaration number."))
    declaration_reference = models.CharField(max_length=35, blank=True,
                                             help_text=_("The declarant's own reference."))
    ucr = models.CharField(max_length=35, blank=True, db_index=True)
    goods = models.JSONField(default=list, help_text=_("The goods lines asked for."))
    message_id = models.UUIDField(null=True, blank=True)
    status = models.CharField(max_length=30, choices=ApplicationStatus.choices, default=ApplicationStatus.SUBMITTED)
    submitted_at = models.DateTimeField()
    due_at = models.DateTimeField(null=True, blank=True, help_text=_("Statutory processing time ends."))
    reminded_at = models.DateTimeField(null=True, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    decisions = models.PositiveIntegerField(default=0)
    decision_reference = models.CharField(max_length=35, blank=True)
    decision_message_id = models.UUIDField(null=True, blank=True)
    permit = models.ForeignKey(Permit, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="applications")
    reasons = models.JSONField(default=list, blank=True, help_text=_("The agency's reasons, in English and Chinese."))
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-submitted_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["agency", "reference"], name="permits_application_reference"),
        ]
        indexes = [models.Index(fields=["agency", "status", "due_at"], name="permits_application_inbox")]
        verbose_name = _("permit application")
        verbose_name_plural = _("permit applications")

    def __str__(self) -> str:
        return f"{self.reference} ({self.status})"

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES
