"""Conveyance reports (進出港報告): a carrier's vessel or flight arrival or departure, delivered to
the customs office of the port, recorded per report reference (a change replaces it, a
cancellation withdraws it). The actual arrival is where the time release study starts."""

from __future__ import annotations

import uuid

from django.db import transaction
from django.utils import timezone

from singlewindow.cargo import errors
from singlewindow.cargo.errors import CargoError
from singlewindow.cargo.manifests import as_datetime
from singlewindow.cargo.models import Conveyance
from singlewindow.datamodel.datasets import ConveyanceReport
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.selectors import document_of
from singlewindow.exchange.services import record_state_change
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.registry.selectors import organisations_by_business_ids


def handle_conveyance_delivery(delivery: Delivery, actor: Actor) -> None:
    """The customs engine's handler for ``conveyance_report.submit``."""
    message = delivery.message
    document = document_of(message)
    if not isinstance(document, ConveyanceReport):
        return
    try:
        record_conveyance(document, carrier=_carrier_of(document, message.sender), office=delivery.recipient,
                          message_id=message.id, actor=actor)
    except CargoError as error:
        from singlewindow.cargo.answers import refuse_manifest

        refuse_manifest(message, actor, error.en, error.zh, code=error.code)


def _carrier_of(document: ConveyanceReport, filer: Organisation) -> Organisation:
    """The carrier the report is about: the filer, unless a port authority files for it (MTNet's role),
    in which case the report names the carrier by business ID."""
    if OrganisationRole.PORT_AUTHORITY not in filer.role_codes:
        return filer
    named = document.carrier.id if document.carrier is not None else None
    found = [o for o in organisations_by_business_ids([named]) if OrganisationRole.CARRIER in o.role_codes] \
        if named else []
    if not found:
        raise errors.invalid("cargo.carrier_unknown",
                             "A port authority's report must name a registered carrier by business ID.",
                             "港務機關申報之進出港報告須以統一編號載明已登錄之運輸業者。")
    return found[0]


@transaction.atomic
def record_conveyance(document: ConveyanceReport, *, carrier: Organisation, office: Organisation,
                      message_id: uuid.UUID | None, actor: Actor) -> Conveyance:
    existing = Conveyance.objects.select_for_update().filter(
        carrier=carrier, reference=document.functional_reference_id).first()
    ref = document.functional_reference_id
    if document.function_code == "9" and existing is not None:
        raise errors.conflict("cargo.report_exists", f"Conveyance report {ref} was already filed; send a change.",
                              f"進出港報告 {ref} 已申報；如需更正請以功能碼 4 傳送。")
    if document.function_code != "9" and (existing is None or existing.cancelled):
        raise errors.conflict("cargo.no_report", f"There is no conveyance report {ref} to change or cancel.",
                              f"查無可更正或撤銷之進出港報告 {ref}。")
    means = document.border_transport_means
    values = {
        "kind": document.type_code, "conveyance_reference": document.conveyance_reference_id,
        "transport_means": (means.name or means.id or "")[:70], "port": document.port_location.id or "",
        "scheduled_at": as_datetime(document.scheduled_date_time),
        "actual_at": as_datetime(document.actual_date_time), "cancelled": document.function_code == "1",
        "message_id": message_id, "updated_at": timezone.now(),
    }
    conveyance, _ = Conveyance.objects.update_or_create(carrier=carrier, reference=ref, defaults=values)
    what = ("arrived", "抵港") if document.type_code == "ARR" else ("departed", "離港")
    if conveyance.cancelled:
        what = ("report cancelled", "報告撤銷")
    when = f" at {conveyance.actual_at:%Y-%m-%d %H:%M} UTC" if conveyance.actual_at else ""
    record_state_change(
        organisation=office, kind=f"cargo.conveyance_{document.type_code.lower()}", ucr=None,
        message_id=message_id,
        fields={"carrier": carrier.code, "voyage": conveyance.conveyance_reference, "port": conveyance.port,
                "actual_at": conveyance.actual_at.isoformat() if conveyance.actual_at else None,
                "function": document.function_code, "actor": actor.label[:200]},
        title_en=f"{office.name_en}: {conveyance.transport_means or carrier.name_en} "
                 f"({conveyance.conveyance_reference}) {what[0]}{when}",
        title_zh=f"{office.name_zh or office.name_en}：{conveyance.transport_means or carrier.name_en}"
                 f"（{conveyance.conveyance_reference}）{what[1]}")
    return conveyance
