import pickle
from collections.abc import Collection, Sequence
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ed25519
from cryptography.x509.oid import NameOID

from singlewindow.registry import pki
from singlewindow.registry.pki import ChainError, ChainVerifier, KeyPair, verify_chain

NOW = datetime.now(UTC)
# Every certificate here is issued as of NOW (not "when the fixture runs"), so a long test run
# between import and use cannot leave a certificate not yet valid at NOW.


@pytest.fixture(scope="module")
def root() -> KeyPair:
    return pki.create_root_ca("Single Window Test Root", now=NOW)


@pytest.fixture(scope="module")
def intermediate(root: KeyPair) -> KeyPair:
    return pki.issue_intermediate_ca(root, "Single Window Office CA", not_before=NOW)


@pytest.fixture(scope="module")
def leaf(root: KeyPair) -> KeyPair:
    return pki.issue_organisation_certificate(
        root, org_code="ORG-0001", organisation_name="Formosa Trading Co.", business_id="22099131", not_before=NOW
    )


@pytest.fixture(scope="module")
def deep_leaf(intermediate: KeyPair) -> KeyPair:
    return pki.issue_organisation_certificate(
        intermediate, org_code="ORG-0002", organisation_name="Keelung Logistics Ltd.", not_before=NOW
    )


def check(
    chain: Sequence[KeyPair | x509.Certificate],
    root: KeyPair,
    *,
    revoked: Collection[str] = (),
    at: datetime = NOW,
    anchors: Sequence[x509.Certificate] | None = None,
) -> x509.Certificate:
    """Validate key pairs or bare certificates against ``root`` unless other anchors are given."""
    return verify_chain(
        [kp.certificate if isinstance(kp, KeyPair) else kp for kp in chain],
        trust_anchors=anchors if anchors is not None else [root.certificate],
        revoked_serials=revoked,
        at=at,
    )


def refused(
    code: str,
    chain: Sequence[KeyPair | x509.Certificate],
    root: KeyPair,
    *,
    revoked: Collection[str] = (),
    at: datetime = NOW,
    anchors: Sequence[x509.Certificate] | None = None,
) -> ChainError:
    with pytest.raises(ChainError) as info:
        check(chain, root, revoked=revoked, at=at, anchors=anchors)
    assert info.value.code == code, info.value.detail
    return info.value


def sign_with(issuer: KeyPair, *, ca: bool, extension: x509.ExtensionType | None = None) -> KeyPair:
    """A certificate signed by any key pair, e.g. a leaf pretending to be a CA."""
    child = pki.create_root_ca("child")
    builder = x509.CertificateBuilder()
    if extension is not None:
        builder = builder.add_extension(extension, critical=True)
    cert = (
        builder.subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "child")]))
        .issuer_name(issuer.certificate.subject)
        .public_key(child.private_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(minutes=5))
        .not_valid_after(NOW + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                content_commitment=True,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                key_cert_sign=ca,
                crl_sign=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .sign(issuer.private_key, hashes.SHA256())
    )
    return KeyPair(cert, child.private_key)


# ------------------------------------------------------------------ issuing and encoding


def test_root_is_a_self_signed_ca(root: KeyPair) -> None:
    cert = root.certificate
    cert.verify_directly_issued_by(cert)
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    assert constraints.critical and constraints.value.ca and constraints.value.path_length is None
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.key_cert_sign and usage.value.crl_sign
    assert cert.not_valid_before_utc == NOW.replace(microsecond=0) - pki.CLOCK_SKEW


def test_organisation_certificate_subject_and_extensions(root: KeyPair, leaf: KeyPair) -> None:
    cert = leaf.certificate
    subject = cert.subject
    assert subject.get_attributes_for_oid(NameOID.COUNTRY_NAME)[0].value == "TW"
    for oid in (NameOID.ORGANIZATION_NAME, NameOID.COMMON_NAME):
        assert subject.get_attributes_for_oid(oid)[0].value == "Formosa Trading Co."
    org_id = subject.get_attributes_for_oid(x509.ObjectIdentifier("2.5.4.97"))
    assert org_id[0].value == "NTRTW-22099131"
    assert pki.certificate_org_code(cert) == "ORG-0001"
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False
    usage = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert usage.critical and usage.value.digital_signature and usage.value.content_commitment
    assert not usage.value.key_encipherment
    aki = cert.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value
    ski = root.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    assert aki.key_identifier == ski.digest
    assert cert.serial_number.bit_length() > 64 - 8
    assert cert.not_valid_before_utc <= NOW


