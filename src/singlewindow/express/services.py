"""Writes of the express platforms: the terminal's lanes and slots, brokers' bookings and the
terminal's progress updates, anomalies and their corrections.

Every service checks who acts, changes its rows and records one evidence entry (and a timeline
line on the consignment whose UCR is the master AWB, when the exchange knows it) in the same
transaction. A refusal raises ``ExpressError`` and changes nothing.

Concurrency: a slot's places move only by conditional updates (``booked < capacity``), so the last
place goes to exactly one of the brokers racing for it; an appointment or anomaly is changed under
its row lock and only when the caller's ``version`` is still current (a second clerk working from
the same screen gets a conflict, not a silent overwrite).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from singlewindow.datamodel.identifiers import is_valid_ucr
from singlewindow.exchange import intake
from singlewindow.exchange.services import StateChange, record_state_change, record_state_changes
from singlewindow.express import codes
from singlewindow.express.awb import normalise_awb
from singlewindow.express.codes import AnomalyStatus, Stage
from singlewindow.express.errors import ExpressError, conflict, forbidden, invalid, not_found, stale
from singlewindow.express.models import Anomaly, Appointment, Correction, Lane, Slot
from singlewindow.registry import cache
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole

TAIPEI = ZoneInfo("Asia/Taipei")
BAG_NUMBER = re.compile(r"^[A-Z0-9][A-Z0-9\-]{0,19}\Z")
LANE_CODE = re.compile(r"^[A-Z0-9][A-Z0-9\-]{0,9}\Z")
MAX_HOUSE_AWBS = 500
MAX_PARCELS = 5000
MAX_DOCUMENTS = 20
MAX_TEXT = 1000
BROKER_ROLES = frozenset({OrganisationRole.CUSTOMS_BROKER, OrganisationRole.TRADER})
CLOCK_SKEW = timedelta(minutes=5)


# --- who acts -----------------------------------------------------------------------------------

# Roles, terminals and lanes change rarely and are read on every booking and move: each process
# keeps them for the registry cache's few seconds (a write here clears them, as registry writes do).
_roles: cache.TTLCache[frozenset[str]] = cache.TTLCache()
_terminals: cache.TTLCache[Organisation | None] = cache.TTLCache()
_lanes: cache.TTLCache[dict[str, Lane]] = cache.TTLCache()


def role_codes(organisation: Organisation) -> frozenset[str]:
    return _roles.get(("express-roles", organisation.pk), lambda: organisation.role_codes)


def broker_of(actor: Actor) -> Organisation:
    """A customs broker, or a trader clearing its own parcels."""
    organisation = actor.organisation
    if organisation is None or not (role_codes(organisation) & BROKER_ROLES):
        raise forbidden("Only a customs broker or a trader may book or correct.", "僅報關業者或貨主得預約或補正。")
    return organisation


def terminal_of(actor: Actor) -> Organisation:
    organisation = actor.organisation
    if organisation is None or OrganisationRole.EXPRESS_OPERATOR not in role_codes(organisation):
        raise forbidden("Only an express terminal may do this.", "僅快遞專區業者得執行此作業。")
    return organisation


def find_terminal(code: str) -> Organisation:
    terminal = _terminals.get(("express-terminal", code[:40]), lambda: Organisation.objects.filter(
        code=code[:40], is_active=True, roles__role=OrganisationRole.EXPRESS_OPERATOR).first())
    if terminal is None:
        raise invalid("unknown_terminal", "No express terminal with this code.", "查無此快遞專區代碼。", code[:40])
    return terminal


# --- input checks -------------------------------------------------------------------------------


def _text(value: str, field: str, limit: int = MAX_TEXT) -> str:
    value = value.strip()
    if len(value) > limit:
        raise invalid("too_long", f"{field} is longer than {limit} characters.", f"{field} 超過 {limit} 字元。")
    return value


def _bag(value: str) -> str:
    bag = value.strip().upper()
    if not BAG_NUMBER.match(bag):
        raise invalid("bag_number", "A bag number is 1 to 20 letters, digits or hyphens.",
                      "袋號應為 1 至 20 個英數字或連字號。", value[:40])
    return bag


def _houses(values: Sequence[str]) -> list[str]:
    if len(values) > MAX_HOUSE_AWBS:
        raise invalid("too_many_houses", f"At most {MAX_HOUSE_AWBS} house AWBs per bag.",
                      f"每袋最多 {MAX_HOUSE_AWBS} 筆分提單。")
    houses = [normalise_awb(value, field=f"house_awbs[{n}]") for n, value in enumerate(values)]
    if len(set(houses)) != len(houses):
        raise invalid("duplicate_house", "A house AWB is listed twice.", "分提單號碼重複。")
    return houses


def _parcels(houses: list[str], parcel_count: int | None) -> int:
    if not houses and not parcel_count:
        raise invalid("no_parcels", "Name the house AWBs or give the parcel count.", "請列出分提單號碼或填寫件數。")
    if parcel_count is not None and not 0 < parcel_count <= MAX_PARCELS:
        raise invalid("parcel_count", f"The parcel count must be between 1 and {MAX_PARCELS}.",
                      f"件數應介於 1 至 {MAX_PARCELS}。")
    if houses and parcel_count is not None and parcel_count != len(houses):
        raise invalid("parcel_count_mismatch", "The parcel count differs from the number of house AWBs listed.",
                      "件數與所列分提單筆數不符。")
    return parcel_count or len(houses)


def _priority(value: str) -> codes.Priority:
    try:
        return codes.Priority(value)
    except ValueError:
        raise invalid("priority", "Priority is medical, perishable or normal.",
                      "優先類別應為 medical、perishable 或 normal。", value[:20]) from None


# --- lanes and slots ----------------------------------------------------------------------------


@transaction.atomic
def add_lane(*, code: str, name_en: str = "", name_zh: str = "", actor: Actor) -> Lane:
    """The terminal opens a clearance lane (idempotent: an existing lane is re-activated)."""
    terminal = terminal_of(actor)
    code = code.strip().upper()
    if not LANE_CODE.match(code):
        raise invalid("lane_code", "A lane code is 1 to 10 letters, digits or hyphens.",
                      "通關線代碼應為 1 至 10 個英數字。")
    lane, created = Lane.objects.get_or_create(terminal=terminal, code=code,
                                               defaults={"name_en": name_en, "name_zh": name_zh})
    cache.changed()
    if not created and lane.is_active:
        return lane
    if not created:
        lane.is_active = True
        lane.save(update_fields=["is_active"])
    record_state_change(organisation=terminal, kind="express.lane.opened", fields={"lane": code}, ucr=None,
                        title_en=f"Lane {code} opened", title_zh=f"通關線 {code} 開放")
    return lane


@transaction.atomic
def open_slots(*, day: date, start: time, end: time, minutes: int, capacity: int, actor: Actor) -> list[Slot]:
    """The terminal opens bookable slots for a day (Taipei time). Existing slots keep their bookings;
    their capacity moves to the new figure but never below what is already booked."""
    terminal = terminal_of(actor)
    if not 5 <= minutes <= 240 or not 1 <= capacity <= 1000:
        raise invalid("slot_shape", "Slots last 5 to 240 minutes and take 1 to 1000 bags.",
                      "時段長度應為 5 至 240 分鐘，容量 1 至 1000 袋。")
    first = datetime.combine(day, start, tzinfo=TAIPEI)
    last = datetime.combine(day, end, tzinfo=TAIPEI)
    if last <= first or (last - first) > timedelta(days=1):
        raise invalid("slot_window", "The end of the day's slots must come after their start.", "時段結束應晚於開始。")
    step = timedelta(minutes=minutes)
    starts = []
    at = first
    while at + step <= last:
        starts.append(at)
        at += step
    existing = {s.starts_at: s for s in Slot.objects.select_for_update().filter(terminal=terminal,
                                                                               starts_at__in=starts)}
    new = [Slot(terminal=terminal, starts_at=s, ends_at=s + step, capacity=capacity) for s in starts
           if s not in existing]
    Slot.objects.bulk_create(new)
    for slot in existing.values():
        if slot.capacity != max(capacity, slot.booked):
            slot.capacity = max(capacity, slot.booked)
            slot.save(update_fields=["capacity"])
    record_state_change(organisation=terminal, kind="express.slots.opened", fields={
        "day": day.isoformat(), "slots": len(starts), "new": len(new), "capacity": capacity, "minutes": minutes,
    }, ucr=None, title_en=f"{len(starts)} slots opened for {day}", title_zh=f"開放 {day} 預約時段 {len(starts)} 個")
    return list(Slot.objects.filter(terminal=terminal, starts_at__in=starts).order_by("starts_at"))


def next_free_slot(terminal: Organisation, after: datetime, *, now: datetime | None = None) -> Slot | None:
    """The first slot starting after ``after`` that still has a place and has not ended."""
    now = now or timezone.now()
    return (Slot.objects.filter(terminal=terminal, starts_at__gt=after, ends_at__gt=now, booked__lt=F("capacity"))
            .order_by("starts_at").first())


def _slot_full(terminal: Organisation, slot: Slot) -> ExpressError:
    following = next_free_slot(terminal, slot.starts_at)
    when = following.starts_at.astimezone(TAIPEI).strftime("%Y-%m-%d %H:%M") if following else None
    en = f"The slot at {slot.starts_at.astimezone(TAIPEI):%H:%M} is full."
    zh = f"{slot.starts_at.astimezone(TAIPEI):%H:%M} 時段已額滿。"
    en += f" The next free slot starts at {when} (Taipei)." if when else " No later slot has a free place."
    zh += f"下一個可預約時段為 {when}（臺北時間）。" if when else "之後已無可預約時段。"
    return conflict("slot_full", en, zh, next_slot=following.starts_at.isoformat() if following else "")


def _slot_at(terminal: Organisation, starts_at: datetime, now: datetime) -> Slot:
    slot = Slot.objects.filter(terminal=terminal, starts_at=starts_at).first()
    if slot is None:
        following = next_free_slot(terminal, starts_at - timedelta(seconds=1), now=now)
        hint = f" The next free slot starts at {following.starts_at.astimezone(TAIPEI):%Y-%m-%d %H:%M}." \
            if following else ""
        hint_zh = f"下一個可預約時段為 {following.starts_at.astimezone(TAIPEI):%Y-%m-%d %H:%M}。" if following else ""
        raise ExpressError("express.no_slot", "The terminal has no slot starting at this time." + hint,
                           "該專區於此時間未開放預約時段。" + hint_zh,
                           detail=f"next free slot: {following.starts_at.isoformat()}" if following else "")
    if slot.ends_at <= now:
        raise invalid("slot_over", "This slot is already over.", "此時段已結束。")
    return slot


def _take_place(terminal: Organisation, slot: Slot) -> None:
    """One place in the slot, or a conflict naming the next free slot; never more than capacity."""
    if not Slot.objects.filter(pk=slot.pk, booked__lt=F("capacity")).update(booked=F("booked") + 1):
        raise _slot_full(terminal, slot)


def _take_place_at(terminal: Organisation, starts_at: datetime, now: datetime) -> Slot:
    """A place in the terminal's slot starting at ``starts_at`` in one statement (the booking's hot
    path); when none is taken, say why: no such slot, over, or full with the next free one."""
    table = connection.ops.quote_name(Slot._meta.db_table)
    terminal_id = Organisation._meta.pk.get_db_prep_value(terminal.pk, connection)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET booked = booked + 1 WHERE terminal_id = %s AND starts_at = %s "  # noqa: S608
            "AND ends_at > %s AND booked < capacity RETURNING id",
            [terminal_id, connection.ops.adapt_datetimefield_value(starts_at),
             connection.ops.adapt_datetimefield_value(now)])
        row = cursor.fetchone()
    if row is None:
        slot = _slot_at(terminal, starts_at, now)  # raises: no such slot, or over
        _take_place(terminal, slot)  # raises when full; a place freed meanwhile is taken
        return slot
    return Slot(pk=row[0], terminal=terminal, starts_at=starts_at)


def _release_place(slot_id: int) -> None:
    Slot.objects.filter(pk=slot_id, booked__gt=0).update(booked=F("booked") - 1)


# --- appointments -------------------------------------------------------------------------------


def _record(appointment: Appointment, organisation: Organisation, kind: str, en: str, zh: str,
            **extra: object) -> None:
    """The evidence entry and timeline line, in the caller's transaction (no savepoint of its own)."""
    record_state_changes([StateChange(organisation=organisation, kind=kind, fields={
        "appointment": appointment.pk, "terminal": appointment.terminal.code, "master_awb": appointment.master_awb,
        "bag": appointment.bag_number, "stage": appointment.stage, "version": appointment.version, **extra,
    }, ucr=appointment.timeline_ucr, title_en=en, title_zh=zh)])


