"""Customs screens: the officer's workbench (queue, case, actions), the declarant's own cases and the
public time release figures.

Views parse, ask a selector, call one service and render. Who may see a case is the selectors'
decision; "not yours" and "not there" both answer 404. An action that fails changes nothing (the
services are transactions) and the page comes back with the reason in English and Chinese.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import reduce
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST
from django.views.decorators.vary import vary_on_headers

from singlewindow.customs import forms, lifecycle, selectors, services, trs
from singlewindow.customs.assessment.result import CHARGE_LABELS
from singlewindow.customs.models.cases import Case, CaseEvent
from singlewindow.customs.models.cases import CaseState as S
from singlewindow.customs.models.selection import Channel
from singlewindow.customs.services import CaseError
from singlewindow.portal.views import member_required
from singlewindow.registry.actors import Actor
from singlewindow.registry.selectors import actor_for_user

QUEUE_LIMIT = 200
MY_CASES_LIMIT = 200


def _actor(request: HttpRequest) -> Actor:
    actor = actor_for_user(request.user)
    assert actor is not None  # member_required ran first
    return actor


def _officer(request: HttpRequest) -> Actor:
    """The logged-in member of a customs office; anyone else is refused without further detail."""
    actor = _actor(request)
    if not selectors.is_customs_office(actor):
        raise PermissionDenied
    return actor


def _is_panel_request(request: HttpRequest) -> bool:
    """An htmx swap of the queue panel (not a history restore, which needs the whole page)."""
    return (request.headers.get("HX-Request") == "true" and request.headers.get("HX-Target") == "queue"
            and request.headers.get("HX-History-Restore-Request") != "true")


# --------------------------------------------------------------------------- the queue


def _queue(actor: Actor, filters: forms.QueueFilters) -> QuerySet[Case] | None:
    """The selector's queue for the tab and filters; None when they cannot match anything."""
    states, channel = filters.states(), filters.channel_filter()
    if states == () or channel == "":
        return None
    def one(state: str | None) -> QuerySet[Case]:
        return selectors.case_queue(actor, state=state, channel=channel, older_than=filters.older_than,
                                    overdue=filters.tab.overdue)
    return reduce(operator.or_, (one(state) for state in states)) if states else one(None)


@dataclass(frozen=True)
class QueueRow:
    case: Case
    overdue: bool


@require_GET
@member_required
@vary_on_headers("HX-Request", "HX-Target")
def queue(request: HttpRequest) -> HttpResponse:
    actor = _officer(request)
    filters = forms.parse_queue_filters(request.GET)
    found = _queue(actor, filters)
    cases = list(found[:QUEUE_LIMIT + 1]) if found is not None else []
    now = timezone.now()
    rows = [QueueRow(case, case.due_at is not None and case.due_at < now) for case in cases[:QUEUE_LIMIT]]
    rows.sort(key=lambda row: not row.overdue)  # stable: overdue first, each part in the selector's order
    query = {k: v for k, v in (("tab", filters.tab.code), ("state", filters.state), ("channel", filters.channel),
                               ("age", filters.age)) if v}
    context = {
        "filters": filters, "rows": rows, "more": len(cases) > QUEUE_LIMIT, "limit": QUEUE_LIMIT,
        "tabs": [(tab, urlencode({**query, "tab": tab.code})) for tab in forms.TABS],
        "query": urlencode(query), "states": [s for s in S if s not in lifecycle.FINAL],
        "channels": Channel.values, "ages": [(code, (age[1], age[2])) for code, age in forms.AGES.items()],
    }
    template = "customs/_queue_panel.html" if _is_panel_request(request) else "customs/queue.html"
    return render(request, template, context)


# --------------------------------------------------------------------------- the case page


@dataclass(frozen=True)
class Actions:
    """Which officer actions the case's state and channel allow (the services check again)."""

    request_documents: bool = False
    accept_documents: bool = False
    record_inspection: bool = False
    record_payment: bool = False
    reject: bool = False

    @classmethod
    def for_case(cls, case: Case) -> Actions:
        actionable = case.state in (S.SELECTED, S.DOCUMENTS_RECEIVED)
        return cls(
            request_documents=case.state == S.SELECTED,
            accept_documents=actionable and case.channel != Channel.C3,
            record_inspection=actionable and case.channel == Channel.C3,
            record_payment=case.state == S.AWAITING_PAYMENT
            or (case.state in (S.GUARANTEED, S.RELEASED) and case.amount_paid < case.amount_due),
            reject=lifecycle.allowed(case.state, S.REJECTED),
        )

    @property
    def any(self) -> bool:
        return any((self.request_documents, self.accept_documents, self.record_inspection, self.record_payment,
                    self.reject))


