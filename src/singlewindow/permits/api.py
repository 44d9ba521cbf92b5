"""G2G API of the permit register: customs verifies and writes off (the answer signed by the
Single Window), restores a cancelled declaration, and the agency, the holder and customs read a
permit. Agencies suspend, reinstate or revoke their permits here."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from singlewindow.boundary import message_body
from singlewindow.exchange import jws
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.identity import signing_identity
from singlewindow.permits import applications, ledger, selectors, services
from singlewindow.permits.errors import PermitError, PermitErrorCode
from singlewindow.permits.ledger import plain
from singlewindow.permits.models import Application, Permit, PermitStatus
from singlewindow.problems import ProblemOut
from singlewindow.registry.auth import API_AUTH, actor_of

router = Router(auth=API_AUTH, tags=["permits"])

UNIT_PATTERN = r"^[A-Za-z0-9]{1,3}(#[A-Za-z0-9])?$"
ERRORS: dict[int, Any] = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


class VerifyIn(Schema):
    permit_number: str = Field(min_length=1, max_length=35)
    agency: str = Field(min_length=1, max_length=40, description="The issuing agency's organisation code.")
    holder: str = Field(min_length=1, max_length=17, description="Importer's or exporter's business ID.")
    hs_code: str = Field(pattern=r"^[0-9]{6,10}$", description="The declared tariff code, 6 to 10 digits.")
    quantity: Decimal = Field(gt=0, max_digits=16, decimal_places=6)
    unit: str = Field(pattern=UNIT_PATTERN, description="UN/ECE Rec 20 unit code.")
    declaration_reference: str = Field(min_length=1, max_length=70, description="Customs' declaration number.")
    item_sequence: int = Field(ge=0, le=99999)
    ucr: str | None = Field(None, min_length=1, max_length=35)
    on: datetime | None = Field(None, description="The moment that counts for validity (default: now).")


class VerifyOut(Schema):
    result: dict[str, Any] = Field(description="The answer; canonical JSON of it is what the signature covers.")
    signature: str = Field(description="Detached JWS (ES256, unencoded payload) by the Single Window.")
    replayed: bool = Field(description="True when this is the first answer to the same request, given again.")


class RestoreIn(Schema):
    declaration_reference: str = Field(min_length=1, max_length=70)
    ucr: str | None = Field(None, min_length=1, max_length=35)


class RestoredOut(Schema):
    permit: str
    agency: str
    line: int
    item_sequence: int
    quantity: str
    unit: str


class StatusIn(Schema):
    status: PermitStatus
    reason: str = Field("", max_length=500)


class LineOut(Schema):
    sequence: int
    hs_code: str
    description: str
    unit: str
    granted: str
    balance: str


class WriteOffOut(Schema):
    office: str
    declaration_reference: str
    item_sequence: int
    line: int
    quantity: str
    unit: str
    state: str
    at: datetime
    restored_at: datetime | None


class PermitOut(Schema):
    agency: str
    number: str
    permit_type: str
    type_code: str
    regulation: str
    holder_business_id: str
    holder_name: str
    valid_from: datetime
    valid_to: datetime | None
    status: str
    decision_reference: str
    application_reference: str
    lines: list[LineOut]
    write_offs: list[WriteOffOut]


def signed(result: dict[str, Any]) -> str:
    """The Single Window's detached signature over the canonical JSON of ``result``."""
    identity = signing_identity()
    return jws.sign_detached(canonical_json(result), identity.private_key, identity.chain)


def _permit_out(permit: Permit) -> PermitOut:
    return PermitOut(
        agency=permit.agency.code, number=permit.number, permit_type=permit.permit_type, type_code=permit.type_code,
        regulation=permit.regulation.code, holder_business_id=permit.holder_business_id,
        holder_name=permit.holder_name, valid_from=permit.valid_from, valid_to=permit.valid_to, status=permit.status,
        decision_reference=permit.decision_reference, application_reference=permit.application_reference,
        lines=[LineOut(sequence=line.sequence, hs_code=line.hs_code, description=line.description, unit=line.unit,
                       granted=plain(line.granted), balance=plain(line.balance)) for line in permit.lines.all()],
        write_offs=[WriteOffOut(office=row.office.code, declaration_reference=row.declaration_ref,
                                item_sequence=row.item_sequence, line=row.line.sequence, quantity=plain(row.quantity),
                                unit=row.unit, state=row.state, at=row.at, restored_at=row.restored_at)
                    for row in selectors.write_offs_of(permit)],
    )


@router.post("/verify", response={200: VerifyOut, **ERRORS}, summary="Verify a permit for an item and write it off")
def verify(request: HttpRequest, body: VerifyIn) -> VerifyOut:
    """Customs offices only. ``refused`` answers (with a stable code) are answers too: status 200."""
    answer = ledger.verify_and_write_off(
        permit_number=body.permit_number, agency=body.agency, holder=body.holder, hs_code=body.hs_code,
        quantity=body.quantity, unit=body.unit, declaration_ref=body.declaration_reference,
        item_seq=body.item_sequence, on=body.on, ucr=body.ucr, actor=actor_of(request))
    return VerifyOut(result=answer.result, signature=signed(answer.result), replayed=answer.replayed)


