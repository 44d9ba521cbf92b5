import base64
import json
import pickle
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from singlewindow.exchange.jws import SignatureError, sign_detached, verify_detached
from singlewindow.registry import pki
from singlewindow.registry.pki import KeyPair

PAYLOAD = '{"declaration":"IMP-0001","value":"12345.00","note":"進口"}'.encode()


@pytest.fixture(scope="module")
def root() -> KeyPair:
    return pki.create_root_ca("JWS Test Root")


@pytest.fixture(scope="module")
def signer(root: KeyPair) -> KeyPair:
    return pki.issue_organisation_certificate(root, org_code="ORG-1", organisation_name="Signer")


@pytest.fixture(scope="module")
def jws(signer: KeyPair, root: KeyPair) -> str:
    return sign_detached(PAYLOAD, signer.private_key, [signer.certificate, root.certificate])


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def header_of(token: str) -> dict[str, Any]:
    header: dict[str, Any] = json.loads(unb64url(token.split(".")[0]))
    return header


def with_header(token: str, header: dict[str, Any]) -> str:
    """Same signature, different protected header."""
    _, _, signature = token.split(".")
    return f"{b64url(json.dumps(header).encode())}..{signature}"


def refused(code: str, token: str, payload: bytes = PAYLOAD) -> SignatureError:
    with pytest.raises(SignatureError) as info:
        verify_detached(token, payload)
    assert info.value.code == code, info.value.detail
    return info.value


# ------------------------------------------------------------------ signing


def test_compact_detached_form(jws: str, signer: KeyPair, root: KeyPair) -> None:
    header_segment, middle, signature_segment = jws.split(".")
    assert middle == ""
    assert len(unb64url(signature_segment)) == 64
    raw_header = unb64url(header_segment)
    header = json.loads(raw_header)
    assert raw_header == json.dumps(header, separators=(",", ":"), sort_keys=True).encode()
    assert header["alg"] == "ES256" and header["b64"] is False and header["crit"] == ["b64"]
    ders = [base64.b64decode(entry, validate=True) for entry in header["x5c"]]
    assert ders == [
        c.public_bytes(serialization.Encoding.DER) for c in (signer.certificate, root.certificate)
    ]