def book_appointment(*, terminal_code: str, master_awb: str, bag_number: str, slot_starts_at: datetime,
                     house_awbs: Sequence[str] = (), parcel_count: int | None = None, priority: str = "normal",
                     broker_reference: str = "", ucr: str = "", notes: str = "", actor: Actor) -> Appointment:
    """A broker books a slot to clear one bag. A bag already booked at the terminal is a conflict.

    ``ucr`` names the declaration's consignment, so the bag's progress shows on the timeline the
    broker and trader already follow; without it the master AWB is the UCR the lines hang on.
    """
    try:
        return _book(terminal_code=terminal_code, master_awb=master_awb, bag_number=bag_number,
                     slot_starts_at=slot_starts_at, house_awbs=house_awbs, parcel_count=parcel_count,
                     priority=priority, broker_reference=broker_reference, ucr=ucr, notes=notes, actor=actor)
    except IntegrityError:
        # Two bookings of the same bag at once: the database's unique index let one through.
        raise _already_booked() from None


def _already_booked() -> ExpressError:
    return conflict("already_booked", "This bag already has a live booking at the terminal.",
                    "此袋已有有效之預約。")


@transaction.atomic
def _book(*, terminal_code: str, master_awb: str, bag_number: str, slot_starts_at: datetime,
          house_awbs: Sequence[str], parcel_count: int | None, priority: str, broker_reference: str,
          ucr: str, notes: str, actor: Actor) -> Appointment:
    broker = broker_of(actor)
    master = normalise_awb(master_awb)
    bag = _bag(bag_number)
    houses = _houses(house_awbs)
    parcels = _parcels(houses, parcel_count)
    rank_class = _priority(priority)
    notes = _text(notes, "notes")
    broker_reference = _text(broker_reference, "broker_reference", 35)
    ucr = ucr.strip().upper()
    if ucr and not is_valid_ucr(ucr):
        raise invalid("ucr", "The UCR does not have the WCO shape (e.g. 6TW30000002-…).",
                      "UCR 格式不符 WCO 規定。", ucr[:35])
    if ucr and not intake.may_put_on(ucr, broker):  # the booking's lines go on that consignment's timeline
        raise invalid("ucr", "Your organisation may not act on that consignment: its UCR carries another "
                             "organisation's business ID, or your organisation is no party to it.",
                      "貴機構不得就此貨物運送辦理：其 UCR 載有其他機構之統一編號，或貴機構非其關係人。", ucr[:35])
    terminal = find_terminal(terminal_code)
    now = timezone.now()
    slot = _take_place_at(terminal, slot_starts_at, now)
    appointment = Appointment.objects.create(
        terminal=terminal, broker=broker, slot=slot, slot_starts_at=slot.starts_at, master_awb=master,
        bag_number=bag, house_awbs=houses, parcel_count=parcels, priority=rank_class,
        priority_rank=codes.PRIORITY_RANK[rank_class], booked_at=now, updated_at=now,
        broker_reference=broker_reference, ucr=ucr, notes=notes)
    local = slot.starts_at.astimezone(TAIPEI)
    _record(appointment, broker, "express.appointment.booked",
            f"Express bag {bag} of {master} booked for clearance at {local:%Y-%m-%d %H:%M}",
            f"快遞袋 {bag}（主提單 {master}）預約於 {local:%Y-%m-%d %H:%M} 通關",
            slot=slot.starts_at.isoformat(), parcels=parcels, priority=str(rank_class))
    return appointment


