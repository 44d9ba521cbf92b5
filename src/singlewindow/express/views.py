"""Screens of the express platforms, made for a phone in the terminal.

Brokers: my bookings (book, reschedule, cancel) and my anomalies (file a correction). Terminal:
today's queue by lane with one-tap moves, record an anomaly, review corrections. Anybody: the
progress of a bag by master AWB and bag number. Views parse, call one selector or service and
render; a refusal re-renders the page with the reason and changes nothing.
"""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext_noop
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from singlewindow.express import codes, forms, selectors, services
from singlewindow.express.errors import ExpressError
from singlewindow.portal.views import member_required
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import OrganisationRole
from singlewindow.registry.selectors import actor_for_user

# The portal's navigation links to these screens; their labels are translated in this app's catalogue.
NAV_LABELS = (gettext_noop("Express bookings"), gettext_noop("Express queue"), gettext_noop("Express anomalies"),
              gettext_noop("Express progress"))


def _problem(error: ExpressError | forms.InputError) -> str:
    chinese = (get_language() or "").startswith("zh")
    return error.zh if chinese else error.en


def _actor(request: HttpRequest) -> Actor:
    actor = actor_for_user(request.user)
    if actor is None or actor.organisation is None:
        raise PermissionDenied
    return actor


def _is_terminal(actor: Actor) -> bool:
    organisation = actor.organisation
    return organisation is not None and OrganisationRole.EXPRESS_OPERATOR in services.role_codes(organisation)


def _broker(request: HttpRequest) -> Actor:
    actor = _actor(request)
    assert actor.organisation is not None
    if not services.role_codes(actor.organisation) & services.BROKER_ROLES:
        raise PermissionDenied
    return actor


def _terminal(request: HttpRequest) -> Actor:
    actor = _actor(request)
    if not _is_terminal(actor):
        raise PermissionDenied
    return actor


# --- public ---------------------------------------------------------------------------------------


@require_GET
def progress(request: HttpRequest) -> HttpResponse:
    master, bag = request.GET.get("master_awb", "")[:40], request.GET.get("bag", "")[:40]
    found, error = None, ""
    if master or bag:
        try:
            found = selectors.public_progress(master, bag)
        except ExpressError as refused:
            error = _problem(refused)
    return render(request, "express/progress.html", {"master": master, "bag": bag, "found": found,
                                                     "error": error}, status=422 if error else 200)


# --- broker ---------------------------------------------------------------------------------------


def _bookings_page(request: HttpRequest, actor: Actor, *, error: str = "", status: int = 200,
                   failed: str = "") -> HttpResponse:
    day = forms.day(request.GET.get("day"), selectors.today())
    terminals = selectors.terminals()
    chosen = request.POST.get("terminal") or request.GET.get("terminal") or (terminals[0].code if terminals else "")
    terminal = next((t for t in terminals if t.code == chosen), None)
    slots = list(selectors.slots_for(terminal, day)) if terminal else []
    rows = list(selectors.broker_appointments(actor)[:selectors.LIST_LIMIT])
    return render(request, "express/bookings.html", {
        "organisation": actor.organisation, "rows": rows, "moves": selectors.reschedule_choices(rows),
        "terminals": terminals, "terminal": terminal, "slots": slots, "day": day, "error": error, "failed": failed,
        "values": request.POST, "priorities": [(str(p), codes.label(codes.PRIORITY_LABELS, p,
                                                                    chinese=(get_language() or "").startswith("zh")))
                                               for p in codes.Priority],
    }, status=status)


@require_http_methods(["GET", "POST"])
@member_required
def bookings(request: HttpRequest) -> HttpResponse:
    actor = _broker(request)
    if request.method == "GET":
        return _bookings_page(request, actor)
    try:
        wanted = forms.booking(request.POST)
        appointment = services.book_appointment(
            terminal_code=wanted.terminal, master_awb=wanted.master_awb, bag_number=wanted.bag_number,
            slot_starts_at=wanted.slot, house_awbs=wanted.house_awbs, parcel_count=wanted.parcel_count,
            priority=wanted.priority, ucr=wanted.ucr, notes=wanted.notes, actor=actor)
    except (ExpressError, forms.InputError) as refused:
        return _bookings_page(request, actor, error=_problem(refused), status=422, failed="book")
    messages.success(request, _("Bag %(bag)s booked.") % {"bag": appointment.bag_number})
    return HttpResponseRedirect(reverse("express:bookings") + f"#booking-{appointment.pk}")


