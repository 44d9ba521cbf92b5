"""Back office: exemptions are data an officer keeps (audited edits); permits and their ledger are
read-only here, because only the agency's decisions and customs' verifications may move them."""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from singlewindow.permits.models import Exemption, Permit, PermitLine, WriteOff
from singlewindow.registry.admin import AuditedAdmin, ReadOnlyAdmin


@admin.register(Exemption)
class ExemptionAdmin(AuditedAdmin):
    list_display = ("regulation", "max_cif_value_twd", "procedure_codes", "valid_from", "valid_to", "is_active",
                    "basis_en")
    list_filter = ("is_active",)
    search_fields = ("regulation__code", "basis_en", "basis_zh")
    list_select_related = ("regulation",)
    fields = ("regulation", "max_cif_value_twd", "procedure_codes", "valid_from", "valid_to", "basis_en",
              "basis_zh", "is_active")



class PermitLineInline(admin.TabularInline):  # type: ignore[type-arg]
    model = PermitLine
    fields = ("sequence", "hs_code", "description", "unit", "granted", "balance")
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(Permit)
class PermitAdmin(ReadOnlyAdmin):
    list_display = ("number", "agency", "permit_type", "regulation", "holder_business_id", "valid_to", "status")
    list_filter = ("status", "permit_type")
    search_fields = ("number", "holder_business_id", "holder_name")
    list_select_related = ("agency", "regulation")
    inlines = [PermitLineInline]


@admin.register(WriteOff)
class WriteOffAdmin(ReadOnlyAdmin):
    list_display = ("declaration_ref", "item_sequence", "permit", "quantity", "unit", "state", "office", "at")
    list_filter = ("state",)
    search_fields = ("declaration_ref", "permit__number")
    list_select_related = ("permit", "office")
