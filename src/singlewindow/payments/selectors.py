"""Reads of the payments app that depend on who asks.

A trader or broker sees the orders it declared or is the importer of, the refunds owed to it
and the guarantees it holds; a bank sees the guarantees it issued, its confirmations and the
refunds to be paid through it; a customs office sees what concerns the office (orders of its
cases, guarantees lodged with it). Anyone else sees nothing; "not yours" answers as "not found".
"""

from __future__ import annotations

from django.db.models import Q, QuerySet

from singlewindow.payments.models import (
    BankConfirmation,
    Guarantee,
    GuaranteeState,
    LedgerEntry,
    PaymentOrder,
    RefundOrder,
)
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation
from singlewindow.registry.models import OrganisationRole as R
from singlewindow.registry.selectors import organisations_by_business_ids

LIST_LIMIT = 200


def _roles(actor: Actor) -> frozenset[str]:
    return actor.organisation.role_codes if actor.organisation is not None else frozenset()


def is_bank(actor: Actor) -> bool:
    return R.BANK in _roles(actor)


def is_customs(actor: Actor) -> bool:
    return R.CUSTOMS_OFFICE in _roles(actor)


def is_trader(actor: Actor) -> bool:
    return bool(_roles(actor) & {R.TRADER, R.CUSTOMS_BROKER})


def is_registered_bank(sender: Organisation, business_id: str) -> bool:
    """The sender is the active bank a message names (the registry's cached look-up: no query per payment)."""
    return business_id == sender.business_id and any(
        found.pk == sender.pk and R.BANK in found.role_codes for found in organisations_by_business_ids([business_id]))


def orders_visible_to(actor: Actor) -> QuerySet[PaymentOrder]:
    org = actor.organisation
    base = PaymentOrder.objects.select_related("case", "office", "declarant", "importer", "guarantee")
    if org is None:
        return base.none()
    if is_customs(actor):
        return base.filter(office=org)
    if is_trader(actor):
        return base.filter(Q(declarant=org) | Q(importer=org))
    return base.none()


def order_visible_to(actor: Actor, reference: str) -> PaymentOrder | None:
    return orders_visible_to(actor).filter(reference=reference).first()


def guarantees_visible_to(actor: Actor) -> QuerySet[Guarantee]:
    org = actor.organisation
    base = Guarantee.objects.select_related("bank", "trader", "office")
    if org is None:
        return base.none()
    found = Q(pk__in=[])
    if is_bank(actor):
        found |= Q(bank=org)
    if is_customs(actor):
        found |= Q(office=org)
    if is_trader(actor):
        found |= Q(trader=org)
    return base.filter(found)


def guarantee_visible_to(actor: Actor, guarantee_id: int) -> Guarantee | None:
    return guarantees_visible_to(actor).filter(pk=guarantee_id).first()


def acceptance_queue(actor: Actor) -> QuerySet[Guarantee]:
    """Guarantees lodged with the actor's office that wait for acceptance (customs only)."""
    if not is_customs(actor):
        return Guarantee.objects.none()
    return guarantees_visible_to(actor).filter(office=actor.organisation, state=GuaranteeState.REQUESTED)


def ledger_visible_to(actor: Actor, guarantee: Guarantee) -> QuerySet[LedgerEntry]:
    """The ledger of a guarantee the actor may see (pass one found through ``guarantee_visible_to``)."""
    return LedgerEntry.objects.filter(guarantee=guarantee).select_related("order").order_by("seq")


def confirmations_visible_to(actor: Actor) -> QuerySet[BankConfirmation]:
    org = actor.organisation
    base = BankConfirmation.objects.select_related("bank", "order")
    if org is None:
        return base.none()
    if is_bank(actor):
        return base.filter(bank=org)
    if is_customs(actor):
        return base.filter(office=org)
    if is_trader(actor):
        return base.filter(Q(order__declarant=org) | Q(order__importer=org))
    return base.none()


def refunds_visible_to(actor: Actor) -> QuerySet[RefundOrder]:
    org = actor.organisation
    base = RefundOrder.objects.select_related("payee", "bank", "order")
    if org is None:
        return base.none()
    if is_customs(actor):
        return base.filter(order__office=org)
    if is_bank(actor):
        return base.filter(bank=org)
    if is_trader(actor):
        return base.filter(payee=org)
    return base.none()


def exceptions_for(actor: Actor) -> QuerySet[BankConfirmation]:
    """Confirmations of the office that were not a plain match (refused, partial, surplus, paid twice)."""
    return confirmations_visible_to(actor).exclude(outcome="applied") if is_customs(actor) else (
        BankConfirmation.objects.none())
