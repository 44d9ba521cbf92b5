"""API schemas for the exchange (pydantic via django-ninja)."""

from __future__ import annotations

from datetime import datetime
from typing import Any
from uuid import UUID

from ninja import Schema


class ReceiptOut(Schema):
    receipt: dict[str, Any]
    signature: str


class DeliveryStateOut(Schema):
    id: int
    recipient: str
    state: str
    delivered_at: datetime | None
    acknowledged_at: datetime | None
    # How pushes to the recipient's webhook fare: shown to the recipient only (null to others).
    push_state: str | None
    push_attempts: int | None
    last_error: str | None


class MessageOut(Schema):
    id: UUID
    message_type: str
    sender: str
    client_reference: str
    ucr: str | None
    format: str
    payload_sha256: str
    received_at: datetime
    evidence_seq: int | None
    signed: bool
    deliveries: list[DeliveryStateOut]
    receipt: dict[str, Any] | None


class MailboxItemOut(Schema):
    delivery_id: int
    cursor: int
    state: str
    message_id: UUID
    message_type: str
    sender: str
    ucr: str | None
    content_type: str
    payload_sha256: str
    received_at: datetime
    payload_url: str


class MailboxPageOut(Schema):
    items: list[MailboxItemOut]
    next_cursor: int


class TimelineEventOut(Schema):
    at: datetime
    kind: str
    title: dict[str, str]
    organisation: str | None
    message_id: UUID | None
    evidence_seq: int | None


class TimelineOut(Schema):
    ucr: str
    events: list[TimelineEventOut]


class CheckpointOut(Schema):
    tree_size: int
    root_hash: str
    created_at: datetime
    body: str
    signature: str


class InclusionProofOut(Schema):
    message_id: UUID
    entry: dict[str, Any]
    leaf_index: int
    leaf_hash: str
    audit_path: list[str]
    checkpoint: CheckpointOut


class ConsistencyProofOut(Schema):
    first: CheckpointOut
    second: CheckpointOut
    proof: list[str]


class WebhookIn(Schema):
    url: str
    is_active: bool = True


class WebhookOut(Schema):
    url: str
    is_active: bool
