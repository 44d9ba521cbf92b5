"""Where cargo messages go (rules registered with the exchange's router).

A manifest goes to the customs office it names. A conveyance report goes to the customs office
of its port (the UN/LOCODE offices are named by) and to the port authorities. A release notice
goes to the warehouse it names and the declarant, each by business ID.
"""

from __future__ import annotations

from singlewindow.datamodel.datasets import CargoManifest, ConveyanceReport
from singlewindow.datamodel.datasets.release import ReleaseNotice
from singlewindow.exchange.routing import RoutingContext, register_route
from singlewindow.registry import selectors
from singlewindow.registry.models import Organisation, OrganisationRole


@register_route("cargo_manifest")
def manifest_to_office(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, CargoManifest):
        return []
    return selectors.customs_offices(document.declaration_office_id or "")


@register_route("conveyance_report")
def conveyance_to_office_and_port(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, ConveyanceReport):
        return []
    offices = selectors.customs_offices(document.port_location.id or "")
    ports = list(Organisation.objects.filter(roles__role=OrganisationRole.PORT_AUTHORITY, is_active=True))
    return [*offices, *ports]


@register_route("release_notice")
def release_to_warehouse(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, ReleaseNotice):
        return []
    found: list[Organisation] = []
    if document.warehouse is not None and document.warehouse.id:
        found += [org for org in selectors.organisations_by_business_ids([document.warehouse.id])
                  if OrganisationRole.WAREHOUSE_OPERATOR in org.role_codes]
    if document.declarant is not None and document.declarant.id:
        found += selectors.organisations_by_business_ids([document.declarant.id])
    return found
