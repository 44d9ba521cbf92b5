"""Reads from the registry that depend on who asks: authentication, access rights, certificates."""

from __future__ import annotations

import hashlib
from datetime import date
from typing import Any

from django.contrib.auth.models import AbstractBaseUser, AnonymousUser
from django.db.models import Q, QuerySet

from singlewindow.registry.actors import Actor
from singlewindow.registry.cache import TTLCache
from singlewindow.registry.models import (
    AccessGrant,
    ApiToken,
    Certificate,
    Mandate,
    Membership,
    Organisation,
    Service,
)


def actor_for_user(user: AbstractBaseUser | AnonymousUser) -> Actor | None:
    """The actor for a logged-in person: their (first) organisation membership."""
    if not user.is_authenticated:
        return None
    membership = (
        Membership.objects.select_related("organisation")
        .filter(user_id=user.pk, organisation__is_active=True)
        .order_by("id")
        .first()
    )
    if membership is None:
        return Actor(organisation=None, user=user)
    return Actor(organisation=membership.organisation, user=user,
                 membership_role=membership.role)


_tokens: TTLCache[ApiToken | None] = TTLCache()
_services: TTLCache[Service | None] = TTLCache()
_grants: TTLCache[bool] = TTLCache()
_certificates: TTLCache[Certificate | None] = TTLCache()
_offices: TTLCache[list[Organisation]] = TTLCache()
_named: TTLCache[list[Organisation]] = TTLCache()
_named_receivers: TTLCache[list[Organisation]] = TTLCache()
_organisations: TTLCache[Organisation | None] = TTLCache()
_roles: TTLCache[frozenset[str]] = TTLCache()
_mandates: TTLCache[list[Mandate]] = TTLCache()


def actor_for_token(raw: str) -> Actor | None:
    """The actor for an API bearer token, or None when unknown or revoked."""
    if not raw or len(raw) > 200:
        return None
    digest = hashlib.sha256(raw.encode()).hexdigest()
    token = _tokens.get(digest, lambda: (
        ApiToken.objects.select_related("organisation")
        .filter(token_hash=digest, is_active=True, organisation__is_active=True)
        .first()
    ))
    if token is None:
        return None
    return Actor(organisation=token.organisation, token=token, membership_role="operator")


def service_for_message_type(message_type: str) -> Service | None:
    return _services.get(message_type, lambda: (
        Service.objects.filter(message_type=message_type, is_active=True).first()
    ))


def data_set_for(message_type: str) -> str:
    """The data set a message type's messages carry: its service's, else the type's first part."""
    service = service_for_message_type(message_type)
    if service is not None and service.data_set:
        return service.data_set
    return message_type.split(".", 1)[0]


def _granted(organisation: Organisation, service: Service, direction: str) -> bool:
    def load() -> bool:
        roles = list(organisation.roles.values_list("role", flat=True))
        return AccessGrant.objects.filter(direction=direction, service=service).filter(
            Q(organisation=organisation) | Q(organisation__isnull=True, role__in=roles)
        ).exists()

    return _grants.get((organisation.pk, service.pk, direction), load)


def may_send(organisation: Organisation, service: Service) -> bool:
    return _granted(organisation, service, AccessGrant.Direction.SEND)


def may_receive(organisation: Organisation, service: Service) -> bool:
    return _granted(organisation, service, AccessGrant.Direction.RECEIVE)


def registered_certificate(organisation: Organisation, fingerprint: str) -> Certificate | None:
    """The organisation's active registered certificate with this fingerprint, if any."""
    return _certificates.get((organisation.pk, fingerprint), lambda: (
        Certificate.objects.filter(organisation=organisation, fingerprint=fingerprint, is_active=True).first()
    ))


def customs_offices(office_code: str) -> list[Organisation]:
    """Active customs offices answering to an office code named in declarations."""
    from singlewindow.registry.models import OrganisationRole

    return _offices.get(office_code, lambda: list(Organisation.objects.filter(
        office_code=office_code, roles__role=OrganisationRole.CUSTOMS_OFFICE, is_active=True)))


def organisations_by_business_ids(business_ids: list[str]) -> list[Organisation]:
    key = tuple(sorted(business_ids))
    return _named.get(key, lambda: list(
        Organisation.objects.filter(business_id__in=key, is_active=True).prefetch_related("roles")))


def named_receivers(service: Service) -> list[Organisation]:
    """The organisations a service grants receipt to by name (a role grant names no one in particular)."""
    return _named_receivers.get(service.pk, lambda: list(Organisation.objects.filter(
        grants__service=service, grants__direction=AccessGrant.Direction.RECEIVE, is_active=True).distinct()))


def organisation_by_id(pk: Any) -> Organisation | None:
    """The organisation with this primary key, active or not (cached like other hot-path look-ups)."""
    return _organisations.get(pk, lambda: Organisation.objects.filter(pk=pk).first())


def roles_of(organisation: Organisation) -> frozenset[str]:
    """The organisation's roles (cached; ``Organisation.role_codes`` reads them each time)."""
    return _roles.get(organisation.pk, lambda: frozenset(organisation.roles.values_list("role", flat=True)))


def organisation_by_code(code: str) -> Organisation | None:
    return Organisation.objects.filter(code=code, is_active=True).first()


def certificates_of(actor: Actor) -> QuerySet[Certificate]:
    if actor.organisation is None:
        return Certificate.objects.none()
    return Certificate.objects.filter(organisation=actor.organisation).order_by("-registered_at")


def service_catalogue() -> QuerySet[Service]:
    return Service.objects.filter(is_active=True).select_related("owner").order_by("code")


def principal_business_ids(agent: Organisation, on: date) -> frozenset[str]:
    """The business IDs of the organisations ``agent`` holds a mandate from on the day ``on``."""
    held = _mandates.get(agent.pk, lambda: list(
        Mandate.objects.filter(agent=agent, is_active=True, principal__is_active=True).select_related("principal")))
    return frozenset(mandate.principal.business_id for mandate in held
                     if mandate.principal.business_id and mandate.state_on(on) == "in_force")


def mandates_given(actor: Actor) -> QuerySet[Mandate]:
    """The mandates the actor's organisation gave, newest first (ended ones too)."""
    if actor.organisation is None:
        return Mandate.objects.none()
    return Mandate.objects.filter(principal=actor.organisation).select_related("agent").order_by("-valid_from", "-pk")


def mandates_held(actor: Actor) -> QuerySet[Mandate]:
    """The mandates the actor's organisation holds, newest first (ended ones too)."""
    if actor.organisation is None:
        return Mandate.objects.none()
    return Mandate.objects.filter(agent=actor.organisation).select_related("principal").order_by("-valid_from", "-pk")
