"""Reads of the express platforms, with visibility in one place.

A broker sees its own appointments and the anomalies posted on its parcels; a terminal sees the
bookings and anomalies at itself; anybody may ask the progress of one bag by master AWB and bag
number, and gets only the non-sensitive part (stage, lane, times, no party names).

Queue rule (deterministic): slot start, then priority class (urgent medical, perishable,
normal), then booking time, then booking id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import F, Q, QuerySet
from django.utils import timezone

from singlewindow.express import codes
from singlewindow.express.awb import normalise_awb
from singlewindow.express.codes import AnomalyStatus, Stage
from singlewindow.express.errors import ExpressError
from singlewindow.express.models import Anomaly, Appointment, Lane, Slot
from singlewindow.express.services import BAG_NUMBER, TAIPEI
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation

QUEUE_ORDER = ("slot_starts_at", "priority_rank", "booked_at", "id")
LIST_LIMIT = 200


def _day_bounds(day: date) -> tuple[datetime, datetime]:
    start = datetime.combine(day, time(0), tzinfo=TAIPEI)
    return start, start + timedelta(days=1)


def today() -> date:
    return timezone.now().astimezone(TAIPEI).date()


def appointments_visible_to(actor: Actor) -> QuerySet[Appointment]:
    organisation = actor.organisation
    if organisation is None:
        return Appointment.objects.none()
    return (Appointment.objects.filter(Q(broker=organisation) | Q(terminal=organisation))
            .select_related("terminal", "broker", "lane").order_by(*QUEUE_ORDER))


def appointment_for(actor: Actor, appointment_id: int) -> Appointment | None:
    return appointments_visible_to(actor).filter(pk=appointment_id).first()


def broker_appointments(actor: Actor, *, include_closed: bool = False) -> QuerySet[Appointment]:
    """The broker's own bookings, newest slot last (the order the terminal serves them)."""
    organisation = actor.organisation
    if organisation is None:
        return Appointment.objects.none()
    found = Appointment.objects.filter(broker=organisation).select_related("terminal", "broker", "lane")
    if not include_closed:
        found = found.exclude(stage__in=(Stage.DONE, Stage.CANCELLED))
    return found.order_by(*QUEUE_ORDER)


def terminal_queue(actor: Actor, day: date, *, include_closed: bool = True) -> QuerySet[Appointment]:
    """The terminal's bookings for one Taipei day in queue order."""
    organisation = actor.organisation
    if organisation is None:
        return Appointment.objects.none()
    start, end = _day_bounds(day)
    found = Appointment.objects.filter(terminal=organisation, slot_starts_at__gte=start, slot_starts_at__lt=end)
    if not include_closed:
        found = found.exclude(stage__in=(Stage.DONE, Stage.CANCELLED))
    return found.select_related("terminal", "broker", "lane").order_by(*QUEUE_ORDER)


@dataclass(frozen=True)
class LaneQueue:
    lane: Lane | None
    appointments: list[Appointment]


def queue_by_lane(actor: Actor, day: date) -> list[LaneQueue]:
    """Today's queue grouped: bags not yet called first, then each lane's bags, in queue order."""
    organisation = actor.organisation
    if organisation is None:
        return []
    lanes = list(Lane.objects.filter(terminal=organisation, is_active=True).order_by("code"))
    rows = list(terminal_queue(actor, day, include_closed=False))
    waiting = LaneQueue(None, [a for a in rows if a.lane_id is None])
    return [waiting, *(LaneQueue(lane, [a for a in rows if a.lane_id == lane.pk]) for lane in lanes)]


def lanes_of(actor: Actor) -> list[Lane]:
    if actor.organisation is None:
        return []
    return list(Lane.objects.filter(terminal=actor.organisation, is_active=True).order_by("code"))


def terminals() -> list[Organisation]:
    return list(Organisation.objects.filter(is_active=True, roles__role="express_operator").order_by("code"))


