"""Reads of the cargo register that depend on who asks. "Not yours" and "not found" look the same.

Who sees what: a carrier its own manifests and bills; a customs office the manifests filed with
it; a warehouse the bills it holds or is named for, and their releases; a declarant (trader or
broker) the bills its declarations cite and the bills consigned to it.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from singlewindow.cargo.models import Allocation, Bill, DiscrepancyReport, Manifest, ManifestVersion, ReportState
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import OrganisationRole

R = OrganisationRole


def manifests_visible_to(actor: Actor) -> QuerySet[Manifest]:
    org = actor.organisation
    if org is None:
        return Manifest.objects.none()
    return Manifest.objects.filter(Q(carrier=org) | Q(office=org)).select_related("carrier", "office")


def manifest_detail(actor: Actor, manifest_id: int) -> Manifest | None:
    return (manifests_visible_to(actor).filter(pk=manifest_id)
            .prefetch_related(Prefetch("versions", queryset=ManifestVersion.objects.order_by("-number")))
            .first())


def bills_visible_to(actor: Actor) -> QuerySet[Bill]:
    org = actor.organisation
    if org is None:
        return Bill.objects.none()
    seen = Q(carrier=org) | Q(manifest__office=org) | Q(warehouse=org)
    if R.WAREHOUSE_OPERATOR in org.role_codes:
        # An import bill that names no warehouse goes to the first one that records its arrival.
        seen |= Q(warehouse__isnull=True, direction="IMP", receipt__isnull=True, cancelled=False)
    if org.business_id:
        seen |= Q(consignee_id=org.business_id)
    cited = Allocation.objects.filter(declarant=org).values("bill_id")
    return (Bill.objects.filter(seen | Q(pk__in=cited))
            .select_related("manifest__office", "carrier", "warehouse", "master", "receipt"))


def bills_of_manifest(manifest: Manifest, limit: int = 500) -> list[Bill]:
    return list(Bill.objects.filter(manifest=manifest).select_related("master", "warehouse", "receipt")
                .order_by("kind", "sequence", "pk")[:limit])


def expected_bills(actor: Actor, limit: int = 200) -> list[Bill]:
    """The warehouse's import bills not yet received, earliest arrival first."""
    org = actor.organisation
    if org is None:
        return []
    return list(Bill.objects.filter(warehouse=org, direction="IMP", receipt__isnull=True, cancelled=False,
                                    manifest__cancelled=False, houses__isnull=True)
                .select_related("manifest", "carrier").order_by("manifest__arrival_at", "pk")[:limit])


def arrived_bills(actor: Actor, limit: int = 200) -> list[Bill]:
    org = actor.organisation
    if org is None:
        return []
    return list(Bill.objects.filter(warehouse=org, receipt__isnull=False)
                .select_related("manifest", "receipt", "carrier")
                .order_by("-receipt__at")[:limit])


def releases_visible_to(actor: Actor) -> QuerySet[Allocation]:
    """Releases (and, for customs and declarants, every claim) the actor may see."""
    org = actor.organisation
    if org is None:
        return Allocation.objects.none()
    return (Allocation.objects.filter(Q(bill__warehouse=org) & Q(state=Allocation.State.RELEASED)
                                      | Q(office=org) | Q(declarant=org) | Q(bill__carrier=org))
            .select_related("bill", "office", "declarant").order_by("-updated_at", "-pk"))


def to_gate_out(actor: Actor, limit: int = 200) -> list[Allocation]:
    """The warehouse's releases with packages still to leave."""
    org = actor.organisation
    if org is None:
        return []
    return [a for a in Allocation.objects.filter(bill__warehouse=org, state=Allocation.State.RELEASED)
            .select_related("bill").order_by("released_at", "pk")[:limit] if a.gated_out < a.packages]


def reports_visible_to(actor: Actor) -> QuerySet[DiscrepancyReport]:
    org = actor.organisation
    if org is None:
        return DiscrepancyReport.objects.none()
    return (DiscrepancyReport.objects.filter(Q(warehouse=org) | Q(bill__carrier=org) | Q(bill__manifest__office=org))
            .select_related("bill__manifest", "bill__carrier", "warehouse").prefetch_related("sign_offs__organisation"))


def reports_waiting_for(actor: Actor) -> list[DiscrepancyReport]:
    """Reports the actor has to act on: the carrier's to confirm, customs' to accept."""
    org = actor.organisation
    if org is None:
        return []
    return list(reports_visible_to(actor).filter(
        Q(bill__carrier=org, state=ReportState.FILED) | Q(bill__manifest__office=org, state=ReportState.CONFIRMED))
        .order_by("filed_at", "pk")[:200])


def role_of(actor: Actor) -> str:
    """The cargo role the screens show: carrier, warehouse, customs, declarant (or none)."""
    org = actor.organisation
    roles = org.role_codes if org is not None else frozenset()
    for role, name in ((R.CUSTOMS_OFFICE, "customs"), (R.WAREHOUSE_OPERATOR, "warehouse"), (R.CARRIER, "carrier"),
                       (R.FORWARDER, "carrier"), (R.CUSTOMS_BROKER, "declarant"), (R.TRADER, "declarant")):
        if role in roles:
            return name
    return ""