def lock_appointments(ids: list[int], *, related: tuple[str, ...] = ("terminal", "broker", "lane")
                      ) -> list[Appointment]:
    """Row locks in primary-key order, so two writers never deadlock."""
    return list(Appointment.objects.select_for_update(of=("self",)).select_related(*related)
                .filter(pk__in=ids).order_by("pk"))


def _locked(appointment_id: int, *, organisation: Organisation, side: str, version: int | None) -> Appointment:
    other = "broker" if side == "terminal" else "terminal"
    found = lock_appointments([appointment_id], related=(other, "lane"))
    if not found or getattr(found[0], f"{side}_id") != organisation.pk:
        raise not_found()
    appointment = found[0]
    setattr(appointment, side, organisation)  # the acting party, already in hand
    if version is not None and version != appointment.version:
        raise stale(appointment.version)
    return appointment


def _save(appointment: Appointment, now: datetime, *fields: str) -> None:
    appointment.version += 1
    appointment.updated_at = now
    appointment.save(update_fields=[*fields, "version", "updated_at"])


@transaction.atomic
def reschedule_appointment(*, appointment_id: int, slot_starts_at: datetime, version: int | None = None,
                           actor: Actor) -> Appointment:
    """The broker moves a booking (still only booked) to another slot of the same terminal."""
    broker = broker_of(actor)
    appointment = _locked(appointment_id, organisation=broker, side="broker", version=version)
    if appointment.stage not in codes.RESCHEDULABLE:
        raise conflict("not_reschedulable", "Only a booking not yet called can be moved.", "已叫號之預約不得改期。")
    now = timezone.now()
    slot = _slot_at(appointment.terminal, slot_starts_at, now)
    if slot.pk == appointment.slot_id:
        return appointment
    _take_place(appointment.terminal, slot)
    _release_place(appointment.slot_id)
    previous = appointment.slot_starts_at
    appointment.slot, appointment.slot_starts_at = slot, slot.starts_at
    _save(appointment, now, "slot", "slot_starts_at")
    local = slot.starts_at.astimezone(TAIPEI)
    _record(appointment, broker, "express.appointment.rescheduled",
            f"Express bag {appointment.bag_number} moved to {local:%Y-%m-%d %H:%M}",
            f"快遞袋 {appointment.bag_number} 改期至 {local:%Y-%m-%d %H:%M}",
            slot=slot.starts_at.isoformat(), previous_slot=previous.isoformat())
    return appointment


