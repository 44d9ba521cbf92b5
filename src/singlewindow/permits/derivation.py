"""Derived permit applications (一次申辦): when a declaration needs a permit of a connected agency
that the trader does not hold, the Single Window writes the application from the declaration's
own data and sends it to the agency through the exchange. The trader keys nothing twice.

One application per declaration, regulation and agency: its reference (and client reference)
is ``DRV-<customs declaration number>-<regulation>``, so running the check again finds it
instead of sending a second one. It is sent on the declarant's behalf (the organisation that
signed the declaration; the Single Window has no organisation of its own to send as) and names
the importer as applicant, the declaration and its UCR, so it lands on the consignment's
timeline. It is stored in the transaction of the customs engine's run that found the need.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from singlewindow.codelists.models import PermitType
from singlewindow.customs.models import Case
from singlewindow.customs.services import case_number
from singlewindow.datamodel.datasets import Declaration, ExportDeclaration
from singlewindow.datamodel.datasets.base import Amount, Quantity
from singlewindow.datamodel.datasets.common import Office, Origin, Party
from singlewindow.datamodel.datasets.declaration import GovernmentAgencyGoodsItem
from singlewindow.datamodel.datasets.permits import PermitApplication, PermitGoodsItem, ReferencedDeclaration
from singlewindow.exchange.errors import ExchangeError
from singlewindow.exchange.intake import Envelope, prepare_message, store_message
from singlewindow.permits.applications import APPLICATION_TYPE, JSON, payload_of, record_application
from singlewindow.permits.models import Application, ApplicationOrigin
from singlewindow.permits.requirements import ItemRequirements, Need
from singlewindow.registry.actors import Actor

logger = logging.getLogger(__name__)

# The document type asked for (UN/EDIFACT 1001) by kind of permit: import/export licence, the
# commodity inspection certificate, a phytosanitary (quarantine) certificate, an approval.
TYPE_CODES: dict[str, tuple[str, str]] = {
    PermitType.PERMIT: ("911", "811"),
    PermitType.INSPECTION: ("BIC", "BIC"),
    PermitType.QUARANTINE: ("851", "851"),
    PermitType.APPROVAL: ("911", "811"),
}


@dataclass(frozen=True)
class Uncovered:
    """An item that needs a permit of ``need``'s agency and holds none that covers it."""

    requirement: ItemRequirements
    need: Need
    item: GovernmentAgencyGoodsItem
    quantity: tuple[Decimal, str] | None
    problem: tuple[str, str]
    cited: bool
    """The declaration cited a permit (which did not cover the item)."""


class NotDerived(Exception):
    """No application could be derived (nothing to ask for, or the exchange refused it)."""


def reference_for(case: Case, regulation: str) -> str:
    return f"DRV-{case_number(case)}-{regulation}"[:35]


def applicant_of(declaration: Declaration) -> Party | None:
    """The importer (the exporter for exports), else the declarant: who will hold the permit."""
    shipment = declaration.goods_shipment
    party = declaration.exporter if isinstance(declaration, ExportDeclaration) else (
        shipment.importer if shipment else None)
    for candidate in (party, declaration.declarant):
        if candidate is not None and candidate.id:
            return Party(id=candidate.id, name=candidate.name)
    return None


def _line(row: Uncovered) -> PermitGoodsItem | None:
    code = row.requirement.tariff_code
    if row.quantity is None or code is None or row.quantity[0] <= 0:
        return None
    commodity = row.item.commodity
    origins = [o for o in row.item.origin if o.country_code]
    value = row.requirement.cif_value_twd
    return PermitGoodsItem(
        sequence_numeric=row.requirement.sequence,
        description=((commodity.description if commodity else None) or code)[:512],
        classification_id=code, quantity=Quantity(value=row.quantity[0], unit_code=row.quantity[1]),
        value_amount=Amount(value=value.quantize(Decimal(1)), currency_id="TWD") if value is not None else None,
        origin=Origin(country_code=origins[0].country_code) if origins else None,
    )


def derive_application(case: Case, declaration: Declaration, rows: list[Uncovered]) -> Application:
    """Send (once) the application for ``rows``, all under one regulation of one agency; its register row."""
    need = rows[0].need
    agency = need.agency
    if agency is None:
        raise NotDerived("the agency is not connected")
    reference = reference_for(case, need.regulation)
    existing = Application.objects.filter(agency=agency, reference=reference).first()
    if existing is not None:
        return existing
    lines = [line for line in (_line(row) for row in rows) if line is not None]
    applicant = applicant_of(declaration)
    if not lines or applicant is None:
        raise NotDerived("no goods line with its quantity and code, or no applicant")
    export = isinstance(declaration, ExportDeclaration)
    document = PermitApplication(
        functional_reference_id=reference, issue_date_time=timezone.now(),
        type_code=TYPE_CODES.get(need.permit_type, ("911", "811"))[1 if export else 0],
        regulation_code=need.regulation, agency=Office(id=agency.code), applicant=applicant,
        declaration=ReferencedDeclaration(functional_reference_id=declaration.functional_reference_id,
                                          id=case_number(case), ucr=case.ucr or None),
        goods_item=lines,
    )
    envelope = Envelope(message_type=APPLICATION_TYPE, client_reference=reference, content_type=JSON,
                        payload=payload_of(document))
    sender = Actor(organisation=case.declarant, membership_role="engine")
    try:
        prepared = prepare_message(envelope=envelope, actor=sender)
    except ExchangeError as error:
        logger.warning("permit application %s not derived: %s", reference, error)
        raise NotDerived(str(error.code)) from None
    with transaction.atomic():
        stored = store_message(prepared)
        return record_application(document, agency=agency, origin=ApplicationOrigin.DERIVED,
                                  sender=case.declarant, message_id=stored.message.id, office=case.office,
                                  declaration_ref=case_number(case))
