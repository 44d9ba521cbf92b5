"""API of the express platforms under /api/v1/express, for brokers' and terminals' systems.

Brokers book, reschedule and cancel clearance appointments for bags and file corrections to
anomalies; terminals open lanes and slots, move bags through the lanes and post anomalies and
review corrections. ``/progress`` answers anybody, without a token, with non-sensitive progress.
Writes that change a record already there take the ``version`` the caller last saw: a stale one
is refused with 409 (two clerks on one bag).
"""

from __future__ import annotations

from datetime import date, datetime, time
from typing import Annotated, Any

from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from singlewindow.express import selectors, services
from singlewindow.express.errors import not_found
from singlewindow.express.models import Anomaly, Appointment, Correction, Lane, Slot
from singlewindow.problems import ProblemOut
from singlewindow.registry.auth import API_AUTH, actor_of

router = Router(auth=API_AUTH, tags=["express"])

ERRORS: dict[int, Any] = {401: ProblemOut, 403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}
AWB = Field(min_length=11, max_length=20, description="3-digit prefix and 8-digit serial, e.g. 160-12345675.")
BAG = Field(min_length=1, max_length=20, description="The bag number on the bag's label.")
DocumentRef = Annotated[str, Field(min_length=1, max_length=70)]
AwbText = Annotated[str, Field(min_length=11, max_length=20)]


# --- schemas ------------------------------------------------------------------------------------


class LaneIn(Schema):
    code: str = Field(min_length=1, max_length=10)
    name_en: str = Field("", max_length=100)
    name_zh: str = Field("", max_length=100)


class LaneOut(Schema):
    code: str
    name_en: str
    name_zh: str


class SlotsIn(Schema):
    day: date = Field(description="Taipei calendar day.")
    start: time = Field(description="First slot's start, Taipei time.")
    end: time = Field(description="Last slot's end, Taipei time.")
    minutes: int = Field(30, ge=5, le=240)
    capacity: int = Field(ge=1, le=1000, description="Bags per slot.")


class SlotOut(Schema):
    starts_at: datetime
    ends_at: datetime
    capacity: int
    booked: int
    free: int


class BookIn(Schema):
    terminal: str = Field(min_length=1, max_length=40, description="The terminal's organisation code.")
    master_awb: str = AWB
    bag_number: str = BAG
    slot_starts_at: datetime = Field(description="Start of the wanted slot (with its offset).")
    house_awbs: list[AwbText] = Field(default_factory=list, max_length=services.MAX_HOUSE_AWBS)
    parcel_count: int | None = Field(None, ge=1, le=services.MAX_PARCELS)
    priority: str = Field("normal", max_length=12, description="medical, perishable or normal.")
    broker_reference: str = Field("", max_length=35)
    ucr: str = Field("", max_length=35, description="The declaration's UCR: the bag's progress joins its timeline.")
    notes: str = Field("", max_length=services.MAX_TEXT)


class RescheduleIn(Schema):
    slot_starts_at: datetime
    version: int | None = Field(None, ge=1)


class CancelIn(Schema):
    version: int | None = Field(None, ge=1)
    reason: str = Field("", max_length=services.MAX_TEXT)


class StageIn(Schema):
    stage: str = Field(max_length=12, description="called, at_lane, inspecting, cleared, held, done, cancelled.")
    lane: str = Field("", max_length=10)
    note: str = Field("", max_length=services.MAX_TEXT)
    version: int = Field(ge=1, description="The version last read; a stale one is refused with 409.")


class AppointmentOut(Schema):
    id: int
    terminal: str
    broker: str
    master_awb: str
    bag_number: str
    house_awbs: list[str]
    parcel_count: int
    priority: str
    stage: str
    lane: str
    slot_starts_at: datetime
    booked_at: datetime
    called_at: datetime | None
    at_lane_at: datetime | None
    inspecting_at: datetime | None
    cleared_at: datetime | None
    done_at: datetime | None
    cancelled_at: datetime | None
    broker_reference: str
    ucr: str
    notes: str
    version: int


class ProgressOut(Schema):
    master_awb: str
    bag_number: str
    stage: str
    lane: str
    slot_starts_at: datetime
    called_at: datetime | None
    cleared_at: datetime | None
    done_at: datetime | None
    updated_at: datetime


class ProgressQuery(Schema):
    master_awb: str = AWB
    bag: str = BAG


class AnomalyIn(Schema):
    master_awb: str = AWB
    house_awb: str = Field("", max_length=20)
    bag_number: str = Field("", max_length=20)
    category: str = Field(max_length=30)
    detected_at: datetime | None = None
    pieces: int = Field(1, ge=1, le=services.MAX_PARCELS)
    location: str = Field("", max_length=60)
    notes: str = Field("", max_length=services.MAX_TEXT)
    broker: str = Field("", max_length=40, description="The broker's code when no booking names it.")


