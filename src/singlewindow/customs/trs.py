"""Time Release Study (WCO method): how long each step of clearance takes, per consignment, and the
mean, median and 90th percentile of each step by office, channel and period.

Milestones come from the case events (the first time a case reached each state); arrival comes
from the cargo side when a matcher records it (``arrived_at`` in a matched event's data) and is
otherwise unknown. Published figures are public: no trader or declaration is named.
"""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils.dateparse import parse_datetime

from singlewindow.customs.models.cases import Case, CaseEvent
from singlewindow.customs.models.cases import CaseState as S

TAIPEI = ZoneInfo("Asia/Taipei")
MAX_DAYS = 366


@dataclass(frozen=True)
class Interval:
    """One measured step: from the first milestone to the second."""

    code: str
    en: str
    zh: str
    start: str
    end: str


MILESTONES: tuple[tuple[str, str, str], ...] = (
    ("arrival", "Arrival of goods", "貨物抵達"),
    ("declaration", "Declaration received", "收單"),
    ("selection", "Selection", "分類通關"),
    ("documents", "Documents received", "文件補齊"),
    ("inspection", "Inspection done", "查驗完成"),
    ("payment", "Duties paid or secured", "稅費繳納或擔保"),
    ("release", "Release", "放行"),
)

INTERVALS: tuple[Interval, ...] = (
    Interval("arrival_to_release", "Arrival to release", "抵達至放行", "arrival", "release"),
    Interval("declaration_to_release", "Declaration to release", "收單至放行", "declaration", "release"),
    Interval("declaration_to_selection", "Declaration to selection", "收單至分類", "declaration", "selection"),
    Interval("selection_to_documents", "Selection to documents received", "分類至文件補齊", "selection", "documents"),
    Interval("selection_to_inspection", "Selection to inspection done", "分類至查驗完成", "selection", "inspection"),
    Interval("payment_to_release", "Payment to release", "繳稅至放行", "payment", "release"),
)

_STATE_MILESTONE: dict[str, str] = {
    S.RECEIVED: "declaration", S.SELECTED: "selection", S.DOCUMENTS_RECEIVED: "documents",
    S.INSPECTED: "inspection", S.PAID: "payment", S.GUARANTEED: "payment", S.RELEASED: "release",
}


@dataclass(frozen=True)
class Figure:
    """Durations of one interval over a group of consignments."""

    count: int
    mean: timedelta
    median: timedelta
    p90: timedelta


@dataclass(frozen=True)
class Row:
    office: str
    channel: str
    interval: Interval
    figure: Figure


@dataclass(frozen=True)
class Report:
    since: date
    until: date
    office: str | None
    channel: str | None
    released: int
    rows: tuple[Row, ...]

    def by_interval(self, code: str) -> list[Row]:
        return [row for row in self.rows if row.interval.code == code]


ArrivalSource = Callable[[list[int]], dict[int, datetime]]
ARRIVAL_SOURCES: list[ArrivalSource] = []
"""Give the arrival of cases' goods (the cargo app: its conveyance's actual arrival)."""


def register_arrival_source(source: ArrivalSource) -> None:
    if source not in ARRIVAL_SOURCES:
        ARRIVAL_SOURCES.append(source)


def milestones(events: Iterable[CaseEvent]) -> dict[str, datetime]:
    """The first time a case reached each milestone."""
    found: dict[str, datetime] = {}
    for event in sorted(events, key=lambda e: (e.at, e.pk or 0)):
        name = _STATE_MILESTONE.get(event.to_state)
        if name is not None and name not in found:
            found[name] = event.at
        arrived = (event.data or {}).get("arrived_at") if event.to_state == S.MATCHED else None
        if isinstance(arrived, str) and "arrival" not in found and (moment := parse_datetime(arrived)):
            found["arrival"] = moment
    return found


def percentile(sorted_values: list[float], share: float) -> float:
    """Nearest-rank percentile of an ascending list (the WCO guide reports it this way)."""
    rank = max(1, -(-len(sorted_values) * share // 1))
    return sorted_values[int(rank) - 1]


def _figure(seconds: list[float]) -> Figure:
    ordered = sorted(seconds)
    return Figure(count=len(ordered), mean=timedelta(seconds=statistics.fmean(ordered)),
                  median=timedelta(seconds=statistics.median(ordered)),
                  p90=timedelta(seconds=percentile(ordered, 0.9)))


class PeriodError(ValueError):
    """A period the report cannot cover; the message is bilingual."""


def time_release_report(*, since: date, until: date, office: str | None = None,
                        channel: str | None = None) -> Report:
    """Figures for consignments released between ``since`` and ``until`` (Taipei dates, inclusive),
    per office and channel and for all of them together (office and channel ``*``)."""
    if until < since:
        raise PeriodError("The period ends before it starts. / 期間結束日早於開始日。")
    if (until - since).days >= MAX_DAYS:
        raise PeriodError(f"A report covers at most {MAX_DAYS} days. / 報表期間最多 {MAX_DAYS} 天。")
    start = datetime.combine(since, time.min, TAIPEI)
    end = datetime.combine(until + timedelta(days=1), time.min, TAIPEI)
    released = CaseEvent.objects.filter(to_state=S.RELEASED, at__gte=start, at__lt=end)
    cases = Case.objects.filter(pk__in=released.values("case_id")).select_related("office")
    if office:
        cases = cases.filter(office__office_code=office)
    if channel:
        cases = cases.filter(channel=channel)
    events: dict[int, list[CaseEvent]] = defaultdict(list)
    for event in CaseEvent.objects.filter(case__in=cases).only("case_id", "at", "to_state", "data"):
        events[event.case_id].append(event)
    durations: dict[tuple[str, str, str], list[float]] = defaultdict(list)
    count = 0
    arrived: dict[int, datetime] = {}
    for source in ARRIVAL_SOURCES:
        arrived.update(source([case.pk for case in cases]))
    for case in cases:
        marks = milestones(events[case.pk])
        if "arrival" not in marks and case.pk in arrived:
            marks["arrival"] = arrived[case.pk]
        count += 1
        for interval in INTERVALS:
            if interval.start in marks and interval.end in marks:
                seconds = (marks[interval.end] - marks[interval.start]).total_seconds()
                for group in ((case.office.office_code or "", case.channel), ("*", case.channel), ("*", "*")):
                    durations[(*group, interval.code)].append(max(seconds, 0.0))
    by_code = {interval.code: interval for interval in INTERVALS}
    rows = tuple(Row(office=o, channel=c, interval=by_code[code], figure=_figure(values))
                 for (o, c, code), values in sorted(durations.items()))
    return Report(since=since, until=until, office=office, channel=channel, released=count, rows=rows)
