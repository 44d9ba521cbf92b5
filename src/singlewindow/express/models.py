"""State of the express platforms: the terminal's lanes and time slots, brokers' appointments
for bags, and anomalies posted on parcels with the brokers' corrections.

Bags and parcels are keyed by master AWB, bag number and house AWB (all normalised by
``express.awb``); the manifests themselves belong to another app and are not referenced.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from singlewindow.express import codes
from singlewindow.registry.models import Organisation

AWB_LENGTH = 12  # 160-12345675


class Lane(models.Model):
    """A clearance lane (通關線) of an express terminal."""

    terminal = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="express_lanes")
    code = models.CharField(max_length=10)
    name_en = models.CharField(max_length=100, blank=True)
    name_zh = models.CharField(max_length=100, blank=True)
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["terminal", "code"]
        constraints = [models.UniqueConstraint(fields=["terminal", "code"], name="express_unique_lane")]

    def __str__(self) -> str:
        return f"{self.terminal.code} {self.code}"


class Slot(models.Model):
    """A time slot a terminal opens for bookings; ``booked`` counts the places taken.

    ``booked`` only moves with conditional ``F()`` updates (``booked < capacity``), so two
    brokers racing for the last place cannot both get it.
    """

    terminal = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="express_slots")
    starts_at = models.DateTimeField()
    ends_at = models.DateTimeField()
    capacity = models.PositiveIntegerField()
    booked = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["terminal", "starts_at"]
        constraints = [
            models.UniqueConstraint(fields=["terminal", "starts_at"], name="express_unique_slot"),
            models.CheckConstraint(condition=Q(booked__lte=models.F("capacity")),
                                   name="express_slot_not_overbooked"),
            models.CheckConstraint(condition=Q(ends_at__gt=models.F("starts_at")),
                                   name="express_slot_ends_after_start"),
        ]

    def __str__(self) -> str:
        return f"{self.terminal.code} {self.starts_at:%Y-%m-%d %H:%M} {self.booked}/{self.capacity}"

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.booked)


class Appointment(models.Model):
    """A broker's booking to clear one bag at a terminal, and its progress through the lanes.

    Queue order (see ``selectors.QUEUE_ORDER``): slot start, then priority rank, then booking time.
    """

    terminal = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="express_appointments_in")
    broker = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="express_appointments")
    slot = models.ForeignKey(Slot, on_delete=models.PROTECT, related_name="appointments")
    slot_starts_at = models.DateTimeField(help_text="Copy of the slot's start, the queue's first key.")
    master_awb = models.CharField(max_length=AWB_LENGTH, db_index=True)
    bag_number = models.CharField(max_length=20)
    house_awbs = models.JSONField(default=list)
    parcel_count = models.PositiveIntegerField()
    priority = models.CharField(max_length=12, choices=codes.choices(codes.PRIORITY_LABELS),
                                default=codes.Priority.NORMAL.value)
    priority_rank = models.PositiveSmallIntegerField(default=codes.PRIORITY_RANK[codes.Priority.NORMAL])
    stage = models.CharField(max_length=12, choices=codes.choices(codes.STAGE_LABELS), default=codes.Stage.BOOKED.value)
    lane = models.ForeignKey(Lane, on_delete=models.PROTECT, null=True, blank=True, related_name="appointments")
    booked_at = models.DateTimeField()
    called_at = models.DateTimeField(null=True, blank=True)
    at_lane_at = models.DateTimeField(null=True, blank=True)
    inspecting_at = models.DateTimeField(null=True, blank=True)
    cleared_at = models.DateTimeField(null=True, blank=True, help_text="Clearance time (cleared or held).")
    done_at = models.DateTimeField(null=True, blank=True)
    cancelled_at = models.DateTimeField(null=True, blank=True)
    broker_reference = models.CharField(max_length=35, blank=True)
    ucr = models.CharField(max_length=35, blank=True,
                           help_text="The declaration's UCR when the broker names it; else the master AWB is used.")
    notes = models.TextField(blank=True, max_length=1000)
    version = models.PositiveIntegerField(default=1)
    updated_at = models.DateTimeField()

    class Meta:
        ordering = ["slot_starts_at", "priority_rank", "booked_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["terminal", "master_awb", "bag_number"],
                                    condition=~Q(stage=codes.Stage.CANCELLED.value),
                                    name="express_one_live_booking_per_bag"),
        ]
        indexes = [
            models.Index(fields=["terminal", "slot_starts_at", "priority_rank", "booked_at"], name="express_queue"),
            models.Index(fields=["broker", "-booked_at"], name="express_broker_recent"),
        ]

    def __str__(self) -> str:
        return f"{self.master_awb} bag {self.bag_number} ({self.stage})"

    @property
    def timeline_ucr(self) -> str:
        """The consignment whose timeline shows this bag's progress."""
        return self.ucr or self.master_awb


class Anomaly(models.Model):
    """A parcel that cannot clear, posted by the terminal for the broker to correct (異常貨物)."""

    terminal = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="express_anomalies_in")
    broker = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="express_anomalies")
    appointment = models.ForeignKey(Appointment, on_delete=models.SET_NULL, null=True, blank=True,
                                    related_name="anomalies")
    reference = models.CharField(max_length=20, unique=True)
    category = models.CharField(max_length=24, choices=codes.choices(codes.CATEGORY_LABELS))
    master_awb = models.CharField(max_length=AWB_LENGTH, db_index=True)
    house_awb = models.CharField(max_length=AWB_LENGTH, blank=True, db_index=True)
    bag_number = models.CharField(max_length=20, blank=True)
    pieces = models.PositiveIntegerField(default=1)
    location = models.CharField(max_length=60, blank=True)
    detected_at = models.DateTimeField()
    due_at = models.DateTimeField()
    status = models.CharField(max_length=20, choices=codes.choices(codes.ANOMALY_STATUS_LABELS),
                              default=codes.AnomalyStatus.OPEN.value)
    notes = models.TextField(blank=True, max_length=1000)
    opened_at = models.DateTimeField()
    correction_filed_at = models.DateTimeField(null=True, blank=True)
    returned_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    version = models.PositiveIntegerField(default=1)

    class Meta:
        ordering = ["-detected_at", "-id"]
        verbose_name_plural = "anomalies"
        indexes = [
            models.Index(fields=["terminal", "status", "due_at"], name="express_anomaly_terminal"),
            models.Index(fields=["broker", "status", "due_at"], name="express_anomaly_broker"),
        ]

    def __str__(self) -> str:
        return f"{self.reference} {self.category} ({self.status})"


class Correction(models.Model):
    """What the broker did about an anomaly, and the terminal's review of it."""

    class Decision(models.TextChoices):
        PENDING = "pending", "Pending 待審"
        ACCEPTED = "accepted", "Accepted 已接受"
        RETURNED = "returned", "Returned 已退回"

    anomaly = models.ForeignKey(Anomaly, on_delete=models.CASCADE, related_name="corrections")
    filed_by = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="+")
    filed_at = models.DateTimeField()
    action = models.TextField(max_length=2000)
    documents = models.JSONField(default=list, help_text="References of the documents filed with it.")
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.TextField(blank=True, max_length=1000)

    class Meta:
        ordering = ["filed_at", "id"]

    def __str__(self) -> str:
        return f"{self.anomaly.reference} correction {self.pk} ({self.decision})"
