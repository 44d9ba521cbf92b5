"""Every write to the tariff tables: schedule imports, the demo sample, exchange and commodity tax rates.

An import replaces the schedule's lines in one transaction (delete, then bulk insert): run it
twice and the second run leaves the same lines; a file with any bad row writes nothing. Each
write records one audit entry with its counts.
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any, BinaryIO

from django.db import transaction
from django.utils import timezone

from singlewindow.codelists.models import CodeValue, RegulationCode
from singlewindow.codelists.selectors import code_lists
from singlewindow.customs.models import (
    CommodityTaxRate,
    DutyRate,
    ExchangeRate,
    OriginGroup,
    TariffLine,
    TariffSchedule,
)
from singlewindow.customs.tariff import sample
from singlewindow.customs.tariff.errors import Problem, TariffError, TariffErrorCode
from singlewindow.customs.tariff.mapping import Mapping
from singlewindow.customs.tariff.rates import ParsedRate, RateKind, parse_rate, summary_columns
from singlewindow.customs.tariff.reader import (
    MAX_BYTES,
    MAX_REPORTED,
    MAX_ROWS,
    LineRow,
    Progress,
    read_csv,
    read_source,
)
from singlewindow.datamodel.codelists import ListName
from singlewindow.registry.actors import Actor
from singlewindow.registry.services import record_audit

BATCH = 1_000


@dataclass(frozen=True)
class ImportSummary:
    """What an import did, for the command's last lines and the audit entry."""

    schedule: str
    lines: int
    rates: int
    parsed: int
    unparsed: int
    replaced: int
    regulation_links: int
    kinds: dict[str, int] = field(default_factory=dict)
    unparsed_forms: dict[str, int] = field(default_factory=dict)
    not_in_hs: int | None = None
    seconds: float = 0.0

    def as_changes(self) -> dict[str, object]:
        return {"lines": self.lines, "rates": self.rates, "parsed": self.parsed, "unparsed": self.unparsed,
                "replaced": self.replaced, "regulation_links": self.regulation_links, "not_in_hs": self.not_in_hs}


def fill_rate(rate: DutyRate, parsed: ParsedRate) -> DutyRate:
    """Set a rate row's text, kind, structure and summary columns from ``parsed`` (not saved)."""
    summary = summary_columns(parsed)
    rate.text, rate.kind, rate.structured = parsed.text[:300], str(parsed.kind), parsed.as_dict()
    rate.problem = parsed.problem[:200]
    rate.ad_valorem, rate.specific_amount = summary.ad_valorem, summary.specific_amount
    rate.specific_currency, rate.specific_per = summary.specific_currency, summary.specific_per
    rate.specific_unit = summary.specific_unit
    return rate


def duty_rate(line: TariffLine, *, column: str, origin_group: OriginGroup | None, label: str,
              parsed: ParsedRate) -> DutyRate:
    """An unsaved rate row for ``line`` filled from ``parsed``."""
    return fill_rate(DutyRate(line=line, column=column, origin_group=origin_group, label=label), parsed)


def _lookups(lines: list[LineRow]) -> tuple[dict[str, OriginGroup], dict[str, int]]:
    """The origin groups and regulation codes the rows name; unknown ones are row errors."""
    group_codes = {rate.origin_group for line in lines for rate in line.rates if rate.origin_group}
    groups = {group.code: group for group in OriginGroup.objects.filter(code__in=group_codes)}
    regulation_codes = {code for line in lines for code in line.regulations}
    regulations = dict(RegulationCode.objects.filter(code__in=regulation_codes).values_list("code", "pk"))
    problems = [Problem(f"origin group {code!r} is not defined", f"未定義原產地群組「{code}」")
                for code in sorted(group_codes - groups.keys())]
    total = len(problems)
    for line in lines:
        for code in line.regulations:
            if code not in regulations:
                total += 1
                if len(problems) < MAX_REPORTED:
                    problems.append(Problem(f"regulation code {code!r} is not in the regulation table",
                                            f"輸出入規定代號「{code}」不在規定表中", line.row))
    if problems:
        raise TariffError(TariffErrorCode.BAD_ROWS, problems, total=total)
    return groups, regulations


def _not_in_hs(lines: list[LineRow]) -> int | None:
    """Lines whose first six digits are no HS 2022 subheading (None when the HS list is not loaded)."""
    if not CodeValue.objects.filter(code_list__name=ListName.HS2022).exists():
        return None
    lookup = code_lists()
    return sum(1 for line in lines if not lookup.contains(ListName.HS2022, line.code[:6]))