class CorrectionIn(Schema):
    action: str = Field(min_length=1, max_length=2000)
    documents: list[DocumentRef] = Field(default_factory=list, max_length=services.MAX_DOCUMENTS)
    version: int | None = Field(None, ge=1)


class ReviewIn(Schema):
    decision: str = Field(max_length=10, description="accept or return.")
    note: str = Field("", max_length=services.MAX_TEXT)
    version: int | None = Field(None, ge=1)


class CorrectionOut(Schema):
    id: int
    filed_at: datetime
    action: str
    documents: list[str]
    decision: str
    decided_at: datetime | None
    decision_note: str


class AnomalyOut(Schema):
    id: int
    reference: str
    terminal: str
    broker: str
    category: str
    master_awb: str
    house_awb: str
    bag_number: str
    pieces: int
    location: str
    detected_at: datetime
    due_at: datetime
    status: str
    overdue: bool
    age_hours: float
    notes: str
    correction_filed_at: datetime | None
    returned_at: datetime | None
    closed_at: datetime | None
    version: int
    corrections: list[CorrectionOut]


class AnomalyFilter(Schema):
    status: str = Field("", max_length=20, description="open, correction_filed, returned, closed or active.")
    overdue: bool = False


def _appointment_out(a: Appointment) -> AppointmentOut:
    return AppointmentOut(
        id=a.pk, terminal=a.terminal.code, broker=a.broker.code, master_awb=a.master_awb, bag_number=a.bag_number,
        house_awbs=list(a.house_awbs), parcel_count=a.parcel_count, priority=a.priority, stage=a.stage,
        lane=a.lane.code if a.lane else "", slot_starts_at=a.slot_starts_at, booked_at=a.booked_at,
        called_at=a.called_at, at_lane_at=a.at_lane_at, inspecting_at=a.inspecting_at, cleared_at=a.cleared_at,
        done_at=a.done_at, cancelled_at=a.cancelled_at, broker_reference=a.broker_reference, ucr=a.ucr, notes=a.notes,
        version=a.version)


def _correction_out(c: Correction) -> CorrectionOut:
    return CorrectionOut(id=c.pk, filed_at=c.filed_at, action=c.action, documents=list(c.documents),
                         decision=c.decision, decided_at=c.decided_at, decision_note=c.decision_note)


def _anomaly_out(a: Anomaly, *, with_corrections: bool = True) -> AnomalyOut:
    now = timezone.now()
    return AnomalyOut(
        id=a.pk, reference=a.reference, terminal=a.terminal.code, broker=a.broker.code, category=a.category,
        master_awb=a.master_awb, house_awb=a.house_awb, bag_number=a.bag_number, pieces=a.pieces,
        location=a.location, detected_at=a.detected_at, due_at=a.due_at, status=a.status,
        overdue=selectors.is_overdue(a, now), age_hours=round(selectors.age(a, now).total_seconds() / 3600, 2),
        notes=a.notes, correction_filed_at=a.correction_filed_at, returned_at=a.returned_at, closed_at=a.closed_at,
        version=a.version,
        corrections=[_correction_out(c) for c in a.corrections.all()] if with_corrections else [])


def _slot_out(s: Slot) -> SlotOut:
    return SlotOut(starts_at=s.starts_at, ends_at=s.ends_at, capacity=s.capacity, booked=s.booked, free=s.free)


# --- terminal set-up ----------------------------------------------------------------------------


@router.post("/lanes", response={201: LaneOut, **ERRORS})
def add_lane(request: HttpRequest, body: LaneIn) -> Status[LaneOut]:
    lane: Lane = services.add_lane(code=body.code, name_en=body.name_en, name_zh=body.name_zh,
                                   actor=actor_of(request))
    return Status(201, LaneOut(code=lane.code, name_en=lane.name_en, name_zh=lane.name_zh))


@router.post("/slots", response={201: list[SlotOut], **ERRORS})
def open_slots(request: HttpRequest, body: SlotsIn) -> Status[list[SlotOut]]:
    slots = services.open_slots(day=body.day, start=body.start, end=body.end, minutes=body.minutes,
                                capacity=body.capacity, actor=actor_of(request))
    return Status(201, [_slot_out(s) for s in slots])


@router.get("/terminals/{terminal}/slots", response={200: list[SlotOut], **ERRORS})
def list_slots(request: HttpRequest, terminal: str, day: date | None = None,
               free_only: bool = False) -> list[SlotOut]:
    found = services.find_terminal(terminal)
    return [_slot_out(s) for s in selectors.slots_for(found, day or selectors.today(), free_only=free_only)]


# --- appointments -------------------------------------------------------------------------------


@router.post("/appointments", response={201: AppointmentOut, **ERRORS})
def book(request: HttpRequest, body: BookIn) -> Status[AppointmentOut]:
    appointment = services.book_appointment(
        terminal_code=body.terminal, master_awb=body.master_awb, bag_number=body.bag_number,
        slot_starts_at=body.slot_starts_at, house_awbs=body.house_awbs, parcel_count=body.parcel_count,
        priority=body.priority, broker_reference=body.broker_reference, ucr=body.ucr, notes=body.notes,
        actor=actor_of(request))
    return Status(201, _appointment_out(appointment))


