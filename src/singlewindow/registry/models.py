"""Who takes part: organisations and their roles, users, services, access grants, certificates."""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from singlewindow.datamodel.identifiers import is_valid_business_id


def validate_business_id(value: str) -> None:
    if not is_valid_business_id(value):
        raise ValidationError(_("%(value)s fails the business ID check rule."), params={"value": value})


class OrganisationRole(models.TextChoices):
    TRADER = "trader", _("Trader")
    CUSTOMS_BROKER = "customs_broker", _("Customs broker")
    CARRIER = "carrier", _("Carrier")
    FORWARDER = "forwarder", _("Forwarder")
    WAREHOUSE_OPERATOR = "warehouse_operator", _("Warehouse operator")
    EXPRESS_OPERATOR = "express_operator", _("Express operator")
    BANK = "bank", _("Bank")
    CUSTOMS_OFFICE = "customs_office", _("Customs office")
    PERMIT_AGENCY = "permit_agency", _("Permit agency")
    PORT_AUTHORITY = "port_authority", _("Port authority")
    FOREIGN_SINGLE_WINDOW = "foreign_single_window", _("Foreign single window")


AGENCY_ROLES = frozenset(
    {OrganisationRole.CUSTOMS_OFFICE, OrganisationRole.PERMIT_AGENCY, OrganisationRole.PORT_AUTHORITY}
)


class Organisation(models.Model):
    """A member of the Single Window (X-Road: a member). ``code`` is its stable address."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    code = models.SlugField(max_length=40, unique=True, help_text=_("Stable address, e.g. TW-CUS-KEL."))
    business_id = models.CharField(
        max_length=8, unique=True, null=True, blank=True, validators=[validate_business_id],
        help_text=_("Taiwan unified business number (統一編號)."),
    )
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    office_code = models.CharField(
        max_length=17, blank=True, db_index=True,
        help_text=_("Customs office code named in declarations (e.g. the UN/LOCODE TWKEL)."),
    )
    engine = models.CharField(
        max_length=40, blank=True,
        help_text=_("Built-in engine that reads this organisation's mailbox (e.g. customs)."),
    )
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} {self.name_en}"

    @property
    def role_codes(self) -> frozenset[str]:
        return frozenset(r.role for r in self.roles.all())


class OrganisationRoleAssignment(models.Model):
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="roles")
    role = models.CharField(max_length=40, choices=OrganisationRole.choices)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organisation", "role"], name="unique_org_role")]

    def __str__(self) -> str:
        return self.get_role_display()


class Membership(models.Model):
    """A user acting for an organisation, with a role inside it."""

    class Role(models.TextChoices):
        MANAGER = "manager", _("Manager")
        OPERATOR = "operator", _("Operator")
        VIEWER = "viewer", _("Viewer")

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=20, choices=Role.choices, default=Role.OPERATOR)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["user", "organisation"], name="unique_membership")]

    def __str__(self) -> str:
        return f"{self.user} @ {self.organisation.code} ({self.role})"


class Service(models.Model):
    """A catalogue entry: one message type a party may send, owned by an agency."""

    class Security(models.TextChoices):
        CERTIFICATE = "certificate", _("Certificate-based")
        SIMPLE = "simple", _("Simple")

    code = models.SlugField(max_length=60, unique=True)
    name_en = models.CharField(max_length=200)
    name_zh = models.CharField(max_length=200, blank=True)
    owner = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="owned_services")
    message_type = models.CharField(max_length=80, unique=True, help_text=_("<dataset>.<function>"))
    security = models.CharField(max_length=20, choices=Security.choices, default=Security.CERTIFICATE)
    processing_time = models.DurationField(default=timedelta(hours=24))
    data_set = models.CharField(
        max_length=40, blank=True,
        help_text=_("The data set its messages carry, when not the one the message type names "
                    "(inter-agency data, an agency's own permit application)."))
    is_active = models.BooleanField(default=True)

    class Meta:
        ordering = ["code"]

    def __str__(self) -> str:
        return f"{self.code} ({self.message_type})"


class AccessGrant(models.Model):
    """X-Road style access right: who may send, or receive, a service's messages.

    A grant names one organisation, or every organisation holding a role.
    """

    class Direction(models.TextChoices):
        SEND = "send", _("May send")
        RECEIVE = "receive", _("May receive")

    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="grants")
    direction = models.CharField(max_length=10, choices=Direction.choices)
    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, null=True, blank=True, related_name="grants"
    )
    role = models.CharField(max_length=40, choices=OrganisationRole.choices, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=(Q(organisation__isnull=False) & Q(role="")) | (Q(organisation__isnull=True) & ~Q(role="")),
                name="grant_names_org_or_role",
            ),
        ]

    def __str__(self) -> str:
        who = self.organisation.code if self.organisation else f"role:{self.role}"
        return f"{who} {self.direction} {self.service.code}"


class Mandate(models.Model):
    """A principal's standing authority for an agent to act for it (報關委任: a trader appointing its customs broker
    or forwarder).

    The agent may then start and add to the consignments the principal may: those whose UCR carries the
    principal's business ID, and those the principal is already a party to (``exchange.intake``).
    """

    principal = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="mandates_given",
                                  help_text=_("The organisation that gives the mandate, e.g. the importer."))
    agent = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="mandates_held",
                              help_text=_("The organisation that acts for it, e.g. its customs broker."))
    valid_from = models.DateField(help_text=_("First day the mandate holds (Taiwan time)."))
    valid_until = models.DateField(null=True, blank=True,
                                   help_text=_("Last day the mandate holds; blank until ended."))
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["principal", "agent"], name="unique_mandate"),
            models.CheckConstraint(condition=~Q(principal=models.F("agent")), name="mandate_not_to_itself"),
            models.CheckConstraint(condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                                   name="mandate_ends_after_it_starts"),
        ]

    def __str__(self) -> str:
        return f"{self.principal.code} → {self.agent.code}"

    def state_on(self, day: date) -> str:
        """``withdrawn``, ``pending`` (before its first day), ``expired`` (after its last) or ``in_force``."""
        if not self.is_active:
            return "withdrawn"
        if day < self.valid_from:
            return "pending"
        return "expired" if self.valid_until is not None and self.valid_until < day else "in_force"

    def clean(self) -> None:
        if self.principal_id is not None and not (self.principal.role_codes & PRINCIPAL_ROLES):
            raise ValidationError({"principal": _("Only a trader or a forwarder gives mandates.")})
        if self.agent_id is not None and not (self.agent.role_codes & AGENT_ROLES):
            raise ValidationError({"agent": _("Only a customs broker, forwarder or express operator can hold a "
                                              "mandate.")})
        if self.agent_id is not None and self.agent_id == self.principal_id:
            raise ValidationError({"agent": _("An organisation cannot give itself a mandate.")})
        if self.valid_from and self.valid_until and self.valid_until < self.valid_from:
            raise ValidationError({"valid_until": _("The last day comes before the first.")})


AGENT_ROLES = frozenset({OrganisationRole.CUSTOMS_BROKER, OrganisationRole.FORWARDER,
                         OrganisationRole.EXPRESS_OPERATOR})
"""Roles that act for others under a mandate."""
PRINCIPAL_ROLES = frozenset({OrganisationRole.TRADER, OrganisationRole.FORWARDER})
"""Roles that give mandates: the owners of goods and of their transport, never an authority or a warehouse, whose
reach (everything delivered to it) must not pass to an agent."""


class Certificate(models.Model):
    """A signing certificate an organisation registered; signatures must use one of these."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="certificates")
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    serial = models.CharField(max_length=40, editable=False)
    subject = models.CharField(max_length=400, editable=False)
    not_before = models.DateTimeField(editable=False)
    not_after = models.DateTimeField(editable=False)
    pem = models.TextField()
    registered_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.serial}"


