"""Receipts: the Single Window's signed statement of what it received and where it sits in the log.

A receipt is derived from the committed evidence entry rather than stored: signatures are
deterministic (RFC 6979), so asking for the same receipt again gives the same bytes.
"""

from __future__ import annotations

from typing import Any

from singlewindow.exchange import jws
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.identity import signing_identity
from singlewindow.exchange.models import EvidenceEntry, Message


def sign_receipt(message: Message, leaf_hash: str) -> dict[str, Any]:
    """What was received, from whom, when, and its place (sequence and leaf) in the evidence log."""
    body = {
        "message_id": str(message.id), "message_type": message.message_type,
        "sender": message.sender.code, "client_reference": message.client_reference,
        "payload_sha256": message.payload_sha256, "evidence_seq": message.evidence_seq,
        "leaf_hash": leaf_hash, "received_at": message.received_at.isoformat(),
    }
    identity = signing_identity()
    signature = jws.sign_detached(canonical_json(body), identity.private_key, identity.chain)
    return {"receipt": body, "signature": signature}


def receipt_for(message: Message, leaf_hash: str | None = None) -> dict[str, Any] | None:
    """The message's receipt, or None while its evidence entry is not yet appended."""
    if message.evidence_seq is None:
        return None
    if leaf_hash is None:
        leaf_hash = EvidenceEntry.objects.filter(seq=message.evidence_seq).values_list(
            "leaf_hash", flat=True).first()
        if leaf_hash is None:
            return None
    return sign_receipt(message, leaf_hash)