def _replace_lines(schedule: TariffSchedule, lines: list[LineRow], *, progress: Progress | None) -> ImportSummary:
    started = time.perf_counter()
    groups, regulations = _lookups(lines)
    through = TariffLine.regulation_codes.through
    old_ids = list(schedule.lines.values_list("pk", flat=True))
    replaced = len(old_ids)
    for start in range(0, len(old_ids), BATCH):  # by id lists: a join in a DELETE plans badly on fresh tables
        ids = old_ids[start:start + BATCH]
        through.objects.filter(tariffline_id__in=ids).delete()
        DutyRate.objects.filter(line_id__in=ids).delete()
        TariffLine.objects.filter(pk__in=ids).delete()
    kinds: Counter[str] = Counter()
    problems: Counter[str] = Counter()
    rate_count = links = 0
    for start in range(0, len(lines), BATCH):
        chunk = lines[start:start + BATCH]
        rows = TariffLine.objects.bulk_create([
            TariffLine(schedule=schedule, code=line.code, hs6=line.code[:6], description_en=line.description_en,
                       description_zh=line.description_zh, unit=line.unit, valid_from=line.valid_from,
                       valid_to=line.valid_to, attributes=line.attributes)
            for line in chunk
        ])
        rates: list[DutyRate] = []
        linked: list[Any] = []
        for row, line in zip(rows, chunk, strict=True):
            for rate in line.rates:
                rates.append(duty_rate(row, column=rate.column, origin_group=groups.get(rate.origin_group),
                                       label=rate.label, parsed=rate.parsed))
                kinds[str(rate.parsed.kind)] += 1
                if not rate.parsed.ok:
                    problems[rate.parsed.problem] += 1
            linked.extend(through(tariffline_id=row.pk, regulationcode_id=regulations[code])
                          for code in line.regulations)
        DutyRate.objects.bulk_create(rates)
        through.objects.bulk_create(linked)
        rate_count += len(rates)
        links += len(linked)
        if progress is not None:
            progress("write", min(start + BATCH, len(lines)), len(lines))
    unparsed = kinds[RateKind.UNPARSED]
    return ImportSummary(
        schedule=schedule.name, lines=len(lines), rates=rate_count, parsed=rate_count - unparsed, unparsed=unparsed,
        replaced=replaced, regulation_links=links, kinds=dict(kinds), unparsed_forms=dict(problems.most_common()),
        not_in_hs=_not_in_hs(lines), seconds=time.perf_counter() - started,
    )


def _schedule(name: str, *, title_en: str, title_zh: str, source: str, mapping: str,
              is_sample: bool) -> TariffSchedule:
    schedule, _ = TariffSchedule.objects.get_or_create(name=name, defaults={"title_en": title_en or name})
    schedule = TariffSchedule.objects.select_for_update().get(pk=schedule.pk)
    schedule.title_en, schedule.title_zh = title_en or schedule.title_en, title_zh or schedule.title_zh
    schedule.source, schedule.mapping, schedule.is_sample = source, mapping, is_sample
    return schedule


def _finish(schedule: TariffSchedule, summary: ImportSummary, *, actor: Actor) -> None:
    schedule.loaded_at = timezone.now()
    schedule.line_count = summary.lines
    schedule.save()
    record_audit(actor_user=actor.user, action="import", obj=schedule, changes=summary.as_changes())


@transaction.atomic
def import_schedule(*, source: Path | BinaryIO, mapping: Mapping, actor: Actor, schedule: str | None = None,
                    progress: Progress | None = None, max_bytes: int = MAX_BYTES,
                    max_rows: int = MAX_ROWS) -> ImportSummary:
    """Load a tariff CSV through ``mapping`` into the named schedule, replacing its lines.

    The whole file is read and checked before the first write; any fault raises ``TariffError``
    and the transaction leaves the database as it was.
    """
    started = time.perf_counter()
    lines = read_csv(read_source(source, max_bytes=max_bytes), mapping, max_rows=max_rows, progress=progress)
    name = schedule or mapping.default_schedule or mapping.name
    row = _schedule(name, title_en=mapping.title_en, title_zh=mapping.title_zh, source=mapping.source,
                    mapping=mapping.name, is_sample=False)
    summary = _replace_lines(row, lines, progress=progress)
    summary = ImportSummary(**{**summary.__dict__, "seconds": time.perf_counter() - started})
    _finish(row, summary, actor=actor)
    return summary


@transaction.atomic
def set_default_schedule(*, name: str, actor: Actor) -> TariffSchedule:
    """Make ``name`` the schedule assessments use when none is named."""
    schedule = TariffSchedule.objects.select_for_update().filter(name=name).first()
    if schedule is None:
        raise TariffError(TariffErrorCode.UNKNOWN_SCHEDULE, [Problem(f"no schedule {name!r}", f"查無稅則表「{name}」")])
    if schedule.is_default:
        return schedule
    previous = list(TariffSchedule.objects.filter(is_default=True).values_list("name", flat=True))
    TariffSchedule.objects.filter(is_default=True).update(is_default=False)
    schedule.is_default = True
    schedule.save(update_fields=["is_default"])
    record_audit(actor_user=actor.user, action="set_default", obj=schedule,
                 changes={"is_default": {"old": previous, "new": name}})
    return schedule


