"""The hosted permit desk (for agencies without a system of their own): the inbox of applications
with its filters and overdue list, an application with its goods, and the four decisions.

Views parse, ask a selector, call one service and render. Only members of a permit agency get
in, and each sees its own agency's applications; another agency's answers as not found. A
decision that fails changes nothing and the page comes back with the reason in both languages.
"""

from __future__ import annotations

from urllib.parse import urlencode

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect, QueryDict
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from singlewindow.exchange.errors import ExchangeError
from singlewindow.permits import forms, selectors
from singlewindow.permits.applications import decide_on_desk
from singlewindow.permits.errors import MESSAGES, PermitError
from singlewindow.permits.models import Application
from singlewindow.portal.views import member_required
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import OrganisationRole
from singlewindow.registry.selectors import actor_for_user


def _agency(request: HttpRequest) -> Actor:
    """The logged-in member of a permit agency; anyone else is refused without further detail."""
    actor = actor_for_user(request.user)
    if actor is None or actor.organisation is None or (
            OrganisationRole.PERMIT_AGENCY not in actor.organisation.role_codes):
        raise PermissionDenied
    return actor


@require_GET
@member_required
def desk(request: HttpRequest) -> HttpResponse:
    actor = _agency(request)
    filters = forms.parse_filters(request.GET)
    now = timezone.now()
    found = list(selectors.desk_inbox(actor, status=filters.status, older_than=filters.older_than,
                                      overdue=filters.overdue, now=now)[:selectors.DESK_LIMIT + 1])
    rows = [(a, a.is_open and a.due_at is not None and a.due_at < now) for a in found[:selectors.DESK_LIMIT]]
    overdue_count = selectors.desk_inbox(actor, status="open", overdue=True, now=now).count()
    query = {k: v for k, v in (("status", filters.status), ("age", filters.age)) if v}
    return render(request, "permits/desk.html", {
        "filters": filters, "rows": rows, "more": len(found) > selectors.DESK_LIMIT, "limit": selectors.DESK_LIMIT,
        "statuses": forms.STATUSES, "ages": [(code, (age[1], age[2])) for code, age in forms.AGES.items()],
        "overdue_count": overdue_count, "overdue_query": urlencode({**query, "overdue": "1"}),
        "organisation": actor.organisation,
    })


def _page(request: HttpRequest, application: Application, *, error: object = None, failed: str = "",
          posted: QueryDict | None = None, status: int = 200) -> HttpResponse:
    values = posted if posted is not None else QueryDict()
    lines = [{**line, "granted": values.get(f"granted-{line['sequence']}", line["quantity"])}
             for line in application.goods]
    now = timezone.now()
    return render(request, "permits/application.html", {
        "application": application, "lines": lines, "error": error, "failed": failed, "values": values,
        "overdue": application.is_open and application.due_at is not None and application.due_at < now,
        "today": timezone.localdate().isoformat(),
    }, status=status)


def _application(request: HttpRequest, application_id: int) -> tuple[Actor, Application]:
    actor = _agency(request)
    application = selectors.desk_application(actor, application_id)
    if application is None:
        raise Http404
    return actor, application


@require_GET
@member_required
def application_detail(request: HttpRequest, application_id: int) -> HttpResponse:
    _, application = _application(request, application_id)
    return _page(request, application)


@require_POST
@member_required
def decide(request: HttpRequest, application_id: int, action: str) -> HttpResponse:
    actor, application = _application(request, application_id)
    if action not in forms.ACTIONS:
        raise Http404
    try:
        decision = forms.parse_decision(action, request.POST, application)
        decide_on_desk(application, decision=decision, actor=actor)
    except forms.InputError as error:
        return _page(request, application, error=error, failed=action, posted=request.POST, status=422)
    except PermitError as error:
        en, zh = MESSAGES[error.code]
        problem = {"code": str(error.code), "en": f"{en} {error.detail}".strip(), "zh": f"{zh} {error.detail}".strip()}
        return _page(request, application, error=problem, failed=action, posted=request.POST, status=422)
    except ExchangeError as error:
        detail = error.detail or str(error.code)
        problem = {"code": str(error.code), "en": f"The exchange refused the decision: {detail}",
                   "zh": f"交換平臺拒收此核定：{detail}"}
        return _page(request, application, error=problem, failed=action, posted=request.POST, status=422)
    messages.success(request, _("The decision was sent to the applicant and customs."))
    return HttpResponseRedirect(reverse("permits:application", args=[application.pk]))
