"""API of the payments app under /api/v1/payments: reads of orders, guarantees and their ledgers,
bank confirmations, refunds, and a bank's daily reconciliation. Writes arrive as messages through
the exchange (a bank's confirmations and guarantees) or from the customs screens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema

from singlewindow.payments import selectors
from singlewindow.payments.errors import Code, error
from singlewindow.payments.models import Guarantee, LedgerEntry, PaymentOrder, RefundOrder
from singlewindow.payments.reconciliation import reconcile
from singlewindow.problems import ProblemOut
from singlewindow.registry.auth import API_AUTH, actor_of

router = Router(auth=API_AUTH, tags=["payments"])

ERRORS: dict[int, Any] = {403: ProblemOut, 404: ProblemOut, 422: ProblemOut}


class LineOut(Schema):
    code: str
    en: str
    zh: str
    amount: str


class OrderOut(Schema):
    reference: str = Field(description="Payment reference (銷帳編號) with two check digits (ISO 7064 MOD 97-10).")
    declaration: str = Field(description="The declarant's reference of the declaration.")
    office: str
    declarant: str
    importer_business_id: str
    amount: str = Field(description="Whole New Taiwan dollars.")
    amount_paid: str
    outstanding: str
    state: str
    lines: list[LineOut]
    issued_at: datetime
    due_at: datetime
    paid_at: datetime | None
    guarantee: str | None = Field(description="The guarantee the goods were released against, if any.")


class GuaranteeOut(Schema):
    id: int
    number: str
    bank: str
    trader: str
    office: str
    purpose: str
    currency: str
    amount: str
    balance: str
    valid_from: date
    valid_to: date
    state: str
    entries: int
    head_hash: str


class EntryOut(Schema):
    seq: int
    kind: str
    amount: str
    balance: str
    order: str | None
    at: datetime
    actor: str
    body: str = Field(description="The canonical JSON the hash covers.")
    hash: str = Field(description="SHA-256 of the previous entry's hash and the leaf hash of body.")


class ConfirmationOut(Schema):
    bank: str
    transaction_id: str
    reference: str
    amount: str
    applied: str
    outcome: str
    reason_en: str
    reason_zh: str
    paid_at: datetime
    received_at: datetime


class RefundOut(Schema):
    reference: str
    reason: str
    payee: str
    bank: str | None
    order: str | None
    amount: str
    state: str
    created_at: datetime
    due_at: datetime


def _order_out(order: PaymentOrder) -> OrderOut:
    return OrderOut(
        reference=order.reference, declaration=order.case.reference, office=order.office.code,
        declarant=order.declarant.code, importer_business_id=order.importer_business_id, amount=str(order.amount),
        amount_paid=str(order.amount_paid), outstanding=str(order.outstanding), state=order.state,
        lines=[LineOut(**line) for line in order.lines], issued_at=order.issued_at, due_at=order.due_at,
        paid_at=order.paid_at, guarantee=order.guarantee.number if order.guarantee else None)


def _guarantee_out(guarantee: Guarantee) -> GuaranteeOut:
    return GuaranteeOut(
        id=guarantee.pk, number=guarantee.number, bank=guarantee.bank.code, trader=guarantee.trader.code,
        office=guarantee.office.code, purpose=guarantee.purpose, currency=guarantee.currency,
        amount=str(guarantee.amount), balance=str(guarantee.balance), valid_from=guarantee.valid_from,
        valid_to=guarantee.valid_to, state=guarantee.state, entries=guarantee.entries, head_hash=guarantee.head_hash)


def _entry_out(entry: LedgerEntry) -> EntryOut:
    return EntryOut(seq=entry.seq, kind=entry.kind, amount=str(entry.amount), balance=str(entry.balance),
                    order=entry.order.reference if entry.order else None, at=entry.at, actor=entry.actor,
                    body=entry.body, hash=entry.hash)


def _refund_out(refund: RefundOrder) -> RefundOut:
    return RefundOut(reference=refund.reference, reason=refund.reason, payee=refund.payee.code,
                     bank=refund.bank.code if refund.bank else None,
                     order=refund.order.reference if refund.order else None, amount=str(refund.amount),
                     state=refund.state, created_at=refund.created_at, due_at=refund.due_at)


@router.get("/orders", response={200: list[OrderOut], **ERRORS}, summary="Payment orders visible to you")
def list_orders(request: HttpRequest, state: str = "") -> list[OrderOut]:
    """The declarant's and the importer's orders, or the office's; newest first (at most 200)."""
    orders = selectors.orders_visible_to(actor_of(request))
    if state:
        orders = orders.filter(state=state[:20])
    return [_order_out(order) for order in orders[:selectors.LIST_LIMIT]]


@router.get("/orders/{reference}", response={200: OrderOut, **ERRORS}, summary="One payment order")
def get_order(request: HttpRequest, reference: str) -> OrderOut:
    order = selectors.order_visible_to(actor_of(request), reference[:20])
    if order is None:
        raise error(Code.NOT_FOUND, status=404)
    return _order_out(order)


@router.get("/guarantees", response={200: list[GuaranteeOut], **ERRORS}, summary="Guarantees visible to you")
def list_guarantees(request: HttpRequest) -> list[GuaranteeOut]:
    """The bank's issued guarantees, the trader's own, or those lodged with the office."""
    return [_guarantee_out(g) for g in selectors.guarantees_visible_to(actor_of(request))[:selectors.LIST_LIMIT]]


@router.get("/guarantees/{guarantee_id}/ledger", response={200: list[EntryOut], **ERRORS},
            summary="A guarantee's hash-chained ledger")
def guarantee_ledger(request: HttpRequest, guarantee_id: int) -> list[EntryOut]:
    actor = actor_of(request)
    guarantee = selectors.guarantee_visible_to(actor, guarantee_id)
    if guarantee is None:
        raise error(Code.NOT_FOUND, status=404)
    return [_entry_out(entry) for entry in selectors.ledger_visible_to(actor, guarantee)]


@router.get("/confirmations", response={200: list[ConfirmationOut], **ERRORS}, summary="Bank confirmations")
def list_confirmations(request: HttpRequest) -> list[ConfirmationOut]:
    """The bank's own confirmations, those of the office's orders, or of the trader's orders."""
    return [ConfirmationOut(bank=c.bank.code, transaction_id=c.transaction_id, reference=c.reference,
                            amount=str(c.amount), applied=str(c.applied), outcome=c.outcome, reason_en=c.reason_en,
                            reason_zh=c.reason_zh, paid_at=c.paid_at, received_at=c.received_at)
            for c in selectors.confirmations_visible_to(actor_of(request))[:selectors.LIST_LIMIT]]


@router.get("/refunds", response={200: list[RefundOut], **ERRORS}, summary="Refund orders")
def list_refunds(request: HttpRequest) -> list[RefundOut]:
    return [_refund_out(r) for r in selectors.refunds_visible_to(actor_of(request))[:selectors.LIST_LIMIT]]


@router.get("/reconciliation/{day}", response={200: dict[str, Any], **ERRORS},
            summary="The calling bank's reconciliation of a day (Taipei time)")
def reconciliation(request: HttpRequest, day: str) -> dict[str, Any]:
    """For banks only: their confirmations of ``day`` (YYYY-MM-DD) classed against the orders."""
    actor = actor_of(request)
    if not selectors.is_bank(actor) or actor.organisation is None:
        raise error(Code.NOT_FOUND, status=404)
    try:
        parsed = date.fromisoformat(day)
    except ValueError:
        raise error(Code.BAD_DATE) from None
    return reconcile(actor.organisation, parsed).as_dict()
