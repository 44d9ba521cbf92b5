"""Registry API: an organisation registers its own signing certificates and reads the catalogue."""

from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from singlewindow.registry import selectors, services
from singlewindow.registry.auth import API_AUTH, actor_of
from singlewindow.registry.errors import RegistryError, RegistryErrorCode
from singlewindow.registry.models import Certificate, Mandate

router = Router(auth=API_AUTH, tags=["registry"])


class CertificateIn(Schema):
    pem: str


class CertificateOut(Schema):
    fingerprint: str
    serial: str
    subject: str
    not_before: datetime
    not_after: datetime
    is_active: bool


class ServiceOut(Schema):
    code: str
    name_en: str
    name_zh: str
    owner: str
    message_type: str
    security: str
    processing_hours: float


@router.get("/certificates", response=list[CertificateOut], summary="My organisation's certificates")
def list_certificates(request: HttpRequest) -> list[Certificate]:
    return list(selectors.certificates_of(actor_of(request)))


@router.post("/certificates", response={201: CertificateOut}, summary="Register a signing certificate")
def register_certificate(request: HttpRequest, body: CertificateIn) -> Status[Certificate]:
    """A manager of the organisation, or its system's token, may register; the certificate must name it."""
    actor = actor_of(request)
    if actor.organisation is None or (actor.token is None and actor.membership_role != "manager"):
        raise RegistryError(RegistryErrorCode.NOT_PERMITTED, "only an organisation manager may register certificates")
    certificate = services.register_certificate(organisation=actor.organisation, pem=body.pem[:20000], actor=actor)
    return Status(201, certificate)


class MandateIn(Schema):
    agent_business_id: str = Field(max_length=8)
    valid_from: date | None = None
    valid_until: date | None = None


class MandateOut(Schema):
    id: int
    principal: str
    principal_business_id: str | None
    agent: str
    agent_business_id: str | None
    valid_from: date
    valid_until: date | None
    is_active: bool

    @staticmethod
    def of(mandate: Mandate) -> MandateOut:
        return MandateOut(id=mandate.pk, principal=mandate.principal.code,
                          principal_business_id=mandate.principal.business_id, agent=mandate.agent.code,
                          agent_business_id=mandate.agent.business_id, valid_from=mandate.valid_from,
                          valid_until=mandate.valid_until, is_active=mandate.is_active)


class MandatesOut(Schema):
    given: list[MandateOut]
    held: list[MandateOut]


@router.get("/mandates", response=MandatesOut, summary="Mandates my organisation gave and holds")
def list_mandates(request: HttpRequest) -> MandatesOut:
    actor = actor_of(request)
    return MandatesOut(given=[MandateOut.of(m) for m in selectors.mandates_given(actor).select_related("principal")],
                       held=[MandateOut.of(m) for m in selectors.mandates_held(actor).select_related("agent")])


@router.post("/mandates", response={201: MandateOut}, summary="Appoint an agent (a manager only)")
def give_mandate(request: HttpRequest, body: MandateIn) -> Status[MandateOut]:
    """The agent, by business ID, may then start and add to the organisation's consignments."""
    mandate = services.give_mandate(agent_business_id=body.agent_business_id, valid_from=body.valid_from,
                                    valid_until=body.valid_until, actor=actor_of(request))
    return Status(201, MandateOut.of(mandate))


@router.post("/mandates/{mandate_id}/end", response=MandateOut, summary="Withdraw a mandate (a manager only)")
def withdraw_mandate(request: HttpRequest, mandate_id: int) -> MandateOut:
    return MandateOut.of(services.withdraw_mandate(mandate_id=mandate_id, actor=actor_of(request)))


@router.get("/services", response=list[ServiceOut], summary="The service catalogue")
def list_services(request: HttpRequest) -> list[ServiceOut]:
    return [
        ServiceOut(code=s.code, name_en=s.name_en, name_zh=s.name_zh, owner=s.owner.code,
                   message_type=s.message_type, security=s.security,
                   processing_hours=s.processing_time.total_seconds() / 3600)
        for s in selectors.service_catalogue()
    ]
