"""Registry writes: organisations, certificates, access grants, API tokens, and their audit."""

from __future__ import annotations

import hashlib
import importlib
from datetime import timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from django.contrib.auth.models import User
from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.test import Client

from singlewindow import testing
from singlewindow.registry import pki, selectors, trust
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM, Actor
from singlewindow.registry.errors import RegistryError, RegistryErrorCode
from singlewindow.registry.models import (
    AccessGrant,
    ApiToken,
    AuditRecord,
    Certificate,
    Organisation,
    OrganisationRole,
    OrganisationRoleAssignment,
    RevokedCertificate,
    Service,
    TrustAnchor,
)

R = OrganisationRole
SEND, RECEIVE = AccessGrant.Direction.SEND, AccessGrant.Direction.RECEIVE



@pytest.fixture
def root() -> pki.KeyPair:
    return pki.create_root_ca("Registry Test Root")


@pytest.fixture
def admin(db: None) -> Actor:
    user = User.objects.create_user(username="registrar", password="pw-registrar-1", is_staff=True)
    return Actor(organisation=None, user=user)


def org(code: str, *roles: str, business_id: str | None = None, actor: Actor = SYSTEM) -> Organisation:
    return registry.create_organisation(
        code=code, name_en=code, roles=roles or (R.TRADER,), business_id=business_id, actor=actor
    )


# --- organisations ---------------------------------------------------------------------------


@pytest.mark.parametrize("business_id", ["30000003", "1234567", "3000000A", "123456789"])
def test_create_organisation_refuses_a_bad_business_id(db: None, business_id: str) -> None:
    with pytest.raises(ValidationError) as raised:
        org("acme", business_id=business_id)
    assert "business_id" in raised.value.message_dict
    assert not Organisation.objects.filter(code="acme").exists()
    assert not registry_audits().exists()


def test_create_organisation_accepts_a_valid_business_id_and_stores_roles(db: None) -> None:
    created = org("acme", R.TRADER, R.CUSTOMS_BROKER, R.TRADER, business_id="30000002")
    assert created.business_id == "30000002"
    assert created.role_codes == {"trader", "customs_broker"}


def test_create_organisation_refuses_an_unknown_role_and_keeps_nothing(db: None) -> None:
    with pytest.raises(RegistryError) as raised:
        org("acme", R.TRADER, "smuggler")
    assert raised.value.code == RegistryErrorCode.UNKNOWN_ROLE
    assert raised.value.detail == "smuggler"
    assert not Organisation.objects.filter(code="acme").exists()
    assert not OrganisationRoleAssignment.objects.exists()
    assert not registry_audits().exists()


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ({"code": "acme", "business_id": "30000002"}, {"code": "acme", "business_id": "30000007"}),
        ({"code": "acme", "business_id": "30000002"}, {"code": "other", "business_id": "30000002"}),
    ],
    ids=["same-code", "same-business-id"],
)
def test_create_organisation_refuses_duplicates(db: None, first: dict[str, str], second: dict[str, str]) -> None:
    org(first["code"], business_id=first["business_id"])
    with pytest.raises(ValidationError):
        org(second["code"], business_id=second["business_id"])
    assert Organisation.objects.count() == 1
    assert registry_audits().count() == 1


def test_organisations_without_business_id_may_coexist(db: None) -> None:
    org("foreign-sw-1", R.FOREIGN_SINGLE_WINDOW)
    org("foreign-sw-2", R.FOREIGN_SINGLE_WINDOW)
    assert list(Organisation.objects.values_list("business_id", flat=True)) == [None, None]


# --- certificates ----------------------------------------------------------------------------


def test_register_certificate_stores_its_identity(db: None, root: pki.KeyPair) -> None:
    acme = org("acme")
    key = pki.issue_organisation_certificate(root, org_code="acme", organisation_name="Acme")
    stored = registry.register_certificate(organisation=acme, pem=pki.certificate_to_pem(key.certificate), actor=SYSTEM)
    assert stored.fingerprint == pki.fingerprint(key.certificate)
    assert stored.serial == pki.serial_hex(key.certificate)
    assert stored.not_after == key.certificate.not_valid_after_utc
    assert selectors.registered_certificate(acme, stored.fingerprint) == stored


