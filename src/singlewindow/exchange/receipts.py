"""Receipts: what the Single Window signs for the sender of a message.

A receipt is derived, not stored: each of its fields is in the message row or its evidence
entry, and receipts are signed with deterministic ECDSA (RFC 6979), so signing one again gives
the bytes the sender was first given, as long as the Single Window's key is the same (after a
key change, the same receipt signed with the new key). Intake signs it after the commit, which
keeps the signature out of the evidence lock: the receipt names the evidence sequence, known
only once the lock is taken.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any, NamedTuple

from singlewindow.exchange import jws
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.identity import signing_identity
from singlewindow.exchange.models import EvidenceEntry, Message


class Received(NamedTuple):
    """What a receipt says of a stored message: fields of its row (and its sender's code)."""

    message_id: uuid.UUID
    message_type: str
    sender: str
    client_reference: str
    payload_sha256: str
    evidence_seq: int | None
    received_at: datetime

    @classmethod
    def of(cls, message: Message) -> Received:
        return cls(message.id, message.message_type, message.sender.code, message.client_reference,
                   message.payload_sha256, message.evidence_seq, message.received_at)


def receipt_for(message: Message | Received, leaf_hash: str | None = None) -> dict[str, Any]:
    """The receipt of a stored message: what was received, when, and where it sits in the log.

    ``leaf_hash`` is its evidence entry's, when the caller has it; otherwise it is read.
    """
    body, _, signature = _signed(_received(message), leaf_hash)
    return {"receipt": body, "signature": signature}


def receipt_json(message: Message | Received, leaf_hash: str | None = None) -> bytes:
    """``receipt_for`` as the JSON document intake answers with, whose ``receipt`` member is the very bytes
    signed: the body is encoded once, for the signature and the answer alike, and a client that keeps the
    member's text can check the signature over it as received."""
    _, signed, signature = _signed(_received(message), leaf_hash)
    # A compact JWS is base64url and dots: a JSON string as it is.
    return b'{"receipt":' + signed + b',"signature":"' + signature.encode("ascii") + b'"}'


def _received(message: Message | Received) -> Received:
    return message if isinstance(message, Received) else Received.of(message)


def _signed(message: Received, leaf_hash: str | None) -> tuple[dict[str, Any], bytes, str]:
    """(the receipt's body, its canonical bytes, the Single Window's detached signature over them)."""
    if message.evidence_seq is None:
        raise ValueError(f"message {message.message_id} has no evidence entry")
    if leaf_hash is None:
        leaf_hash = EvidenceEntry.objects.values_list("leaf_hash", flat=True).get(seq=message.evidence_seq)
    body = {
        "message_id": str(message.message_id), "message_type": message.message_type,
        "sender": message.sender, "client_reference": message.client_reference,
        "payload_sha256": message.payload_sha256, "evidence_seq": message.evidence_seq,
        "leaf_hash": leaf_hash, "received_at": message.received_at.isoformat(),
    }
    signed = canonical_json(body)
    identity = signing_identity()
    return body, signed, jws.sign_detached(signed, identity.private_key, identity.chain)


def receipts_for(messages: list[Message]) -> dict[Any, dict[str, Any]]:
    """Receipts of several stored messages by message id, their leaf hashes read in one query."""
    seqs = [m.evidence_seq for m in messages if m.evidence_seq is not None]
    leaves = dict(EvidenceEntry.objects.filter(seq__in=seqs).values_list("seq", "leaf_hash"))
    return {m.id: receipt_for(m, leaves[m.evidence_seq]) for m in messages if m.evidence_seq in leaves}