def _upsert_origin_groups(groups: Iterable[sample.SampleGroup]) -> None:
    for group in groups:
        OriginGroup.objects.update_or_create(code=group.code, defaults={
            "name_en": group.name_en, "name_zh": group.name_zh, "countries": list(group.countries),
            "is_sample": True})


def _replace_sample_commodity_taxes() -> int:
    CommodityTaxRate.objects.filter(is_sample=True).delete()
    rows = []
    for tax in sample.COMMODITY_TAXES:
        parsed = parse_rate(tax.text)
        rows.append(CommodityTaxRate(hs_prefix=tax.hs_prefix, category_en=tax.category_en,
                                     category_zh=tax.category_zh, text=parsed.text, kind=parsed.kind,
                                     structured=parsed.as_dict(), valid_from=sample.VALID_FROM, is_sample=True,
                                     note="Sample figure for the demo; check the Commodity Tax Act."))
    CommodityTaxRate.objects.bulk_create(rows)
    return len(rows)


def _add_sample_exchange_rates() -> int:
    """Open-ended sample rates for currencies that have no rate yet (real rates are never overwritten)."""
    have = set(ExchangeRate.objects.values_list("currency", flat=True))
    rows = [ExchangeRate(currency=currency, valid_from=sample.EXCHANGE_VALID_FROM, import_rate=import_rate,
                         export_rate=export_rate, source="Sample figures for the demo", is_sample=True)
            for currency, import_rate, export_rate in sample.sample_exchange_rates() if currency not in have]
    ExchangeRate.objects.bulk_create(rows)
    return len(rows)


@transaction.atomic
def load_sample_schedule(*, actor: Actor, progress: Progress | None = None) -> ImportSummary:
    """The demo's sample tariff (see ``tariff.sample``): lines, origin groups, commodity tax, exchange rates.

    Needs the HS 2022 and regulation code lists loaded (``singlewindow codelists load``). The
    sample becomes the default schedule when no other is. Safe to run again.
    """
    subheadings = list(CodeValue.objects.filter(code_list__name=ListName.HS2022, attributes__level=6)
                       .values_list("code", "name_en"))
    if not subheadings or not RegulationCode.objects.exists():
        raise TariffError(TariffErrorCode.NO_CODE_LISTS, [Problem(
            "load the HS 2022 and regulation code lists first (singlewindow codelists load)",
            "請先載入 HS 2022 及輸出入規定代碼表（singlewindow codelists load）")])
    _upsert_origin_groups(sample.ORIGIN_GROUPS)
    known = set(RegulationCode.objects.values_list("code", flat=True))
    lines = [LineRow(**{**line.__dict__, "regulations": tuple(c for c in line.regulations if c in known)})
             for line in sample.sample_lines(subheadings)]
    schedule = _schedule(sample.SCHEDULE_NAME, title_en=sample.TITLE_EN, title_zh=sample.TITLE_ZH,
                         source=sample.SOURCE, mapping="sample", is_sample=True)
    summary = _replace_lines(schedule, lines, progress=progress)
    if not TariffSchedule.objects.filter(is_default=True).exclude(pk=schedule.pk).exists():
        schedule.is_default = True
    _finish(schedule, summary, actor=actor)
    taxes = _replace_sample_commodity_taxes()
    rates = _add_sample_exchange_rates()
    record_audit(actor_user=actor.user, action="load_sample", obj=schedule,
                 changes={"commodity_taxes": taxes, "exchange_rates": rates})
    return summary


@transaction.atomic
def record_exchange_rate(*, currency: str, valid_from: date, valid_to: date | None, import_rate: Decimal,
                         export_rate: Decimal | None = None, source: str = "", actor: Actor) -> ExchangeRate:
    """Add one published customs exchange rate; a period overlapping another for the currency is refused."""
    row = ExchangeRate(currency=currency.upper(), valid_from=valid_from, valid_to=valid_to, import_rate=import_rate,
                       export_rate=export_rate, source=source)
    row.full_clean()
    row.save()
    record_audit(actor_user=actor.user, action="create", obj=row, changes={
        "currency": row.currency, "valid_from": str(valid_from), "valid_to": str(valid_to) if valid_to else None,
        "import_rate": str(import_rate), "export_rate": str(export_rate) if export_rate is not None else None})
    return row
