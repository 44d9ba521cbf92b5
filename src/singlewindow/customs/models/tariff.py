"""The national tariff and the tables the assessment reads: schedules, lines, duty rates, origin
groups for preferential rates, commodity tax rates and the customs exchange rates.

Rates are kept twice on purpose: the text as the tariff prints it (what an officer or a trader
checks against the gazette) and the structure the parser made of it (what the assessment
computes with). A rate the parser could not read keeps its text and its reason and is never
computed with.
"""

from __future__ import annotations

from datetime import date

from django.core.exceptions import ValidationError
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from singlewindow.codelists.models import RegulationCode
from singlewindow.customs.tariff.rates import KIND_LABELS

NATIONAL_CODE = RegexValidator(r"^(\d{8}|\d{10})$", _("A national tariff code has 8 or 10 digits."))
CURRENCY_CODE = RegexValidator(r"^[A-Z]{3}$", _("An ISO 4217 currency code has three capital letters."))
HS_PREFIX = RegexValidator(r"^\d{2,10}$", _("An HS prefix has 2 to 10 digits."))

RATE_KIND_CHOICES = [(str(kind), labels[0]) for kind, labels in KIND_LABELS.items()]


def _validity_in_order(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
        name=f"{prefix}_validity_in_order",
    )


class Validity(models.Model):
    """A date range, open at either end; both ends are inclusive."""

    valid_from = models.DateField(null=True, blank=True)
    valid_to = models.DateField(null=True, blank=True)

    class Meta:
        abstract = True

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to

    def clean(self) -> None:
        if self.valid_from and self.valid_to and self.valid_to < self.valid_from:
            raise ValidationError({"valid_to": _("The validity cannot end before it starts.")})


class TariffSchedule(models.Model):
    """One loaded tariff (a national schedule, a foreign one for reference, or the demo sample)."""

    name = models.SlugField(max_length=60, unique=True, help_text=_("Stable name, e.g. tw-2025 or uk-2021."))
    title_en = models.CharField(max_length=200)
    title_zh = models.CharField(max_length=200, blank=True)
    source = models.CharField(max_length=500, blank=True, help_text=_("Where the lines come from."))
    mapping = models.CharField(max_length=100, blank=True, help_text=_("Column mapping used for the last import."))
    is_sample = models.BooleanField(default=False, help_text=_("Sample data for demonstrations, not law."))
    is_default = models.BooleanField(default=False, help_text=_("The schedule assessments use unless told."))
    loaded_at = models.DateTimeField(null=True, blank=True)
    line_count = models.PositiveIntegerField(default=0, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True),
                                               name="one_default_tariff_schedule")]
        verbose_name = _("tariff schedule")
        verbose_name_plural = _("tariff schedules")

    def __str__(self) -> str:
        return f"{self.name}{' (sample)' if self.is_sample else ''}"


class TariffLine(Validity):
    """A national tariff line: an 8- or 10-digit code under an HS subheading, with its regulations."""

    schedule = models.ForeignKey(TariffSchedule, on_delete=models.CASCADE, related_name="lines")
    code = models.CharField(max_length=10, validators=[NATIONAL_CODE], db_index=True)
    hs6 = models.CharField(max_length=6, db_index=True, editable=False)
    description_en = models.TextField(blank=True)
    description_zh = models.TextField(blank=True)
    unit = models.CharField(max_length=3, blank=True, help_text=_("Statistical unit (UN/ECE Rec 20), e.g. KGM."))
    regulation_codes = models.ManyToManyField(RegulationCode, blank=True, related_name="tariff_lines")
    attributes = models.JSONField(default=dict, blank=True)

    class Meta:
        ordering = ["schedule", "code", "valid_from"]
        constraints = [_validity_in_order("tariff_line")]
        indexes = [models.Index(fields=["schedule", "code"], name="tariff_line_lookup")]
        verbose_name = _("tariff line")
        verbose_name_plural = _("tariff lines")

    def __str__(self) -> str:
        return f"{self.code} {self.description_en[:60]}"

    def save(self, *args: object, **kwargs: object) -> None:
        self.hs6 = self.code[:6]
        super().save(*args, **kwargs)  # type: ignore[arg-type]


class OriginGroup(Validity):
    """Countries whose goods get a preferential column (an agreement, or a group such as the LDCs)."""

    code = models.SlugField(max_length=40, unique=True)
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    countries = models.JSONField(default=list, blank=True, help_text=_('ISO 3166-1 alpha-2 codes, e.g. ["NZ"].'))
    is_sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["code"]
        constraints = [_validity_in_order("origin_group")]
        verbose_name = _("origin group")
        verbose_name_plural = _("origin groups")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        super().clean()
        if not isinstance(self.countries, list) or not all(
                isinstance(c, str) and len(c) == 2 and c.isalpha() and c.isupper() for c in self.countries):
            raise ValidationError({"countries": _("Give a list of two-letter country codes.")})