def test_without_business_id_there_is_no_organization_identifier(deep_leaf: KeyPair) -> None:
    assert not deep_leaf.certificate.subject.get_attributes_for_oid(NameOID.ORGANIZATION_IDENTIFIER)


@pytest.mark.parametrize("org_code", ["", "ORG_1", "組織"])
def test_org_code_must_be_printable_string(root: KeyPair, org_code: str) -> None:
    with pytest.raises(ValueError):
        pki.issue_organisation_certificate(root, org_code=org_code, organisation_name="X", not_before=NOW)


def test_naive_datetimes_are_refused(root: KeyPair) -> None:
    with pytest.raises(ValueError):
        pki.create_root_ca("x", now=datetime(2030, 1, 1))  # noqa: DTZ001
    with pytest.raises(ValueError):
        ChainVerifier([root.certificate]).verify([root.certificate], at=datetime(2030, 1, 1))  # noqa: DTZ001


def test_pem_round_trips(root: KeyPair, leaf: KeyPair) -> None:
    pem = pki.certificate_to_pem(leaf.certificate)
    assert pem.startswith("-----BEGIN CERTIFICATE-----")
    assert pki.load_certificate_pem(pem) == leaf.certificate
    assert pki.load_certificate_pem(pem.encode()) == leaf.certificate
    bundle = pem + pki.certificate_to_pem(root.certificate)
    assert pki.load_certificates_pem(bundle) == [leaf.certificate, root.certificate]
    key_pem = pki.private_key_to_pem(leaf.private_key)
    assert key_pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert pki.load_private_key_pem(key_pem).private_numbers() == leaf.private_key.private_numbers()


def test_non_ec_private_key_is_refused() -> None:
    pem = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    with pytest.raises(TypeError):
        pki.load_private_key_pem(pem)
    with pytest.raises(ValueError):
        pki.load_private_key_pem("not a key")


def test_fingerprint_and_serial_formats(leaf: KeyPair) -> None:
    cert = leaf.certificate
    fp = pki.fingerprint(cert)
    assert len(fp) == 64 and fp == fp.lower()
    assert fp == cert.fingerprint(hashes.SHA256()).hex()
    assert int(pki.serial_hex(cert), 16) == cert.serial_number
    assert not pki.serial_hex(cert).startswith(("0x", "0"))


def test_org_code_absent_on_a_ca(root: KeyPair) -> None:
    assert pki.certificate_org_code(root.certificate) is None


# ------------------------------------------------------------------ chain validation


def test_leaf_directly_under_root(root: KeyPair, leaf: KeyPair) -> None:
    assert check([leaf], root) == leaf.certificate
    assert check([leaf, root], root) == leaf.certificate


def test_leaf_under_intermediate(root: KeyPair, intermediate: KeyPair, deep_leaf: KeyPair) -> None:
    assert check([deep_leaf, intermediate], root) == deep_leaf.certificate
    assert check([deep_leaf, intermediate, root], root) == deep_leaf.certificate


def test_intermediate_as_anchor(intermediate: KeyPair, deep_leaf: KeyPair) -> None:
    assert check([deep_leaf], intermediate) == deep_leaf.certificate


def test_other_root_is_untrusted(root: KeyPair, leaf: KeyPair) -> None:
    other = pki.create_root_ca("Some Other Root")
    refused("certificate_untrusted", [leaf], root, anchors=[other.certificate])
    refused("certificate_untrusted", [leaf, root], root, anchors=[other.certificate])
    refused("certificate_untrusted", [leaf], root, anchors=[])


def test_impostor_root_with_the_same_name_is_untrusted(root: KeyPair) -> None:
    impostor = pki.create_root_ca("Single Window Test Root")
    fake = pki.issue_organisation_certificate(impostor, org_code="ORG-0001", organisation_name="F", not_before=NOW)
    refused("certificate_untrusted", [fake], root)
    refused("certificate_untrusted", [fake, impostor], root)


def test_missing_intermediate_is_untrusted(root: KeyPair, deep_leaf: KeyPair) -> None:
    refused("certificate_untrusted", [deep_leaf], root)


