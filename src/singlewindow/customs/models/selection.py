"""Risk-selection data officers keep in the back office: trader profiles, MRA partners, rules, settings.

The selection engine (``singlewindow.customs.selection``) reads these tables as an in-memory
snapshot; it never queries them per declaration. Every row says why it exists in English and
Chinese, because each rule a declaration hits is shown to the officer (and on request to the
trader) in both languages.
"""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from singlewindow.customs.models.tariff import HS_PREFIX, Validity
from singlewindow.datamodel.identifiers import is_digits, is_valid_business_id

COUNTRY_CODE = RegexValidator(r"^[A-Z]{2}$", _("A country code has two capital letters (ISO 3166-1)."))
PARTY_ID = RegexValidator(r"^[A-Za-z0-9][A-Za-z0-9\-]{0,16}$",
                          _("A party identifier has 1 to 17 letters, digits or '-'."))
COUNTRY_PATTERN = re.compile(r"[A-Z]{2}")
HS_PATTERN = re.compile(r"\d{2,10}")
PARTY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9\-]{0,16}")


def _validity_in_order(prefix: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=Q(valid_from__isnull=True) | Q(valid_to__isnull=True) | Q(valid_to__gte=models.F("valid_from")),
        name=f"{prefix}_validity_in_order",
    )


def _both(en: str, zh: str) -> str:
    """A validation message in English and Chinese, as the back office shows them."""
    return f"{en} / {zh}"


def _business_id_fault(value: str) -> str:
    return _both(f"{value} fails the business ID check rule.", f"{value} 未通過統一編號檢查規則。")


def _check_business_id(value: str, field: str) -> None:
    if len(value) == 8 and is_digits(value) and not is_valid_business_id(value):
        raise ValidationError({field: _business_id_fault(value)})


class Channel(models.TextChoices):
    """The three lanes of Taiwan customs clearance."""

    C1 = "C1", _("C1: no documents, no inspection (免審免驗)")
    C2 = "C2", _("C2: document review (文件審核)")
    C3 = "C3", _("C3: physical inspection (貨物查驗)")


class TraderGrade(models.TextChoices):
    """A trader's standing with customs: the two AEO (優質企業) levels, ordinary and low grade."""

    AEO_SECURITY = "aeo_security", _("AEO, security certified (安全認證優質企業)")
    AEO_GENERAL = "aeo_general", _("AEO, general (一般優質企業)")
    ORDINARY = "ordinary", _("Ordinary trader (一般廠商)")
    LOW = "low", _("Low grade trader (低信用廠商)")


AEO_GRADES = frozenset({TraderGrade.AEO_SECURITY, TraderGrade.AEO_GENERAL})


