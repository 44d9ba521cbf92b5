"""Demo certificate authority and certificate-chain validation for organisation signing keys.

Trade messages are signed by organisations whose certificates chain up to a configured root.
This module issues such certificates (for development, demos and tests) and checks a
presented chain against the trust anchors, the revocation list and a point in time.
"""

from __future__ import annotations

import itertools
import re
import threading
from collections import OrderedDict
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Literal, TypeVar

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, ExtensionOID, NameOID

from singlewindow.memo import by_identity

__all__ = [
    "ChainError",
    "ChainErrorCode",
    "ChainVerifier",
    "KeyPair",
    "certificate_org_code",
    "certificate_to_pem",
    "create_root_ca",
    "fingerprint",
    "issue_intermediate_ca",
    "issue_organisation_certificate",
    "load_certificate_pem",
    "load_certificates_pem",
    "load_private_key_pem",
    "private_key_to_pem",
    "serial_hex",
    "verify_chain",
]

_T = TypeVar("_T")

MAX_CHAIN_LENGTH = 5
"""Longest chain accepted from a client (leaf, intermediates and optionally the root)."""

CLOCK_SKEW = timedelta(minutes=5)
"""Backdating applied to new certificates so slightly slow clocks still accept them."""

# serialNumber is encoded as an ASN.1 PrintableString, which allows only these characters.
_PRINTABLE = re.compile(r"^[A-Za-z0-9 '()+,\-./:=?]+\Z")

# Critical extensions this validator understands; RFC 5280 §4.2 says to reject any other.
_HANDLED_CRITICAL = frozenset(
    {
        ExtensionOID.BASIC_CONSTRAINTS,
        ExtensionOID.KEY_USAGE,
        ExtensionOID.SUBJECT_KEY_IDENTIFIER,
        ExtensionOID.AUTHORITY_KEY_IDENTIFIER,
        ExtensionOID.SUBJECT_ALTERNATIVE_NAME,
        ExtensionOID.ISSUER_ALTERNATIVE_NAME,
        ExtensionOID.CERTIFICATE_POLICIES,
        ExtensionOID.EXTENDED_KEY_USAGE,
    }
)

SIGNING_PURPOSES = frozenset(
    {
        x509.ObjectIdentifier("1.3.6.1.5.5.7.3.36"),  # id-kp-documentSigning (RFC 9336)
        ExtendedKeyUsageOID.EMAIL_PROTECTION,  # S/MIME signing, what many organisation certificates carry
        ExtendedKeyUsageOID.ANY_EXTENDED_KEY_USAGE,
    }
)
"""Extended key usages that allow signing trade documents. A certificate (or a CA above it) whose
extended key usage lists none of these is limited to other purposes (RFC 5280 §4.2.1.12)."""

MAX_SERIAL_BITS = 160
"""RFC 5280 §4.1.2.2: a serial number is at most 20 octets."""

ChainErrorCode = Literal[
    "certificate_untrusted",
    "certificate_expired",
    "certificate_not_yet_valid",
    "certificate_revoked",
    "certificate_key_usage",
    "certificate_chain_invalid",
]


@dataclass(frozen=True)
class KeyPair:
    """A certificate together with its private key, as produced by the demo CA."""

    certificate: x509.Certificate
    private_key: ec.EllipticCurvePrivateKey


class ChainError(Exception):
    """A chain was refused; ``code`` is stable for clients, ``detail`` is for humans."""

    code: ChainErrorCode
    detail: str

    def __init__(self, code: ChainErrorCode, detail: str) -> None:
        # Both values go to ``args`` so the exception pickles and unpickles intact.
        super().__init__(code, detail)
        self.code = code
        self.detail = detail

    def __str__(self) -> str:
        return f"{self.code}: {self.detail}"


# --------------------------------------------------------------------------- issuing


def _utc(value: datetime, name: str) -> datetime:
    """Refuse naive datetimes: a certificate's validity must never depend on the host zone."""
    if value.tzinfo is None or value.utcoffset() is None:
        raise ValueError(f"{name} must be a timezone-aware datetime")
    return value.astimezone(UTC)


def _start(value: datetime | None, name: str) -> datetime:
    """Validity start: the given moment, or now less ``CLOCK_SKEW``; X.509 keeps whole seconds."""
    start = _utc(value, name) if value is not None else datetime.now(UTC) - CLOCK_SKEW
    return start.replace(microsecond=0)