def test_expired(root: KeyPair, leaf: KeyPair, intermediate: KeyPair, deep_leaf: KeyPair) -> None:
    later = leaf.certificate.not_valid_after_utc + timedelta(seconds=1)
    refused("certificate_expired", [leaf], root, at=later)
    # The boundary itself is still valid (not_after is inclusive).
    assert check([leaf], root, at=leaf.certificate.not_valid_after_utc)
    old = pki.issue_organisation_certificate(
        root,
        org_code="OLD",
        organisation_name="Old Co.",
        not_before=NOW - timedelta(days=10),
        valid_days=5,
    )
    refused("certificate_expired", [old], root)
    short = pki.issue_intermediate_ca(root, "Short CA", valid_days=1, not_before=NOW)
    under_short = pki.issue_organisation_certificate(short, org_code="S", organisation_name="S", not_before=NOW)
    refused("certificate_expired", [under_short, short], root, at=NOW + timedelta(days=2))


def test_expired_anchor(leaf: KeyPair) -> None:
    expired_root = pki.create_root_ca("Old Root", now=NOW - timedelta(days=20), valid_days=10)
    issued = pki.issue_organisation_certificate(
        expired_root, org_code="X", organisation_name="X", not_before=NOW - timedelta(days=15)
    )
    refused("certificate_expired", [issued], expired_root)


def test_not_yet_valid(root: KeyPair) -> None:
    future = pki.issue_organisation_certificate(
        root, org_code="NEW", organisation_name="New Co.", not_before=NOW + timedelta(days=1)
    )
    refused("certificate_not_yet_valid", [future], root)
    assert check([future], root, at=NOW + timedelta(days=1)) == future.certificate
    refused("certificate_not_yet_valid", [future], root, at=NOW + timedelta(hours=23))


def test_revoked_leaf(root: KeyPair, leaf: KeyPair) -> None:
    serial = pki.serial_hex(leaf.certificate)
    refused("certificate_revoked", [leaf], root, revoked={serial})
    refused("certificate_revoked", [leaf], root, revoked=["0x" + serial.upper()])
    refused("certificate_revoked", [leaf], root, revoked=["00" + serial])
    assert check([leaf], root, revoked={"abcdef"}) == leaf.certificate


def test_revoked_intermediate(root: KeyPair, intermediate: KeyPair, deep_leaf: KeyPair) -> None:
    revoked = {pki.serial_hex(intermediate.certificate)}
    refused("certificate_revoked", [deep_leaf, intermediate], root, revoked=revoked)


def test_anchor_serial_in_revocation_list_is_ignored(root: KeyPair, leaf: KeyPair) -> None:
    assert check([leaf, root], root, revoked={pki.serial_hex(root.certificate)})


def test_encipherment_only_key_is_refused(root: KeyPair) -> None:
    enc = pki.issue_organisation_certificate(
        root, org_code="ENC", organisation_name="Enc Co.", key_usage="encipherment", not_before=NOW
    )
    refused("certificate_key_usage", [enc], root)


def test_ca_certificate_cannot_be_the_signer(root: KeyPair, intermediate: KeyPair) -> None:
    refused("certificate_key_usage", [intermediate], root)
    refused("certificate_key_usage", [root], root)
    # Even a CA that (wrongly) carries digitalSignature must not sign messages.
    refused("certificate_key_usage", [sign_with(root, ca=True)], root)


def test_wrong_order_is_invalid(root: KeyPair, intermediate: KeyPair, deep_leaf: KeyPair) -> None:
    refused("certificate_chain_invalid", [intermediate, deep_leaf], root)
    refused("certificate_chain_invalid", [deep_leaf, root, intermediate], root)


def test_leaf_cannot_act_as_issuer(root: KeyPair, leaf: KeyPair) -> None:
    child = sign_with(leaf, ca=False)
    refused("certificate_chain_invalid", [child, leaf], root)