@transaction.atomic
def cancel_appointment(*, appointment_id: int, version: int | None = None, reason: str = "",
                       actor: Actor) -> Appointment:
    """The broker cancels a booking before the bag reaches a lane; the place goes back to the slot."""
    broker = broker_of(actor)
    appointment = _locked(appointment_id, organisation=broker, side="broker", version=version)
    if appointment.stage == Stage.CANCELLED:
        return appointment
    if appointment.stage not in codes.BROKER_CANCELLABLE:
        raise conflict("not_cancellable", "The bag is already at a lane; ask the terminal.",
                       "此袋已進入通關線，請洽專區業者。")
    reason = _text(reason, "reason")
    now = timezone.now()
    _release_place(appointment.slot_id)
    appointment.stage, appointment.cancelled_at = Stage.CANCELLED, now
    _save(appointment, now, "stage", "cancelled_at")
    _record(appointment, broker, "express.appointment.cancelled",
            f"Express bag {appointment.bag_number} booking cancelled by the broker",
            f"快遞袋 {appointment.bag_number} 預約已由報關業者取消", reason=reason)
    return appointment


STAGE_TIMES = {Stage.CALLED: "called_at", Stage.AT_LANE: "at_lane_at", Stage.INSPECTING: "inspecting_at",
               Stage.CLEARED: "cleared_at", Stage.HELD: "cleared_at", Stage.DONE: "done_at",
               Stage.CANCELLED: "cancelled_at"}