def slots_for(terminal: Organisation, day: date, *, free_only: bool = False) -> QuerySet[Slot]:
    """A terminal's slots on one Taipei day (public: free places are no secret)."""
    start, end = _day_bounds(day)
    found = Slot.objects.filter(terminal=terminal, starts_at__gte=start, starts_at__lt=end,
                                ends_at__gt=timezone.now())
    if free_only:
        found = found.filter(booked__lt=F("capacity"))
    return found.order_by("starts_at")


def reschedule_choices(rows: list[Appointment]) -> dict[int, list[Slot]]:
    """For each booking still movable, the slots of its terminal on its day (one query per terminal-day)."""
    cache: dict[tuple[object, date], list[Slot]] = {}
    choices: dict[int, list[Slot]] = {}
    for appointment in rows:
        if appointment.stage not in codes.RESCHEDULABLE:
            continue
        key = (appointment.terminal_id, appointment.slot_starts_at.astimezone(TAIPEI).date())
        if key not in cache:
            cache[key] = list(slots_for(appointment.terminal, key[1]))
        choices[appointment.pk] = cache[key]
    return choices


# --- anomalies ----------------------------------------------------------------------------------


def anomalies_visible_to(actor: Actor) -> QuerySet[Anomaly]:
    organisation = actor.organisation
    if organisation is None:
        return Anomaly.objects.none()
    return (Anomaly.objects.filter(Q(broker=organisation) | Q(terminal=organisation))
            .select_related("terminal", "broker"))


def anomaly_for(actor: Actor, anomaly_id: int) -> Anomaly | None:
    return anomalies_visible_to(actor).filter(pk=anomaly_id).prefetch_related("corrections").first()


def anomaly_list(actor: Actor, *, status: str = "", overdue: bool = False,
                 now: datetime | None = None) -> QuerySet[Anomaly]:
    """Anomalies the actor may see, oldest first; ``overdue`` keeps those still waiting for the
    broker past their due time."""
    now = now or timezone.now()
    found = anomalies_visible_to(actor)
    if status == "active":
        found = found.exclude(status=AnomalyStatus.CLOSED)
    elif status:
        found = found.filter(status=status)
    if overdue:
        found = found.filter(status__in=codes.AWAITING_BROKER, due_at__lt=now)
    return found.order_by("detected_at", "id")


def is_overdue(anomaly: Anomaly, now: datetime) -> bool:
    return anomaly.status in codes.AWAITING_BROKER and anomaly.due_at < now


def age(anomaly: Anomaly, now: datetime) -> timedelta:
    """How long the anomaly has been (or was) open."""
    return (anomaly.closed_at or now) - anomaly.detected_at


# --- public progress ----------------------------------------------------------------------------


@dataclass(frozen=True)
class Progress:
    """What anybody may learn about a bag: no broker, no terminal staff notes, no parcels."""

    master_awb: str
    bag_number: str
    stage: str
    lane: str
    slot_starts_at: datetime
    called_at: datetime | None
    cleared_at: datetime | None
    done_at: datetime | None
    updated_at: datetime


def public_progress(master_awb: str, bag_number: str) -> list[Progress]:
    """Progress of a bag by master AWB and bag number (a malformed number raises ``ExpressError``)."""
    master = normalise_awb(master_awb)
    bag = bag_number.strip().upper()
    if not BAG_NUMBER.match(bag):
        raise ExpressError("express.bag_number", "A bag number is 1 to 20 letters, digits or hyphens.",
                           "袋號應為 1 至 20 個英數字或連字號。")
    rows = (Appointment.objects.filter(master_awb=master, bag_number=bag).select_related("lane")
            .order_by("-booked_at")[:5])
    return [Progress(master_awb=a.master_awb, bag_number=a.bag_number, stage=a.stage,
                     lane=a.lane.code if a.lane else "", slot_starts_at=a.slot_starts_at, called_at=a.called_at,
                     cleared_at=a.cleared_at, done_at=a.done_at, updated_at=a.updated_at) for a in rows]
