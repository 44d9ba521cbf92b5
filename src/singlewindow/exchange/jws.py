"""JWS signatures with a detached, unencoded payload (RFC 7515 with RFC 7797 ``b64: false``).

Messages are signed over their exact bytes so the payload travels unchanged (no base64
copy) and the signature travels beside it, e.g. in an HTTP header. The signer's
certificate chain is carried in ``x5c``; whether that chain is trusted is decided by
``singlewindow.registry.pki``, not here.
"""

from __future__ import annotations

import base64
import functools
import json
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Literal

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import (
    decode_dss_signature,
    encode_dss_signature,
)

from singlewindow.memo import by_identity

__all__ = [
    "DetachedSignature",
    "SignatureError",
    "SignatureErrorCode",
    "sign_detached",
    "verify_detached",
]

MAX_JWS_LENGTH = 32 * 1024
MAX_HEADER_BYTES = 16 * 1024
MAX_X5C = 5
ALGORITHM = "ES256"
_COORDINATE_BYTES = 32  # P-256: r and s are 32 bytes each in the JWS form.
_RESERVED = frozenset({"alg", "b64", "crit", "x5c"})
_UNDERSTOOD_CRITICAL = frozenset({"b64"})
_B64URL = re.compile(r"[A-Za-z0-9_-]*")
_B64 = re.compile(r"[A-Za-z0-9+/]+={0,2}")

SignatureErrorCode = Literal[
    "signature_malformed",
    "signature_invalid",
    "signature_algorithm_unsupported",
]


class SignatureError(Exception):
    """A signature was refused; ``code`` is stable for clients, ``detail`` is for humans."""

    code: SignatureErrorCode
    detail: str

    def __init__(self, code: SignatureErrorCode, detail: str) -> None:
        # Both values go to ``args`` so the exception pickles and unpickles intact.
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


@dataclass(frozen=True)
class DetachedSignature:
    """A cryptographically valid signature: its protected header and the parsed ``x5c``."""

    header: dict[str, object]
    chain: list[x509.Certificate]


def _b64url_encode(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def _b64url_decode(segment: str, what: str) -> bytes:
    """Strict, canonical base64url without padding, so each value has exactly one spelling."""
    if not _B64URL.fullmatch(segment) or len(segment) % 4 == 1:
        raise SignatureError("signature_malformed", f"{what} is not base64url")
    data = base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))
    if _b64url_encode(data) != segment:  # stray bits in the last character
        raise SignatureError("signature_malformed", f"{what} is not canonical base64url")
    return data


def _reject_duplicates(pairs: list[tuple[str, object]]) -> dict[str, object]:
    """RFC 7515 §4: a header with duplicate names must be rejected, not last-one-wins."""
    result: dict[str, object] = {}
    for name, value in pairs:
        if name in result:
            raise ValueError(f"duplicate header parameter {name!r}")
        result[name] = value
    return result


@dataclass(frozen=True)
class _X5cEntry:
    certificate: x509.Certificate
    key: ec.EllipticCurvePublicKey | None  # set only for P-256 keys, the only ones ES256 uses


@functools.lru_cache(maxsize=512)
def _load_x5c_entry(value: str) -> _X5cEntry:
    """Parse one ``x5c`` entry; cached because the same few chains arrive over and over."""
    if len(value) > MAX_HEADER_BYTES or not _B64.fullmatch(value):
        raise ValueError("x5c entry is not standard base64")
    try:
        certificate = x509.load_der_x509_certificate(base64.b64decode(value, validate=True))
    except Exception as exc:  # e.g. x509.InvalidVersion is not a ValueError
        raise ValueError(f"x5c entry is not a readable certificate: {exc}") from None
    try:
        key = certificate.public_key()
    except Exception:  # unsupported key algorithms are simply not usable for ES256
        return _X5cEntry(certificate, None)
    if isinstance(key, ec.EllipticCurvePublicKey) and isinstance(key.curve, ec.SECP256R1):
        return _X5cEntry(certificate, key)
    return _X5cEntry(certificate, None)