@transaction.atomic
def advance_appointment(*, appointment_id: int, to: str, lane_code: str = "", note: str = "",
                        version: int | None = None, actor: Actor) -> Appointment:
    """The terminal moves a bag along its state machine (``codes.TERMINAL_MOVES``).

    Calling a bag needs a lane; the lane may change while it is called or at a lane. Moving to
    the stage the bag is already in with nothing else to change is not a change.
    """
    terminal = terminal_of(actor)
    try:
        target = Stage(to)
    except ValueError:
        raise invalid("stage", "Unknown stage.", "未知之通關狀態。", to[:20]) from None
    appointment = _locked(appointment_id, organisation=terminal, side="terminal", version=version)
    note = _text(note, "note")
    lane = None
    if lane_code:
        lane = _lanes.get(("express-lanes", terminal.pk), lambda: {
            found.code: found for found in Lane.objects.filter(terminal=terminal, is_active=True)}).get(
            lane_code.strip().upper())
        if lane is None:
            raise invalid("unknown_lane", "The terminal has no open lane with this code.", "查無此通關線。",
                          lane_code[:20])
    current = Stage(appointment.stage)
    if target == current and (lane is None or lane.pk == appointment.lane_id) and not note:
        return appointment
    if target != current and target not in codes.TERMINAL_MOVES[current]:
        en_from, zh_from = codes.STAGE_LABELS[current]
        en_to, zh_to = codes.STAGE_LABELS[target]
        raise conflict("transition_not_allowed", f"A bag that is {en_from.lower()} cannot become {en_to.lower()}.",
                       f"狀態「{zh_from}」不得變更為「{zh_to}」。", detail=f"{current}->{target}")
    if target == Stage.CALLED and lane is None and appointment.lane_id is None:
        raise invalid("lane_required", "Name the lane the bag is called to.", "叫號時請指定通關線。")
    if lane is not None and current not in (Stage.BOOKED, Stage.CALLED, Stage.AT_LANE):
        raise conflict("lane_fixed", "The lane cannot change once inspection has begun.", "查驗開始後不得變更通關線。")
    now = timezone.now()
    fields = ["stage"]
    if target != current:
        setattr(appointment, STAGE_TIMES[target], now)
        fields.append(STAGE_TIMES[target])
        if target == Stage.CANCELLED:
            _release_place(appointment.slot_id)
    if lane is not None:
        appointment.lane = lane
        fields.append("lane")
    if note:
        stamp = now.astimezone(TAIPEI).strftime("%m-%d %H:%M")
        appointment.notes = f"{appointment.notes}\n[{stamp}] {note}".strip()[-MAX_TEXT:]
        fields.append("notes")
    appointment.stage = target
    _save(appointment, now, *fields)
    en, zh = codes.STAGE_LABELS[target]
    where = f" at lane {appointment.lane.code}" if appointment.lane else ""
    where_zh = f"（通關線 {appointment.lane.code}）" if appointment.lane else ""
    _record(appointment, terminal, f"express.appointment.{target}",
            f"Express bag {appointment.bag_number}: {en.lower()}{where}",
            f"快遞袋 {appointment.bag_number}：{zh}{where_zh}",
            lane=appointment.lane.code if appointment.lane else "", note=note)
    return appointment