@require_POST
@member_required
def booking_action(request: HttpRequest, appointment_id: int, action: str) -> HttpResponse:
    actor = _broker(request)
    try:
        if action == "cancel":
            services.cancel_appointment(appointment_id=appointment_id, version=forms.version(request.POST),
                                        reason=request.POST.get("reason", "")[:2000], actor=actor)
            messages.success(request, _("Booking cancelled."))
        elif action == "reschedule":
            services.reschedule_appointment(appointment_id=appointment_id,
                                            slot_starts_at=forms.slot_time(request.POST.get("slot", "")),
                                            version=forms.version(request.POST), actor=actor)
            messages.success(request, _("Booking moved."))
        else:
            raise Http404
    except (ExpressError, forms.InputError) as refused:
        if isinstance(refused, ExpressError) and refused.status == 404:
            raise Http404 from None
        return _bookings_page(request, actor, error=_problem(refused), status=422, failed=f"{action}-{appointment_id}")
    return HttpResponseRedirect(reverse("express:bookings") + f"#booking-{appointment_id}")


# --- anomalies (broker and terminal) --------------------------------------------------------------


@require_GET
@member_required
def anomalies(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    status = request.GET.get("status", "active")
    status = status if status in {"active", "", *codes.AnomalyStatus} else "active"
    overdue = request.GET.get("overdue") == "1"
    now = timezone.now()
    rows = [(a, selectors.is_overdue(a, now), selectors.age(a, now))
            for a in selectors.anomaly_list(actor, status=status, overdue=overdue, now=now)[:selectors.LIST_LIMIT]]
    return render(request, "express/anomalies.html", {
        "rows": rows, "status": status, "overdue": overdue, "is_terminal": _is_terminal(actor),
        "organisation": actor.organisation,
        "overdue_count": selectors.anomaly_list(actor, overdue=True, now=now).count(),
    })


def _anomaly_page(request: HttpRequest, actor: Actor, anomaly_id: int, *, error: str = "",
                  status: int = 200) -> HttpResponse:
    anomaly = selectors.anomaly_for(actor, anomaly_id)
    if anomaly is None:
        raise Http404
    now = timezone.now()
    assert actor.organisation is not None
    return render(request, "express/anomaly.html", {
        "anomaly": anomaly, "corrections": list(anomaly.corrections.all()), "error": error, "values": request.POST,
        "overdue": selectors.is_overdue(anomaly, now), "age": selectors.age(anomaly, now),
        "can_correct": anomaly.broker_id == actor.organisation.pk and anomaly.status in codes.AWAITING_BROKER,
        "can_review": anomaly.terminal_id == actor.organisation.pk
        and anomaly.status == codes.AnomalyStatus.CORRECTION_FILED,
    }, status=status)


@require_GET
@member_required
def anomaly(request: HttpRequest, anomaly_id: int) -> HttpResponse:
    return _anomaly_page(request, _actor(request), anomaly_id)


@require_POST
@member_required
def correct(request: HttpRequest, anomaly_id: int) -> HttpResponse:
    actor = _broker(request)
    try:
        services.file_correction(anomaly_id=anomaly_id, action=request.POST.get("action", "")[:4000],
                                 documents=forms.lines(request.POST, "documents", 40),
                                 version=forms.version(request.POST), actor=actor)
    except (ExpressError, forms.InputError) as refused:
        if isinstance(refused, ExpressError) and refused.status == 404:
            raise Http404 from None
        return _anomaly_page(request, actor, anomaly_id, error=_problem(refused), status=422)
    messages.success(request, _("Correction filed; the terminal will review it."))
    return HttpResponseRedirect(reverse("express:anomaly", args=[anomaly_id]))


@require_POST
@member_required
def review(request: HttpRequest, anomaly_id: int) -> HttpResponse:
    actor = _terminal(request)
    try:
        services.review_correction(anomaly_id=anomaly_id, decision=request.POST.get("decision", "")[:10],
                                   note=request.POST.get("note", "")[:2000], version=forms.version(request.POST),
                                   actor=actor)
    except ExpressError as refused:
        if refused.status == 404:
            raise Http404 from None
        return _anomaly_page(request, actor, anomaly_id, error=_problem(refused), status=422)
    messages.success(request, _("Review recorded."))
    return HttpResponseRedirect(reverse("express:anomaly", args=[anomaly_id]))


# --- terminal -------------------------------------------------------------------------------------


def _queue_page(request: HttpRequest, actor: Actor, *, error: str = "", status: int = 200,
                failed: str = "") -> HttpResponse:
    day = forms.day(request.GET.get("day"), selectors.today())
    return render(request, "express/queue.html", {
        "organisation": actor.organisation, "day": day, "groups": selectors.queue_by_lane(actor, day),
        "lanes": selectors.lanes_of(actor), "error": error, "failed": failed,
        "waiting_review": selectors.anomaly_list(actor, status=codes.AnomalyStatus.CORRECTION_FILED).count(),
        "categories": [(str(c), codes.label(codes.CATEGORY_LABELS, c, chinese=(get_language() or "").startswith("zh")))
                       for c in codes.AnomalyCategory],
        "values": request.POST,
    }, status=status)


@require_GET
@member_required
def queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request, _terminal(request))


