"""Reads of the permit register that depend on who asks.

A permit is seen by the agency that issued it, by its holder and by customs offices (who
verify it); anyone else gets the same answer as for a permit that does not exist.
"""

from __future__ import annotations

from django.db.models import Prefetch, Q, QuerySet

from singlewindow.permits.models import Exemption, Permit, PermitLine, WriteOff
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole

MAX_WRITE_OFFS = 500


def permits_visible_to(actor: Actor) -> QuerySet[Permit]:
    organisation = actor.organisation
    if organisation is None:
        return Permit.objects.none()
    if OrganisationRole.CUSTOMS_OFFICE in organisation.role_codes:
        return Permit.objects.all()
    seen = Q(agency=organisation) | Q(holder=organisation)
    if organisation.business_id:
        seen |= Q(holder_business_id=organisation.business_id)
    return Permit.objects.filter(seen)


def permit_for(actor: Actor, agency_code: str, number: str) -> Permit | None:
    """The permit with its lines and its latest write-offs, if the actor may see it."""
    return permits_visible_to(actor).filter(agency__code=agency_code, number=number).select_related(
        "agency", "regulation", "holder").prefetch_related(
        Prefetch("lines", queryset=PermitLine.objects.order_by("sequence"))).first()


def write_offs_of(permit: Permit, *, limit: int = MAX_WRITE_OFFS) -> list[WriteOff]:
    """The permit's write-offs, newest first (at most ``limit``)."""
    return list(WriteOff.objects.filter(permit=permit).select_related("line", "office").order_by("-at", "-pk")[:limit])


def permits_numbered(agency: Organisation, numbers: list[str]) -> list[Permit]:
    """The agency's permits among these numbers (the matcher looks up the documents a declaration cites)."""
    if not numbers:
        return []
    return list(Permit.objects.filter(agency=agency, number__in=numbers).select_related("regulation"))


def exemptions() -> QuerySet[Exemption]:
    return Exemption.objects.select_related("regulation").order_by("regulation__code", "pk")


def permit_by_number(agency_code: str, number: str) -> Permit | None:
    """For operators (the command line): any permit, by its agency and number."""
    return Permit.objects.select_related("agency", "regulation").filter(agency__code=agency_code,
                                                                        number=number).first()