# --- anomalies ----------------------------------------------------------------------------------


def _broker_for_parcel(terminal: Organisation, master: str, bag: str, house: str,
                       broker_code: str) -> tuple[Organisation, Appointment | None]:
    """The broker named, or the one that booked the parcel's bag at this terminal."""
    live = Appointment.objects.filter(terminal=terminal, master_awb=master).exclude(
        stage=Stage.CANCELLED).select_related("broker").order_by("-booked_at")
    if bag:
        live = live.filter(bag_number=bag)
    candidates = list(live[:50])
    if house:
        candidates = [a for a in candidates if house in a.house_awbs] or candidates
    appointment = candidates[0] if candidates else None
    if broker_code:
        broker = Organisation.objects.filter(code=broker_code, is_active=True,
                                             roles__role__in=BROKER_ROLES).distinct().first()
        if broker is None:
            raise invalid("unknown_broker", "No customs broker or trader with this code.", "查無此報關業者或貨主代碼。",
                          broker_code[:40])
        if appointment is not None and appointment.broker_id != broker.pk:
            appointment = None
        return broker, appointment
    if appointment is None:
        raise invalid("broker_unknown", "No booking names this parcel's broker; give the broker's code.",
                      "查無此貨物之預約，請填寫報關業者代碼。")
    return appointment.broker, appointment


