"""Screens of the payments app, one per role: the trader's (what I owe, what I paid, my guarantees),
the bank's (guarantees issued, confirmations, the day's reconciliation) and the customs office's
(guarantees waiting for acceptance, confirmation exceptions, refunds).

Views parse, ask a selector, call one service and render; members of other organisations get
no further than a refusal, and another party's order answers as not found.
"""

from __future__ import annotations

from datetime import date

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from singlewindow.exchange.errors import ExchangeError
from singlewindow.payments import guarantees, selectors
from singlewindow.payments.errors import PaymentsError
from singlewindow.payments.models import GuaranteeState, OrderState
from singlewindow.payments.reconciliation import CLASS_TITLES, reconcile
from singlewindow.portal.views import member_required
from singlewindow.registry.actors import Actor
from singlewindow.registry.selectors import actor_for_user

OWED = (OrderState.OPEN, OrderState.PART_PAID, OrderState.GUARANTEED)


def _actor(request: HttpRequest, allowed: str) -> Actor:
    actor = actor_for_user(request.user)
    checks = {"trader": selectors.is_trader, "bank": selectors.is_bank, "customs": selectors.is_customs}
    if actor is None or actor.organisation is None or not checks[allowed](actor):
        raise PermissionDenied
    return actor


@require_GET
@member_required
def trader(request: HttpRequest) -> HttpResponse:
    actor = _actor(request, "trader")
    orders = selectors.orders_visible_to(actor)
    return render(request, "payments/trader.html", {
        "organisation": actor.organisation,
        "owed": list(orders.filter(state__in=OWED)[:selectors.LIST_LIMIT]),
        "paid": list(orders.filter(state=OrderState.PAID)[:50]),
        "guarantees": list(selectors.guarantees_visible_to(actor)[:50]),
        "refunds": list(selectors.refunds_visible_to(actor)[:50]),
    })


@require_GET
@member_required
def order_detail(request: HttpRequest, reference: str) -> HttpResponse:
    actor = actor_for_user(request.user)
    order = selectors.order_visible_to(actor, reference[:20]) if actor is not None else None
    if order is None:
        raise Http404
    return render(request, "payments/order.html", {
        "order": order, "confirmations": list(order.confirmations.filter(refused=False).order_by("received_at")),
        "overdue": order.state in OWED and order.due_at < timezone.now(),
    })


@require_GET
@member_required
def bank(request: HttpRequest) -> HttpResponse:
    actor = _actor(request, "bank")
    assert actor.organisation is not None
    raw = request.GET.get("date", "")
    problem = ""
    try:
        day = date.fromisoformat(raw) if raw else timezone.localdate()
    except ValueError:
        day, problem = timezone.localdate(), raw
    report = reconcile(actor.organisation, day)
    return render(request, "payments/bank.html", {
        "organisation": actor.organisation, "day": day, "bad_date": problem, "report": report,
        "titles": CLASS_TITLES, "counts": [(CLASS_TITLES[name], name, n) for name, n in report.counts.items()],
        "guarantees": list(selectors.guarantees_visible_to(actor)[:selectors.LIST_LIMIT]),
        "confirmations": list(selectors.confirmations_visible_to(actor)[:50]),
    }, status=422 if problem else 200)


@require_GET
@member_required
def customs(request: HttpRequest) -> HttpResponse:
    actor = _actor(request, "customs")
    return _customs_page(request, actor)


def _customs_page(request: HttpRequest, actor: Actor, *, error: PaymentsError | None = None,
                  status: int = 200) -> HttpResponse:
    return render(request, "payments/customs.html", {
        "organisation": actor.organisation, "error": error,
        "queue": list(selectors.acceptance_queue(actor)[:selectors.LIST_LIMIT]),
        "held": list(selectors.guarantees_visible_to(actor).exclude(state=GuaranteeState.REQUESTED)
                     .annotate(secured=guarantees.secured_orders())[:selectors.LIST_LIMIT]),
        "exceptions": list(selectors.exceptions_for(actor)[:100]),
        "refunds": list(selectors.refunds_visible_to(actor).filter(state="pending")[:100]),
    }, status=status)


@require_POST
@member_required
def decide_guarantee(request: HttpRequest, guarantee_id: int, action: str) -> HttpResponse:
    actor = _actor(request, "customs")
    guarantee = selectors.guarantee_visible_to(actor, guarantee_id)
    if guarantee is None or guarantee.office_id != actor.organisation.pk or action not in ("accept", "close"):  # type: ignore[union-attr]
        raise Http404
    try:
        if action == "accept":
            guarantees.accept_guarantee(guarantee, actor=actor)
            messages.success(request, _("Guarantee accepted; the bank was told."))
        else:
            guarantees.close_guarantee(guarantee, actor=actor)
            messages.success(request, _("Guarantee closed; the bank was told."))
    except PaymentsError as error:
        return _customs_page(request, actor, error=error, status=422)
    except ExchangeError as refused:
        problem = PaymentsError(str(refused.code), f"The exchange refused the message to the bank: {refused.detail}",
                                f"交換平臺拒收致銀行之訊息：{refused.detail}")
        return _customs_page(request, actor, error=problem, status=422)
    return HttpResponseRedirect(reverse("payments:customs"))
