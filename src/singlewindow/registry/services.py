"""Every write to the registry: one function per use case, each in one transaction."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from cryptography import x509
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from singlewindow.registry import cache, catalogue, pki
from singlewindow.registry.actors import Actor
from singlewindow.registry.errors import RegistryError, RegistryErrorCode
from singlewindow.registry.models import (
    AGENT_ROLES,
    PRINCIPAL_ROLES,
    AccessGrant,
    ApiToken,
    AuditRecord,
    Certificate,
    Mandate,
    Membership,
    Organisation,
    OrganisationRole,
    OrganisationRoleAssignment,
    RevokedCertificate,
    Service,
    TrustAnchor,
)


def record_audit(*, actor_user: Any, action: str, obj: Any, changes: dict[str, Any],
                 clears_caches: bool = True) -> AuditRecord:
    """One audit row per registry change (admin and services alike); clears the read caches, unless the
    change is to nothing they hold (``clears_caches=False``: a back-office write outside the registry)."""
    if clears_caches:
        cache.changed()
    return AuditRecord.objects.create(
        actor=actor_user if getattr(actor_user, "pk", None) else None,
        action=action,
        object_type=type(obj).__name__,
        object_id=str(obj.pk),
        object_repr=str(obj)[:300],
        changes=changes,
    )


@transaction.atomic
def create_organisation(
    *, code: str, name_en: str, roles: Iterable[str], actor: Actor, name_zh: str = "",
    business_id: str | None = None, engine: str = "", office_code: str = "",
) -> Organisation:
    organisation = Organisation(code=code, name_en=name_en, name_zh=name_zh,
                                business_id=business_id or None, engine=engine,
                                office_code=office_code)
    organisation.full_clean()
    organisation.save()
    role_list = sorted(set(roles))
    for role in role_list:
        if role not in OrganisationRole.values:
            raise RegistryError(RegistryErrorCode.UNKNOWN_ROLE, role)
        OrganisationRoleAssignment.objects.create(organisation=organisation, role=role)
    record_audit(actor_user=actor.user, action="create", obj=organisation,
                 changes={"code": code, "business_id": business_id, "roles": role_list})
    return organisation


@transaction.atomic
def add_member(
    *, organisation: Organisation, username: str, password: str, role: str, actor: Actor,
    email: str = "", is_staff: bool = False,
) -> User:
    user = User.objects.create_user(username=username, password=password, email=email,
                                    is_staff=is_staff, is_superuser=is_staff)
    Membership.objects.create(user=user, organisation=organisation, role=role)
    record_audit(actor_user=actor.user, action="add_member", obj=organisation,
                 changes={"username": username, "role": role})
    return user


@transaction.atomic
def define_service(
    *, code: str, name_en: str, owner: Organisation, message_type: str, security: str,
    actor: Actor, name_zh: str = "", processing_time: timedelta = timedelta(hours=24), data_set: str = "",
) -> Service:
    service = Service.objects.create(code=code, name_en=name_en, name_zh=name_zh, owner=owner,
                                     message_type=message_type, security=security,
                                     processing_time=processing_time, data_set=data_set)
    record_audit(actor_user=actor.user, action="create", obj=service,
                 changes={"message_type": message_type, "security": security,
                          **({"data_set": data_set} if data_set else {})})
    return service


@transaction.atomic
def grant_access(
    *, service: Service, direction: str, actor: Actor, organisation: Organisation | None = None,
    role: str = "",
) -> AccessGrant:
    grant = AccessGrant.objects.create(service=service, direction=direction,
                                       organisation=organisation, role=role)
    record_audit(actor_user=actor.user, action="grant", obj=grant,
                 changes={"direction": direction, "role": role,
                          "organisation": organisation.code if organisation else None})
    return grant


@transaction.atomic
def grant_mandate(*, principal: Organisation, agent: Organisation, actor: Actor, valid_from: date | None = None,
                  valid_until: date | None = None) -> Mandate:
    """Record that ``agent`` acts for ``principal`` from ``valid_from`` (today by default); a mandate between the
    two given before is renewed with the new dates."""
    Mandate.objects.bulk_create([Mandate(principal=principal, agent=agent, valid_from=timezone.localdate())],
                                ignore_conflicts=True)  # so that two gives at once update one row
    mandate = Mandate.objects.select_for_update().select_related("principal", "agent").get(principal=principal,
                                                                                          agent=agent)
    mandate.valid_from = valid_from or timezone.localdate()
    mandate.valid_until = valid_until
    mandate.is_active = True
    mandate.full_clean()
    mandate.save()
    record_audit(actor_user=actor.user, action="grant_mandate", obj=mandate,
                 changes={"principal": principal.code, "agent": agent.code, "valid_from": str(mandate.valid_from),
                          "valid_until": str(valid_until) if valid_until else None})
    return mandate


def give_mandate(*, agent_business_id: str, actor: Actor, valid_from: date | None = None,
                 valid_until: date | None = None) -> Mandate:
    """A manager appoints an agent, named by business ID, to act for the manager's organisation."""
    principal = _managed_organisation(actor)
    if not (principal.role_codes & PRINCIPAL_ROLES):
        raise RegistryError(RegistryErrorCode.NOT_A_PRINCIPAL, "only a trader or a forwarder gives mandates")
    agent = Organisation.objects.filter(business_id=agent_business_id.strip(), is_active=True).first()
    if agent is None:
        raise RegistryError(RegistryErrorCode.UNKNOWN_ORGANISATION, "no active organisation has that business ID")
    if agent.pk == principal.pk or not (agent.role_codes & AGENT_ROLES):
        raise RegistryError(RegistryErrorCode.NOT_AN_AGENT, "that organisation is not a customs broker, forwarder "
                                                            "or express operator other than yours")
    if valid_until is not None and valid_until < (valid_from or timezone.localdate()):
        raise RegistryError(RegistryErrorCode.INVALID_DATES, "the last day comes before the first")
    return grant_mandate(principal=principal, agent=agent, actor=actor, valid_from=valid_from,
                         valid_until=valid_until)