def record_anomaly(*, master_awb: str, category: str, detected_at: datetime | None = None, house_awb: str = "",
                   bag_number: str = "", pieces: int = 1, location: str = "", notes: str = "",
                   broker_code: str = "", actor: Actor) -> Anomaly:
    """The terminal posts why a parcel cannot clear; the parcel's broker sees it and must correct it."""
    with transaction.atomic():
        terminal = terminal_of(actor)
        master = normalise_awb(master_awb)
        house = normalise_awb(house_awb, field="house_awb") if house_awb.strip() else ""
        bag = _bag(bag_number) if bag_number.strip() else ""
        try:
            kind = codes.AnomalyCategory(category)
        except ValueError:
            raise invalid("category", "Unknown anomaly category.", "未知之異常類別。", category[:30]) from None
        if not 1 <= pieces <= MAX_PARCELS:
            raise invalid("pieces", f"Pieces must be between 1 and {MAX_PARCELS}.", f"件數應介於 1 至 {MAX_PARCELS}。")
        location, notes = _text(location, "location", 60), _text(notes, "notes")
        now = timezone.now()
        detected = detected_at or now
        if detected > now + CLOCK_SKEW:
            raise invalid("detected_in_future", "The detection time is in the future.", "發現時間不得晚於現在。")
        broker, appointment = _broker_for_parcel(terminal, master, bag, house, broker_code.strip())
        anomaly = Anomaly.objects.create(
            terminal=terminal, broker=broker, appointment=appointment, reference=f"EXA-{secrets.token_hex(5).upper()}",
            category=kind, master_awb=master, house_awb=house, bag_number=bag or (appointment.bag_number
                                                                               if appointment else ""),
            pieces=pieces, location=location, detected_at=detected, due_at=detected + codes.CORRECTION_DUE,
            notes=notes, opened_at=now)
        en, zh = codes.CATEGORY_LABELS[kind]
        _record_anomaly(anomaly, terminal, "express.anomaly.recorded",
                        f"Anomaly {anomaly.reference} on {house or master}: {en}",
                        f"異常 {anomaly.reference}（{house or master}）：{zh}", category=str(kind))
        return anomaly


def _record_anomaly(anomaly: Anomaly, organisation: Organisation, kind: str, en: str, zh: str,
                    **extra: object) -> None:
    record_state_changes([StateChange(organisation=organisation, kind=kind, fields={
        "anomaly": anomaly.reference, "terminal": anomaly.terminal.code, "broker": anomaly.broker.code,
        "master_awb": anomaly.master_awb, "house_awb": anomaly.house_awb, "status": anomaly.status,
        "version": anomaly.version, **extra,
    }, ucr=anomaly.appointment.timeline_ucr if anomaly.appointment else anomaly.master_awb,
        title_en=en, title_zh=zh)])


def _locked_anomaly(anomaly_id: int, *, organisation: Organisation, side: str, version: int | None) -> Anomaly:
    anomaly = (Anomaly.objects.select_for_update(of=("self",)).select_related("terminal", "broker")
               .filter(pk=anomaly_id).first())
    if anomaly is None or getattr(anomaly, f"{side}_id") != organisation.pk:
        raise not_found("anomaly", "異常紀錄")
    if version is not None and version != anomaly.version:
        raise stale(anomaly.version)
    return anomaly


