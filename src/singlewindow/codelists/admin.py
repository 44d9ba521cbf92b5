"""Back office for the code lists, on the registry's audited admin: every edit leaves old/new values.

Lists themselves come from their loaders (``singlewindow codelists load``), so they cannot be
added or deleted here; their codes can be corrected or retired (``valid_to``), and each edit
moves the list's revision so every process re-reads it.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.db.models import Count, QuerySet
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from singlewindow.codelists import services
from singlewindow.codelists.models import CodeList, CodeValue, RegulationCode
from singlewindow.datamodel.codelists import ListName
from singlewindow.registry.admin import AuditedAdmin, admin_actor


@admin.register(CodeList)
class CodeListAdmin(AuditedAdmin):
    list_display = ("name", "title_en", "title_zh", "version", "value_count", "loaded_at")
    search_fields = ("name", "title_en", "title_zh")
    fields = ("name", "title_en", "title_zh", "source", "version", "loaded_at", "revision")
    readonly_fields = ("name", "source", "version", "loaded_at", "revision")

    def get_queryset(self, request: HttpRequest) -> QuerySet[CodeList]:
        queryset: QuerySet[CodeList] = super().get_queryset(request)
        return queryset.annotate(value_count=Count("values"))

    @admin.display(description=_("Codes"), ordering="value_count")
    def value_count(self, obj: Any) -> int:
        return int(getattr(obj, "value_count", 0))

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False


@admin.register(CodeValue)
class CodeValueAdmin(AuditedAdmin):
    list_display = ("code", "name_en", "name_zh", "parent_code", "code_list", "valid_from", "valid_to")
    list_filter = ("code_list",)
    search_fields = ("code", "name_en", "name_zh")
    list_select_related = ("code_list",)
    list_per_page = 100
    fields = ("code_list", "code", "name_en", "name_zh", "parent_code", "valid_from", "valid_to", "attributes")

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.name == "code_list":
            kwargs["queryset"] = CodeList.objects.exclude(name=ListName.REGULATION)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        """The regulation list mirrors the regulation codes: edit those instead."""
        if obj is not None and obj.code_list.name == ListName.REGULATION:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        if obj is not None and obj.code_list.name == ListName.REGULATION:
            return False
        return super().has_delete_permission(request, obj)

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.code_values_edited(code_list_ids=[obj.code_list_id])

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        code_list_id = obj.code_list_id
        super().delete_model(request, obj)
        services.code_values_edited(code_list_ids=[code_list_id])

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        code_list_ids = set(queryset.values_list("code_list_id", flat=True))
        super().delete_queryset(request, queryset)
        services.code_values_edited(code_list_ids=code_list_ids)


@admin.register(RegulationCode)
class RegulationCodeAdmin(AuditedAdmin):
    list_display = ("code", "name_zh", "name_en", "direction", "permit_type", "agency_code", "agency", "is_active")
    list_filter = ("direction", "permit_type", "agency_code", "is_active")
    search_fields = ("code", "name_en", "name_zh", "agency_code")
    list_select_related = ("agency",)
    fields = ("code", "name_en", "name_zh", "direction", "permit_type", "agency_code", "agency_name_en",
              "agency_name_zh", "agency", "is_active")
    readonly_fields = ("agency",)  # follows agency_code: linked to the organisation with that code

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        super().save_model(request, obj, form, change)
        services.regulations_edited(actor=admin_actor(request))

    def delete_model(self, request: HttpRequest, obj: Any) -> None:
        super().delete_model(request, obj)
        services.regulations_edited(actor=admin_actor(request))

    def delete_queryset(self, request: HttpRequest, queryset: Any) -> None:
        super().delete_queryset(request, queryset)
        services.regulations_edited(actor=admin_actor(request))