def test_signature_is_over_the_raw_payload(jws: str, signer: KeyPair) -> None:
    """RFC 7797: the signing input is header '.' payload bytes, not base64 of the payload."""
    header_segment, _, signature_segment = jws.split(".")
    raw = unb64url(signature_segment)
    from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

    der = encode_dss_signature(int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
    key = signer.certificate.public_key()
    assert isinstance(key, ec.EllipticCurvePublicKey)
    key.verify(der, header_segment.encode() + b"." + PAYLOAD, ec.ECDSA(hashes.SHA256()))


def test_extra_header(signer: KeyPair) -> None:
    key, chain = signer.private_key, [signer.certificate]
    token = sign_detached(PAYLOAD, key, chain, extra_header={"kid": "k1", "iat": 1700000000})
    assert verify_detached(token, PAYLOAD).header["kid"] == "k1"
    clashes: list[dict[str, object]] = [{"alg": "none"}, {"crit": []}, {"b64": True}, {"x5c": []}]
    for reserved in clashes:
        with pytest.raises(ValueError):
            sign_detached(PAYLOAD, key, chain, extra_header=reserved)


def test_signing_refuses_a_key_of_another_certificate(signer: KeyPair, root: KeyPair) -> None:
    with pytest.raises(ValueError):
        sign_detached(PAYLOAD, root.private_key, [signer.certificate])
    with pytest.raises(ValueError):
        sign_detached(PAYLOAD, signer.private_key, [])


# ------------------------------------------------------------------ verification


def test_round_trip(jws: str, signer: KeyPair, root: KeyPair) -> None:
    result = verify_detached(jws, PAYLOAD)
    assert result.chain == [signer.certificate, root.certificate]
    assert result.header["alg"] == "ES256"
    verifier = pki.ChainVerifier([root.certificate])
    assert verifier.verify(result.chain, at=datetime.now(UTC)) == signer.certificate


def test_empty_payload_round_trip(signer: KeyPair) -> None:
    token = sign_detached(b"", signer.private_key, [signer.certificate])
    assert verify_detached(token, b"").chain == [signer.certificate]
    refused("signature_invalid", token, b"\x00")


def test_other_bytes_fail(jws: str) -> None:
    refused("signature_invalid", jws, PAYLOAD + b" ")
    refused("signature_invalid", jws, PAYLOAD.replace(b"12345", b"99999"))
    refused("signature_invalid", jws, b"")


def test_tampered_header_fails(jws: str) -> None:
    header = header_of(jws)
    header["kid"] = "injected"
    refused("signature_invalid", with_header(jws, header))


def test_swapped_signer_certificate_fails(jws: str, root: KeyPair) -> None:
    other = pki.issue_organisation_certificate(root, org_code="ORG-2", organisation_name="Other")
    header = header_of(jws)
    der = other.certificate.public_bytes(serialization.Encoding.DER)
    header["x5c"][0] = base64.b64encode(der).decode()
    refused("signature_invalid", with_header(jws, header))


def test_tampered_signature_fails(jws: str) -> None:
    head, _, sig = jws.split(".")
    raw = bytearray(unb64url(sig))
    raw[10] ^= 1
    refused("signature_invalid", f"{head}..{b64url(bytes(raw))}")
    refused("signature_malformed", f"{head}..{b64url(bytes(raw[:63]))}")
    refused("signature_malformed", f"{head}..{b64url(bytes(raw) + b'x')}")
    refused("signature_invalid", f"{head}..{b64url(bytes(64))}")


@pytest.mark.parametrize("alg", ["none", "None", "HS256", "HS512", "RS256", "ES384", "EdDSA"])
def test_other_algorithms_are_refused(jws: str, alg: str) -> None:
    header = header_of(jws)
    header["alg"] = alg
    refused("signature_algorithm_unsupported", with_header(jws, header))


def test_unsigned_token_is_refused(jws: str) -> None:
    header = header_of(jws)
    header["alg"] = "none"
    refused("signature_algorithm_unsupported", f"{b64url(json.dumps(header).encode())}..")


def test_missing_alg_is_malformed(jws: str) -> None:
    header = header_of(jws)
    del header["alg"]
    refused("signature_malformed", with_header(jws, header))


def test_attached_payload_is_refused(jws: str) -> None:
    head, _, sig = jws.split(".")
    refused("signature_malformed", f"{head}.{b64url(PAYLOAD)}.{sig}")


@pytest.mark.parametrize(
    "change",
    [
        {"b64": True},
        {"b64": None},
        {"b64": 0},
        {"crit": []},
        {"crit": "b64"},
        {"crit": ["exp"]},
        {"crit": ["b64", "exp"]},
        {"crit": ["b64", "b64"]},
        {"x5c": []},
        {"x5c": "MII"},
        {"x5c": ["!!!"]},
        {"x5c": ["AAAA"]},
        {"x5c": [1]},
    ],
)
def test_header_profile_violations_are_malformed(jws: str, change: dict[str, Any]) -> None:
    header = {**header_of(jws), **change}
    refused("signature_malformed", with_header(jws, header))


def test_b64_missing_is_refused(jws: str) -> None:
    header = header_of(jws)
    del header["b64"]
    refused("signature_malformed", with_header(jws, header))


def test_too_many_certificates(jws: str) -> None:
    header = header_of(jws)
    header["x5c"] = header["x5c"] * 3
    refused("signature_malformed", with_header(jws, header))


def test_duplicate_header_parameter_is_refused(jws: str) -> None:
    head, _, sig = jws.split(".")
    raw = unb64url(head).decode()
    duplicated = raw[:-1] + ',"alg":"ES256"}'
    refused("signature_malformed", f"{b64url(duplicated.encode())}..{sig}")


def test_header_must_be_an_object(jws: str) -> None:
    _, _, sig = jws.split(".")
    for raw in (b"[1,2]", b"null", b"\xff\xfe", b"[" * 12000, b"1" * 5000):
        refused("signature_malformed", b64url(raw) + ".." + sig)


def test_non_canonical_base64url_is_refused(jws: str) -> None:
    head, _, sig = jws.split(".")
    last = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    # 64 bytes -> 86 chars; the last character carries 4 unused bits.
    altered = sig[:-1] + last[last.index(sig[-1]) ^ 1]
    refused("signature_malformed", f"{head}..{altered}")


def test_padding_and_whitespace_are_refused(jws: str) -> None:
    head, _, sig = jws.split(".")
    refused("signature_malformed", f"{head}..{sig}==")
    refused("signature_malformed", f" {jws}")
    refused("signature_malformed", jws + "\n")


def test_signer_key_must_be_p256(jws: str) -> None:
    key = ec.generate_private_key(ec.SECP384R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "p384")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now)
        .not_valid_after(now + timedelta(days=1))
        .sign(key, hashes.SHA384())
    )
    header = header_of(jws)
    header["x5c"] = [base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode()]
    refused("signature_invalid", with_header(jws, header))
    with pytest.raises(ValueError):
        sign_detached(PAYLOAD, key, [cert])