def test_unknown_critical_extension_is_refused(root: KeyPair) -> None:
    odd = x509.UnrecognizedExtension(x509.ObjectIdentifier("1.3.6.1.4.1.99999.1"), b"\x05\x00")
    refused("certificate_chain_invalid", [sign_with(root, ca=False, extension=odd)], root)
    # A critical extended key usage is understood: one naming no signing purpose limits the key.
    eku = x509.ExtendedKeyUsage([x509.ObjectIdentifier("1.3.6.1.4.1.99999.2")])
    refused("certificate_key_usage", [sign_with(root, ca=False, extension=eku)], root)
    san = x509.SubjectAlternativeName([x509.DNSName("example.tw")])
    assert check([sign_with(root, ca=False, extension=san)], root)


def test_path_length_is_enforced(root: KeyPair, intermediate: KeyPair) -> None:
    sub = pki.issue_intermediate_ca(intermediate, "Too Deep CA", not_before=NOW)
    signer = pki.issue_organisation_certificate(sub, org_code="D", organisation_name="Deep", not_before=NOW)
    refused("certificate_chain_invalid", [signer, sub, intermediate], root)
    permissive = pki.issue_intermediate_ca(root, "Permissive CA", path_length=1, not_before=NOW)
    sub_ok = pki.issue_intermediate_ca(permissive, "Sub CA", not_before=NOW)
    signer_ok = pki.issue_organisation_certificate(sub_ok, org_code="D", organisation_name="Deep", not_before=NOW)
    assert check([signer_ok, sub_ok, permissive], root) == signer_ok.certificate


def test_chain_length_limits(root: KeyPair, leaf: KeyPair) -> None:
    refused("certificate_chain_invalid", [], root)
    cas = [root]
    for depth in range(5):
        cas.append(pki.issue_intermediate_ca(cas[-1], f"CA {depth}", path_length=None, not_before=NOW))
    signer = pki.issue_organisation_certificate(cas[-1], org_code="L", organisation_name="Long", not_before=NOW)
    five = [signer, *reversed(cas[2:])]
    assert len(five) == 5
    assert check(five, cas[1]) == signer.certificate
    refused("certificate_chain_invalid", [*five, cas[1]], root)


def test_repeated_certificate_is_invalid(root: KeyPair, leaf: KeyPair) -> None:
    refused("certificate_chain_invalid", [leaf, root, root], root)


def test_anchors_must_be_cas(leaf: KeyPair) -> None:
    with pytest.raises(ValueError):
        ChainVerifier([leaf.certificate])


def test_verifier_cache_still_checks_time(root: KeyPair, leaf: KeyPair) -> None:
    verifier = ChainVerifier([root.certificate], {"123"})
    assert verifier.verify([leaf.certificate], at=NOW) == leaf.certificate
    assert verifier.cache_len() == 1
    assert verifier.verify([leaf.certificate], at=NOW) == leaf.certificate
    with pytest.raises(ChainError) as info:
        verifier.verify([leaf.certificate], at=NOW + timedelta(days=731))
    assert info.value.code == "certificate_expired"
    with pytest.raises(ChainError) as info:
        verifier.verify([leaf.certificate], at=NOW - timedelta(days=1))
    assert info.value.code == "certificate_not_yet_valid"
    assert verifier.cache_len() == 1


def test_verifier_does_not_cache_failures(root: KeyPair, leaf: KeyPair) -> None:
    verifier = ChainVerifier([root.certificate], {pki.serial_hex(leaf.certificate)})
    for _ in range(2):
        with pytest.raises(ChainError):
            verifier.verify([leaf.certificate], at=NOW)
    assert verifier.cache_len() == 0


def test_verifier_cache_is_bounded(root: KeyPair) -> None:
    verifier = ChainVerifier([root.certificate], cache_size=2)
    leaves = [
        pki.issue_organisation_certificate(root, org_code=f"C{i}", organisation_name="C", not_before=NOW)
        for i in range(3)
    ]
    for kp in leaves:
        verifier.verify([kp.certificate], at=NOW)
    assert verifier.cache_len() == 2


def test_chain_error_carries_code_and_detail_and_pickles() -> None:
    error = ChainError("certificate_revoked", "certificate X is revoked")
    assert str(error) == "certificate_revoked: certificate X is revoked"
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (copy.code, copy.detail) == (error.code, error.detail)


def test_certificates_are_backdated_for_clock_skew_by_default(root: KeyPair) -> None:
    issued = pki.issue_organisation_certificate(root, org_code="SKEW", organisation_name="Skew Co.")
    assert issued.certificate.not_valid_before_utc <= datetime.now(UTC) - timedelta(minutes=4)