def withdraw_mandate(*, mandate_id: int, actor: Actor) -> Mandate:
    """A manager ends a mandate its organisation gave; anyone else's is "not found"."""
    principal = _managed_organisation(actor)
    mandate = Mandate.objects.select_related("principal", "agent").filter(pk=mandate_id, principal=principal).first()
    if mandate is None:
        raise RegistryError(RegistryErrorCode.NOT_FOUND, f"your organisation gave no mandate {mandate_id}")
    return end_mandate(mandate=mandate, actor=actor)


def _managed_organisation(actor: Actor) -> Organisation:
    """The organisation a person manages: mandates are given and withdrawn by its managers, not by systems."""
    if actor.organisation is None or actor.token is not None or actor.membership_role != Membership.Role.MANAGER:
        raise RegistryError(RegistryErrorCode.NOT_PERMITTED, "only a manager of the organisation may give or "
                                                             "withdraw mandates")
    return actor.organisation


@transaction.atomic
def end_mandate(*, mandate: Mandate, actor: Actor) -> Mandate:
    """End a mandate now: the agent may no longer start or add to its principal's consignments."""
    mandate.is_active = False
    mandate.save(update_fields=["is_active"])
    record_audit(actor_user=actor.user, action="end_mandate", obj=mandate,
                 changes={"principal": mandate.principal.code, "agent": mandate.agent.code})
    return mandate


