"""Back office for the tariff tables, on the registry's audited admin: every edit leaves old/new values.

Schedules come from imports (``singlewindow tariff import``), so they cannot be added here; their
lines and rates can be corrected. A rate's text is parsed again on every save, so its structure
never drifts from what the screen shows; a commodity tax rate must parse, since the assessment
computes with it. Regulation-code links are audited too (the generic audit sees plain fields only).
"""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib import admin
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from singlewindow.customs.models import (
    CommodityTaxRate,
    DutyRate,
    ExchangeRate,
    OriginGroup,
    TariffLine,
    TariffSchedule,
)
from singlewindow.customs.tariff.rates import parse_rate
from singlewindow.customs.tariff.services import fill_rate
from singlewindow.registry.admin import AuditedAdmin
from singlewindow.registry.services import record_audit


@admin.register(TariffSchedule)
class TariffScheduleAdmin(AuditedAdmin):
    list_display = ("name", "title_en", "title_zh", "line_count", "is_sample", "is_default", "mapping", "loaded_at")
    list_filter = ("is_sample", "is_default")
    search_fields = ("name", "title_en", "title_zh")
    fields = ("name", "title_en", "title_zh", "source", "mapping", "is_sample", "is_default", "line_count",
              "loaded_at")
    readonly_fields = ("name", "source", "mapping", "is_sample", "line_count", "loaded_at")

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False


class DutyRateForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = DutyRate
        fields = ("column", "origin_group", "label", "text")

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        text = cleaned.get("text")
        if text:
            fill_rate(self.instance, parse_rate(text))
            cleaned["text"] = self.instance.text
        return cleaned


class DutyRateInline(admin.TabularInline):  # type: ignore[type-arg]
    model = DutyRate
    form = DutyRateForm
    extra = 0
    fields = ("column", "origin_group", "label", "text", "kind", "problem")
    readonly_fields = ("kind", "problem")
    verbose_name = _("duty rate")


@admin.register(TariffLine)
class TariffLineAdmin(AuditedAdmin):
    list_display = ("code", "description_en", "description_zh", "schedule", "unit", "valid_from", "valid_to")
    list_filter = ("schedule",)
    search_fields = ("code", "description_en", "description_zh")
    list_select_related = ("schedule",)
    list_per_page = 100
    fields = ("schedule", "code", "hs6", "description_en", "description_zh", "unit", "valid_from", "valid_to",
              "regulation_codes", "attributes")
    readonly_fields = ("hs6",)
    filter_horizontal = ("regulation_codes",)
    inlines = (DutyRateInline,)

    def save_related(self, request: HttpRequest, form: Any, formsets: Any, change: bool) -> None:
        line = form.instance
        before = sorted(line.regulation_codes.values_list("code", flat=True)) if change else []
        super().save_related(request, form, formsets, change)
        after = sorted(line.regulation_codes.values_list("code", flat=True))
        if before != after:
            record_audit(actor_user=request.user, action="change", obj=line,
                         changes={"regulation_codes": {"old": before, "new": after}})


@admin.register(OriginGroup)
class OriginGroupAdmin(AuditedAdmin):
    list_display = ("code", "name_en", "name_zh", "countries", "valid_from", "valid_to", "is_sample")
    search_fields = ("code", "name_en", "name_zh")
    fields = ("code", "name_en", "name_zh", "countries", "valid_from", "valid_to", "is_sample")


class CommodityTaxForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = CommodityTaxRate
        fields = ("hs_prefix", "category_en", "category_zh", "text", "valid_from", "valid_to", "is_sample", "note")

    def clean_text(self) -> str:
        parsed = parse_rate(self.cleaned_data["text"])
        if not parsed.ok:
            raise forms.ValidationError(f"{parsed.problem} / {parsed.problem_zh}")
        self.instance.kind, self.instance.structured = str(parsed.kind), parsed.as_dict()
        return parsed.text


@admin.register(CommodityTaxRate)
class CommodityTaxRateAdmin(AuditedAdmin):
    form = CommodityTaxForm
    list_display = ("hs_prefix", "category_en", "category_zh", "text", "kind", "valid_from", "valid_to", "is_sample")
    list_filter = ("is_sample", "kind")
    search_fields = ("hs_prefix", "category_en", "category_zh")


@admin.register(ExchangeRate)
class ExchangeRateAdmin(AuditedAdmin):
    list_display = ("currency", "valid_from", "valid_to", "import_rate", "export_rate", "is_sample", "source")
    list_filter = ("currency", "is_sample")
    search_fields = ("currency",)
    date_hierarchy = "valid_from"
    fields = ("currency", "valid_from", "valid_to", "import_rate", "export_rate", "source", "is_sample")


# Risk-selection rules, trader profiles, MRA partners and settings (registered on import).
from singlewindow.customs.selection import admin as selection_admin  # noqa: E402, F401
