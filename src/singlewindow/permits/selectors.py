"""Reads of the permit register that depend on who asks.

A permit is seen by the agency that issued it, by its holder and by customs offices (who
verify it); anyone else gets the same answer as for a permit that does not exist.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import F, Prefetch, Q, QuerySet
from django.utils import timezone

from singlewindow.permits.models import (
    OPEN_STATUSES,
    Application,
    ApplicationOrigin,
    ApplicationStatus,
    Exemption,
    Permit,
    PermitLine,
    WriteOff,
    WriteOffState,
)
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


# --------------------------------------------------------------------------- applications


def derived_applications(office: Organisation, declaration_ref: str) -> list[Application]:
    """The applications derived from one declaration of a customs office (the matcher's look-up)."""
    return list(Application.objects.filter(office=office, declaration_ref=declaration_ref,
                                           origin=ApplicationOrigin.DERIVED).select_related("permit", "agency"))


def permits_written_off(office: Organisation, declaration_ref: str) -> dict[int, set[str]]:
    """Per item sequence, the permit numbers the declaration's items already wrote off."""
    found: dict[int, set[str]] = {}
    for sequence, number in WriteOff.objects.filter(
            office=office, declaration_ref=declaration_ref, state=WriteOffState.WRITTEN_OFF).values_list(
            "item_sequence", "permit__number"):
        found.setdefault(sequence, set()).add(number)
    return found


def applications_visible_to(actor: Actor) -> QuerySet[Application]:
    """The agency sees the applications sent to it; the applicant and the sender theirs; customs all."""
    organisation = actor.organisation
    if organisation is None:
        return Application.objects.none()
    base = Application.objects.select_related("agency", "permit", "regulation")
    if OrganisationRole.CUSTOMS_OFFICE in organisation.role_codes:
        return base
    seen = Q(agency=organisation) | Q(applicant=organisation) | Q(sender=organisation)
    if organisation.business_id:
        seen |= Q(applicant_business_id=organisation.business_id)
    return base.filter(seen)


DESK_LIMIT = 200


def desk_inbox(actor: Actor, *, status: str | None = None, older_than: timedelta | None = None,
               overdue: bool = False, now: datetime | None = None) -> QuerySet[Application]:
    """The agency's own applications for the hosted desk: open ones by default, overdue first."""
    organisation = actor.organisation
    if organisation is None or OrganisationRole.PERMIT_AGENCY not in organisation.role_codes:
        return Application.objects.none()
    now = now or timezone.now()
    found = Application.objects.filter(agency=organisation).select_related("permit", "regulation")
    if status == "open" or status is None:
        found = found.filter(status__in=OPEN_STATUSES)
    elif status != "any":
        found = found.filter(status=status)
    if older_than is not None:
        found = found.filter(submitted_at__lt=now - older_than)
    if overdue:
        found = found.filter(status=ApplicationStatus.SUBMITTED, due_at__lt=now)
    return found.order_by(F("due_at").asc(nulls_last=True), "submitted_at", "pk")


def desk_application(actor: Actor, pk: int) -> Application | None:
    """One of the agency's applications (another agency's answers as not found)."""
    organisation = actor.organisation
    if organisation is None:
        return None
    return Application.objects.select_related("permit", "regulation", "agency", "sender", "office").filter(
        agency=organisation, pk=pk).first()


@dataclass(frozen=True)
class AgencyClearance:
    """Co-processing (會辦): one agency's status for a consignment, over all its applications."""

    agency: Organisation
    status: str
    applications: list[Application]


def clearance_status(applications: list[Application]) -> str:
    """The agency's consolidated status: rejected, information requested, waiting, or cleared."""
    statuses = {a.status for a in applications}
    if ApplicationStatus.REJECTED in statuses:
        return "rejected"
    if ApplicationStatus.INFORMATION_REQUESTED in statuses:
        return "information_requested"
    if ApplicationStatus.SUBMITTED in statuses:
        return "waiting"
    return "cleared"


def clearances_for(actor: Actor, ucr: str) -> list[AgencyClearance]:
    """Per agency, the consolidated status of a consignment's applications the actor may see."""
    by_agency: dict[object, list[Application]] = {}
    for application in applications_visible_to(actor).filter(ucr=ucr).order_by("agency__code", "submitted_at"):
        by_agency.setdefault(application.agency_id, []).append(application)
    return [AgencyClearance(rows[0].agency, clearance_status(rows), rows) for rows in by_agency.values()]
