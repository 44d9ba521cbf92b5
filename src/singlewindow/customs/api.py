"""HTTP API of customs clearance: cases for the office and the declarant, officer actions, and the
time release study. Declarants act through messages (amendments, cancellations); officers' own
systems act here."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Router, Schema

from singlewindow.customs import lifecycle, selectors, services, trs
from singlewindow.customs.models import Case, CaseState
from singlewindow.customs.services import CaseError, RequestedDocument
from singlewindow.registry.actors import Actor
from singlewindow.registry.auth import API_AUTH, actor_of

router = Router(auth=API_AUTH, tags=["customs"])
public_router = Router(tags=["customs"])

MAX_AGE_HOURS = 24 * 366


class CaseNotFound(CaseError):
    def __init__(self) -> None:
        super().__init__("case.not_found", "No such case.", "查無此案件。")


class EventOut(Schema):
    at: datetime
    from_state: str
    to_state: str
    actor: str
    note: dict[str, str]
    data: dict[str, Any]


class CaseOut(Schema):
    id: int
    number: str
    reference: str
    ucr: str
    kind: str
    office: str
    declarant: str
    state: str
    state_title: dict[str, str]
    channel: str
    version: int
    amount_due: Decimal
    amount_paid: Decimal
    received_at: datetime
    due_at: datetime | None
    assessment: dict[str, Any]
    selection: dict[str, Any] | None = Field(None, description="Why this channel (customs only).")
    events: list[EventOut] | None = None


def _case_out(case: Case, actor: Actor, *, events: bool = False) -> CaseOut:
    en, zh = lifecycle.STATE_TITLES[case.state]
    officer = selectors.is_customs_office(actor)
    return CaseOut(
        id=case.pk, number=services.case_number(case), reference=case.reference, ucr=case.ucr, kind=case.kind,
        office=case.office.code, declarant=case.declarant.code, state=case.state,
        state_title={"en": en, "zh-Hant": zh}, channel=case.channel, version=case.version,
        amount_due=case.amount_due, amount_paid=case.amount_paid, received_at=case.received_at, due_at=case.due_at,
        assessment=case.assessment, selection=case.selection if officer else None,
        events=[EventOut(at=e.at, from_state=e.from_state, to_state=e.to_state, actor=e.actor if officer else "",
                         note={"en": e.note_en, "zh-Hant": e.note_zh}, data=e.data if officer else {})
                for e in selectors.case_events(case)] if events else None,
    )


@router.get("/cases", response=list[CaseOut], summary="Cases: an office's queue, or a declarant's own")
def list_cases(request: HttpRequest, state: str | None = None, channel: str | None = None,
               older_than_hours: int | None = None, overdue: bool = False, open_only: bool = True,
               limit: int = 100) -> list[CaseOut]:
    actor = actor_of(request)
    if state is not None and state not in CaseState.values:
        raise CaseError("case.bad_state", f"Unknown state {state!r}.", f"無此狀態 {state!r}。")
    older = timedelta(hours=min(max(older_than_hours, 0), MAX_AGE_HOURS)) if older_than_hours is not None else None
    cases = selectors.case_queue(actor, state=state, channel=channel, older_than=older, overdue=overdue,
                                 open_only=open_only)[:min(max(limit, 1), 500)]
    return [_case_out(case, actor) for case in cases]


@router.get("/cases/{case_id}", response=CaseOut, summary="One case with its history")
def get_case(request: HttpRequest, case_id: int) -> CaseOut:
    actor = actor_of(request)
    case = selectors.case_for(actor, case_id)
    if case is None:
        raise CaseNotFound()
    return _case_out(case, actor, events=True)


def _officer_case(request: HttpRequest, case_id: int) -> tuple[Actor, Case]:
    actor = actor_of(request)
    case = selectors.case_for_officer(actor, case_id)
    if case is None:
        raise CaseNotFound()
    return actor, case


class DocumentIn(Schema):
    type_code: str = Field(..., pattern=r"^[A-Z0-9]{1,3}$", description="UN/EDIFACT 1001 document type")
    en: str = Field(..., min_length=1, max_length=300)
    zh: str = Field("", max_length=300)


class DocumentsRequestIn(Schema):
    documents: list[DocumentIn] = Field(..., min_length=1, max_length=50)
    deadline: datetime | None = None


class AmountIn(Schema):
    amount_due: Decimal | None = Field(None, ge=0, max_digits=16, decimal_places=0)


class InspectionIn(AmountIn):
    findings_en: str = Field(..., min_length=1, max_length=2000)
    findings_zh: str = Field("", max_length=2000)
    discrepancy: bool = False


class PaymentIn(Schema):
    amount: Decimal = Field(..., gt=0, max_digits=16, decimal_places=0)
    reference: str = Field(..., min_length=1, max_length=64)
    guarantee: bool = False


class ReasonIn(Schema):
    en: str = Field(..., min_length=1, max_length=500)
    zh: str = Field("", max_length=500)


class RejectIn(Schema):
    reasons: list[ReasonIn] = Field(..., min_length=1, max_length=20)


def _refreshed(case: Case, actor: Actor) -> CaseOut:
    case.refresh_from_db()
    return _case_out(case, actor, events=True)


@router.post("/cases/{case_id}/documents-request", response=CaseOut, summary="One-time deficiency notice")
def request_documents(request: HttpRequest, case_id: int, body: DocumentsRequestIn) -> CaseOut:
    actor, case = _officer_case(request, case_id)
    services.request_documents(case, actor=actor, deadline=body.deadline, documents=[
        RequestedDocument(d.type_code, d.en, d.zh) for d in body.documents])
    return _refreshed(case, actor)


@router.post("/cases/{case_id}/documents-accept", response=CaseOut, summary="Documents in order")
def accept_documents(request: HttpRequest, case_id: int, body: AmountIn) -> CaseOut:
    actor, case = _officer_case(request, case_id)
    services.accept_documents(case, actor=actor, amount_due=body.amount_due)
    return _refreshed(case, actor)


@router.post("/cases/{case_id}/inspection", response=CaseOut, summary="Record inspection findings")
def record_inspection(request: HttpRequest, case_id: int, body: InspectionIn) -> CaseOut:
    actor, case = _officer_case(request, case_id)
    services.record_inspection(case, actor=actor, findings_en=body.findings_en, findings_zh=body.findings_zh,
                               discrepancy=body.discrepancy, amount_due=body.amount_due)
    return _refreshed(case, actor)


@router.post("/cases/{case_id}/payment", response=CaseOut, summary="Record a payment or a guarantee")
def record_payment(request: HttpRequest, case_id: int, body: PaymentIn) -> CaseOut:
    actor, case = _officer_case(request, case_id)
    services.record_payment(case, actor=actor, amount=body.amount, reference=body.reference,
                            guarantee=body.guarantee)
    return _refreshed(case, actor)


@router.post("/cases/{case_id}/reject", response=CaseOut, summary="Reject with reasons")
def reject(request: HttpRequest, case_id: int, body: RejectIn) -> CaseOut:
    actor, case = _officer_case(request, case_id)
    services.reject(case, actor=actor, reasons=[(r.en, r.zh) for r in body.reasons])
    return _refreshed(case, actor)


class FigureOut(Schema):
    office: str
    channel: str
    interval: str
    title: dict[str, str]
    count: int
    mean_seconds: float
    median_seconds: float
    p90_seconds: float


class TimeReleaseOut(Schema):
    since: date
    until: date
    released: int
    figures: list[FigureOut]


@public_router.get("/time-release", response=TimeReleaseOut, summary="Time release study (public)")
def time_release(request: HttpRequest, since: date | None = None, until: date | None = None,
                 office: str | None = None, channel: str | None = None) -> TimeReleaseOut:
    until = until or timezone.localdate()
    since = since or until - timedelta(days=30)
    try:
        report = trs.time_release_report(since=since, until=until, office=office, channel=channel)
    except trs.PeriodError as error:
        en, _, zh = str(error).partition(" / ")
        raise CaseError("trs.bad_period", en, zh or en) from None
    return TimeReleaseOut(since=report.since, until=report.until, released=report.released, figures=[
        FigureOut(office=r.office, channel=r.channel, interval=r.interval.code,
                  title={"en": r.interval.en, "zh-Hant": r.interval.zh}, count=r.figure.count,
                  mean_seconds=r.figure.mean.total_seconds(), median_seconds=r.figure.median.total_seconds(),
                  p90_seconds=r.figure.p90.total_seconds())
        for r in report.rows])
