"""The trust configuration (roots, revoked serials) as a cached chain verifier.

Signature checks run hundreds of times a second, so the verifier is built once and kept for a
few seconds; every process picks up back-office changes within ``TTL_SECONDS`` (as a CRL
refresh interval would), and the process that made the change at once.
"""

from __future__ import annotations

import threading
import time

from singlewindow.registry import pki

TTL_SECONDS = 5.0
_lock = threading.Lock()
_cached: tuple[float, pki.ChainVerifier] | None = None


def invalidate() -> None:
    global _cached
    with _lock:
        _cached = None


def chain_verifier() -> pki.ChainVerifier:
    global _cached
    now = time.monotonic()
    cached = _cached
    if cached is not None and now - cached[0] < TTL_SECONDS:
        return cached[1]
    from singlewindow.registry.models import RevokedCertificate, TrustAnchor

    anchors = [pki.load_certificate_pem(pem) for pem in TrustAnchor.objects.values_list("pem", flat=True)]
    revoked = frozenset(RevokedCertificate.objects.values_list("serial", flat=True))
    verifier = pki.ChainVerifier(trust_anchors=anchors, revoked_serials=revoked)
    with _lock:
        _cached = (now, verifier)
    return verifier