# The algorithm objects are immutable: built once, not per signature (5 µs each time for the deterministic one,
# which is built at the first signature, so that verifying never depends on the backend's deterministic signing).
_ES256 = ec.ECDSA(hashes.SHA256())


@functools.cache
def _es256_deterministic() -> ec.ECDSA:
    return ec.ECDSA(hashes.SHA256(), deterministic_signing=True)


def _der_to_raw(signature: bytes) -> bytes:
    r, s = decode_dss_signature(signature)
    return r.to_bytes(_COORDINATE_BYTES, "big") + s.to_bytes(_COORDINATE_BYTES, "big")


def sign_detached(
    payload: bytes,
    private_key: ec.EllipticCurvePrivateKey,
    chain: Sequence[x509.Certificate],
    *,
    extra_header: Mapping[str, object] | None = None,
) -> str:
    """Sign ``payload`` as-is and return ``<header>..<signature>`` (empty payload part).

    ``chain`` starts with the signer's certificate, which must match ``private_key``.
    ``extra_header`` adds protected parameters (e.g. ``kid``, ``iat``) but may not
    override the ones this profile fixes.
    """
    clash = _RESERVED.intersection(extra_header or {})
    if clash:
        raise ValueError(f"extra_header may not set {sorted(clash)}")
    if extra_header:
        encoded_header = _encoded_header(private_key, tuple(chain), tuple(sorted(extra_header.items())))
    else:
        encoded_header = _plain_header(private_key, *chain)
    signing_input = encoded_header.encode("ascii") + b"." + payload
    # RFC 6979 deterministic nonces: no dependence on the RNG at signing time, and signing the
    # same bytes again (a receipt asked for twice) gives the same signature.
    signature = _der_to_raw(private_key.sign(signing_input, _es256_deterministic()))
    return f"{encoded_header}..{_b64url_encode(signature)}"


@by_identity(maxsize=64)
def _plain_header(private_key: ec.EllipticCurvePrivateKey, *chain: x509.Certificate) -> str:
    """The protected header of a signer without extra parameters: the same for every receipt it
    signs, so it is checked and encoded once (it was most of the cost of a signature besides the
    elliptic-curve arithmetic)."""
    return _encoded_header(private_key, chain, ())


def _encoded_header(private_key: ec.EllipticCurvePrivateKey, chain: tuple[x509.Certificate, ...],
                    extra: tuple[tuple[str, object], ...]) -> str:
    if not isinstance(private_key.curve, ec.SECP256R1):
        raise ValueError("ES256 requires a P-256 key")
    if not 1 <= len(chain) <= MAX_X5C:
        raise ValueError(f"chain must hold 1 to {MAX_X5C} certificates")
    point = serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    if chain[0].public_key().public_bytes(*point) != private_key.public_key().public_bytes(*point):
        raise ValueError("private key does not belong to the first certificate in the chain")
    header: dict[str, object] = {
        **dict(extra),
        "alg": ALGORITHM,
        "b64": False,
        "crit": ["b64"],
        "x5c": [
            base64.b64encode(cert.public_bytes(serialization.Encoding.DER)).decode("ascii")
            for cert in chain
        ],
    }
    return _b64url_encode(
        json.dumps(header, separators=(",", ":"), sort_keys=True, allow_nan=False).encode("utf-8")
    )


def _parse_header(segment: str) -> dict[str, object]:
    if len(segment) > (MAX_HEADER_BYTES * 4 + 2) // 3:
        raise SignatureError("signature_malformed", "protected header is too large")
    raw = _b64url_decode(segment, "protected header")
    try:
        header = json.loads(raw.decode("utf-8"), object_pairs_hook=_reject_duplicates)
    except (ValueError, RecursionError) as exc:  # UnicodeDecodeError is a ValueError too
        detail = f"protected header is not JSON: {exc}"
        raise SignatureError("signature_malformed", detail) from None
    if not isinstance(header, dict):
        raise SignatureError("signature_malformed", "protected header is not a JSON object")
    return header


