"""The cargo register: manifests and their bills with every version, conveyance arrivals and
departures, what the warehouse tallied, short/over-landed reports, and each bill's balance.

A bill's balance is kept on its row and moved only by single-statement conditional updates
under check constraints, so the database itself refuses to allocate, release or gate out more
packages than the bill carries, whatever the interleaving of concurrent transactions.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from singlewindow.registry.models import Organisation


class Direction(models.TextChoices):
    IMPORT = "IMP", _("Import")
    EXPORT = "EXP", _("Export")


class Manifest(models.Model):
    """A carrier's manifest (艙單) for one voyage or flight, as its latest version says."""

    carrier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="manifests")
    reference = models.CharField(max_length=35, help_text=_("The carrier's functional reference."))
    direction = models.CharField(max_length=3, choices=Direction.choices)
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="office_manifests")
    conveyance_reference = models.CharField(max_length=35, blank=True, help_text=_("Voyage or flight number."))
    transport_means = models.CharField(max_length=70, blank=True, help_text=_("Vessel or aircraft."))
    mode = models.CharField(max_length=1, blank=True, help_text=_("Transport mode (1 sea, 4 air)."))
    arrival_at = models.DateTimeField(null=True, blank=True, help_text=_("Expected arrival."))
    departure_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)
    cancelled = models.BooleanField(default=False)
    message_id = models.UUIDField(help_text=_("The message of the latest version."))
    created_at = models.DateTimeField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-created_at", "pk"]
        constraints = [models.UniqueConstraint(fields=["carrier", "direction", "reference"],
                                               name="cargo_manifest_reference_per_carrier")]

    def __str__(self) -> str:
        return f"{self.carrier.code} {self.direction} {self.reference}"


class Bill(models.Model):
    """A master or house bill (B/L, AWB) with what it carries and where its packages stand.

    ``allocated`` counts packages matched to declarations (released or not yet), ``released``
    those customs released, ``gated_out`` those that left the warehouse: 0 <= gated out <=
    released <= allocated <= packages, enforced by the database.
    """

    class Kind(models.TextChoices):
        MASTER = "master", _("Master bill")
        HOUSE = "house", _("House bill")

    manifest = models.ForeignKey(Manifest, on_delete=models.CASCADE, related_name="bills")
    carrier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    direction = models.CharField(max_length=3, choices=Direction.choices)
    number = models.CharField(max_length=35)
    type_code = models.CharField(max_length=3, blank=True, help_text=_("UN/EDIFACT 1001 document type."))
    kind = models.CharField(max_length=6, choices=Kind.choices)
    master = models.ForeignKey("self", on_delete=models.CASCADE, null=True, blank=True, related_name="houses")
    sequence = models.PositiveIntegerField(default=1)
    packages = models.PositiveIntegerField(default=0)
    package_type = models.CharField(max_length=3, blank=True)
    gross_kg = models.DecimalField(max_digits=16, decimal_places=3, default=Decimal(0))
    goods = models.CharField(max_length=512, blank=True)
    consignee_name = models.CharField(max_length=70, blank=True)
    consignee_id = models.CharField(max_length=17, blank=True)
    warehouse = models.ForeignKey(Organisation, on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="warehouse_bills", help_text=_("Where the goods are stored."))
    cancelled = models.BooleanField(default=False)
    allocated = models.PositiveIntegerField(default=0)
    released = models.PositiveIntegerField(default=0)
    gated_out = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["manifest", "sequence", "pk"]
        constraints = [
            models.UniqueConstraint(fields=["carrier", "direction", "number"], name="cargo_bill_number_per_carrier"),
            models.CheckConstraint(condition=Q(allocated__lte=F("packages")), name="cargo_bill_allocated_within"),
            models.CheckConstraint(condition=Q(released__lte=F("allocated")), name="cargo_bill_released_within"),
            models.CheckConstraint(condition=Q(gated_out__lte=F("released")), name="cargo_bill_gated_within"),
        ]
        indexes = [models.Index(fields=["number"], name="cargo_bill_number")]

    def __str__(self) -> str:
        return self.number

    @property
    def balance(self) -> int:
        """Packages not yet matched to a declaration."""
        return self.packages - self.allocated