def _new_key() -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(ec.SECP256R1())


def _ski(key: ec.EllipticCurvePrivateKey) -> x509.SubjectKeyIdentifier:
    return x509.SubjectKeyIdentifier.from_public_key(key.public_key())


def _aki(issuer: KeyPair) -> x509.AuthorityKeyIdentifier:
    """Point at the issuer's SKI when it has one, so the identifiers match byte for byte."""
    try:
        ski = issuer.certificate.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    except x509.ExtensionNotFound:
        return x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer.private_key.public_key())
    return x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski.value)


def _ca_key_usage() -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=False,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=True,
        crl_sign=True,
        encipher_only=False,
        decipher_only=False,
    )


def create_root_ca(
    common_name: str, *, valid_days: int = 3650, now: datetime | None = None
) -> KeyPair:
    """Create a self-signed EC P-256 root; validity starts ``CLOCK_SKEW`` before ``now``."""
    start = _start(None if now is None else _utc(now, "now") - CLOCK_SKEW, "now")
    key = _new_key()
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(_ski(key), critical=False)
        .sign(key, hashes.SHA256())
    )
    return KeyPair(certificate, key)


def issue_intermediate_ca(
    issuer: KeyPair,
    common_name: str,
    *,
    path_length: int | None = 0,
    valid_days: int = 1825,
    not_before: datetime | None = None,
) -> KeyPair:
    """Issue a subordinate CA, e.g. one per registration office, under ``issuer``."""
    start = _start(not_before, "not_before")
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)]))
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=True, path_length=path_length), critical=True)
        .add_extension(_ca_key_usage(), critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(_aki(issuer), critical=False)
        .sign(issuer.private_key, hashes.SHA256())
    )
    return KeyPair(certificate, key)