@router.post("/restore", response={200: list[RestoredOut], **ERRORS},
             summary="Restore what a cancelled declaration wrote off")
def restore(request: HttpRequest, body: RestoreIn) -> list[RestoredOut]:
    """Customs offices only; restoring again restores nothing more."""
    rows = ledger.restore(body.declaration_reference, actor=actor_of(request), ucr=body.ucr)
    return [RestoredOut(permit=row.permit.number, agency=row.permit.agency.code, line=row.line.sequence,
                        item_sequence=row.item_sequence, quantity=plain(row.quantity), unit=row.unit) for row in rows]


@router.get("/{agency}/{number}", response={200: PermitOut, **ERRORS}, summary="A permit with its ledger")
def get_permit(request: HttpRequest, agency: str, number: str) -> PermitOut:
    """For the issuing agency, the holder and customs; 404 for anyone else."""
    permit = selectors.permit_for(actor_of(request), agency, number)
    if permit is None:
        raise PermitError(PermitErrorCode.NOT_FOUND)
    return _permit_out(permit)


@router.post("/{agency}/{number}/status", response={200: PermitOut, **ERRORS},
             summary="Suspend, reinstate or revoke a permit (the issuing agency)")
def set_status(request: HttpRequest, agency: str, number: str, body: StatusIn) -> PermitOut:
    actor = actor_of(request)
    permit = selectors.permit_for(actor, agency, number)
    if permit is None:
        raise PermitError(PermitErrorCode.NOT_FOUND)
    services.change_permit_status(permit, status=body.status, actor=actor, reason=body.reason)
    refreshed = selectors.permit_for(actor, agency, number)
    assert refreshed is not None
    return _permit_out(refreshed)


# --------------------------------------------------------------------------- applications and decisions


class DecisionOut(Schema):
    receipt: dict[str, Any] = Field(description="The exchange's signed receipt for the decision message.")
    application: str
    status: str
    permit: str | None


class ApplicationOut(Schema):
    reference: str
    origin: str
    regulation: str
    status: str
    submitted_at: datetime
    due_at: datetime | None
    decided_at: datetime | None
    permit: str | None
    declaration: str
    reasons: list[dict[str, str]]


class ClearanceOut(Schema):
    agency: str
    agency_name_en: str
    agency_name_zh: str
    status: str = Field(description="waiting, information_requested, rejected or cleared")
    applications: list[ApplicationOut]


def _application_out(application: Application) -> ApplicationOut:
    return ApplicationOut(
        reference=application.reference, origin=application.origin, regulation=application.regulation_code,
        status=application.status, submitted_at=application.submitted_at, due_at=application.due_at,
        decided_at=application.decided_at, permit=application.permit.number if application.permit else None,
        declaration=application.declaration_ref,
        reasons=[{k: str(v) for k, v in r.items()} for r in application.reasons if isinstance(r, dict)])


@router.post("/decisions", response={200: DecisionOut, 201: DecisionOut, **ERRORS},
             summary="Decide on a permit application (the agency's own system)")
def decide(request: HttpRequest, regulation: str = "", type_code: str = "") -> Status[DecisionOut]:
    """The body is the ``PermitDecision`` payload as it travels; headers as for ``POST /messages``
    (``X-SW-Client-Reference``, and ``X-SW-Signature`` when the agency signs). The register
    records the decision (and the permit it grants) and the exchange routes it to the applicant
    and customs. ``regulation`` (and ``type_code``) only for an application the register never
    saw. 201 with the receipt; 200 for a resend of the same bytes."""
    payload, declared = message_body(request)
    if declared > settings.SW_MAX_MESSAGE_BYTES:
        raise ExchangeError(ExchangeErrorCode.TOO_LARGE,
                            detail=f"body of {declared} bytes exceeds {settings.SW_MAX_MESSAGE_BYTES}")
    sent = applications.send_decision(
        payload=payload, client_reference=request.headers.get("X-SW-Client-Reference", ""),
        signature=request.headers.get("X-SW-Signature", "")[:65536],
        content_type=request.headers.get("Content-Type", ""), actor=actor_of(request),
        regulation_code=regulation[:17], type_code=type_code[:3])
    receipt = sent.result.receipt()
    return Status(201 if sent.result.created else 200, DecisionOut(
        receipt=receipt, application=sent.application.reference, status=sent.application.status,
        permit=sent.permit.number if sent.permit else None))


@router.get("/consignments/{ucr}/clearances", response={200: list[ClearanceOut], **ERRORS},
            summary="Co-processing: one status per agency for a consignment")
def clearances(request: HttpRequest, ucr: str) -> list[ClearanceOut]:
    """For the applicant, the declarant, the agencies (their own applications) and customs."""
    return [ClearanceOut(agency=row.agency.code, agency_name_en=row.agency.name_en,
                         agency_name_zh=row.agency.name_zh or row.agency.name_en, status=row.status,
                         applications=[_application_out(a) for a in row.applications])
            for row in selectors.clearances_for(actor_of(request), ucr[:35])]
