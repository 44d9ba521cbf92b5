"""Registry API: an organisation registers its own signing certificates and reads the catalogue."""

from __future__ import annotations

from datetime import datetime

from django.http import HttpRequest
from ninja import Router, Schema
from ninja.responses import Status

from singlewindow.registry import selectors, services
from singlewindow.registry.auth import API_AUTH, actor_of
from singlewindow.registry.errors import RegistryError, RegistryErrorCode
from singlewindow.registry.models import Certificate

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


@router.get("/services", response=list[ServiceOut], summary="The service catalogue")
def list_services(request: HttpRequest) -> list[ServiceOut]:
    return [
        ServiceOut(code=s.code, name_en=s.name_en, name_zh=s.name_zh, owner=s.owner.code,
                   message_type=s.message_type, security=s.security,
                   processing_hours=s.processing_time.total_seconds() / 3600)
        for s in selectors.service_catalogue()
    ]