def issue_organisation_certificate(
    issuer: KeyPair,
    *,
    org_code: str,
    organisation_name: str,
    business_id: str | None = None,
    valid_days: int = 730,
    not_before: datetime | None = None,
    key_usage: Literal["signing", "encipherment"] = "signing",
) -> KeyPair:
    """Issue an organisation's leaf certificate; ``org_code`` becomes the subject serialNumber.

    ``key_usage="encipherment"`` yields a certificate that must *not* be accepted for
    signatures; it exists so tests can prove that such keys are refused.
    """
    if not _PRINTABLE.match(org_code):
        raise ValueError("org_code must be non-empty and use PrintableString characters only")
    if business_id is not None and not business_id:
        raise ValueError("business_id must not be empty")
    start = _start(not_before, "not_before")
    attributes = [
        x509.NameAttribute(NameOID.COUNTRY_NAME, "TW"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation_name),
        x509.NameAttribute(NameOID.COMMON_NAME, organisation_name),
        x509.NameAttribute(NameOID.SERIAL_NUMBER, org_code),
    ]
    if business_id is not None:
        # ETSI EN 319 412-1 semantics identifier: NTR = national trade register, then country.
        attributes.append(
            x509.NameAttribute(NameOID.ORGANIZATION_IDENTIFIER, f"NTRTW-{business_id}")
        )
    signing = key_usage == "signing"
    usage = x509.KeyUsage(
        digital_signature=signing,
        content_commitment=signing,
        key_encipherment=not signing,
        data_encipherment=False,
        key_agreement=not signing,
        key_cert_sign=False,
        crl_sign=False,
        encipher_only=False,
        decipher_only=False,
    )
    key = _new_key()
    certificate = (
        x509.CertificateBuilder()
        .subject_name(x509.Name(attributes))
        .issuer_name(issuer.certificate.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(start)
        .not_valid_after(start + timedelta(days=valid_days))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(usage, critical=True)
        .add_extension(_ski(key), critical=False)
        .add_extension(_aki(issuer), critical=False)
        .sign(issuer.private_key, hashes.SHA256())
    )
    return KeyPair(certificate, key)


# --------------------------------------------------------------------------- encoding


def _as_bytes(pem: str | bytes) -> bytes:
    return pem.encode("ascii") if isinstance(pem, str) else pem


def certificate_to_pem(cert: x509.Certificate) -> str:
    """PEM text, the form stored in the registry and pasted by administrators."""
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def private_key_to_pem(key: ec.EllipticCurvePrivateKey) -> str:
    """Unencrypted PKCS#8 PEM; only for demo keys, real keys never leave the organisation."""
    return key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode("ascii")


def load_certificate_pem(pem: str | bytes) -> x509.Certificate:
    """Parse one PEM certificate whose names, extensions and serial can be read; raises ``ValueError``
    on malformed input."""
    return _readable(_loaded(x509.load_pem_x509_certificate, pem))


def load_certificates_pem(pem: str | bytes) -> list[x509.Certificate]:
    """Parse a PEM bundle (e.g. leaf then intermediates); raises ``ValueError`` if empty or unreadable."""
    return [_readable(cert) for cert in _loaded(x509.load_pem_x509_certificates, pem)]


def _loaded(load: Callable[[bytes], _T], pem: str | bytes) -> _T:
    try:
        return load(_as_bytes(pem))
    except ValueError:
        raise
    except Exception as exc:  # e.g. x509.InvalidVersion, UnicodeEncodeError
        raise ValueError(f"unreadable certificate: {exc}") from None


def _readable(cert: x509.Certificate) -> x509.Certificate:
    """``cert`` once what the registry stores and shows of it can be read, else ``ValueError``.

    ``cryptography`` reads names and extensions only when asked, and a hostile encoding (a name
    attribute as a BIT STRING, a duplicate extension) raises errors of other types then.
    """
    try:
        cert.subject.rfc4514_string()
        cert.issuer.rfc4514_string()
        list(cert.extensions)
    except Exception as exc:
        raise ValueError(f"unreadable certificate: {type(exc).__name__}: {exc}") from None
    if cert.serial_number < 0 or cert.serial_number.bit_length() > MAX_SERIAL_BITS:
        raise ValueError("the serial number is negative or longer than 20 octets")
    return cert


def load_private_key_pem(pem: str | bytes) -> ec.EllipticCurvePrivateKey:
    """Parse an unencrypted PEM private key, insisting on EC because signatures are ES256."""
    key = serialization.load_pem_private_key(_as_bytes(pem), password=None)
    if not isinstance(key, ec.EllipticCurvePrivateKey):
        raise TypeError(f"expected an EC private key, got {type(key).__name__}")
    return key


def fingerprint(cert: x509.Certificate) -> str:
    """Lowercase hex SHA-256 over the DER encoding, the registry's certificate identity."""
    return sha256_fingerprint(cert).hex()


@by_identity(maxsize=4096)
def sha256_fingerprint(cert: x509.Certificate) -> bytes:
    """SHA-256 over the DER encoding. Remembered: intake meets the same few certificates (parsed once by
    ``jws``, which keeps them) in every message, and looks each up twice (trusted path, registration)."""
    return cert.fingerprint(hashes.SHA256())


def serial_hex(cert: x509.Certificate) -> str:
    """Lowercase hex serial without ``0x`` or leading zeros, the revocation-list key."""
    return format(cert.serial_number, "x")


def certificate_org_code(cert: x509.Certificate) -> str | None:
    """The subject serialNumber (organisation code), or ``None`` if absent or ambiguous."""
    values = cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)
    if len(values) != 1 or not isinstance(values[0].value, str):
        return None
    return values[0].value


# --------------------------------------------------------------------------- validation


def _describe(cert: x509.Certificate) -> str:
    try:
        return f"'{cert.subject.rfc4514_string()}' (serial {serial_hex(cert)})"
    except Exception:  # an unreadable name: the fingerprint still identifies it
        return f"with SHA-256 fingerprint {fingerprint(cert)}"


def normalise_serial(value: str) -> str:
    """Accept ``0x``-prefixed, upper-case or zero-padded serials in the revocation list."""
    text = value.strip().lower().replace(":", "")
    text = text.removeprefix("0x").lstrip("0")
    return text or "0"


def _basic_constraints(cert: x509.Certificate) -> x509.BasicConstraints | None:
    try:
        return cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    except x509.ExtensionNotFound:
        return None


def _key_usage(cert: x509.Certificate) -> x509.KeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _extended_key_usage(cert: x509.Certificate) -> x509.ExtendedKeyUsage | None:
    try:
        return cert.extensions.get_extension_for_class(x509.ExtendedKeyUsage).value
    except x509.ExtensionNotFound:
        return None