class DutyRate(models.Model):
    """The rate of one tariff line in one column, as printed and as parsed."""

    class Column(models.TextChoices):
        GENERAL = "general", _("General (column 1)")
        PREFERENTIAL = "preferential", _("Preferential (by origin group)")
        REFERENCE = "reference", _("Reference only (never applied)")

    line = models.ForeignKey(TariffLine, on_delete=models.CASCADE, related_name="rates")
    column = models.CharField(max_length=20, choices=Column.choices, default=Column.GENERAL)
    origin_group = models.ForeignKey(OriginGroup, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="rates")
    label = models.CharField(max_length=40, blank=True, help_text=_("Which source column, e.g. cet."))
    text = models.CharField(max_length=300, help_text=_("The rate as the tariff prints it."))
    kind = models.CharField(max_length=20, choices=RATE_KIND_CHOICES)
    structured = models.JSONField(default=dict, blank=True)
    problem = models.CharField(max_length=200, blank=True, help_text=_("Why the text could not be read."))
    ad_valorem = models.DecimalField(max_digits=9, decimal_places=4, null=True, blank=True,
                                     help_text=_("Per cent, when the rate has an ad valorem part."))
    specific_amount = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    specific_currency = models.CharField(max_length=3, blank=True)
    specific_per = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    specific_unit = models.CharField(max_length=3, blank=True)

    class Meta:
        ordering = ["line", "column", "label"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(column="preferential", origin_group__isnull=False)
                           | (~Q(column="preferential") & Q(origin_group__isnull=True))),
                name="preferential_rate_names_its_origin_group"),
            models.UniqueConstraint(fields=["line", "column", "origin_group", "label"], name="one_rate_per_column"),
        ]
        verbose_name = _("duty rate")
        verbose_name_plural = _("duty rates")

    def __str__(self) -> str:
        group = f" {self.origin_group}" if self.origin_group_id else ""
        return f"{self.column}{group}: {self.text}"

    def clean(self) -> None:
        if (self.column == self.Column.PREFERENTIAL) != (self.origin_group_id is not None):
            raise ValidationError({"origin_group": _("A preferential rate, and only it, names its origin group.")})


class CommodityTaxRate(Validity):
    """Commodity tax (貨物稅) on goods under an HS prefix; the longest matching prefix applies."""

    hs_prefix = models.CharField(max_length=10, validators=[HS_PREFIX], db_index=True)
    category_en = models.CharField(max_length=200)
    category_zh = models.CharField(max_length=200, blank=True)
    text = models.CharField(max_length=300, help_text=_("Rate in the duty-rate grammar, e.g. 15% or 320 TWD/1000 kg."))
    kind = models.CharField(max_length=20, choices=RATE_KIND_CHOICES, editable=False)
    structured = models.JSONField(default=dict, blank=True, editable=False)
    is_sample = models.BooleanField(default=True, help_text=_("Sample figures: check the Commodity Tax Act."))
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["hs_prefix", "valid_from"]
        constraints = [_validity_in_order("commodity_tax")]
        verbose_name = _("commodity tax rate")
        verbose_name_plural = _("commodity tax rates")

    def __str__(self) -> str:
        return f"{self.hs_prefix} {self.category_en}: {self.text}"


class ExchangeRate(Validity):
    """A customs exchange rate: TWD per unit of ``currency`` over a period (customs publishes ten-day rates)."""

    currency = models.CharField(max_length=3, validators=[CURRENCY_CODE])
    import_rate = models.DecimalField(max_digits=16, decimal_places=6, help_text=_("TWD per unit, for imports."))
    export_rate = models.DecimalField(max_digits=16, decimal_places=6, null=True, blank=True,
                                      help_text=_("TWD per unit, for exports."))
    source = models.CharField(max_length=300, blank=True)
    is_sample = models.BooleanField(default=False)

    class Meta:
        ordering = ["currency", "-valid_from"]
        constraints = [
            _validity_in_order("exchange_rate"),
            models.CheckConstraint(condition=Q(valid_from__isnull=False), name="exchange_rate_has_a_start"),
            models.CheckConstraint(condition=Q(import_rate__gt=0), name="exchange_rate_positive"),
            models.UniqueConstraint(fields=["currency", "valid_from"], name="one_exchange_rate_per_start"),
        ]
        verbose_name = _("customs exchange rate")
        verbose_name_plural = _("customs exchange rates")

    def __str__(self) -> str:
        return f"{self.currency} {self.import_rate} from {self.valid_from}"

    def clean(self) -> None:
        super().clean()
        if self.valid_from is None:
            raise ValidationError({"valid_from": _("An exchange rate needs the first day it applies.")})
        overlapping = ExchangeRate.objects.filter(currency=self.currency).exclude(pk=self.pk).filter(
            Q(valid_to__isnull=True) | Q(valid_to__gte=self.valid_from))
        if self.valid_to is not None:
            overlapping = overlapping.filter(valid_from__lte=self.valid_to)
        if overlapping.exists():
            raise ValidationError(_("Another rate for this currency covers part of this period."))
