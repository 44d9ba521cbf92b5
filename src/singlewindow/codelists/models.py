"""Code lists, their values, and the import/export regulation codes that route to agencies."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from singlewindow.registry.models import Organisation


class CodeList(models.Model):
    """One reference list. ``revision`` moves on every change, so caches know when to re-read."""

    name = models.SlugField(max_length=40, unique=True, help_text=_("Stable name, e.g. hs2022."))
    title_en = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=300, blank=True, help_text=_("Where the values come from."))
    version = models.CharField(max_length=100, blank=True)
    loaded_at = models.DateTimeField(null=True, blank=True)
    revision = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("code list")
        verbose_name_plural = _("code lists")

    def __str__(self) -> str:
        return self.name


class CodeValue(models.Model):
    """A code in a list, with its names, its parent (for hierarchies) and its validity."""

    code_list = models.ForeignKey(CodeList, on_delete=models.CASCADE, related_name="values")
    code = models.CharField(max_length=35)
    name_en = models.CharField(max_length=500)
    name_zh = models.CharField(max_length=500, blank=True)
    parent_code = models.CharField(max_length=35, blank=True,
                                   help_text=_("The code this one sits under, e.g. heading 8510 for 851090."))
    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["code_list", "code"]
        constraints = [
            models.UniqueConstraint(fields=["code_list", "code"], name="unique_code_per_list"),
            models.CheckConstraint(
                condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True)
                | Q(valid_to__gte=models.F("valid_from")),
                name="code_validity_in_order",
            ),
        ]
        verbose_name = _("code")
        verbose_name_plural = _("codes")

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("A code cannot stop being valid before it starts.")})


class Direction(models.TextChoices):
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")
    BOTH = "both", _("Import and export")


class PermitType(models.TextChoices):
    PERMIT = "permit", _("Import/export permit")
    INSPECTION = "inspection", _("Inspection")
    QUARANTINE = "quarantine", _("Quarantine")
    APPROVAL = "approval", _("Approval document")
    PROHIBITION = "prohibition", _("Prohibited")


class RegulationCode(models.Model):
    """An import/export regulation (輸出入規定) and the agency whose permit or check it needs.

    ``agency_code`` names the agency's organisation code even before that organisation is
    registered; ``agency`` is the resolved link, set when the organisation exists.
    """

    code = models.CharField(max_length=10, unique=True)
    name_en = models.CharField(max_length=500)
    name_zh = models.CharField(max_length=500)
    direction = models.CharField(max_length=10, choices=Direction.choices)
    permit_type = models.CharField(max_length=20, choices=PermitType.choices)
    agency_code = models.SlugField(max_length=40, blank=True, db_index=True,
                                   help_text=_("Organisation code of the responsible agency."))
    agency_name_en = models.CharField(max_length=200, blank=True)
    agency_name_zh = models.CharField(max_length=200, blank=True)
    agency = models.ForeignKey(Organisation, on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="regulation_codes")
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]
        verbose_name = _("import/export regulation")
        verbose_name_plural = _("import/export regulations")

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    def applies_to(self, direction: str) -> bool:
        return self.direction in (direction, Direction.BOTH)