def _is_ca(cert: x509.Certificate) -> bool:
    constraints = _basic_constraints(cert)
    return constraints is not None and constraints.ca


def _issued_by(cert: x509.Certificate, issuer: x509.Certificate) -> bool:
    """Name match plus signature check; any failure (wrong key type, bad DER) means no."""
    try:
        cert.verify_directly_issued_by(issuer)
    except Exception:
        return False
    return True


@dataclass(frozen=True)
class _ValidatedPath:
    """What remains to check on a cache hit: the path's combined validity window."""

    not_before: datetime
    not_before_cert: str
    not_after: datetime
    not_after_cert: str


class ChainVerifier:
    """Validates chains against fixed anchors and revocations, caching validated paths.

    Signature, name, constraint, trust, key-usage and revocation checks depend only on the
    chain and on this verifier's immutable configuration, so their success is cached by the
    chain's DER fingerprints. Validity times depend on ``at`` and are checked on every call.
    Build a new verifier when the trust anchors or the revocation list change.
    """

    def __init__(
        self,
        trust_anchors: Sequence[x509.Certificate],
        revoked_serials: Collection[str] = (),
        *,
        revoked: Collection[tuple[str, str]] = (),
        cache_size: int = 4096,
    ) -> None:
        if cache_size < 1:
            raise ValueError("cache_size must be positive")
        self._anchors_by_subject: dict[x509.Name, list[x509.Certificate]] = {}
        self._anchors_by_fingerprint: dict[bytes, x509.Certificate] = {}
        for anchor in trust_anchors:
            if not _is_ca(anchor):
                raise ValueError(f"trust anchor {_describe(anchor)} is not a CA certificate")
            self._anchors_by_subject.setdefault(anchor.subject, []).append(anchor)
            self._anchors_by_fingerprint[anchor.fingerprint(hashes.SHA256())] = anchor
        # ``revoked_serials``: from any issuer; ``revoked``: (issuer name in RFC 4514, serial) pairs.
        self._revoked_any = frozenset(normalise_serial(s) for s in revoked_serials)
        self._revoked = frozenset((issuer, normalise_serial(serial)) for issuer, serial in revoked)
        self._cache: OrderedDict[tuple[bytes, ...], _ValidatedPath] = OrderedDict()
        self._cache_size = cache_size
        self._lock = threading.Lock()

    def verify(self, chain: Sequence[x509.Certificate], *, at: datetime) -> x509.Certificate:
        """Return the leaf (``chain[0]``) if the chain is acceptable at ``at``, else raise."""
        moment = _utc(at, "at")
        if not 1 <= len(chain) <= MAX_CHAIN_LENGTH:
            raise ChainError(
                "certificate_chain_invalid",
                f"a chain must hold 1 to {MAX_CHAIN_LENGTH} certificates, got {len(chain)}",
            )
        key = tuple(sha256_fingerprint(cert) for cert in chain)
        with self._lock:
            path = self._cache.get(key)
            if path is not None:
                self._cache.move_to_end(key)
        if path is None:
            try:
                path = self._validate(chain, key)
            except ChainError:
                raise
            except Exception as exc:  # a name or extension that cannot be read, of any error type
                raise ChainError(
                    "certificate_chain_invalid", f"unreadable certificate: {type(exc).__name__}: {exc}"
                ) from None
            with self._lock:
                self._cache[key] = path
                self._cache.move_to_end(key)
                while len(self._cache) > self._cache_size:
                    self._cache.popitem(last=False)
        if moment > path.not_after:
            raise ChainError(
                "certificate_expired",
                f"certificate {path.not_after_cert} expired at {path.not_after.isoformat()}",
            )
        if moment < path.not_before:
            raise ChainError(
                "certificate_not_yet_valid",
                f"certificate {path.not_before_cert} is not valid before "
                f"{path.not_before.isoformat()}",
            )
        return chain[0]

    def cache_len(self) -> int:
        """Number of cached validated paths, for monitoring and tests."""
        with self._lock:
            return len(self._cache)

    def _find_anchor(self, top: x509.Certificate, top_fp: bytes) -> x509.Certificate | None:
        """The anchor the chain ends at: ``top`` itself if pinned, else its verified issuer."""
        pinned = self._anchors_by_fingerprint.get(top_fp)
        if pinned is not None:
            return pinned
        for anchor in self._anchors_by_subject.get(top.issuer, ()):
            if _issued_by(top, anchor):
                return anchor
        return None

    def _validate(
        self, chain: Sequence[x509.Certificate], key: tuple[bytes, ...]
    ) -> _ValidatedPath:
        """All time-independent checks; raises ``ChainError`` or returns the validity window."""
        if len(set(key)) != len(key):
            raise ChainError("certificate_chain_invalid", "the chain repeats a certificate")
        for lower, upper in itertools.pairwise(chain):
            if not _issued_by(lower, upper):
                raise ChainError(
                    "certificate_chain_invalid",
                    f"certificate {_describe(lower)} is not issued by {_describe(upper)}",
                )
        anchor = self._find_anchor(chain[-1], key[-1])
        if anchor is None:
            raise ChainError(
                "certificate_untrusted",
                f"certificate {_describe(chain[-1])} does not chain to a trusted root",
            )
        # The anchor may be the chain's last element or, more commonly, only in our config.
        ends_at_anchor = key[-1] in self._anchors_by_fingerprint
        path = list(chain) if ends_at_anchor else [*chain, anchor]
        for cert in path[:-1]:
            unhandled = [
                ext.oid.dotted_string
                for ext in cert.extensions
                if ext.critical and ext.oid not in _HANDLED_CRITICAL
            ]
            if unhandled:
                raise ChainError(
                    "certificate_chain_invalid",
                    f"certificate {_describe(cert)} has unhandled critical extensions {unhandled}",
                )
        # Every issuer must be a CA allowed to sign certificates, within its path length.
        for depth, issuer in enumerate(path[1:]):
            constraints = _basic_constraints(issuer)
            if constraints is None or not constraints.ca:
                raise ChainError(
                    "certificate_chain_invalid", f"issuer {_describe(issuer)} is not a CA"
                )
            if constraints.path_length is not None and depth > constraints.path_length:
                raise ChainError(
                    "certificate_chain_invalid",
                    f"issuer {_describe(issuer)} allows {constraints.path_length} "
                    f"intermediate CA(s) below it, the chain has {depth}",
                )
            usage = _key_usage(issuer)
            if usage is not None and not usage.key_cert_sign:
                raise ChainError(
                    "certificate_chain_invalid",
                    f"issuer {_describe(issuer)} may not sign certificates",
                )
        leaf = chain[0]
        if _is_ca(leaf):
            raise ChainError(
                "certificate_key_usage",
                f"certificate {_describe(leaf)} is a CA and cannot sign messages",
            )
        leaf_usage = _key_usage(leaf)
        if leaf_usage is None or not (
            leaf_usage.digital_signature or leaf_usage.content_commitment
        ):
            raise ChainError(
                "certificate_key_usage",
                f"certificate {_describe(leaf)} is not allowed to make digital signatures",
            )
        for cert in path[:-1]:
            purposes = _extended_key_usage(cert)
            if purposes is not None and not SIGNING_PURPOSES.intersection(purposes):
                raise ChainError(
                    "certificate_key_usage",
                    f"certificate {_describe(cert)} is limited to other purposes than signing documents",
                )
        # Anchors are withdrawn by removing them from the configuration, not by revocation.
        for cert in path[:-1]:
            serial = serial_hex(cert)
            if serial in self._revoked_any or (cert.issuer.rfc4514_string(), serial) in self._revoked:
                raise ChainError("certificate_revoked", f"certificate {_describe(cert)} is revoked")
        latest_start = max(path, key=lambda c: c.not_valid_before_utc)
        earliest_end = min(path, key=lambda c: c.not_valid_after_utc)
        return _ValidatedPath(
            not_before=latest_start.not_valid_before_utc,
            not_before_cert=_describe(latest_start),
            not_after=earliest_end.not_valid_after_utc,
            not_after_cert=_describe(earliest_end),
        )


def verify_chain(
    chain: Sequence[x509.Certificate],
    *,
    trust_anchors: Sequence[x509.Certificate],
    revoked_serials: Collection[str],
    at: datetime,
) -> x509.Certificate:
    """One-off validation; long-lived callers should keep a ``ChainVerifier`` for its cache."""
    return ChainVerifier(trust_anchors, revoked_serials, cache_size=1).verify(chain, at=at)
