"""Time release study: milestones from case events; mean, median and 90th percentile by group."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from singlewindow import testing
from singlewindow.customs import trs
from singlewindow.customs.models import Case, CaseEvent, CaseState

TAIPEI = ZoneInfo("Asia/Taipei")
DAY = datetime(2026, 3, 2, 9, 0, tzinfo=TAIPEI)


def make_case(world: testing.World, number: int, channel: str, steps: list[tuple[str, int]]) -> Case:
    """A case whose events happen ``minutes`` after 09:00 on 2 March 2026, as given."""
    import uuid

    office = world["customs"].organisation
    case = Case.objects.create(message_id=uuid.uuid4(), latest_message_id=uuid.uuid4(), office=office,
                               declarant=world["trader_a"].organisation, kind="import_declaration",
                               reference=f"T-{number}", state=steps[-1][0], channel=channel,
                               received_at=DAY, updated_at=DAY)
    previous = ""
    for state, minutes in steps:
        CaseEvent.objects.create(case=case, at=DAY + timedelta(minutes=minutes), from_state=previous, to_state=state,
                                 actor="test")
        previous = state
    return case


@pytest.fixture
def world(db: None) -> testing.World:
    return testing.build_world()


def test_figures_by_channel_and_overall(world: testing.World) -> None:
    S = CaseState
    for n, release in enumerate((10, 20, 30, 40, 100)):  # C1: released 10..100 minutes after receipt
        make_case(world, n, "C1", [(S.RECEIVED, 0), (S.SELECTED, 1), (S.AWAITING_PAYMENT, 2), (S.PAID, release - 1),
                                   (S.RELEASED, release)])
    make_case(world, 9, "C3", [(S.RECEIVED, 0), (S.SELECTED, 2), (S.INSPECTED, 240), (S.AWAITING_PAYMENT, 241),
                               (S.PAID, 300), (S.RELEASED, 301)])
    make_case(world, 10, "C2", [(S.RECEIVED, 0), (S.SELECTED, 1)])  # not released: not counted
    report = trs.time_release_report(since=date(2026, 3, 1), until=date(2026, 3, 31))
    assert report.released == 6
    def row(office: str, channel: str, code: str) -> trs.Row:
        return next(r for r in report.rows if (r.office, r.channel, r.interval.code) == (office, channel, code))

    c1 = row("*", "C1", "declaration_to_release")
    assert c1.figure.count == 5 and c1.figure.median == timedelta(minutes=30)
    assert c1.figure.mean == timedelta(minutes=40) and c1.figure.p90 == timedelta(minutes=100)
    overall = row("*", "*", "declaration_to_release")
    assert overall.figure.count == 6 and overall.figure.p90 == timedelta(minutes=301)
    inspection = report.by_interval("selection_to_inspection")
    minutes = timedelta(minutes=238)
    assert [(r.office, r.channel, r.figure.median) for r in inspection] == [
        ("*", "*", minutes), ("*", "C3", minutes), ("TWKEL", "C3", minutes)]
    assert not report.by_interval("arrival_to_release")  # no arrival known without the cargo matcher


def test_filters_and_a_period_outside_gives_nothing(world: testing.World) -> None:
    S = CaseState
    make_case(world, 1, "C1", [(S.RECEIVED, 0), (S.SELECTED, 1), (S.RELEASED, 5)])
    assert trs.time_release_report(since=date(2026, 3, 1), until=date(2026, 3, 31), channel="C2").released == 0
    assert trs.time_release_report(since=date(2026, 3, 1), until=date(2026, 3, 31), office="TWKHH").released == 0
    assert trs.time_release_report(since=date(2026, 4, 1), until=date(2026, 4, 30)).released == 0
    with pytest.raises(trs.PeriodError):
        trs.time_release_report(since=date(2026, 4, 1), until=date(2026, 3, 1))
    with pytest.raises(trs.PeriodError):
        trs.time_release_report(since=date(2024, 1, 1), until=date(2026, 1, 1))


def test_arrival_comes_from_the_matched_event() -> None:
    events = [CaseEvent(at=DAY, to_state=CaseState.RECEIVED),
              CaseEvent(at=DAY + timedelta(minutes=1), to_state=CaseState.MATCHED,
                        data={"arrived_at": "2026-03-01T22:00:00+08:00"}),
              CaseEvent(at=DAY + timedelta(minutes=9), to_state=CaseState.RELEASED)]
    marks = trs.milestones(events)
    assert marks["release"] - marks["arrival"] == timedelta(hours=11, minutes=9)
