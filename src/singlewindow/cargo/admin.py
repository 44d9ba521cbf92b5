"""Back office views of the cargo register: read-only, since every change goes through a service
(and its evidence entry); the matching rule per office is the one setting kept here."""

from __future__ import annotations

from django.contrib import admin

from singlewindow.cargo.models import Bill, Conveyance, DiscrepancyReport, Manifest, ManifestVersion, MatchingRule
from singlewindow.registry.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Manifest)
class ManifestAdmin(ReadOnlyAdmin):
    list_display = ("reference", "carrier", "direction", "office", "conveyance_reference", "arrival_at", "version",
                    "cancelled")
    list_filter = ("direction", "cancelled")
    search_fields = ("reference", "conveyance_reference")


@admin.register(ManifestVersion)
class ManifestVersionAdmin(ReadOnlyAdmin):
    list_display = ("manifest", "number", "function_code", "source", "actor", "at", "change_count")


@admin.register(Bill)
class BillAdmin(ReadOnlyAdmin):
    list_display = ("number", "kind", "carrier", "manifest", "packages", "allocated", "released", "gated_out",
                    "warehouse")
    search_fields = ("number",)
    list_select_related = ("carrier", "manifest", "warehouse")


@admin.register(Conveyance)
class ConveyanceAdmin(ReadOnlyAdmin):
    list_display = ("reference", "carrier", "kind", "conveyance_reference", "port", "actual_at", "cancelled")


@admin.register(DiscrepancyReport)
class DiscrepancyReportAdmin(ReadOnlyAdmin):
    list_display = ("bill", "kind", "state", "warehouse", "manifest_packages", "found_packages", "filed_at")
    list_filter = ("state", "kind")


@admin.register(MatchingRule)
class MatchingRuleAdmin(AuditedAdmin):
    list_display = ("office", "require_bill")