@dataclass(frozen=True)
class EventLine:
    """One line of the case history, its data split into what the template shows specially."""

    event: CaseEvent
    documents: list[dict[str, Any]] = field(default_factory=list)
    reasons: list[dict[str, Any]] = field(default_factory=list)
    details: list[tuple[str, str]] = field(default_factory=list)

    @property
    def note(self) -> tuple[str, str]:
        return self.event.note_en, self.event.note_zh


def _event_line(event: CaseEvent, *, officer: bool) -> EventLine:
    data = event.data if isinstance(event.data, dict) else {}
    # A deficiency notice lists {type_code, en, zh}; documents a declarant sent carry {id, typeCode}.
    documents = [{**d, "type_code": d.get("type_code") or d.get("typeCode") or ""}
                 for d in data.get("documents") or [] if isinstance(d, dict)]
    reasons = [r for r in data.get("reasons") or [] if isinstance(r, dict)]
    shown = {"reference", "amount", "amount_due", "discrepancy"}
    details = [(str(key), str(value)) for key, value in data.items()
               if key not in ("documents", "reasons") and isinstance(value, str | int | float | bool)
               and (officer or key in shown)]
    return EventLine(event, documents, reasons, details)


def _is_notice(event: CaseEvent) -> bool:
    """What the declarant was told: the notified states and payments recorded after release."""
    return event.to_state in lifecycle.NOTICES or (event.from_state == event.to_state and bool(event.from_state))


def _assessment(case: Case) -> dict[str, Any]:
    """The stored breakdown with each total named; a manual assessment shows its problems."""
    raw = case.assessment if isinstance(case.assessment, dict) else {}
    labels = {str(code): label for code, label in CHARGE_LABELS.items()}
    totals = [{"label": labels.get(code, (code, code)), "amount": amount}
              for code, amount in (raw.get("totals") or {}).items()]
    return {"manual": bool(raw.get("manual")), "problems": raw.get("problems") or [], "items": raw.get("items") or [],
            "totals": totals, "total": raw.get("total"), "customs_value": raw.get("customs_value"),
            "exchange_rates": raw.get("exchange_rates") or {}, "on": raw.get("on"), "present": bool(raw)}


def _selection(case: Case) -> dict[str, Any]:
    raw = case.selection if isinstance(case.selection, dict) else {}
    return {"reasons": [r for r in raw.get("reasons") or [] if isinstance(r, dict)],
            "decided_by": raw.get("decided_by"), "rules_hit": raw.get("rules_hit") or [],
            "manual_assessment": bool(raw.get("manual_assessment"))}


def _requested(case: Case, events: list[CaseEvent]) -> list[dict[str, Any]]:
    """The documents of the latest deficiency notice, while the case waits for them."""
    if case.state != S.DOCUMENTS_REQUESTED:
        return []
    for event in reversed(events):
        if event.to_state == S.DOCUMENTS_REQUESTED:
            return _event_line(event, officer=False).documents
    return []


def _case_page(request: HttpRequest, case: Case, *, officer: bool, error: CaseError | forms.InputError | None = None,
               failed: str = "", posted: QueryDict | None = None, status: int = 200) -> HttpResponse:
    events = list(selectors.case_events(case))
    lines = [_event_line(event, officer=officer) for event in events if officer or _is_notice(event)]
    typed = posted if failed == "request-documents" and posted is not None else QueryDict()
    rows = [{"i": i, "number": i + 1, **{part: typed.get(f"doc-{i}-{part}", "") for part in ("type", "en", "zh")}}
            for i in range(forms.DOCUMENT_FORM_ROWS)]
    context = {
        "case": case, "officer": officer, "events": lines, "assessment": _assessment(case),
        "selection": _selection(case) if officer else None, "requested": _requested(case, events),
        "actions": Actions.for_case(case) if officer else Actions(),
        "error": error, "failed": failed,
        "values": {failed.replace("-", "_"): posted} if failed and posted is not None else {},
        "document_rows": rows[:forms.DOCUMENT_ROWS], "extra_document_rows": rows[forms.DOCUMENT_ROWS:],
        "outstanding": 0 if case.state in (S.REJECTED, S.CANCELLED) else max(case.amount_due - case.amount_paid, 0),
    }
    return render(request, "customs/case.html", context, status=status)


@require_GET
@member_required
def case_detail(request: HttpRequest, case_id: int) -> HttpResponse:
    """The officer's case page, or the declarant's read-only one: the same address for both."""
    actor = _actor(request)
    case = selectors.case_for(actor, case_id)
    if case is None:
        raise Http404
    return _case_page(request, case, officer=selectors.is_customs_office(actor))


# --------------------------------------------------------------------------- officer actions


