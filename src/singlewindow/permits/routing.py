"""Where permit applications and decisions go (rules registered with the exchange's router).

An application goes to the agency it names. A decision goes to the applicant, to whoever sent
the application (a broker declaring for the importer), and to the customs offices concerned:
the office of the declaration it was derived from and any office with an open declaration of
the consignment it names. A decision the register has not recorded (sent around
``applications.send_decision``) has no recipient, so the exchange refuses it: the permit it
grants would otherwise never reach the register customs verifies against.
"""

from __future__ import annotations

from singlewindow.customs.lifecycle import FINAL
from singlewindow.customs.models import Case
from singlewindow.datamodel.datasets.permits import PermitApplication, PermitDecision
from singlewindow.exchange.routing import RoutingContext, register_route
from singlewindow.permits.models import Application
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.registry.selectors import organisations_by_business_ids


@register_route("permit_application")
def application_to_agency(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, PermitApplication) or not document.agency.id:
        return []
    return list(Organisation.objects.filter(code=document.agency.id, is_active=True,
                                            roles__role=OrganisationRole.PERMIT_AGENCY))


@register_route("permit_decision")
def decision_to_parties(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, PermitDecision):
        return []
    application = Application.objects.select_related("sender", "office").filter(
        agency=context.sender, reference=document.application_reference_id,
        decision_reference=document.functional_reference_id).first()
    if application is None:
        return []
    found = organisations_by_business_ids([document.applicant.id]) if document.applicant.id else []
    found += [org for org in (application.sender, application.office) if org is not None]
    ucr = document.ucr or application.ucr
    if ucr:
        offices = Case.objects.filter(ucr=ucr).exclude(state__in=FINAL).values_list("office_id", flat=True)
        found += list(Organisation.objects.filter(pk__in=list(offices), is_active=True))
    return found
