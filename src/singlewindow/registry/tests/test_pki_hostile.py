"""Hostile certificates: encodings ``cryptography`` parses but cannot read names or extensions of,
purposes other than signing documents, and a suspended certificate registered again. Each is a
clean refusal, never a 500."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from django.test import Client

from singlewindow import testing
from singlewindow.exchange import jws
from singlewindow.exchange.models import EvidenceEntry, Message
from singlewindow.registry import pki
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.errors import RegistryError, RegistryErrorCode
from singlewindow.registry.models import Certificate

IMPORT = "import_declaration.submit"

# --- DER surgery: patch a certificate's to-be-signed part and sign it again ----------------


def _length(size: int) -> bytes:
    if size < 0x80:
        return bytes([size])
    digits = size.to_bytes((size.bit_length() + 7) // 8, "big")
    return bytes([0x80 | len(digits)]) + digits


def _tlv(tag: int, content: bytes) -> bytes:
    return bytes([tag]) + _length(len(content)) + content


def _read(der: bytes, at: int) -> tuple[int, int]:
    """(start of the content, its length) of the element at ``at``."""
    size, at = der[at + 1], at + 2
    if size & 0x80:
        count = size & 0x7F
        size, at = int.from_bytes(der[at:at + count], "big"), at + count
    return at, size


def _elements(der: bytes) -> list[bytes]:
    """The elements inside the SEQUENCE ``der``."""
    start, size = _read(der, 0)
    found, at = [], start
    while at < start + size:
        content, length = _read(der, at)
        found.append(der[at:content + length])
        at = content + length
    return found


def _resigned(cert: x509.Certificate, key: ec.EllipticCurvePrivateKey, patch: object) -> x509.Certificate:
    tbs, algorithm, _ = _elements(cert.public_bytes(serialization.Encoding.DER))
    tbs = patch(tbs)  # type: ignore[operator]
    signature = key.sign(tbs, ec.ECDSA(hashes.SHA256()))
    return x509.load_der_x509_certificate(_tlv(0x30, tbs + algorithm + _tlv(0x03, b"\x00" + signature)))


def _subject_serial_as_bit_string(tbs: bytes) -> bytes:
    """The subject becomes one serialNumber attribute encoded as a BIT STRING."""
    attribute = _tlv(0x30, _tlv(0x06, bytes.fromhex("550405")) + _tlv(0x03, b"\x00\x01"))
    fields = _elements(tbs)
    fields[5] = _tlv(0x30, _tlv(0x31, attribute))
    return _tlv(0x30, b"".join(fields))


def _bit_string_subject() -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    own = pki.create_root_ca("Somebody's own CA")
    return _resigned(own.certificate, own.private_key, _subject_serial_as_bit_string), own.private_key


def _submit(party: testing.Party, key: ec.EllipticCurvePrivateKey, chain: list[x509.Certificate],
            reference: str) -> object:
    payload = testing.encode(testing.declaration())
    signature = jws.sign_detached(payload, key, chain, extra_header={"swt": IMPORT, "swr": reference})
    return Client().post("/api/v1/messages", data=payload, content_type="application/json", **party.auth(),
                         HTTP_X_SW_MESSAGE_TYPE=IMPORT, HTTP_X_SW_CLIENT_REFERENCE=reference,
                         HTTP_X_SW_SIGNATURE=signature)


def _leaf(world: testing.World, party: testing.Party, *extensions: tuple[x509.ExtensionType, bool]
          ) -> tuple[x509.Certificate, ec.EllipticCurvePrivateKey]:
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.now(UTC)
    builder = (x509.CertificateBuilder()
               .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "Probe"),
                                        x509.NameAttribute(NameOID.SERIAL_NUMBER, party.code)]))
               .issuer_name(world.root.certificate.subject).public_key(key.public_key())
               .serial_number(x509.random_serial_number())
               .not_valid_before(now - timedelta(days=1)).not_valid_after(now + timedelta(days=30))
               .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
               .add_extension(x509.KeyUsage(True, False, False, False, False, False, False, False, False),
                              critical=True))
    for extension, critical in extensions:
        builder = builder.add_extension(extension, critical=critical)
    return builder.sign(world.root.private_key, hashes.SHA256()), key


def test_an_unreadable_name_in_x5c_is_refused_as_a_signature_problem(world: testing.World) -> None:
    cert, key = _bit_string_subject()
    before = EvidenceEntry.objects.count()
    answer = _submit(world["trader_a"], key, [cert], "hostile-1")
    assert answer.status_code == 401, answer.content  # type: ignore[attr-defined]
    assert answer.json()["code"] == "signature.certificate_rejected"  # type: ignore[attr-defined]
    assert EvidenceEntry.objects.count() == before + 1 and not Message.objects.exists()


def test_an_unreadable_certificate_is_refused_at_registration(world: testing.World) -> None:
    cert, _ = _bit_string_subject()
    answer = Client().post("/api/v1/registry/certificates", content_type="application/json",
                           data=json.dumps({"pem": pki.certificate_to_pem(cert)}), **world["trader_a"].auth())
    assert answer.status_code == 422 and answer.json()["code"] == "registry.invalid_certificate"


def test_a_duplicate_extension_is_refused_at_registration_and_in_a_chain(world: testing.World) -> None:
    party = world["trader_a"]
    issued = pki.issue_organisation_certificate(world.root, org_code=party.code, organisation_name="Probe")
    # The subject key identifier's OID becomes a second authority key identifier.
    cert = _resigned(issued.certificate, world.root.private_key,
                     lambda tbs: tbs.replace(bytes.fromhex("0603551d0e"), bytes.fromhex("0603551d23")))
    with pytest.raises(RegistryError) as refused:
        registry.register_certificate(organisation=party.organisation, pem=pki.certificate_to_pem(cert),
                                      actor=SYSTEM)
    assert refused.value.code == RegistryErrorCode.INVALID_CERTIFICATE
    with pytest.raises(pki.ChainError) as broken:
        pki.verify_chain([cert], trust_anchors=[world.root.certificate], revoked_serials=(), at=datetime.now(UTC))
    assert broken.value.code == "certificate_chain_invalid"


def test_a_serial_longer_than_20_octets_is_refused_at_registration(world: testing.World) -> None:
    party = world["trader_a"]
    issued = pki.issue_organisation_certificate(world.root, org_code=party.code, organisation_name="Probe")
    long_serial = (x509.CertificateBuilder(issuer_name=issued.certificate.issuer,
                                           subject_name=issued.certificate.subject,
                                           public_key=issued.certificate.public_key(), serial_number=1 << 200,
                                           not_valid_before=issued.certificate.not_valid_before_utc,
                                           not_valid_after=issued.certificate.not_valid_after_utc)
                   .sign(world.root.private_key, hashes.SHA256()))
    with pytest.raises(RegistryError) as refused:
        registry.register_certificate(organisation=party.organisation, pem=pki.certificate_to_pem(long_serial),
                                      actor=SYSTEM)
    assert refused.value.code == RegistryErrorCode.INVALID_CERTIFICATE and "20 octets" in refused.value.detail


@pytest.mark.parametrize("purposes, critical, accepted", [
    ([ExtendedKeyUsageOID.SERVER_AUTH], False, False),
    ([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.CODE_SIGNING], False, False),
    ([ExtendedKeyUsageOID.EMAIL_PROTECTION], True, True),
    ([x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36")], True, True),  # documentSigning
    ([ExtendedKeyUsageOID.SERVER_AUTH, ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE], False, True),
])
def test_an_extended_key_usage_must_allow_signing_documents(
        world: testing.World, purposes: list[x509.ObjectIdentifier], critical: bool, accepted: bool) -> None:
    party = world["trader_a"]
    cert, key = _leaf(world, party, (x509.ExtendedKeyUsage(purposes), critical))
    registry.register_certificate(organisation=party.organisation, pem=pki.certificate_to_pem(cert), actor=SYSTEM)
    answer = _submit(party, key, [cert], "eku-1")
    if accepted:
        assert answer.status_code == 201, answer.content  # type: ignore[attr-defined]
    else:
        assert answer.status_code == 401  # type: ignore[attr-defined]
        assert "other purposes than signing" in answer.json()["errors"][0]["message"]["en"]  # type: ignore[attr-defined]


def test_a_deactivated_certificate_is_not_reactivated_by_registering_it_again(world: testing.World) -> None:
    party = world["trader_a"]
    Certificate.objects.filter(organisation=party.organisation).update(is_active=False)  # the back office
    answer = Client().post("/api/v1/registry/certificates", content_type="application/json",
                           data=json.dumps({"pem": pki.certificate_to_pem(party.key.certificate)}), **party.auth())
    assert answer.status_code == 409 and answer.json()["code"] == "registry.certificate_suspended"
    assert not Certificate.objects.filter(organisation=party.organisation, is_active=True).exists()


def test_the_back_office_refuses_a_certificate_naming_no_organisation(world: testing.World, admin_client: Client
                                                                      ) -> None:
    ca = pki.issue_intermediate_ca(world.root, "An intermediate, no organisation code")
    answer = admin_client.post("/admin/registry/certificate/add/", {
        "organisation": world["trader_a"].organisation.pk, "pem": pki.certificate_to_pem(ca.certificate)})
    assert answer.status_code == 200 and "names no organisation" in answer.content.decode()
    assert not Certificate.objects.filter(subject__contains="no organisation code").exists()