def _request_documents(case: Case, data: QueryDict, actor: Actor) -> str:
    documents = forms.parse_documents(data)
    deadline = forms.parse_deadline(data.get("deadline", ""))
    services.request_documents(case, actor=actor, documents=documents, deadline=deadline)
    return _("The deficiency notice was sent to the declarant.")


def _accept_documents(case: Case, data: QueryDict, actor: Actor) -> str:
    amount = forms.parse_amount(data.get("amount_due", ""), field="amount_due", label=("Amount due", "應納金額"))
    services.accept_documents(case, actor=actor, amount_due=amount)
    return _("The documents were accepted.")


def _record_inspection(case: Case, data: QueryDict, actor: Actor) -> str:
    found = forms.parse_inspection(data)
    services.record_inspection(case, actor=actor, findings_en=found.findings_en, findings_zh=found.findings_zh,
                               discrepancy=found.discrepancy, amount_due=found.amount_due)
    return _("The inspection was recorded.")


def _record_payment(case: Case, data: QueryDict, actor: Actor) -> str:
    payment = forms.parse_payment(data)
    services.record_payment(case, actor=actor, amount=payment.amount, reference=payment.reference,
                            guarantee=payment.guarantee)
    return _("The guarantee was recorded.") if payment.guarantee else _("The payment was recorded.")


def _reject(case: Case, data: QueryDict, actor: Actor) -> str:
    services.reject(case, actor=actor, reasons=forms.parse_reasons(data))
    return _("The declaration was rejected.")


ACTIONS: dict[str, Callable[[Case, QueryDict, Actor], str]] = {
    "request-documents": _request_documents,
    "accept-documents": _accept_documents,
    "record-inspection": _record_inspection,
    "record-payment": _record_payment,
    "reject": _reject,
}


@require_POST
@member_required
def case_action(request: HttpRequest, case_id: int, action: str) -> HttpResponse:
    """One officer action, attributed to the logged-in user; on error the page says why, in both languages."""
    actor = _actor(request)
    case = selectors.case_for_officer(actor, case_id)
    if case is None or action not in ACTIONS:
        raise Http404
    try:
        done = ACTIONS[action](case, request.POST, actor)
    except forms.InputError as error:
        return _case_page(request, case, officer=True, error=error, failed=action, posted=request.POST, status=400)
    except CaseError as error:
        case = selectors.case_for_officer(actor, case_id) or case  # as it stands now, untouched
        return _case_page(request, case, officer=True, error=error, failed=action, posted=request.POST, status=409)
    messages.success(request, done)
    return HttpResponseRedirect(reverse("customs:case", args=[case.pk]))


# --------------------------------------------------------------------------- the declarant


@require_GET
@member_required
def my_cases(request: HttpRequest) -> HttpResponse:
    """A trader's or broker's own declarations; a customs officer is sent to the workbench instead."""
    actor = _actor(request)
    if selectors.is_customs_office(actor):
        return HttpResponseRedirect(reverse("customs:queue"))
    cases = selectors.cases_visible_to(actor).select_related("office").order_by("-received_at")
    found = list(cases[:MY_CASES_LIMIT + 1])
    return render(request, "customs/my_cases.html",
                  {"cases": found[:MY_CASES_LIMIT], "more": len(found) > MY_CASES_LIMIT, "limit": MY_CASES_LIMIT})


# --------------------------------------------------------------------------- time release study


@dataclass(frozen=True)
class IntervalTable:
    interval: trs.Interval
    rows: list[trs.Row]


@require_GET
def time_release(request: HttpRequest) -> HttpResponse:
    """Public figures: no login, no trader named; a bad period is answered, not raised."""
    today = timezone.localdate(timezone=trs.TAIPEI)
    error: tuple[str, str] | None = None
    report: trs.Report | None = None
    query: forms.ReportQuery | None = None
    try:
        query = forms.parse_report_query(request.GET, today=today)
        report = trs.time_release_report(since=query.since, until=query.until, office=query.office or None,
                                         channel=query.channel or None)
    except forms.InputError as bad:
        error = (bad.en, bad.zh)
    except trs.PeriodError as bad:
        en, _sep, zh = str(bad).partition(" / ")
        error = (en, zh)
    tables = [IntervalTable(interval, report.by_interval(interval.code)) for interval in trs.INTERVALS] \
        if report is not None else []
    values = {"since": request.GET.get("since", ""), "until": request.GET.get("until", ""),
              "office": request.GET.get("office", ""), "channel": request.GET.get("channel", "")}
    if query is not None:
        values = {"since": query.since.isoformat(), "until": query.until.isoformat(), "office": query.office,
                  "channel": query.channel}
    context = {"report": report, "tables": [t for t in tables if t.rows], "error": error, "values": values,
               "channels": Channel.values}
    return render(request, "customs/time_release.html", context, status=400 if error else 200)