def test_register_certificate_refuses_one_naming_another_organisation(db: None, root: pki.KeyPair) -> None:
    acme = org("acme")
    org("other")
    key = pki.issue_organisation_certificate(root, org_code="other", organisation_name="Other")
    with pytest.raises(RegistryError) as raised:
        registry.register_certificate(organisation=acme, pem=pki.certificate_to_pem(key.certificate), actor=SYSTEM)
    assert raised.value.code == RegistryErrorCode.CERTIFICATE_ORGANISATION_MISMATCH
    assert "other" in raised.value.detail
    assert not Certificate.objects.exists()
    assert selectors.registered_certificate(acme, pki.fingerprint(key.certificate)) is None


def test_a_certificate_cannot_be_moved_to_another_organisation(db: None, root: pki.KeyPair) -> None:
    acme, other = org("acme"), org("other")
    pem = pki.certificate_to_pem(
        pki.issue_organisation_certificate(root, org_code="acme", organisation_name="Acme").certificate
    )
    registry.register_certificate(organisation=acme, pem=pem, actor=SYSTEM)
    with pytest.raises(RegistryError):
        registry.register_certificate(organisation=other, pem=pem, actor=SYSTEM)
    assert Certificate.objects.get().organisation == acme


@pytest.mark.parametrize(
    "pem",
    [
        "not a certificate",
        "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n",
        "",
    ],
    ids=["text", "bad-der", "empty"],
)
def test_register_certificate_refuses_garbage(db: None, pem: str) -> None:
    acme = org("acme")
    audits = registry_audits().count()
    with pytest.raises(RegistryError) as raised:
        registry.register_certificate(organisation=acme, pem=pem, actor=SYSTEM)
    assert raised.value.code == RegistryErrorCode.INVALID_CERTIFICATE
    assert not Certificate.objects.exists()
    assert registry_audits().count() == audits


def test_revoking_deactivates_the_registration_and_the_trust(db: None, root: pki.KeyPair) -> None:
    acme = org("acme")
    registry.add_trust_anchor(name="root", certificate=root.certificate, actor=SYSTEM)
    key = pki.issue_organisation_certificate(root, org_code="acme", organisation_name="Acme")
    registry.register_certificate(organisation=acme, pem=pki.certificate_to_pem(key.certificate), actor=SYSTEM)
    trust.invalidate()
    assert (
        trust.chain_verifier().verify([key.certificate], at=key.certificate.not_valid_before_utc + timedelta(hours=1))
        == key.certificate
    )
    registry.revoke_certificate(serial=pki.serial_hex(key.certificate).upper(), reason="lost", actor=SYSTEM)
    trust.invalidate()
    assert RevokedCertificate.objects.get().serial == pki.serial_hex(key.certificate)
    assert selectors.registered_certificate(acme, pki.fingerprint(key.certificate)) is None
    with pytest.raises(pki.ChainError) as raised:
        trust.chain_verifier().verify([key.certificate], at=key.certificate.not_valid_before_utc + timedelta(hours=1))
    assert raised.value.code == "certificate_revoked"


def test_a_revocation_names_the_issuer_so_the_same_serial_of_another_ca_still_verifies(
        db: None, root: pki.KeyPair) -> None:
    """Serial numbers are unique per issuing CA only (RFC 5280 §4.1.2.2)."""
    acme, other_org = org("acme"), org("other")
    registry.add_trust_anchor(name="root", certificate=root.certificate, actor=SYSTEM)
    office = pki.issue_intermediate_ca(root, "Another office CA")
    mine = _with_serial(root, "acme", 0x1001)
    theirs = _with_serial(office, "other", 0x1001)
    registry.register_certificate(organisation=acme, pem=pki.certificate_to_pem(mine), actor=SYSTEM)
    registry.register_certificate(organisation=other_org, pem=pki.certificate_to_pem(theirs), actor=SYSTEM)
    with pytest.raises(RegistryError) as ambiguous:  # two issuers hold 1001: which one?
        registry.revoke_certificate(serial="1001", reason="lost", actor=SYSTEM)
    assert ambiguous.value.code == RegistryErrorCode.AMBIGUOUS_SERIAL and not RevokedCertificate.objects.exists()
    registry.revoke_certificate(serial="1001", reason="lost", issuer=office.certificate.subject.rfc4514_string(),
                                actor=SYSTEM)
    trust.invalidate()
    at = mine.not_valid_before_utc + timedelta(hours=1)
    assert trust.chain_verifier().verify([mine], at=at) == mine
    with pytest.raises(pki.ChainError) as raised:
        trust.chain_verifier().verify([theirs, office.certificate], at=at)
    assert raised.value.code == "certificate_revoked"
    assert selectors.registered_certificate(acme, pki.fingerprint(mine)) is not None
    assert selectors.registered_certificate(other_org, pki.fingerprint(theirs)) is None