@router.get("/appointments", response={200: list[AppointmentOut], **ERRORS})
def list_appointments(request: HttpRequest, day: date | None = None) -> list[AppointmentOut]:
    """The broker's live bookings, or (for a terminal) the day's queue in queue order."""
    actor = actor_of(request)
    if actor.organisation is not None and "express_operator" in services.role_codes(actor.organisation):
        rows = selectors.terminal_queue(actor, day or selectors.today())
    else:
        rows = selectors.broker_appointments(actor)
    return [_appointment_out(a) for a in rows[:selectors.LIST_LIMIT]]


@router.get("/appointments/{appointment_id}", response={200: AppointmentOut, **ERRORS})
def get_appointment(request: HttpRequest, appointment_id: int) -> AppointmentOut:
    appointment = selectors.appointment_for(actor_of(request), appointment_id)
    if appointment is None:
        raise not_found()
    return _appointment_out(appointment)


@router.post("/appointments/{appointment_id}/reschedule", response={200: AppointmentOut, **ERRORS})
def reschedule(request: HttpRequest, appointment_id: int, body: RescheduleIn) -> AppointmentOut:
    return _appointment_out(services.reschedule_appointment(
        appointment_id=appointment_id, slot_starts_at=body.slot_starts_at, version=body.version,
        actor=actor_of(request)))


@router.post("/appointments/{appointment_id}/cancel", response={200: AppointmentOut, **ERRORS})
def cancel(request: HttpRequest, appointment_id: int, body: CancelIn) -> AppointmentOut:
    return _appointment_out(services.cancel_appointment(
        appointment_id=appointment_id, version=body.version, reason=body.reason, actor=actor_of(request)))


@router.post("/appointments/{appointment_id}/stage", response={200: AppointmentOut, **ERRORS})
def move(request: HttpRequest, appointment_id: int, body: StageIn) -> AppointmentOut:
    return _appointment_out(services.advance_appointment(
        appointment_id=appointment_id, to=body.stage, lane_code=body.lane, note=body.note, version=body.version,
        actor=actor_of(request)))


@router.get("/progress", auth=None, response={200: list[ProgressOut], **ERRORS})
def progress(request: HttpRequest, query: Query[ProgressQuery]) -> list[ProgressOut]:
    """Anybody: where a bag is (stage, lane, times), without party names."""
    return [ProgressOut(**vars(p)) for p in selectors.public_progress(query.master_awb, query.bag)]


# --- anomalies ----------------------------------------------------------------------------------


@router.post("/anomalies", response={201: AnomalyOut, **ERRORS})
def record_anomaly(request: HttpRequest, body: AnomalyIn) -> Status[AnomalyOut]:
    anomaly = services.record_anomaly(
        master_awb=body.master_awb, house_awb=body.house_awb, bag_number=body.bag_number, category=body.category,
        detected_at=body.detected_at, pieces=body.pieces, location=body.location, notes=body.notes,
        broker_code=body.broker, actor=actor_of(request))
    return Status(201, _anomaly_out(anomaly, with_corrections=False))


@router.get("/anomalies", response={200: list[AnomalyOut], **ERRORS})
def list_anomalies(request: HttpRequest, filters: Query[AnomalyFilter]) -> list[AnomalyOut]:
    rows = selectors.anomaly_list(actor_of(request), status=filters.status, overdue=filters.overdue)
    return [_anomaly_out(a) for a in rows.prefetch_related("corrections")[:selectors.LIST_LIMIT]]


@router.get("/anomalies/{anomaly_id}", response={200: AnomalyOut, **ERRORS})
def get_anomaly(request: HttpRequest, anomaly_id: int) -> AnomalyOut:
    anomaly = selectors.anomaly_for(actor_of(request), anomaly_id)
    if anomaly is None:
        raise not_found("anomaly", "異常紀錄")
    return _anomaly_out(anomaly)


@router.post("/anomalies/{anomaly_id}/corrections", response={201: AnomalyOut, **ERRORS})
def file_correction(request: HttpRequest, anomaly_id: int, body: CorrectionIn) -> Status[AnomalyOut]:
    actor = actor_of(request)
    services.file_correction(anomaly_id=anomaly_id, action=body.action, documents=body.documents,
                             version=body.version, actor=actor)
    return Status(201, get_anomaly(request, anomaly_id))


@router.post("/anomalies/{anomaly_id}/review", response={200: AnomalyOut, **ERRORS})
def review(request: HttpRequest, anomaly_id: int, body: ReviewIn) -> AnomalyOut:
    services.review_correction(anomaly_id=anomaly_id, decision=body.decision, note=body.note, version=body.version,
                               actor=actor_of(request))
    return get_anomaly(request, anomaly_id)