@transaction.atomic
def register_certificate(*, organisation: Organisation, pem: str, actor: Actor) -> Certificate:
    """Register an organisation's signing certificate after checking it names that organisation."""
    try:
        cert = pki.load_certificate_pem(pem)
    except (ValueError, TypeError) as exc:
        raise RegistryError(RegistryErrorCode.INVALID_CERTIFICATE, str(exc)) from None
    org_code = pki.certificate_org_code(cert)
    if org_code != organisation.code:
        raise RegistryError(RegistryErrorCode.CERTIFICATE_ORGANISATION_MISMATCH,
                            f"certificate names {org_code or 'no organisation'}, not {organisation.code}")
    fingerprint = pki.fingerprint(cert)
    if Certificate.objects.filter(fingerprint=fingerprint, is_active=False).exists():
        # Suspended in the back office or revoked: registering it again must not undo that.
        raise RegistryError(RegistryErrorCode.CERTIFICATE_SUSPENDED,
                            "this certificate was deactivated; register a new one")
    certificate, _ = Certificate.objects.update_or_create(
        fingerprint=fingerprint,
        defaults={
            "organisation": organisation, "serial": pki.serial_hex(cert),
            "subject": cert.subject.rfc4514_string()[:400],
            "not_before": cert.not_valid_before_utc, "not_after": cert.not_valid_after_utc,
            "pem": pki.certificate_to_pem(cert), "is_active": True,
        },
    )
    record_audit(actor_user=actor.user, action="register_certificate", obj=certificate,
                 changes={"fingerprint": certificate.fingerprint, "serial": certificate.serial})
    return certificate


@transaction.atomic
def add_trust_anchor(*, name: str, certificate: x509.Certificate, actor: Actor) -> TrustAnchor:
    anchor, _ = TrustAnchor.objects.get_or_create(
        fingerprint=pki.fingerprint(certificate),
        defaults={"name": name, "pem": pki.certificate_to_pem(certificate)},
    )
    record_audit(actor_user=actor.user, action="trust", obj=anchor, changes={"name": name})
    return anchor


@transaction.atomic
def revoke_certificate(*, serial: str, reason: str, actor: Actor, issuer: str = "") -> RevokedCertificate:
    """Revoke the certificate ``issuer`` issued under ``serial`` and deactivate it where registered.

    Serials are unique per issuer only. Without ``issuer``, it is the issuer of the registered
    certificates holding the serial; ``RegistryError`` if they come from several issuers. A serial
    no registered certificate holds (an intermediate CA's, say) is then revoked from any issuer.
    """
    serial = pki.normalise_serial(serial)
    holders = {certificate.pk: pki.load_certificate_pem(certificate.pem).issuer.rfc4514_string()
               for certificate in Certificate.objects.filter(serial=serial)}
    if not issuer:
        issuers = set(holders.values())
        if len(issuers) > 1:
            raise RegistryError(RegistryErrorCode.AMBIGUOUS_SERIAL,
                                f"serial {serial} is held by certificates of {len(issuers)} issuers: name the issuer")
        issuer = issuers.pop() if issuers else ""
    revoked, _ = RevokedCertificate.objects.get_or_create(issuer=issuer, serial=serial, defaults={"reason": reason})
    Certificate.objects.filter(pk__in=[pk for pk, name in holders.items() if not issuer or name == issuer]
                               ).update(is_active=False)
    record_audit(actor_user=actor.user, action="revoke", obj=revoked, changes={"reason": reason, "issuer": issuer})
    return revoked


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


@transaction.atomic
def issue_api_token(*, organisation: Organisation, name: str, actor: Actor) -> tuple[ApiToken, str]:
    """Create a token; the raw value is returned once and never stored."""
    raw = "sw_" + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(organisation=organisation, name=name, prefix=raw[:10],
                                    token_hash=hash_token(raw),
                                    user_id=getattr(actor.user, "pk", None))
    record_audit(actor_user=actor.user, action="issue_token", obj=token, changes={"name": name})
    return token, raw


@dataclass(frozen=True)
class CatalogueLoad:
    """What one ``load_catalogue`` run did; ``skipped`` says why a line was left out."""

    agencies_created: tuple[str, ...]
    services_created: tuple[str, ...]
    grants_created: int
    skipped: tuple[str, ...]

    @property
    def changed(self) -> bool:
        return bool(self.agencies_created or self.services_created)