def test_a_serial_revoked_without_an_issuer_is_revoked_from_any(db: None, root: pki.KeyPair) -> None:
    registry.add_trust_anchor(name="root", certificate=root.certificate, actor=SYSTEM)
    office = pki.issue_intermediate_ca(root, "Another office CA")
    registry.revoke_certificate(serial="1001", reason="listed by serial only", actor=SYSTEM)
    assert RevokedCertificate.objects.get().issuer == ""
    trust.invalidate()
    for issuer, code in ((root, "acme"), (office, "other")):
        chain = [_with_serial(issuer, code, 0x1001)] + ([office.certificate] if issuer is office else [])
        with pytest.raises(pki.ChainError):
            trust.chain_verifier().verify(chain, at=chain[0].not_valid_before_utc + timedelta(hours=1))


def _with_serial(issuer: pki.KeyPair, org_code: str, serial: int) -> Any:
    issued = pki.issue_organisation_certificate(issuer, org_code=org_code, organisation_name=org_code)
    cert = issued.certificate
    builder = x509.CertificateBuilder(issuer_name=cert.issuer, subject_name=cert.subject,
                                      public_key=cert.public_key(), serial_number=serial,
                                      not_valid_before=cert.not_valid_before_utc,
                                      not_valid_after=cert.not_valid_after_utc, extensions=list(cert.extensions))
    return builder.sign(issuer.private_key, hashes.SHA256())


# --- access grants -----------------------------------------------------------------------------


@pytest.fixture
def catalogue(db: None) -> dict[str, Any]:
    agency = org("agency", R.CUSTOMS_OFFICE)
    parties = {
        "trader": org("trader", R.TRADER),
        "broker": org("broker", R.CUSTOMS_BROKER),
        "dual": org("dual", R.TRADER, R.CUSTOMS_BROKER),
        "bank": org("bank", R.BANK),
        "agency": agency,
    }
    services = {
        code: registry.define_service(
            code=code,
            name_en=code,
            owner=agency,
            message_type=f"{code}_set.submit",
            security=Service.Security.SIMPLE,
            actor=SYSTEM,
        )
        for code in ("one", "two")
    }
    return {"parties": parties, "services": services}


def _rights(catalogue: dict[str, Any], service: str) -> dict[str, tuple[bool, bool]]:
    target = catalogue["services"][service]
    return {
        name: (selectors.may_send(o, target), selectors.may_receive(o, target))
        for name, o in catalogue["parties"].items()
    }


def test_no_grant_means_no_rights(catalogue: dict[str, Any]) -> None:
    assert set(_rights(catalogue, "one").values()) == {(False, False)}


def test_grant_by_role_covers_every_holder_of_the_role(catalogue: dict[str, Any]) -> None:
    service = catalogue["services"]["one"]
    registry.grant_access(service=service, direction=SEND, role=R.TRADER, actor=SYSTEM)
    registry.grant_access(service=service, direction=RECEIVE, role=R.CUSTOMS_OFFICE, actor=SYSTEM)
    assert _rights(catalogue, "one") == {
        "trader": (True, False),
        "broker": (False, False),
        "dual": (True, False),
        "bank": (False, False),
        "agency": (False, True),
    }
    # grants are per service and per direction
    assert set(_rights(catalogue, "two").values()) == {(False, False)}


def test_grant_by_organisation_covers_only_that_organisation(catalogue: dict[str, Any]) -> None:
    service = catalogue["services"]["two"]
    bank = catalogue["parties"]["bank"]
    registry.grant_access(service=service, direction=SEND, organisation=bank, actor=SYSTEM)
    registry.grant_access(
        service=service,
        direction=RECEIVE,
        organisation=catalogue["parties"]["broker"],
        actor=SYSTEM,
    )
    assert _rights(catalogue, "two") == {
        "trader": (False, False),
        "broker": (False, True),
        "dual": (False, False),
        "bank": (True, False),
        "agency": (False, False),
    }
    assert set(_rights(catalogue, "one").values()) == {(False, False)}


def test_role_grant_follows_role_changes(catalogue: dict[str, Any]) -> None:
    service = catalogue["services"]["one"]
    registry.grant_access(service=service, direction=SEND, role=R.CUSTOMS_BROKER, actor=SYSTEM)
    bank = catalogue["parties"]["bank"]
    assert not selectors.may_send(bank, service)
    # what the back office does when a role is added to an organisation
    assignment = OrganisationRoleAssignment.objects.create(organisation=bank, role=R.CUSTOMS_BROKER)
    registry.record_audit(actor_user=None, action="create", obj=assignment, changes={"role": "broker"})
    assert selectors.may_send(bank, service)