@pytest.mark.parametrize(
    "token",
    ["", ".", "..", "...", "a.b.c", "a..b", "e30..", "e30..AAAA", "x" * 40000, "é..é", "\0..\0"],
)
def test_garbage_is_malformed(token: str) -> None:
    refused("signature_malformed", token)


def test_oversize_is_refused(jws: str) -> None:
    header = header_of(jws)
    header["pad"] = "x" * 17000
    refused("signature_malformed", with_header(jws, header))
    refused("signature_malformed", jws + "A" * 33000)


def test_non_string_input_is_refused() -> None:
    with pytest.raises(SignatureError):
        verify_detached(b"e30..", PAYLOAD)  # type: ignore[arg-type]


def test_signature_error_pickles() -> None:
    error = SignatureError("signature_invalid", "bad")
    copy = pickle.loads(pickle.dumps(error))  # noqa: S301 - our own object
    assert (copy.code, copy.detail) == ("signature_invalid", "bad")
    assert str(copy) == "signature_invalid: bad"


# ------------------------------------------------------------------ fuzzing


def only_signature_errors(token: str, payload: bytes = PAYLOAD) -> None:
    try:
        verify_detached(token, payload)
    except SignatureError:
        return
    raise AssertionError("accepted a token that was never signed")


@settings(max_examples=500, suppress_health_check=[HealthCheck.too_slow])
@given(st.text())
def test_arbitrary_text_only_raises_signature_error(token: str) -> None:
    only_signature_errors(token)


@settings(max_examples=300)
@given(st.text(alphabet="ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_.="))
def test_arbitrary_base64url_text_only_raises_signature_error(token: str) -> None:
    only_signature_errors(token)


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=8), children, max_size=4)
    ),
    max_leaves=12,
)


@settings(max_examples=300)
@given(
    st.fixed_dictionaries(
        {},
        optional={
            "alg": st.sampled_from(["ES256", "none", "HS256"]) | json_values,
            "b64": st.sampled_from([False, True]) | json_values,
            "crit": st.sampled_from([["b64"], []]) | json_values,
            "x5c": st.lists(st.text(max_size=30), max_size=6) | json_values,
        },
    ).flatmap(
        lambda fixed: st.dictionaries(st.text(max_size=8), json_values, max_size=3).map(
            lambda extra: {**extra, **fixed}
        )
    ),
    st.binary(max_size=80),
)
def test_arbitrary_headers_only_raise_signature_error(
    header: dict[str, Any], signature: bytes
) -> None:
    only_signature_errors(f"{b64url(json.dumps(header).encode())}..{b64url(signature)}")


@settings(max_examples=200, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.data())
def test_mutated_valid_token_only_raises_signature_error(jws: str, data: st.DataObject) -> None:
    position = data.draw(st.integers(0, len(jws) - 1))
    replacement = data.draw(st.characters(codec="ascii"))
    mutated = jws[:position] + replacement + jws[position + 1 :]
    if mutated != jws:
        only_signature_errors(mutated)
