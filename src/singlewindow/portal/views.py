"""Portal screens: parse the request, ask selectors or services, render a template.

Panels that htmx refreshes or pages are separate views returning a fragment; the full pages
include the same fragments, so everything still works with JavaScript switched off.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from functools import wraps
from typing import Any
from uuid import UUID

from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.views import redirect_to_login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import get_language, gettext_lazy
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from singlewindow.datamodel import guide
from singlewindow.datamodel.datasets import DATA_SETS
from singlewindow.datamodel.validation.catalogue import CATALOGUE
from singlewindow.exchange import selectors as exchange_selectors
from singlewindow.exchange import services as exchange_services
from singlewindow.exchange.errors import STATUS as EXCHANGE_STATUS
from singlewindow.exchange.errors import TITLES as EXCHANGE_TITLES
from singlewindow.portal import catalogue, selectors
from singlewindow.registry import selectors as registry_selectors
from singlewindow.registry import services as registry_services
from singlewindow.registry.actors import Actor
from singlewindow.registry.errors import MESSAGES as REGISTRY_MESSAGES
from singlewindow.registry.errors import RegistryError, RegistryErrorCode
from singlewindow.registry.models import PRINCIPAL_ROLES, Membership
from singlewindow.registry.selectors import actor_for_user

View = Callable[..., HttpResponse]


class LoginView(auth_views.LoginView):
    template_name = "portal/login.html"
    redirect_authenticated_user = True

    def get_success_url(self) -> str:
        # Back to the login page would be a loop (Django refuses it with a 500): go home instead.
        url = super().get_success_url()
        return self.get_default_redirect_url() if url == self.request.path else url


class LogoutView(auth_views.LogoutView):
    """POST only (Django's default), so a link or prefetch cannot log anyone out."""


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def member_required(view: View) -> View:
    """Like ``login_required``, but an expired session in an htmx panel reloads the whole page.

    Swapping the login form into a small panel would be confusing; ``HX-Redirect`` makes
    htmx navigate to the login page instead.
    """

    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            if _is_htmx(request):
                response = HttpResponse(status=204)
                response["HX-Redirect"] = reverse("portal:login")
                return response
            return redirect_to_login(request.get_full_path())
        return view(request, *args, **kwargs)

    return wrapper


def _actor(request: HttpRequest) -> Actor:
    actor = actor_for_user(request.user)
    assert actor is not None  # member_required ran first
    return actor


def _int_param(request: HttpRequest, name: str) -> int:
    try:
        return max(int(request.GET.get(name, "0")), 0)
    except ValueError:
        return 0


def _mailbox_context(request: HttpRequest, actor: Actor) -> dict[str, Any]:
    pending_only = request.GET.get("show") != "all"
    page = selectors.mailbox_page(actor, after=_int_param(request, "after"),
                                  pending_only=pending_only)
    return {"mailbox": page}


def home(request: HttpRequest) -> HttpResponse:
    """One address for everyone; what it shows depends on who the selectors say is asking."""
    actor = actor_for_user(request.user)
    kind = selectors.home_kind(actor)
    context: dict[str, Any] = {"kind": kind.value, "actor": actor}
    if actor is not None and actor.organisation is not None:
        context["sent"] = selectors.recent_sent(actor)
        context.update(_mailbox_context(request, actor))
    return render(request, "portal/home.html", context)


@require_GET
@member_required
def sent_panel(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(request, "portal/_sent_panel.html", {"sent": selectors.recent_sent(actor)})


@require_GET
@member_required
def mailbox_panel(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/_mailbox_panel.html", _mailbox_context(request, _actor(request)))


@require_POST
@member_required
def acknowledge(request: HttpRequest, delivery_id: int) -> HttpResponse:
    """Only the recipient may acknowledge; anyone else gets the same 404 as a missing id."""
    actor = _actor(request)
    delivery = exchange_selectors.delivery_for_recipient(actor, delivery_id)
    if delivery is None:
        raise Http404
    exchange_services.acknowledge_delivery(delivery=delivery, actor=actor)
    if _is_htmx(request):
        row = selectors.mailbox_row(actor, delivery_id)
        return render(request, "portal/_mailbox_row.html", {"delivery": row})
    messages.success(request, _("Delivery acknowledged."))
    return HttpResponseRedirect(reverse("portal:home"))


@require_GET
@member_required
def consignments(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    return render(request, "portal/consignments.html",
                  {"consignments": selectors.recent_consignments(actor)})


def _timeline_or_404(request: HttpRequest, ucr: str) -> dict[str, Any]:
    found = selectors.timeline(_actor(request), ucr)
    if found is None:
        raise Http404
    return {"timeline": found, "consignment": found.consignment}


@require_GET
@member_required
def timeline(request: HttpRequest, ucr: str) -> HttpResponse:
    return render(request, "portal/timeline.html", _timeline_or_404(request, ucr))


@require_GET
@member_required
def timeline_panel(request: HttpRequest, ucr: str) -> HttpResponse:
    return render(request, "portal/_timeline_events.html", _timeline_or_404(request, ucr))


def _message_or_404(request: HttpRequest, message_id: UUID) -> selectors.MessageDetail:
    detail = selectors.message_detail(_actor(request), message_id)
    if detail is None:
        raise Http404
    return detail


@require_GET
@member_required
def message_detail(request: HttpRequest, message_id: UUID) -> HttpResponse:
    return render(request, "portal/message.html", {"detail": _message_or_404(request, message_id)})


@require_GET
@member_required
def message_deliveries(request: HttpRequest, message_id: UUID) -> HttpResponse:
    return render(request, "portal/_deliveries_panel.html",
                  {"detail": _message_or_404(request, message_id)})


# --------------------------------------------------------------------------- mandates


def _mandates_page(request: HttpRequest, *, values: dict[str, str] | None = None, error: str = "",
                   status: int = 200) -> HttpResponse:
    actor = _actor(request)
    return render(request, "portal/mandates.html", {
        "given": registry_selectors.mandates_given(actor), "held": registry_selectors.mandates_held(actor),
        "is_manager": actor.membership_role == Membership.Role.MANAGER, "values": values or {}, "error": error,
        "gives": bool(actor.organisation and actor.organisation.role_codes & PRINCIPAL_ROLES),
        "today": timezone.localdate(),
    }, status=status)


def _refusal(error: RegistryError) -> str:
    en, zh = REGISTRY_MESSAGES[error.code]
    return zh if (get_language() or "").startswith("zh") else en


@require_GET
@member_required
def mandates(request: HttpRequest) -> HttpResponse:
    """Which agents act for the organisation (報關委任), and for whom it acts."""
    return _mandates_page(request)


@require_POST
@member_required
def give_mandate(request: HttpRequest) -> HttpResponse:
    values = {name: request.POST.get(name, "").strip()[:10] for name in ("agent", "valid_from", "valid_until")}
    try:
        valid_from, valid_until = (_day(values[name]) for name in ("valid_from", "valid_until"))
        registry_services.give_mandate(agent_business_id=values["agent"], valid_from=valid_from,
                                       valid_until=valid_until, actor=_actor(request))
    except ValueError:
        return _mandates_page(request, values=values, error=_("Write dates as YYYY-MM-DD."), status=422)
    except RegistryError as error:
        return _mandates_page(request, values=values, error=_refusal(error), status=error.status)
    messages.success(request, _("Mandate given."))
    return HttpResponseRedirect(reverse("portal:mandates"))


def _day(value: str) -> date | None:
    return date.fromisoformat(value) if value else None


@require_POST
@member_required
def withdraw_mandate(request: HttpRequest, mandate_id: int) -> HttpResponse:
    try:
        registry_services.withdraw_mandate(mandate_id=mandate_id, actor=_actor(request))
    except RegistryError as error:
        if error.code == RegistryErrorCode.NOT_FOUND:
            raise Http404 from None
        return _mandates_page(request, error=_refusal(error), status=error.status)
    messages.success(request, _("Mandate withdrawn."))
    return HttpResponseRedirect(reverse("portal:mandates"))


# --------------------------------------------------------------------------- service catalogue


@require_GET
def service_catalogue(request: HttpRequest) -> HttpResponse:
    """Public: every agency's services, with counts; htmx swaps only the list when a filter changes."""
    page = catalogue.catalogue_page(catalogue.parse_filters(request.GET))
    template = "portal/_services_panel.html" if _is_htmx(request) else "portal/services.html"
    return render(request, template, {"page": page})


# --------------------------------------------------------------------------- message guide
# Public pages: the same rows as docs/message-implementation-guide.md, read from datamodel.guide.

VALIDATION_LAYERS = {
    "schema": gettext_lazy("Structure"),
    "code list": gettext_lazy("Code list"),
    "business rule": gettext_lazy("Business rule"),
}


@require_GET
def guide_index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/guide_index.html", {"sections": guide.sections()})


_SLASH_BREAK = mark_safe("/<wbr>")


def _breakable(path: str) -> SafeString:
    """A path that may wrap after a slash where the screen allows it, never inside a name."""
    return format_html_join(_SLASH_BREAK, "{}", ((part,) for part in path.split("/")))


@require_GET
def guide_data_set(request: HttpRequest, dataset: str) -> HttpResponse:
    if dataset not in DATA_SETS:
        raise Http404
    section = guide.section(dataset)
    rows = [(row, _breakable(row.json_path), _breakable(row.xml_path)) for row in section.rows]
    return render(request, "portal/guide_data_set.html", {"section": section, "rows": rows})


@require_GET
def guide_errors(request: HttpRequest) -> HttpResponse:
    """Validation codes in the order their layers run, then the exchange's refusals of a whole message."""
    validation = [{"code": code, "layer": VALIDATION_LAYERS.get(layer, layer), "en": en, "zh": zh}
                  for code, (layer, en, zh) in CATALOGUE.items()]
    refusals = [{"code": str(code), "status": EXCHANGE_STATUS[code], "en": en, "zh": zh}
                for code, (en, zh) in EXCHANGE_TITLES.items()]
    return render(request, "portal/guide_errors.html", {"validation": validation, "refusals": refusals})
