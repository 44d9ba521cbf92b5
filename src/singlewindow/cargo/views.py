"""The cargo screens, one desk per role: the carrier's manifests (with their bills and versions)
and reports to co-sign, the warehouse's bills expected and arrived with the receipt, the
short/over-landed report and gate-out, customs' reports to accept, and a declarant's look-up of
a bill's status and balance. Views parse, ask a selector, call one service and render; a step
that fails changes nothing and the page says why in both languages.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from singlewindow.cargo import forms, selectors, services
from singlewindow.cargo.errors import CargoError
from singlewindow.portal.views import member_required
from singlewindow.registry.actors import Actor
from singlewindow.registry.selectors import actor_for_user


def _actor(request: HttpRequest) -> tuple[Actor, str]:
    actor = actor_for_user(request.user)
    role = selectors.role_of(actor) if actor is not None else ""
    if actor is None or not role:
        raise PermissionDenied
    return actor, role


def _desk(request: HttpRequest, actor: Actor, role: str, *, error: CargoError | None = None,
          status: int = 200) -> HttpResponse:
    context: dict[str, Any] = {"role": role, "organisation": actor.organisation, "error": error}
    if role == "warehouse":
        context.update(expected=selectors.expected_bills(actor), arrived=selectors.arrived_bills(actor),
                       releases=selectors.to_gate_out(actor))
    if role in ("carrier", "customs"):
        context.update(manifests=list(selectors.manifests_visible_to(actor).order_by("-created_at")[:50]),
                       waiting=selectors.reports_waiting_for(actor))
    if role == "declarant" or request.GET.get("number"):
        number = (request.GET.get("number") or "").strip()[:35]
        context.update(number=number, found=list(selectors.bills_visible_to(actor).filter(number=number)[:20])
                       if number else None)
    return render(request, "cargo/desk.html", context, status=status)


@require_GET
@member_required
def desk(request: HttpRequest) -> HttpResponse:
    actor, role = _actor(request)
    return _desk(request, actor, role)


@require_GET
@member_required
def manifest_detail(request: HttpRequest, manifest_id: int) -> HttpResponse:
    actor, _ = _actor(request)
    manifest = selectors.manifest_detail(actor, manifest_id)
    if manifest is None:
        raise Http404
    return render(request, "cargo/manifest.html", {
        "manifest": manifest, "bills": selectors.bills_of_manifest(manifest), "versions": manifest.versions.all()})


def _done(request: HttpRequest, text: str) -> HttpResponse:
    messages.success(request, text)
    return HttpResponseRedirect(reverse("cargo:desk"))


@require_POST
@member_required
def receive(request: HttpRequest, bill_id: int) -> HttpResponse:
    actor, role = _actor(request)
    bill = selectors.bills_visible_to(actor).filter(pk=bill_id).first()
    if bill is None:
        raise Http404
    try:
        form = forms.parse_receipt(request.POST)
        services.record_receipt(bill=bill, packages=form.packages, gross_kg=form.gross_kg, condition=form.condition,
                                note=form.note, actor=actor)
    except CargoError as error:
        return _desk(request, actor, role, error=error, status=422)
    return _done(request, _("Receipt of bill %(number)s recorded.") % {"number": bill.number})


@require_POST
@member_required
def file_report(request: HttpRequest, bill_id: int) -> HttpResponse:
    actor, role = _actor(request)
    bill = selectors.bills_visible_to(actor).filter(pk=bill_id).first()
    if bill is None:
        raise Http404
    try:
        services.file_report(bill=bill, actor=actor, note=forms.note_of(request.POST))
    except CargoError as error:
        return _desk(request, actor, role, error=error, status=422)
    return _done(request, _("Short/over-landed report on bill %(number)s filed.") % {"number": bill.number})


ACTIONS = {"confirm": services.confirm_report, "accept": services.accept_report, "reject": services.reject_report}


@require_POST
@member_required
def sign_report(request: HttpRequest, report_id: int, action: str) -> HttpResponse:
    actor, role = _actor(request)
    report = selectors.reports_visible_to(actor).filter(pk=report_id).first()
    if report is None or action not in ACTIONS:
        raise Http404
    try:
        ACTIONS[action](report=report, actor=actor, note=forms.note_of(request.POST))
    except CargoError as error:
        return _desk(request, actor, role, error=error, status=422)
    return _done(request, _("Report on bill %(number)s: done.") % {"number": report.bill.number})


@require_POST
@member_required
def gate_out(request: HttpRequest, release_id: int) -> HttpResponse:
    actor, role = _actor(request)
    allocation = selectors.releases_visible_to(actor).filter(pk=release_id).first()
    if allocation is None:
        raise Http404
    try:
        services.gate_out(allocation=allocation, packages=forms.whole_number(request.POST.get("packages"), minimum=1),
                          vehicle=(request.POST.get("vehicle") or "")[:35], actor=actor)
    except CargoError as error:
        return _desk(request, actor, role, error=error, status=422)
    return _done(request, _("Gate-out of bill %(number)s recorded.") % {"number": allocation.bill_number})