@pytest.mark.parametrize("who", ["both", "neither"])
def test_a_grant_names_exactly_one_of_organisation_or_role(catalogue: dict[str, Any], who: str) -> None:
    kwargs: dict[str, Any] = {"organisation": catalogue["parties"]["bank"], "role": R.BANK} if who == "both" else {}
    audits = registry_audits().count()
    with pytest.raises(IntegrityError):
        registry.grant_access(service=catalogue["services"]["one"], direction=SEND, actor=SYSTEM, **kwargs)
    assert not AccessGrant.objects.exists()
    assert registry_audits().count() == audits


def test_organisation_grant_lets_an_otherwise_unauthorised_sender_submit(client: Client, world: testing.World) -> None:
    bank = world["bank"]
    payload = testing.encode(testing.declaration(ucr="6TW30000034-IMP0001"))  # on its own consignment
    refused = client.post(
        "/api/v1/messages",
        data=payload,
        **testing.submit_headers(bank, payload, client_reference="b-1"),
    )
    assert refused.status_code == 403
    service = Service.objects.get(message_type="import_declaration.submit")
    registry.grant_access(service=service, direction=SEND, organisation=bank.organisation, actor=SYSTEM)
    accepted = client.post(
        "/api/v1/messages",
        data=payload,
        **testing.submit_headers(bank, payload, client_reference="b-2"),
    )
    assert accepted.status_code == 201, accepted.content
    assert accepted.json()["receipt"]["sender"] == bank.code


# --- API tokens ----------------------------------------------------------------------------


def test_issue_api_token_stores_only_its_hash(db: None, admin: Actor) -> None:
    acme = org("acme")
    token, raw = registry.issue_api_token(organisation=acme, name="erp", actor=admin)
    assert raw.startswith("sw_") and len(raw) > 40
    stored = ApiToken.objects.get(pk=token.pk)
    assert stored.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert stored.prefix == raw[:10]
    assert stored.user == admin.user
    for field in ApiToken._meta.concrete_fields:
        assert raw not in str(getattr(stored, field.attname)), field.name
    for record in registry_audits().all():
        assert raw not in str(record.changes) and raw not in record.object_repr


def test_actor_for_token_finds_the_organisation(db: None) -> None:
    acme = org("acme")
    token, raw = registry.issue_api_token(organisation=acme, name="erp", actor=SYSTEM)
    actor = selectors.actor_for_token(raw)
    assert actor is not None
    assert actor.organisation == acme and actor.token == token
    assert actor.label == f"acme token:{raw[:10]}"


def test_two_tokens_are_different_and_each_finds_its_organisation(db: None) -> None:
    acme, other = org("acme"), org("other")
    _, raw_a = registry.issue_api_token(organisation=acme, name="a", actor=SYSTEM)
    _, raw_b = registry.issue_api_token(organisation=other, name="b", actor=SYSTEM)
    assert raw_a != raw_b
    assert selectors.actor_for_token(raw_a).organisation == acme  # type: ignore[union-attr]
    assert selectors.actor_for_token(raw_b).organisation == other  # type: ignore[union-attr]


@pytest.mark.parametrize(
    "case",
    [
        "unknown",
        "empty",
        "prefix-only",
        "hash-itself",
        "too-long",
        "deactivated-token",
        "deactivated-organisation",
    ],
)
def test_actor_for_token_refuses(db: None, case: str) -> None:
    acme = org("acme")
    token, raw = registry.issue_api_token(organisation=acme, name="erp", actor=SYSTEM)
    candidate = {
        "unknown": raw[:-1] + ("A" if raw[-1] != "A" else "B"),
        "empty": "",
        "prefix-only": token.prefix,
        "hash-itself": token.token_hash,
        "too-long": raw + "x" * 200,
    }.get(case, raw)
    if case == "deactivated-token":
        ApiToken.objects.filter(pk=token.pk).update(is_active=False)
    if case == "deactivated-organisation":
        Organisation.objects.filter(pk=acme.pk).update(is_active=False)
    assert selectors.actor_for_token(candidate) is None


# --- audit trail ---------------------------------------------------------------------------------


