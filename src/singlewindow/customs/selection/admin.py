"""Back office for risk selection: rules, trader profiles, MRA partners and the settings row.

Edits are audited with old and new values (the registry's ``AuditedAdmin``); the audit also
clears the selection snapshot, so this process selects with a change at once and the others
within seconds. Model validation (``clean``) refuses a rule whose value does not fit its kind.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from singlewindow.customs.models import MraPartner, SelectionRule, SelectionSettings, TraderProfile
from singlewindow.registry.admin import AuditedAdmin


@admin.register(SelectionRule)
class SelectionRuleAdmin(AuditedAdmin):
    list_display = ("code", "kind", "value", "hs_scope", "channel", "weight", "valid_from", "valid_to", "is_active",
                    "reason_en", "reason_zh")
    list_filter = ("kind", "channel", "is_active", "is_sample")
    search_fields = ("code", "value", "reason_en", "reason_zh")
    fields = ("code", "kind", "value", "hs_scope", "first_declarations", "first_days", "channel", "weight",
              "reason_en", "reason_zh", "valid_from", "valid_to", "is_active", "is_sample", "created_at",
              "updated_at")
    readonly_fields = ("created_at", "updated_at")


@admin.register(TraderProfile)
class TraderProfileAdmin(AuditedAdmin):
    list_display = ("trader_id", "name", "country", "grade", "aeo_granted_by", "aeo_certificate", "valid_from",
                    "valid_to", "is_active")
    list_filter = ("grade", "aeo_granted_by", "is_active", "is_sample")
    search_fields = ("trader_id", "name", "aeo_certificate")
    fields = ("trader_id", "name", "country", "grade", "aeo_granted_by", "aeo_certificate", "valid_from", "valid_to",
              "is_active", "is_sample", "note", "updated_at")
    readonly_fields = ("updated_at",)


@admin.register(MraPartner)
class MraPartnerAdmin(AuditedAdmin):
    list_display = ("country", "name_en", "name_zh", "arrangement", "valid_from", "valid_to", "is_active",
                    "is_sample")
    list_filter = ("is_active", "is_sample")
    search_fields = ("country", "name_en", "name_zh")
    fields = ("country", "name_en", "name_zh", "arrangement", "valid_from", "valid_to", "is_active", "is_sample")


@admin.register(SelectionSettings)
class SelectionSettingsAdmin(AuditedAdmin):
    """One row: it can be changed, never added twice or deleted."""

    list_display = ("__str__", "random_c2_percent", "random_c3_percent", "threshold_c2", "threshold_c3",
                    "relief_rate_factor", "model_file", "updated_at")
    fields = ("random_c2_percent", "random_c3_percent", "threshold_c2", "threshold_c3", "relief_rate_factor",
              "relief_threshold_c2", "relief_threshold_c3", "low_grade_rate_factor", "model_file", "explain_top",
              "updated_at")
    readonly_fields = ("updated_at",)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return not SelectionSettings.objects.exists()

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
