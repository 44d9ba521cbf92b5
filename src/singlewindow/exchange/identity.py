"""The Single Window's own signing identity (receipts, checkpoints, webhook pushes).

Key and certificate live in ``<SW_DATA_DIR>/pki`` (or the files named by
``SW_SIGNING_KEY_FILE`` / ``SW_SIGNING_CERT_FILE`` in production). ``ensure_demo_pki`` creates
a demo root CA and the Single Window certificate there when they are missing.
"""

from __future__ import annotations

import functools
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings

from singlewindow import config
from singlewindow.registry import pki

ROOT_CERT = "root-ca.pem"
ROOT_KEY = "root-ca.key"
SW_CERT = "singlewindow.pem"
SW_KEY = "singlewindow.key"
SW_CODE = "TW-SINGLE-WINDOW"


@dataclass(frozen=True)
class SigningIdentity:
    private_key: ec.EllipticCurvePrivateKey
    chain: tuple[x509.Certificate, ...]

    @property
    def certificate(self) -> x509.Certificate:
        return self.chain[0]


def pki_dir() -> Path:
    configured = getattr(settings, "SW_PKI_DIR", None)
    path = Path(configured) if configured else config.data_dir() / "pki"
    path.mkdir(parents=True, exist_ok=True)
    return path


def write_private_file(path: Path, text: str) -> None:
    """Write a key or secret readable by its owner only."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        handle.write(text)


def load_root_ca(directory: Path | None = None) -> pki.KeyPair:
    directory = directory or pki_dir()
    return pki.KeyPair(
        certificate=pki.load_certificate_pem((directory / ROOT_CERT).read_bytes()),
        private_key=pki.load_private_key_pem((directory / ROOT_KEY).read_bytes()),
    )


def ensure_demo_pki(directory: Path | None = None) -> pki.KeyPair:
    """Create the demo root CA and the Single Window's certificate if absent; return the root."""
    directory = directory or pki_dir()
    if not (directory / ROOT_CERT).exists():
        root = pki.create_root_ca("Single Window Demo Root CA")
        write_private_file(directory / ROOT_KEY, pki.private_key_to_pem(root.private_key))
        (directory / ROOT_CERT).write_text(pki.certificate_to_pem(root.certificate))
    root = load_root_ca(directory)
    if not (directory / SW_CERT).exists():
        own = pki.issue_organisation_certificate(
            root, org_code=SW_CODE, organisation_name="Single Window", valid_days=1825
        )
        write_private_file(directory / SW_KEY, pki.private_key_to_pem(own.private_key))
        (directory / SW_CERT).write_text(
            pki.certificate_to_pem(own.certificate) + pki.certificate_to_pem(root.certificate)
        )
    reset_identity_cache()
    return root


@functools.lru_cache(maxsize=4)
def _load_identity(key_path: str, cert_path: str) -> SigningIdentity:
    return SigningIdentity(
        private_key=pki.load_private_key_pem(Path(key_path).read_bytes()),
        chain=tuple(pki.load_certificates_pem(Path(cert_path).read_bytes())),
    )


def _identity_paths() -> tuple[str, str]:
    return (os.environ.get("SW_SIGNING_KEY_FILE") or str(pki_dir() / SW_KEY),
            os.environ.get("SW_SIGNING_CERT_FILE") or str(pki_dir() / SW_CERT))


_current: tuple[object, SigningIdentity] | None = None


def signing_identity() -> SigningIdentity:
    """The loaded key and chain; resolved once per configuration, since every receipt needs it."""
    global _current
    marker = (getattr(settings, "SW_PKI_DIR", None), os.environ.get("SW_SIGNING_KEY_FILE"),
              os.environ.get("SW_SIGNING_CERT_FILE"))
    if _current is not None and _current[0] == marker:
        return _current[1]
    key_path, cert_path = _identity_paths()
    if not Path(key_path).exists():
        ensure_demo_pki()
    identity = _load_identity(key_path, cert_path)
    _current = (marker, identity)
    return identity


def reset_identity_cache() -> None:
    """Forget loaded keys (after they were created or replaced on disk)."""
    global _current
    _current = None
    _load_identity.cache_clear()