class ManifestVersion(models.Model):
    """One version of a manifest: who made it, when, why, and what changed from the one before."""

    class Source(models.TextChoices):
        CARRIER = "carrier", _("Filed by the carrier")
        DISCREPANCY = "discrepancy", _("Corrected by a short/over-landed report")

    manifest = models.ForeignKey(Manifest, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    function_code = models.CharField(max_length=2, help_text=_("9 original, 4 change, 1 cancellation."))
    source = models.CharField(max_length=12, choices=Source.choices, default=Source.CARRIER)
    message_id = models.UUIDField(null=True, blank=True)
    actor = models.CharField(max_length=200)
    at = models.DateTimeField()
    changes = models.JSONField(default=list, help_text=_("[{bill, field, old, new}], at most 500 listed."))
    change_count = models.PositiveIntegerField(default=0)
    note = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["manifest", "number"]
        constraints = [models.UniqueConstraint(fields=["manifest", "number"], name="cargo_version_number")]


class Conveyance(models.Model):
    """A vessel's or aircraft's arrival or departure at a port, as the carrier reported it."""

    carrier = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="conveyances")
    reference = models.CharField(max_length=35, help_text=_("The report's functional reference."))
    kind = models.CharField(max_length=3, choices=[("ARR", _("Arrival")), ("DEP", _("Departure"))])
    conveyance_reference = models.CharField(max_length=35)
    transport_means = models.CharField(max_length=70, blank=True)
    port = models.CharField(max_length=17)
    scheduled_at = models.DateTimeField(null=True, blank=True)
    actual_at = models.DateTimeField(null=True, blank=True)
    cancelled = models.BooleanField(default=False)
    message_id = models.UUIDField()
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at"]
        constraints = [models.UniqueConstraint(fields=["carrier", "reference"], name="cargo_conveyance_reference")]
        indexes = [models.Index(fields=["carrier", "conveyance_reference"], name="cargo_conveyance_voyage")]


class Receipt(models.Model):
    """What the warehouse tallied for a bill (進倉): packages, weight and their condition."""

    class Condition(models.TextChoices):
        GOOD = "good", _("Good order")
        DAMAGED = "damaged", _("Damaged")

    bill = models.OneToOneField(Bill, on_delete=models.CASCADE, related_name="receipt")
    warehouse = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="cargo_receipts")
    packages = models.PositiveIntegerField()
    gross_kg = models.DecimalField(max_digits=16, decimal_places=3)
    condition = models.CharField(max_length=8, choices=Condition.choices, default=Condition.GOOD)
    note = models.CharField(max_length=500, blank=True)
    actor = models.CharField(max_length=200)
    at = models.DateTimeField()

    @property
    def short(self) -> int:
        return max(self.bill.packages - self.packages, 0)

    @property
    def over(self) -> int:
        return max(self.packages - self.bill.packages, 0)


class ReportState(models.TextChoices):
    FILED = "filed", _("Filed by the warehouse")
    CONFIRMED = "confirmed", _("Confirmed by the carrier")
    ACCEPTED = "accepted", _("Accepted by customs")
    REJECTED = "rejected", _("Rejected")