@transaction.atomic
def load_catalogue(
    *, actor: Actor, agencies: tuple[catalogue.Agency, ...] = catalogue.AGENCIES,
    services: tuple[catalogue.CatalogueService, ...] = catalogue.SERVICES,
) -> CatalogueLoad:
    """Register the agencies and services of the catalogue that are missing, with their grants.

    Idempotent: what is registered already (by code) is left exactly as it is, so an operator's
    edits in the back office survive a second run, and a second run writes nothing. A line
    that would clash with another registration (its business ID or message type taken under
    another code) is skipped and reported, never forced.
    """
    problems = catalogue.check_catalogue(agencies, services)
    if problems:
        raise catalogue.CatalogueError(problems)
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=[a.code for a in agencies])}
    skipped: list[str] = []
    created_agencies: list[str] = []
    taken_ids = dict(Organisation.objects.filter(business_id__in=[a.business_id for a in agencies])
                     .values_list("business_id", "code"))
    for agency in agencies:
        if agency.code in orgs:
            continue
        if agency.business_id in taken_ids:
            skipped.append(f"{agency.code}: business id {agency.business_id} belongs to "
                           f"{taken_ids[agency.business_id]}")
            continue
        orgs[agency.code] = create_organisation(code=agency.code, name_en=agency.name_en, name_zh=agency.name_zh,
                                                roles=agency.roles, business_id=agency.business_id, actor=actor)
        created_agencies.append(agency.code)
    existing = set(Service.objects.filter(code__in=[s.code for s in services]).values_list("code", flat=True))
    taken_types = dict(Service.objects.filter(message_type__in=[s.message_type for s in services])
                       .values_list("message_type", "code"))
    created_services: list[str] = []
    grants = 0
    _fill_data_sets([entry for entry in services if entry.code in existing and entry.data_set])
    for entry in services:
        if entry.code in existing:
            continue
        reason = _catalogue_clash(entry, orgs, taken_types)
        if reason:
            skipped.append(f"{entry.code}: {reason}")
            continue
        grants += _define_catalogue_service(entry, orgs, actor)
        created_services.append(entry.code)
    return CatalogueLoad(tuple(created_agencies), tuple(created_services), grants, tuple(skipped))


def _fill_data_sets(entries: list[catalogue.CatalogueService]) -> None:
    """Services registered before they could name a data set get the catalogue's (only where still blank)."""
    by_data_set: dict[str, list[str]] = {}
    for entry in entries:
        by_data_set.setdefault(entry.data_set, []).append(entry.code)
    for data_set, codes in by_data_set.items():
        Service.objects.filter(code__in=codes, data_set="").update(data_set=data_set)


def _catalogue_clash(entry: catalogue.CatalogueService, orgs: dict[str, Organisation],
                     taken_types: dict[str, str]) -> str:
    if entry.message_type in taken_types:
        return f"message type {entry.message_type} belongs to service {taken_types[entry.message_type]}"
    named = {n for n in (*entry.senders, *entry.receivers) if n != catalogue.OWNER and n not in OrganisationRole.values}
    missing = sorted({entry.owner, *named} - set(orgs))
    return f"agency {', '.join(missing)} is not registered" if missing else ""


def _define_catalogue_service(entry: catalogue.CatalogueService, orgs: dict[str, Organisation],
                              actor: Actor) -> int:
    """The service and one grant per sender and receiver; returns the number of grants."""
    service = define_service(code=entry.code, name_en=entry.name_en, name_zh=entry.name_zh, owner=orgs[entry.owner],
                             message_type=entry.message_type, security=entry.security,
                             processing_time=entry.processing_time, data_set=entry.data_set, actor=actor)
    count = 0
    for direction, names in ((AccessGrant.Direction.SEND, entry.senders),
                             (AccessGrant.Direction.RECEIVE, entry.receivers)):
        for name in names:
            if name == catalogue.OWNER or name in orgs:
                organisation = orgs[entry.owner] if name == catalogue.OWNER else orgs[name]
                grant_access(service=service, direction=direction, organisation=organisation, actor=actor)
            else:
                grant_access(service=service, direction=direction, role=name, actor=actor)
            count += 1
    return count