def test_every_registry_change_writes_one_audit_record(db: None, admin: Actor, root: pki.KeyPair) -> None:
    def audited(call: Any) -> AuditRecord:
        before = set(registry_audits().values_list("pk", flat=True))
        result = call()
        [record] = registry_audits().exclude(pk__in=before)
        assert record.actor == admin.user
        record.result = result  # type: ignore[attr-defined]
        return record

    created = audited(
        lambda: registry.create_organisation(
            code="acme", name_en="Acme", roles=[R.TRADER], business_id="30000002", actor=admin
        )
    )
    acme = created.result  # type: ignore[attr-defined]
    assert (created.action, created.object_type, created.object_id) == (
        "create",
        "Organisation",
        str(acme.pk),
    )
    assert created.changes == {"code": "acme", "business_id": "30000002", "roles": ["trader"]}

    member = audited(
        lambda: registry.add_member(
            organisation=acme, username="ann", password="pw-ann-12345", role="operator", actor=admin
        )
    )
    assert (member.action, member.changes) == (
        "add_member",
        {"username": "ann", "role": "operator"},
    )

    service = audited(
        lambda: registry.define_service(
            code="imp",
            name_en="Import",
            owner=acme,
            message_type="import_declaration.submit",
            security=Service.Security.CERTIFICATE,
            actor=admin,
        )
    )
    assert (service.action, service.object_type) == ("create", "Service")
    assert service.changes == {
        "message_type": "import_declaration.submit",
        "security": "certificate",
    }

    grant = audited(
        lambda: registry.grant_access(
            service=service.result,
            direction=SEND,  # type: ignore[attr-defined]
            role=R.TRADER,
            actor=admin,
        )
    )
    assert (grant.action, grant.object_type) == ("grant", "AccessGrant")
    assert grant.changes == {"direction": "send", "role": "trader", "organisation": None}

    anchor = audited(lambda: registry.add_trust_anchor(name="root", certificate=root.certificate, actor=admin))
    assert (anchor.action, anchor.object_type) == ("trust", "TrustAnchor")
    assert TrustAnchor.objects.get().fingerprint == pki.fingerprint(root.certificate)

    key = pki.issue_organisation_certificate(root, org_code="acme", organisation_name="Acme")
    registered = audited(
        lambda: registry.register_certificate(
            organisation=acme, pem=pki.certificate_to_pem(key.certificate), actor=admin
        )
    )
    assert (registered.action, registered.object_type) == ("register_certificate", "Certificate")
    assert registered.changes == {
        "fingerprint": pki.fingerprint(key.certificate),
        "serial": pki.serial_hex(key.certificate),
    }

    revoked = audited(
        lambda: registry.revoke_certificate(serial=pki.serial_hex(key.certificate), reason="lost", actor=admin)
    )
    assert (revoked.action, revoked.object_type, revoked.changes) == (
        "revoke",
        "RevokedCertificate",
        {"reason": "lost", "issuer": key.certificate.issuer.rfc4514_string()},
    )

    issued = audited(lambda: registry.issue_api_token(organisation=acme, name="erp", actor=admin))
    assert (issued.action, issued.object_type, issued.changes) == (
        "issue_token",
        "ApiToken",
        {"name": "erp"},
    )


def test_system_changes_are_audited_without_a_user(db: None) -> None:
    org("acme")
    record = registry_audits().get()
    assert record.actor is None and record.action == "create"


def registry_audits():
    """Audit records of this test's own changes (the code lists loaded at migrate are set aside)."""
    return AuditRecord.objects.exclude(object_type__in=("CodeList", "RegulationCode"))


def test_revocations_recorded_by_serial_alone_are_given_their_issuer_by_the_migration(
        db: None, root: pki.KeyPair) -> None:
    from django.apps import apps

    migration = importlib.import_module("singlewindow.registry.migrations.0004_revocation_issuer")
    acme = org("acme")
    key = pki.issue_organisation_certificate(root, org_code="acme", organisation_name="Acme")
    registry.register_certificate(organisation=acme, pem=pki.certificate_to_pem(key.certificate), actor=SYSTEM)
    RevokedCertificate.objects.create(serial=pki.serial_hex(key.certificate), issuer="")
    RevokedCertificate.objects.create(serial="abc", issuer="")  # no registered certificate holds it
    migration.name_the_issuers(apps, None)
    assert dict(RevokedCertificate.objects.values_list("serial", "issuer")) == {
        pki.serial_hex(key.certificate): key.certificate.issuer.rfc4514_string(), "abc": ""}