class DiscrepancyReport(models.Model):
    """A short/over-landed report (短溢卸報告): filed by the warehouse, confirmed by the carrier,
    accepted by customs; acceptance corrects the bill in a new manifest version."""

    class Kind(models.TextChoices):
        SHORT = "short", _("Short-landed")
        OVER = "over", _("Over-landed")
        WEIGHT = "weight", _("Weight differs")

    bill = models.ForeignKey(Bill, on_delete=models.CASCADE, related_name="reports")
    warehouse = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    kind = models.CharField(max_length=6, choices=Kind.choices)
    state = models.CharField(max_length=10, choices=ReportState.choices, default=ReportState.FILED)
    manifest_packages = models.PositiveIntegerField()
    found_packages = models.PositiveIntegerField()
    manifest_kg = models.DecimalField(max_digits=16, decimal_places=3)
    found_kg = models.DecimalField(max_digits=16, decimal_places=3)
    note = models.CharField(max_length=500, blank=True)
    filed_at = models.DateTimeField()
    version = models.ForeignKey(ManifestVersion, on_delete=models.SET_NULL, null=True, blank=True,
                                related_name="+", help_text=_("The manifest version its acceptance made."))

    class Meta:
        ordering = ["-filed_at", "-pk"]
        constraints = [models.UniqueConstraint(fields=["bill"], condition=Q(state__in=["filed", "confirmed"]),
                                               name="cargo_one_open_report_per_bill")]


class SignOff(models.Model):
    """Who signed what on a discrepancy report, and when (the evidence entry says the same)."""

    report = models.ForeignKey(DiscrepancyReport, on_delete=models.CASCADE, related_name="sign_offs")
    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    action = models.CharField(max_length=10, choices=ReportState.choices)
    actor = models.CharField(max_length=200)
    note = models.CharField(max_length=500, blank=True)
    at = models.DateTimeField()
    evidence_seq = models.BigIntegerField(null=True, blank=True)

    class Meta:
        ordering = ["report", "at", "pk"]


class Allocation(models.Model):
    """A declaration's claim on a bill: waiting for the bill, allocated, released or withdrawn.

    One per customs case (Taiwan: one declaration, one bill). ``bill_number`` is what the
    declaration cited; ``bill`` is set once the manifest carrying it is known.
    """

    class State(models.TextChoices):
        WAITING = "waiting", _("Waiting for the manifest")
        ALLOCATED = "allocated", _("Matched")
        RELEASED = "released", _("Released")
        WITHDRAWN = "withdrawn", _("Withdrawn")

    case_id = models.BigIntegerField(unique=True, help_text=_("The customs case."))
    office = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    declaration = models.CharField(max_length=35, help_text=_("Customs' declaration number."))
    ucr = models.CharField(max_length=35, blank=True)
    declarant = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    bill_number = models.CharField(max_length=35, db_index=True)
    bill = models.ForeignKey(Bill, on_delete=models.PROTECT, null=True, blank=True, related_name="allocations")
    packages = models.PositiveIntegerField()
    state = models.CharField(max_length=10, choices=State.choices)
    gated_out = models.PositiveIntegerField(default=0)
    released_at = models.DateTimeField(null=True, blank=True)
    notice_message_id = models.UUIDField(null=True, blank=True)
    notice_error = models.CharField(max_length=500, blank=True)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["-updated_at", "-pk"]
        constraints = [models.CheckConstraint(condition=Q(gated_out__lte=F("packages")),
                                              name="cargo_allocation_gated_within")]


class GateOut(models.Model):
    """Packages of a release that left the warehouse (出倉), confirmed by the warehouse."""

    allocation = models.ForeignKey(Allocation, on_delete=models.PROTECT, related_name="gate_outs")
    warehouse = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    packages = models.PositiveIntegerField()
    vehicle = models.CharField(max_length=35, blank=True)
    actor = models.CharField(max_length=200)
    at = models.DateTimeField()


class MatchingRule(models.Model):
    """Whether a customs office requires every import declaration to cite a manifest bill.

    Without a row, a declaration that cites a bill is still matched against it; one citing none
    passes (the office does not take manifests through the Single Window yet).
    """

    office = models.OneToOneField(Organisation, on_delete=models.CASCADE, related_name="+")
    require_bill = models.BooleanField(default=True)
