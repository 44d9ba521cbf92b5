"""Reads of the tariff tables (public reference data: nothing depends on who asks) and of declaration
cases (everything depends on who asks: an office sees its cases, a declarant its own).

The look-ups the assessment makes for every declaration (schedule, tariff line, origin groups,
exchange rate, commodity tax) are kept per process in the registry's cache: every change to these
tables goes through ``record_audit``, which calls ``cache.changed()``, so the writing process sees
it at once and other processes within the cache's check interval. What they return is shared
between callers: read it, never change it."""

from __future__ import annotations

from datetime import date, timedelta

from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from singlewindow.customs import lifecycle
from singlewindow.customs.models import (
    Case,
    CaseEvent,
    CommodityTaxRate,
    DutyRate,
    ExchangeRate,
    OriginGroup,
    TariffLine,
    TariffSchedule,
)
from singlewindow.registry.actors import Actor
from singlewindow.registry.cache import TTLCache
from singlewindow.registry.models import OrganisationRole


def _valid_on(day: date) -> Q:
    return (Q(valid_from__isnull=True) | Q(valid_from__lte=day)) & (Q(valid_to__isnull=True) | Q(valid_to__gte=day))


def schedules() -> QuerySet[TariffSchedule]:
    return TariffSchedule.objects.order_by("-is_default", "name")


_schedules: TTLCache[TariffSchedule | None] = TTLCache()
_lines: TTLCache[TariffLine | None] = TTLCache()
_groups: TTLCache[list[OriginGroup]] = TTLCache()
_rates: TTLCache[ExchangeRate | None] = TTLCache()
_taxes: TTLCache[CommodityTaxRate | None] = TTLCache()


def schedule_by_name(name: str | None) -> TariffSchedule | None:
    """The named schedule, or the default one when ``name`` is None."""
    if name is None:
        return _schedules.get(None, lambda: TariffSchedule.objects.filter(is_default=True).first())
    return _schedules.get(name, lambda: TariffSchedule.objects.filter(name=name).first())


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
    return _lines.get((schedule.pk, code, on), lambda: _with_rates(
        TariffLine.objects.filter(schedule=schedule, code=code).filter(_valid_on(on))).first())


def origin_groups_of(country: str, *, on: date) -> list[OriginGroup]:
    """The origin groups (valid on ``on``) that list ``country``; a small table, filtered in Python."""
    groups = _groups.get(on, lambda: list(OriginGroup.objects.filter(_valid_on(on))))
    return [group for group in groups if country in (group.countries or [])]


def exchange_rate(currency: str, *, on: date) -> ExchangeRate | None:
    return _rates.get((currency, on), lambda: (
        ExchangeRate.objects.filter(currency=currency).filter(_valid_on(on)).order_by("-valid_from").first()))


def commodity_tax(code: str, *, on: date) -> CommodityTaxRate | None:
    """The commodity tax rate with the longest HS prefix of ``code`` valid on ``on``, if any."""
    def load() -> CommodityTaxRate | None:
        prefixes = [code[:n] for n in range(2, len(code) + 1)]
        rows = CommodityTaxRate.objects.filter(hs_prefix__in=prefixes).filter(_valid_on(on))
        return max(rows, key=lambda row: len(row.hs_prefix), default=None)

    return _taxes.get((code, on), load)


# --- declaration cases: who sees what -----------------------------------------------------------


def is_customs_office(actor: Actor) -> bool:
    return actor.organisation is not None and OrganisationRole.CUSTOMS_OFFICE in actor.organisation.role_codes


def cases_visible_to(actor: Actor) -> QuerySet[Case]:
    """A customs office sees the cases it handles; a declarant the cases it declared; no one else any."""
    if actor.organisation is None:
        return Case.objects.none()
    if is_customs_office(actor):
        return Case.objects.filter(office=actor.organisation)
    return Case.objects.filter(declarant=actor.organisation)


def case_for(actor: Actor, case_id: int) -> Case | None:
    return cases_visible_to(actor).select_related("office", "declarant").filter(pk=case_id).first()


def case_for_officer(actor: Actor, case_id: int) -> Case | None:
    """The case, only when the actor's organisation is the customs office handling it."""
    return case_for(actor, case_id) if is_customs_office(actor) else None


def case_queue(actor: Actor, *, state: str | None = None, channel: str | None = None,
               older_than: timedelta | None = None, overdue: bool = False, open_only: bool = True) -> QuerySet[Case]:
    """The office's work list, oldest first: filter by state, channel, age; overdue steps first when asked."""
    cases = cases_visible_to(actor).select_related("office", "declarant")
    if open_only:
        cases = cases.exclude(state__in=lifecycle.FINAL)
    if state:
        cases = cases.filter(state=state)
    if channel:
        cases = cases.filter(channel=channel)
    if older_than is not None:
        cases = cases.filter(received_at__lte=timezone.now() - older_than)
    if overdue:
        cases = cases.filter(due_at__lt=timezone.now())
    return cases.order_by("due_at", "received_at")


def case_events(case: Case) -> QuerySet[CaseEvent]:
    return CaseEvent.objects.filter(case=case).order_by("at", "id")