class TraderProfile(Validity):
    """What customs knows of one trader: its grade and, for an AEO, who granted the status.

    A Taiwanese trader is named by its business ID (統一編號). A foreign AEO is named by the
    identifier its own customs gave it; its status counts only while that country is an active
    mutual recognition (MRA) partner.
    """

    trader_id = models.CharField(max_length=17, unique=True, validators=[PARTY_ID],
                                 help_text=_("Business ID (統一編號) or a foreign AEO's identifier."))
    name = models.CharField(max_length=200, blank=True)
    country = models.CharField(max_length=2, default="TW", validators=[COUNTRY_CODE])
    grade = models.CharField(max_length=20, choices=TraderGrade.choices, default=TraderGrade.ORDINARY)
    aeo_granted_by = models.CharField(
        max_length=2, blank=True, validators=[COUNTRY_CODE],
        help_text=_("For an AEO: the country whose customs granted it (TW, or an MRA partner)."))
    aeo_certificate = models.CharField(max_length=35, blank=True, help_text=_("AEO certificate number."))
    is_active = models.BooleanField(default=True)
    is_sample = models.BooleanField(default=False, help_text=_("Demonstration data, not a real trader."))
    note = models.CharField(max_length=300, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["trader_id"]
        constraints = [
            _validity_in_order("trader_profile"),
            models.CheckConstraint(
                condition=(Q(grade__in=sorted(AEO_GRADES)) & ~Q(aeo_granted_by=""))
                | (~Q(grade__in=sorted(AEO_GRADES)) & Q(aeo_granted_by="")),
                name="trader_profile_aeo_names_its_grantor"),
        ]
        verbose_name = _("trader profile")
        verbose_name_plural = _("trader profiles")

    def __str__(self) -> str:
        return f"{self.trader_id} {self.get_grade_display()}"

    @property
    def is_aeo(self) -> bool:
        return self.grade in AEO_GRADES

    def clean(self) -> None:
        super().clean()
        if self.country == "TW":
            _check_business_id(self.trader_id, "trader_id")
        if self.is_aeo and not self.aeo_granted_by:
            raise ValidationError({"aeo_granted_by": _both(
                "Say which customs granted the AEO status (TW or a partner).",
                "請填寫核發優質企業資格之海關（TW 或相互承認夥伴）。")})
        if not self.is_aeo and self.aeo_granted_by:
            raise ValidationError({"aeo_granted_by": _both(
                "Only an AEO names the customs that granted its status.", "僅優質企業填寫核發海關。")})


class MraPartner(Validity):
    """A country whose AEOs Taiwan recognises under a mutual recognition arrangement (AEO MRA)."""

    country = models.CharField(max_length=2, unique=True, validators=[COUNTRY_CODE])
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    arrangement = models.CharField(max_length=300, blank=True, help_text=_("The arrangement and when it was signed."))
    is_active = models.BooleanField(default=True)
    is_sample = models.BooleanField(default=False, help_text=_("Demonstration data: check the official list."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["country"]
        constraints = [_validity_in_order("mra_partner")]
        verbose_name = _("AEO MRA partner")
        verbose_name_plural = _("AEO MRA partners")

    def __str__(self) -> str:
        return f"{self.country} {self.name_en}"


class RuleKind(models.TextChoices):
    ORIGIN = "origin", _("Country of origin (原產地)")
    HS = "hs", _("HS chapter / heading / subheading (稅則)")
    BROKER = "broker", _("Customs broker (報關業者)")
    IMPORTER = "importer", _("Importer / exporter (進出口人)")
    WATCH_LIST = "watch_list", _("Watch list: any party (注意名單)")
    NEW_TRADER = "new_trader", _("New trader (新進廠商)")


PARTY_KINDS = frozenset({RuleKind.BROKER, RuleKind.IMPORTER, RuleKind.WATCH_LIST})


class SelectionRule(Validity):
    """One selection rule: what it matches, what it does (force a channel or add to the score), and why."""

    code = models.SlugField(max_length=60, unique=True, help_text=_("Stable name shown in explanations."))
    kind = models.CharField(max_length=20, choices=RuleKind.choices)
    value = models.CharField(
        max_length=17, blank=True,
        help_text=_("Origin: a country code. HS: 2 to 10 digits. Broker, importer, watch list: the party "
                    "identifier. New trader: leave empty."))
    hs_scope = models.CharField(
        max_length=10, blank=True, validators=[HS_PREFIX],
        help_text=_("Optional: only items under this HS prefix (origin and party rules)."))
    first_declarations = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("New trader: its first N declarations."))
    first_days = models.PositiveIntegerField(
        null=True, blank=True, help_text=_("New trader: within D days of its first declaration."))
    channel = models.CharField(
        max_length=2, blank=True, choices=[(Channel.C2, Channel.C2.label), (Channel.C3, Channel.C3.label)],
        help_text=_("The channel this rule forces; leave empty to add a weight instead."))
    weight = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0"),
        validators=[MinValueValidator(Decimal("-1")), MaxValueValidator(Decimal("1"))],
        help_text=_("Added to the risk score (0 to 1 scale) when the rule does not force a channel."))
    reason_en = models.CharField(max_length=300)
    reason_zh = models.CharField(max_length=300)
    is_active = models.BooleanField(default=True)
    is_sample = models.BooleanField(default=False, help_text=_("Demonstration rule."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["kind", "code"]
        constraints = [
            _validity_in_order("selection_rule"),
            models.CheckConstraint(
                condition=(~Q(channel="") & Q(weight=0)) | (Q(channel="") & ~Q(weight=0)),
                name="selection_rule_forces_or_weighs"),
            models.CheckConstraint(condition=Q(weight__gte=-1) & Q(weight__lte=1),
                                   name="selection_rule_weight_in_range"),
        ]
        indexes = [models.Index(fields=["kind", "value"], name="selection_rule_lookup")]
        verbose_name = _("selection rule")
        verbose_name_plural = _("selection rules")

    def __str__(self) -> str:
        return self.code

    def clean(self) -> None:
        super().clean()
        errors: dict[str, Any] = {}
        value = self.value.strip()
        if self.kind == RuleKind.ORIGIN and not COUNTRY_PATTERN.fullmatch(value):
            errors["value"] = _both("An origin rule names a two-letter country code, e.g. CN.",
                                    "原產地規則須填兩碼國家代碼，例如 CN。")
        elif self.kind == RuleKind.HS and not HS_PATTERN.fullmatch(value):
            errors["value"] = _both("An HS rule names 2 to 10 digits (chapter, heading, subheading or line).",
                                    "稅則規則須填 2 至 10 位數字（章、節、目或號列）。")
        elif self.kind in PARTY_KINDS:
            if not PARTY_PATTERN.fullmatch(value):
                errors["value"] = _both("Name the party identifier: 1 to 17 letters, digits or '-'.",
                                        "請填當事人識別碼：1 至 17 個英數字或「-」。")
            elif len(value) == 8 and is_digits(value) and not is_valid_business_id(value):
                errors["value"] = _business_id_fault(value)
        elif self.kind == RuleKind.NEW_TRADER:
            if value:
                errors["value"] = _both("A new-trader rule has no value.", "新進廠商規則不填值。")
            if self.first_declarations is None and self.first_days is None:
                errors["first_declarations"] = _both("Give the first N declarations, the first D days, or both.",
                                                     "請填前 N 份報單、前 D 日，或兩者。")
        if self.kind != RuleKind.NEW_TRADER and (self.first_declarations is not None or self.first_days is not None):
            errors["first_declarations"] = _both("Only a new-trader rule counts declarations or days.",
                                                 "僅新進廠商規則計算報單份數或日數。")
        if self.hs_scope and self.kind in (RuleKind.HS, RuleKind.NEW_TRADER):
            errors["hs_scope"] = _both("An HS scope narrows origin and party rules only.",
                                       "稅則範圍僅適用於原產地及當事人規則。")
        if bool(self.channel) == (self.weight != 0):
            errors["weight"] = _both("A rule either forces a channel or adds a non-zero weight, not both.",
                                     "規則須指定通關方式或加計非零權重，擇一。")
        if errors:
            raise ValidationError(errors)
        self.value = value


class SelectionSettings(models.Model):
    """The one row of selection settings: random sampling, score thresholds, relief, the model file."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    random_c2_percent = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("3"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Share of declarations sent to C2 at random, per cent."))
    random_c3_percent = models.DecimalField(
        max_digits=6, decimal_places=3, default=Decimal("1"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("100"))],
        help_text=_("Share of declarations sent to C3 at random, per cent."))
    threshold_c2 = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.6"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Risk score (learned score plus rule weights) from which a declaration goes to C2."))
    threshold_c3 = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.85"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("Risk score from which a declaration goes to C3."))
    relief_rate_factor = models.DecimalField(
        max_digits=4, decimal_places=3, default=Decimal("0.25"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("AEO relief: random sampling rates are multiplied by this."))
    relief_threshold_c2 = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.8"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("AEO relief: the C2 score threshold for an AEO's declaration."))
    relief_threshold_c3 = models.DecimalField(
        max_digits=5, decimal_places=4, default=Decimal("0.95"),
        validators=[MinValueValidator(Decimal("0")), MaxValueValidator(Decimal("1"))],
        help_text=_("AEO relief: the C3 score threshold for an AEO's declaration."))
    low_grade_rate_factor = models.DecimalField(
        max_digits=5, decimal_places=2, default=Decimal("3"),
        validators=[MinValueValidator(Decimal("1")), MaxValueValidator(Decimal("100"))],
        help_text=_("Low-grade traders: random sampling rates are multiplied by this."))
    model_file = models.CharField(
        max_length=500, blank=True,
        help_text=_("Learned risk model JSON, relative to the data directory (e.g. risk/korea-synthetic.json); "
                    "empty: rules and random sampling only."))
    explain_top = models.PositiveSmallIntegerField(
        default=3, validators=[MaxValueValidator(10)],
        help_text=_("How many learned-score features each C2/C3 explanation lists."))
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(condition=Q(id=1), name="selection_settings_single_row"),
            models.CheckConstraint(condition=Q(threshold_c2__lte=models.F("threshold_c3")),
                                   name="selection_thresholds_in_order"),
            models.CheckConstraint(condition=Q(relief_threshold_c2__lte=models.F("relief_threshold_c3")),
                                   name="selection_relief_thresholds_in_order"),
        ]
        verbose_name = _("selection settings")
        verbose_name_plural = _("selection settings")

    def __str__(self) -> str:
        return str(_("Selection settings"))

    def clean(self) -> None:
        errors: dict[str, Any] = {}
        if self.random_c2_percent + self.random_c3_percent > 100:
            errors["random_c3_percent"] = _both("The C2 and C3 sampling rates add up to more than 100%.",
                                                "C2 與 C3 抽核比例合計超過 100%。")
        below = _both("The C3 threshold cannot be below the C2 threshold.", "C3 門檻不得低於 C2 門檻。")
        if self.threshold_c2 > self.threshold_c3:
            errors["threshold_c3"] = below
        if self.relief_threshold_c2 > self.relief_threshold_c3:
            errors["relief_threshold_c3"] = below
        parts = self.model_file.replace("\\", "/").split("/")
        if self.model_file and (".." in parts or not parts[0] or ":" in parts[0]
                                or not self.model_file.endswith(".json")):
            errors["model_file"] = _both("Name a .json model file inside the data directory.",
                                         "請指定資料目錄內之 .json 模型檔。")
        if errors:
            raise ValidationError(errors)