@require_POST
@member_required
def move(request: HttpRequest, appointment_id: int) -> HttpResponse:
    actor = _terminal(request)
    back = reverse("express:queue") + (f"?day={request.GET['day'][:10]}" if request.GET.get("day") else "")
    try:
        appointment = services.advance_appointment(
            appointment_id=appointment_id, to=request.POST.get("stage", "")[:20],
            lane_code=request.POST.get("lane", "")[:10], note=request.POST.get("note", "")[:2000],
            version=forms.version(request.POST), actor=actor)
    except ExpressError as refused:
        if refused.status == 404:
            raise Http404 from None
        return _queue_page(request, actor, error=_problem(refused), status=409 if refused.status == 409 else 422,
                           failed=f"move-{appointment_id}")
    label = codes.label(codes.STAGE_LABELS, appointment.stage, chinese=(get_language() or "").startswith("zh"))
    messages.success(request, _("Bag %(bag)s: %(stage)s") % {"bag": appointment.bag_number, "stage": label})
    return HttpResponseRedirect(back + f"#bag-{appointment_id}")


@require_POST
@member_required
def record_anomaly(request: HttpRequest) -> HttpResponse:
    actor = _terminal(request)
    data = request.POST
    try:
        found = services.record_anomaly(
            master_awb=data.get("master_awb", "")[:40], house_awb=data.get("house_awb", "")[:40],
            bag_number=data.get("bag_number", "")[:40], category=data.get("category", "")[:40],
            pieces=forms.whole(data, "pieces", default=1) or 0, location=data.get("location", "")[:200],
            notes=data.get("notes", "")[:2000], broker_code=data.get("broker", "")[:40], actor=actor)
    except (ExpressError, forms.InputError) as refused:
        return _queue_page(request, actor, error=_problem(refused), status=422, failed="anomaly")
    messages.success(request, _("Anomaly %(ref)s recorded; the broker sees it now.") % {"ref": found.reference})
    return HttpResponseRedirect(reverse("express:anomaly", args=[found.pk]))


@require_GET
def home(request: HttpRequest) -> HttpResponse:
    """The platform's front door: each role to its own screen, anybody else to the progress query."""
    actor = actor_for_user(request.user) if request.user.is_authenticated else None
    if actor is not None and _is_terminal(actor):
        return HttpResponseRedirect(reverse("express:queue"))
    organisation = actor.organisation if actor is not None else None
    if organisation is not None and services.role_codes(organisation) & services.BROKER_ROLES:
        return HttpResponseRedirect(reverse("express:bookings"))
    return HttpResponseRedirect(reverse("express:progress"))