class TrustAnchor(models.Model):
    """A root CA whose chains are trusted for signatures (configuration, kept in the back office)."""

    name = models.CharField(max_length=200)
    fingerprint = models.CharField(max_length=64, unique=True, editable=False)
    pem = models.TextField()
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class RevokedCertificate(models.Model):
    """A revoked certificate: its issuer and serial (configuration; a CRL or OCSP feed can fill it).

    Serial numbers are unique only per issuing CA, so a revocation names the issuer; one without
    an issuer (recorded before issuers were, or revoking a serial no registered certificate holds)
    revokes that serial from any issuer.
    """

    issuer = models.CharField(max_length=400, blank=True, help_text=_(
        "The issuing CA's name (RFC 4514). Blank: this serial from any issuer."))
    serial = models.CharField(max_length=40)
    reason = models.CharField(max_length=200, blank=True)
    revoked_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["issuer", "serial"], name="revocation_issuer_serial")]

    def __str__(self) -> str:
        return self.serial


class ApiToken(models.Model):
    """A bearer token for an organisation's system; only its SHA-256 is stored."""

    organisation = models.ForeignKey(Organisation, on_delete=models.CASCADE, related_name="api_tokens")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=12, editable=False)
    token_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    is_active = models.BooleanField(default=True)

    def __str__(self) -> str:
        return f"{self.organisation.code} {self.name} ({self.prefix}…)"


class AuditRecord(models.Model):
    """Who changed what in the registry, with old and new values."""

    at = models.DateTimeField(auto_now_add=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True)
    action = models.CharField(max_length=20)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64)
    object_repr = models.CharField(max_length=300)
    changes = models.JSONField(default=dict)

    class Meta:
        ordering = ["-at", "-id"]

    def __str__(self) -> str:
        return f"{self.at:%Y-%m-%d %H:%M} {self.action} {self.object_type} {self.object_repr}"


class CacheStamp(models.Model):
    """One row whose value changes after every write to cached reference data (see ``registry.cache``):
    reading it tells a process whether its caches are still good, for one small query."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    value = models.UUIDField()
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.value} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
