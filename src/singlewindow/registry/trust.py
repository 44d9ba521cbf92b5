"""The trust configuration (roots, revoked certificates) as a cached chain verifier."""

from __future__ import annotations

from singlewindow.registry import pki
from singlewindow.registry.cache import TTLCache, invalidate

__all__ = ["chain_verifier", "invalidate"]

_verifier: TTLCache[pki.ChainVerifier] = TTLCache()


def _load() -> pki.ChainVerifier:
    from singlewindow.registry.models import RevokedCertificate, TrustAnchor

    anchors = [pki.load_certificate_pem(pem) for pem in TrustAnchor.objects.values_list("pem", flat=True)]
    revocations = list(RevokedCertificate.objects.values_list("issuer", "serial"))
    return pki.ChainVerifier(trust_anchors=anchors,
                             revoked_serials=[serial for issuer, serial in revocations if not issuer],
                             revoked=[(issuer, serial) for issuer, serial in revocations if issuer])


def chain_verifier() -> pki.ChainVerifier:
    return _verifier.get("verifier", _load)