@transaction.atomic
def file_correction(*, anomaly_id: int, action: str, documents: Sequence[str] = (), version: int | None = None,
                    actor: Actor) -> Correction:
    """The broker says what was done about the anomaly, naming the documents filed."""
    broker = broker_of(actor)
    anomaly = _locked_anomaly(anomaly_id, organisation=broker, side="broker", version=version)
    if anomaly.status not in codes.AWAITING_BROKER:
        raise conflict("not_awaiting_correction", "This anomaly is not waiting for a correction.",
                       "此異常目前無須補正。", detail=anomaly.status)
    action = _text(action, "action", 2000)
    if not action:
        raise invalid("action_required", "Say what was done to correct the anomaly.", "請說明補正內容。")
    if len(documents) > MAX_DOCUMENTS:
        raise invalid("too_many_documents", f"At most {MAX_DOCUMENTS} document references.",
                      f"文件參考最多 {MAX_DOCUMENTS} 筆。")
    refs = [_text(ref, "documents", 70) for ref in documents]
    if any(not ref for ref in refs):
        raise invalid("empty_document", "A document reference is empty.", "文件參考不得空白。")
    now = timezone.now()
    correction = Correction.objects.create(anomaly=anomaly, filed_by=broker, filed_at=now, action=action,
                                           documents=refs)
    anomaly.status, anomaly.correction_filed_at = AnomalyStatus.CORRECTION_FILED, now
    anomaly.version += 1
    anomaly.save(update_fields=["status", "correction_filed_at", "version"])
    _record_anomaly(anomaly, broker, "express.anomaly.correction_filed",
                    f"Correction filed for anomaly {anomaly.reference}", f"異常 {anomaly.reference} 已提送補正",
                    correction=correction.pk, documents=refs)
    return correction


@transaction.atomic
def review_correction(*, anomaly_id: int, decision: str, note: str = "", version: int | None = None,
                      actor: Actor) -> Anomaly:
    """The terminal accepts the correction (the anomaly closes) or returns it with a reason."""
    terminal = terminal_of(actor)
    try:
        review = codes.Review(decision)
    except ValueError:
        raise invalid("decision", "The decision is accept or return.", "審核結果應為 accept 或 return。") from None
    anomaly = _locked_anomaly(anomaly_id, organisation=terminal, side="terminal", version=version)
    if anomaly.status != AnomalyStatus.CORRECTION_FILED:
        raise conflict("no_correction", "No correction is waiting for review.", "目前無待審之補正。",
                       detail=anomaly.status)
    note = _text(note, "note")
    if review == codes.Review.RETURN and not note:
        raise invalid("reason_required", "Say why the correction is returned.", "退回補正請說明理由。")
    now = timezone.now()
    correction = anomaly.corrections.filter(decision=Correction.Decision.PENDING).order_by("-filed_at", "-id").first()
    if correction is not None:
        correction.decision = (Correction.Decision.ACCEPTED if review == codes.Review.ACCEPT
                               else Correction.Decision.RETURNED)
        correction.decided_at, correction.decision_note = now, note
        correction.save(update_fields=["decision", "decided_at", "decision_note"])
    if review == codes.Review.ACCEPT:
        anomaly.status, anomaly.closed_at = AnomalyStatus.CLOSED, now
        fields = ["status", "closed_at", "version"]
        en, zh = f"Anomaly {anomaly.reference} closed", f"異常 {anomaly.reference} 已結案"
    else:
        anomaly.status, anomaly.returned_at = AnomalyStatus.RETURNED, now
        anomaly.due_at = max(anomaly.due_at, now + codes.CORRECTION_DUE / 2)
        fields = ["status", "returned_at", "due_at", "version"]
        en, zh = f"Correction of anomaly {anomaly.reference} returned", f"異常 {anomaly.reference} 補正遭退回"
    anomaly.version += 1
    anomaly.save(update_fields=fields)
    _record_anomaly(anomaly, terminal, f"express.anomaly.{anomaly.status}", en, zh, note=note,
                    correction=correction.pk if correction else None)
    return anomaly
