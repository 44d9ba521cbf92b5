"""Back office: the express platforms' rows, read-only, because only the services may move them
(a slot's count, a booking's stage and an anomaly's status each come with an evidence entry)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from singlewindow.express.models import Anomaly, Appointment, Correction, Lane, Slot
from singlewindow.registry.admin import ReadOnlyAdmin


@admin.register(Lane)
class LaneAdmin(ReadOnlyAdmin):
    list_display = ("terminal", "code", "name_en", "name_zh", "is_active")
    list_select_related = ("terminal",)


@admin.register(Slot)
class SlotAdmin(ReadOnlyAdmin):
    list_display = ("terminal", "starts_at", "ends_at", "capacity", "booked")
    list_filter = ("terminal",)
    list_select_related = ("terminal",)
    date_hierarchy = "starts_at"


@admin.register(Appointment)
class AppointmentAdmin(ReadOnlyAdmin):
    list_display = ("master_awb", "bag_number", "terminal", "broker", "slot_starts_at", "priority", "stage", "lane",
                    "version")
    list_filter = ("stage", "priority", "terminal")
    search_fields = ("master_awb", "bag_number", "broker__code")
    list_select_related = ("terminal", "broker", "lane")


class CorrectionInline(admin.TabularInline):  # type: ignore[type-arg]
    model = Correction
    extra = 0
    can_delete = False
    readonly_fields = ("filed_by", "filed_at", "action", "documents", "decision", "decided_at", "decision_note")

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Anomaly)
class AnomalyAdmin(ReadOnlyAdmin):
    list_display = ("reference", "category", "master_awb", "house_awb", "terminal", "broker", "status",
                    "detected_at", "due_at", "closed_at")
    list_filter = ("status", "category", "terminal")
    search_fields = ("reference", "master_awb", "house_awb", "broker__code")
    list_select_related = ("terminal", "broker")
    inlines = [CorrectionInline]
