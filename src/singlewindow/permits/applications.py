"""Writes on the application register: an application is recorded when it is sent (derived from a
declaration, or delivered to an agency on the hosted desk), an agency's decision is recorded and
sent on through the exchange, and overdue applications are reminded once.

A decision leaves only through ``send_decision``: the register records it (the application's
status, the permit it grants) and the message is stored in the same transaction, so the
register and the exchange never disagree. The decision's route rule (``permits.routing``)
finds no recipient for a decision the register has not recorded.
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import transaction
from django.utils import timezone

from singlewindow.codelists.models import RegulationCode
from singlewindow.datamodel.codecs import codec_for_content_type, codec_named
from singlewindow.datamodel.datasets.base import Quantity
from singlewindow.datamodel.datasets.common import Office, Party
from singlewindow.datamodel.datasets.permits import (
    DecisionReason,
    GrantedGoodsItem,
    PermitApplication,
    PermitDecision,
    PermitGoodsItem,
    ReferencedDeclaration,
)
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.intake import (
    Envelope,
    IntakeResult,
    decode_and_validate,
    prepare_message,
    record_rejection,
    store_message,
)
from singlewindow.exchange.models import Message
from singlewindow.exchange.services import record_state_change
from singlewindow.permits.errors import PermitError, PermitErrorCode
from singlewindow.permits.models import Application, ApplicationOrigin, ApplicationStatus, Permit
from singlewindow.permits.services import record_decision
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.registry.selectors import organisations_by_business_ids, service_for_message_type

APPLICATION_TYPE = "permit_application.submit"
DECISION_TYPE = "permit_decision.notification"
JSON = "application/json"
REMINDER_BATCH = 500


def _goods_of(document: PermitApplication) -> list[dict[str, Any]]:
    return [{"sequence": item.sequence_numeric, "hs_code": item.classification_id,
             "description": item.description, "quantity": str(item.quantity.value),
             "unit": (item.quantity.unit_code or "").upper()} for item in document.goods_item]


@transaction.atomic
def record_application(document: PermitApplication, *, agency: Organisation, origin: str, sender: Organisation | None,
                       message_id: uuid.UUID | None, office: Organisation | None = None,
                       declaration_ref: str = "") -> Application:
    """The register's row for an application sent to ``agency``; the existing one when already recorded.

    Its statutory processing time is the catalogue's for ``permit_application.submit``.
    """
    existing = Application.objects.select_for_update().filter(
        agency=agency, reference=document.functional_reference_id).first()
    now = timezone.now()
    service = service_for_message_type(APPLICATION_TYPE)
    if existing is not None:
        if existing.status == ApplicationStatus.INFORMATION_REQUESTED and message_id is not None:
            # The applicant answers a request for information by sending the application again.
            existing.status, existing.message_id = ApplicationStatus.SUBMITTED, message_id
            existing.goods = _goods_of(document)
            existing.submitted_at = existing.updated_at = now
            existing.due_at = now + service.processing_time if service is not None else None
            existing.reminded_at = None
            existing.save(update_fields=["status", "goods", "message_id", "submitted_at", "updated_at", "due_at",
                                         "reminded_at"])
        return existing
    applicant_id = document.applicant.id or ""
    holders = organisations_by_business_ids([applicant_id]) if applicant_id else []
    application = Application.objects.create(
        agency=agency, reference=document.functional_reference_id, origin=origin,
        regulation_code=document.regulation_code.upper(),
        regulation=RegulationCode.objects.filter(code=document.regulation_code.upper()).first(),
        type_code=document.type_code.upper(), applicant_business_id=applicant_id,
        applicant_name=document.applicant.name or "", applicant=holders[0] if holders else None, sender=sender,
        office=office, declaration_ref=declaration_ref,
        declaration_reference=(document.declaration.functional_reference_id or "") if document.declaration else "",
        ucr=document.consignment_reference() or "", goods=_goods_of(document), message_id=message_id,
        submitted_at=now, due_at=now + service.processing_time if service is not None else None, updated_at=now,
    )
    return application


def record_delivered_application(message: Message, document: PermitApplication, agency: Organisation) -> Application:
    """An application the applicant sent itself, as the hosted desk receives it."""
    return record_application(document, agency=agency, origin=ApplicationOrigin.DIRECT, sender=message.sender,
                              message_id=message.id)


# --------------------------------------------------------------------------- decisions


@dataclass(frozen=True)
class DecisionSent:
    """The stored decision message (or the first one, for a resend), its application and permit."""

    result: IntakeResult
    application: Application
    permit: Permit | None


def send_decision(*, payload: bytes, client_reference: str, actor: Actor, signature: str = "",
                  content_type: str = JSON, regulation_code: str = "", type_code: str = "") -> DecisionSent:
    """An agency decides: record the decision (and the permit it grants) and send it through the exchange.

    ``payload`` is the ``PermitDecision`` exactly as it travels (an agency's signature covers
    these bytes). The application is found by the decision's application reference among the
    acting agency's; one only another agency received is refused (``permits.not_your_application``).
    A decision on an application the register never saw (sent to the agency's own system) needs
    ``regulation_code``. A refusal by the exchange is recorded as intake records it; nothing else
    is kept.
    """
    envelope = Envelope(message_type=DECISION_TYPE, client_reference=client_reference, content_type=content_type,
                        payload=payload, signature=signature)
    try:
        return _send_decision(envelope, actor, regulation_code=regulation_code, type_code=type_code)
    except ExchangeError as error:
        record_rejection(envelope=envelope, actor=actor, digest=hashlib.sha256(payload).hexdigest(), error=error)
        raise


@transaction.atomic
def _send_decision(envelope: Envelope, actor: Actor, *, regulation_code: str, type_code: str) -> DecisionSent:
    agency = actor.organisation
    if agency is None or OrganisationRole.PERMIT_AGENCY not in agency.role_codes:
        raise PermitError(PermitErrorCode.NOT_AGENCY)
    codec = codec_for_content_type(envelope.content_type)
    if codec is None:
        raise ExchangeError(ExchangeErrorCode.UNSUPPORTED_CONTENT_TYPE,
                            detail=f"content type {envelope.content_type[:60]!r} is not supported")
    decision = decode_and_validate(codec, "permit_decision", envelope.payload)
    assert isinstance(decision, PermitDecision)
    resent = Message.objects.filter(sender=agency, client_reference=envelope.client_reference).first()
    application = _application_for(decision, agency, regulation_code=regulation_code, type_code=type_code)
    if resent is not None:
        # A resend: the exchange answers it (the first receipt, or client reference reused).
        return DecisionSent(store_message(prepare_message(envelope=envelope, actor=actor)), application,
                            application.permit)
    if application.status == ApplicationStatus.REJECTED:
        raise PermitError(PermitErrorCode.APPLICATION_CLOSED, application.reference)
    now = timezone.now()
    application.status = decision.decision_code
    application.decided_at, application.updated_at = now, now
    application.decisions += 1
    application.decision_reference = decision.functional_reference_id
    application.reasons = [_reason(r) for r in decision.reason][:50]
    application.save(update_fields=["status", "decided_at", "updated_at", "decisions", "decision_reference",
                                    "reasons"])
    result = store_message(prepare_message(envelope=envelope, actor=actor))
    permit = record_decision(decision, agency=agency, regulation_code=application.regulation_code, actor=actor,
                             type_code=application.type_code, message_id=result.message.id)
    if permit is None and decision.decision_code in ("approved", "partially_approved"):
        raise PermitError(PermitErrorCode.BAD_DECISION, "an approval must grant a permit")
    application.decision_message_id = result.message.id
    application.permit = permit if permit is not None else application.permit
    application.save(update_fields=["decision_message_id", "permit"])
    if permit is None:
        en, zh = _DECIDED[decision.decision_code]
        record_state_change(
            organisation=agency, kind=f"permits.application_{decision.decision_code}", ucr=decision.ucr,
            message_id=result.message.id,
            fields={"application": application.reference, "decision": decision.functional_reference_id,
                    "regulation": application.regulation_code, "actor": actor.label[:200]},
            title_en=f"{agency.name_en}: permit application {application.reference} {en}",
            title_zh=f"{agency.name_zh or agency.name_en}：簽審申請 {application.reference} {zh}",
        )
    return DecisionSent(result, application, permit)


_DECIDED = {"rejected": ("rejected", "已駁回"), "information_requested": ("needs more information", "通知補件")}


def _reason(reason: DecisionReason) -> dict[str, str]:
    """A reason as the desk writes it ("English / 中文") split back into its halves."""
    text = reason.statement_description
    en, _, zh = text.partition(" / ")
    return {"en": en.strip(), "zh": (zh or en).strip(), "code": reason.statement_code or ""}


def _application_for(decision: PermitDecision, agency: Organisation, *, regulation_code: str,
                     type_code: str) -> Application:
    """The acting agency's application (locked), or a row recording one the register never saw."""
    reference = decision.application_reference_id
    found = Application.objects.select_for_update().filter(agency=agency, reference=reference).first()
    if found is not None:
        return found
    if Application.objects.filter(reference=reference).exclude(agency=agency).exists():
        raise PermitError(PermitErrorCode.NOT_YOUR_APPLICATION, reference)
    if not regulation_code.strip():
        raise PermitError(PermitErrorCode.UNKNOWN_APPLICATION, reference)
    regulation = RegulationCode.objects.filter(code=regulation_code.strip().upper()).first()
    if regulation is None or (regulation.agency_code and regulation.agency_code != agency.code):
        raise PermitError(PermitErrorCode.UNKNOWN_REGULATION, regulation_code[:10])
    goods = [PermitGoodsItem(sequence_numeric=g.sequence_numeric, description=g.description or g.classification_id,
                             classification_id=g.classification_id, quantity=g.quantity) for g in decision.goods_item]
    document = PermitApplication(
        functional_reference_id=reference, type_code=(type_code.strip().upper() or "911")[:3],
        regulation_code=regulation.code, agency=Office(id=agency.code), applicant=decision.applicant,
        declaration=ReferencedDeclaration(ucr=decision.ucr) if decision.ucr else None,
        goods_item=goods or [PermitGoodsItem(sequence_numeric=1, description="-", classification_id="000000",
                                             quantity=Quantity(value=Decimal(0)))],
    )
    return record_application(document, agency=agency, origin=ApplicationOrigin.EXTERNAL, sender=None,
                              message_id=None)


# --------------------------------------------------------------------------- the hosted desk


@dataclass(frozen=True)
class DeskDecision:
    """What an officer decides on the desk (the form, parsed)."""

    code: str  # approved, partially_approved, rejected, information_requested
    permit_number: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    granted: dict[int, Decimal] | None = None
    """Quantity granted per goods line (sequence); a line left out or at zero is not granted."""
    reasons: tuple[tuple[str, str], ...] = ()


def decide_on_desk(application: Application, *, decision: DeskDecision, actor: Actor) -> DecisionSent:
    """The hosted desk's decision: the ``PermitDecision`` built from the form, sent as the agency.

    The desk signs nothing: ``permit_decision.notification`` is a simple service, and the
    logged-in officer's organisation is the sender the exchange authorises.
    """
    if decision.code not in ApplicationStatus.values or decision.code == ApplicationStatus.SUBMITTED:
        raise PermitError(PermitErrorCode.BAD_DECISION, f"unknown decision {decision.code[:30]!r}")
    granting = decision.code in (ApplicationStatus.APPROVED, ApplicationStatus.PARTIALLY_APPROVED)
    lines = []
    if granting:
        for line in application.goods:
            quantity = (decision.granted or {}).get(int(line["sequence"]), Decimal(0))
            if quantity > 0:
                lines.append(GrantedGoodsItem(sequence_numeric=int(line["sequence"]), classification_id=line["hs_code"],
                                              description=line.get("description") or None,
                                              quantity=Quantity(value=quantity, unit_code=line["unit"] or None)))
        if not lines:
            raise PermitError(PermitErrorCode.BAD_DECISION, "grant a quantity on at least one goods line")
        if not decision.permit_number.strip():
            raise PermitError(PermitErrorCode.BAD_DECISION, "give the permit number")
    elif not any(en.strip() or zh.strip() for en, zh in decision.reasons):
        raise PermitError(PermitErrorCode.BAD_DECISION, "give the reasons")
    number = application.decisions + 1
    today = timezone.localdate()
    document = PermitDecision(
        functional_reference_id=f"DSK-{application.pk}-{number}", application_reference_id=application.reference,
        decision_code=decision.code, issue_date_time=timezone.now(),  # type: ignore[arg-type]
        permit_id=decision.permit_number.strip() if granting else None,
        effective_date_time=(decision.valid_from or today) if granting else None,
        expiry_date_time=decision.valid_to if granting else None,
        applicant=Party(id=application.applicant_business_id or None, name=application.applicant_name or None),
        goods_item=lines, ucr=application.ucr or None,
        reason=[DecisionReason(statement_description=f"{en.strip()} / {zh.strip() or en.strip()}"[:512])
                for en, zh in decision.reasons if en.strip() or zh.strip()],
    )
    codec = codec_named("json")
    assert codec is not None
    return send_decision(payload=codec.encode(document, "permit_decision"),
                         client_reference=f"desk-{application.pk}-{number}", actor=actor)


# --------------------------------------------------------------------------- reminders


def remind_overdue_applications(now: datetime | None = None) -> int:
    """One reminder per application past its statutory processing time (the desk lists them first)."""
    now = now or timezone.now()
    reminded = 0
    overdue = Application.objects.filter(due_at__lt=now, reminded_at__isnull=True, status__in=[
        ApplicationStatus.SUBMITTED]).select_related("agency")[:REMINDER_BATCH]
    for application in overdue:
        with transaction.atomic():
            if not Application.objects.filter(pk=application.pk, reminded_at__isnull=True).update(reminded_at=now):
                continue
            agency = application.agency
            record_state_change(
                organisation=agency, kind="permits.application_overdue", ucr=application.ucr or None,
                fields={"application": application.reference, "due_at": application.due_at.isoformat()
                        if application.due_at else None},
                title_en=f"{agency.name_en}: permit application {application.reference} is overdue",
                title_zh=f"{agency.name_zh or agency.name_en}：簽審申請 {application.reference} 已逾處理期限",
            )
            reminded += 1
    return reminded


def payload_of(document: PermitApplication | PermitDecision) -> bytes:
    """JSON bytes of a permit data set, as the Single Window sends it."""
    dataset = "permit_application" if isinstance(document, PermitApplication) else "permit_decision"
    codec = codec_named("json")
    assert codec is not None
    return codec.encode(document, dataset)


