"""Reads of the tariff tables. The tariff is public reference data: nothing here depends on who asks."""

from __future__ import annotations

from datetime import date

from django.db.models import Prefetch, Q, QuerySet

from singlewindow.customs.models import (
    CommodityTaxRate,
    DutyRate,
    ExchangeRate,
    OriginGroup,
    TariffLine,
    TariffSchedule,
)


def _valid_on(day: date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def schedules() -> QuerySet[TariffSchedule]:
    return TariffSchedule.objects.order_by("-is_default", "name")


def schedule_by_name(name: str | None) -> TariffSchedule | None:
    """The named schedule, or the default one when ``name`` is None."""
    if name is None:
        return TariffSchedule.objects.filter(is_default=True).first()
    return TariffSchedule.objects.filter(name=name).first()


def _with_rates(lines: QuerySet[TariffLine]) -> QuerySet[TariffLine]:
    return lines.select_related("schedule").prefetch_related(
        Prefetch("rates", queryset=DutyRate.objects.select_related("origin_group").order_by("column", "label")),
        "regulation_codes",
    )


def lines_for_code(code: str, *, schedule: TariffSchedule | None = None) -> QuerySet[TariffLine]:
    """Every line whose code starts with ``code`` (any validity), with rates and regulations, for screens."""
    lines = TariffLine.objects.filter(code__startswith=code)
    if schedule is not None:
        lines = lines.filter(schedule=schedule)
    return _with_rates(lines).order_by("schedule__name", "code", "valid_from")


def tariff_line(schedule: TariffSchedule, code: str, *, on: date) -> TariffLine | None:
    """The line for exactly ``code`` valid on ``on``, with its rates."""
    return _with_rates(TariffLine.objects.filter(schedule=schedule, code=code).filter(_valid_on(on))).first()


def origin_groups_of(country: str, *, on: date) -> list[OriginGroup]:
    """The origin groups (valid on ``on``) that list ``country``; a small table, filtered in Python."""
    return [group for group in OriginGroup.objects.filter(_valid_on(on)) if country in (group.countries or [])]


def exchange_rate(currency: str, *, on: date) -> ExchangeRate | None:
    return ExchangeRate.objects.filter(currency=currency).filter(_valid_on(on)).order_by("-valid_from").first()


def commodity_tax(code: str, *, on: date) -> CommodityTaxRate | None:
    """The commodity tax rate with the longest HS prefix of ``code`` valid on ``on``, if any."""
    prefixes = [code[:n] for n in range(2, len(code) + 1)]
    rows = CommodityTaxRate.objects.filter(hs_prefix__in=prefixes).filter(_valid_on(on))
    return max(rows, key=lambda row: len(row.hs_prefix), default=None)