def _check_header(header: dict[str, object]) -> list[str]:
    """Enforce this profile (ES256, unencoded payload, x5c present) and return the x5c."""
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise SignatureError("signature_malformed", "header parameter 'alg' is missing")
    if alg != ALGORITHM:
        if alg.lower() == "none":
            reason = "unsigned JWS ('none') is never accepted"
        elif alg.upper().startswith("HS"):
            reason = "shared-secret (HMAC) algorithms are never accepted"
        else:
            reason = f"only {ALGORITHM} is accepted"
        raise SignatureError("signature_algorithm_unsupported", f"alg {alg[:32]!r}: {reason}")
    crit = header.get("crit")
    if (
        not isinstance(crit, list)
        or not crit
        or not all(isinstance(name, str) for name in crit)
        or len(set(crit)) != len(crit)
    ):
        raise SignatureError("signature_malformed", "'crit' must be a list of distinct names")
    unknown = set(crit) - _UNDERSTOOD_CRITICAL
    if unknown:
        raise SignatureError(
            "signature_malformed", f"unsupported critical parameters {sorted(unknown)[:5]}"
        )
    if "b64" not in crit or header.get("b64") is not False:
        raise SignatureError(
            "signature_malformed", "payload must be unencoded: 'b64' false and listed in 'crit'"
        )
    x5c = header.get("x5c")
    if (
        not isinstance(x5c, list)
        or not 1 <= len(x5c) <= MAX_X5C
        or not all(isinstance(entry, str) for entry in x5c)
    ):
        raise SignatureError("signature_malformed", f"'x5c' must list 1 to {MAX_X5C} certificates")
    return x5c


def verify_detached(jws: str, payload: bytes) -> DetachedSignature:
    """Check that ``jws`` is a valid ES256 detached signature over exactly ``payload``.

    Raises ``SignatureError`` for every failure. Trust in the returned chain is *not*
    established here; pass it to ``pki.ChainVerifier``.
    """
    if not isinstance(jws, str) or len(jws) > MAX_JWS_LENGTH:
        raise SignatureError("signature_malformed", "signature is not text or is too long")
    parts = jws.split(".")
    if len(parts) != 3:
        raise SignatureError("signature_malformed", "expected three '.'-separated parts")
    header_segment, payload_segment, signature_segment = parts
    if payload_segment:
        raise SignatureError(
            "signature_malformed", "payload part must be empty (detached signature)"
        )
    header = _parse_header(header_segment)
    x5c = _check_header(header)
    try:
        entries = [_load_x5c_entry(entry) for entry in x5c]
    except ValueError as exc:
        detail = f"unreadable 'x5c' certificate: {exc}"
        raise SignatureError("signature_malformed", detail) from None
    signature = _b64url_decode(signature_segment, "signature")
    if len(signature) != 2 * _COORDINATE_BYTES:
        raise SignatureError("signature_malformed", "ES256 signature must be 64 bytes")
    key = entries[0].key
    if key is None:
        raise SignatureError(
            "signature_invalid", "signer certificate does not hold a P-256 EC public key"
        )
    r = int.from_bytes(signature[:_COORDINATE_BYTES], "big")
    s = int.from_bytes(signature[_COORDINATE_BYTES:], "big")
    signing_input = header_segment.encode("ascii") + b"." + payload
    try:
        key.verify(encode_dss_signature(r, s), signing_input, _ES256)
    except InvalidSignature:
        raise SignatureError(
            "signature_invalid", "signature does not match the payload and header"
        ) from None
    return DetachedSignature(header=header, chain=[entry.certificate for entry in entries])
