"""Intake: the one path every message takes into the exchange.

size -> decode -> validate -> authorise -> verify signature -> assign id and UCR -> evidence ->
route -> store -> signed receipt. A refusal at any step leaves one evidence entry and nothing
else; resending the same client reference returns the original receipt.
"""

from __future__ import annotations

import hashlib
import re
import uuid
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import uuid6
from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from singlewindow.codelists.selectors import code_lists
from singlewindow.datamodel.codecs import Codec, carries, codec_for_content_type
from singlewindow.datamodel.datasets import DATA_SET_TITLES, DATA_SETS, Document
from singlewindow.datamodel.issues import Issue, MessageInvalid
from singlewindow.datamodel.validation import validate_document
from singlewindow.exchange import dispatch, evidence, jws, routing
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.evidence import append_evidence
from singlewindow.exchange.identity import signing_identity
from singlewindow.exchange.models import (
    Consignment,
    ConsignmentParty,
    Delivery,
    Message,
    TimelineEvent,
    WebhookEndpoint,
)
from singlewindow.exchange.rows import Batch
from singlewindow.registry import pki, selectors, trust
from singlewindow.registry.actors import Actor
from singlewindow.registry.cache import TTLCache
from singlewindow.registry.models import Organisation, Service

MESSAGE_TYPE = re.compile(r"^[a-z_]{1,40}\.[a-z_]{1,30}$")
CLIENT_REFERENCE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}$")


@dataclass(frozen=True)
class Envelope:
    """What a sender hands over: payload bytes plus the envelope headers."""

    message_type: str
    client_reference: str
    content_type: str
    payload: bytes
    signature: str = ""


@dataclass(frozen=True)
class IntakeResult:
    message: Message
    created: bool


def new_message_id() -> uuid.UUID:
    """UUIDv7: time-ordered, so ids sort by arrival and index well."""
    return uuid.UUID(int=uuid6.uuid7().int)


def submit_message(*, envelope: Envelope, actor: Actor) -> IntakeResult:
    """Run the intake pipeline; raise ``ExchangeError`` (after recording it) on refusal."""
    digest = hashlib.sha256(envelope.payload).hexdigest()
    try:
        try:
            return _submit(envelope, actor, digest)
        except ExchangeError:
            # A resend answers with the original receipt even if, say, the certificate has
            # expired since; resends are rare, so only a refusal pays for this look-up.
            existing = _already_sent(actor.organisation, envelope.client_reference)
            if existing is None:
                raise
            return _replay(existing, envelope, digest)
    except ExchangeError as error:
        record_rejection(envelope=envelope, actor=actor, digest=digest, error=error)
        raise


class _AlreadySent(Exception):
    """The client reference is taken: undo the writes of this attempt and answer as to a resend."""

    def __init__(self, message_id: uuid.UUID) -> None:
        self.message_id = message_id


def _submit(envelope: Envelope, actor: Actor, digest: str) -> IntakeResult:
    sender = actor.organisation
    if sender is None:
        raise ExchangeError(ExchangeErrorCode.NO_ORGANISATION)
    _check_envelope(envelope)
    codec = codec_for_content_type(envelope.content_type)
    if codec is None:
        raise ExchangeError(ExchangeErrorCode.UNSUPPORTED_CONTENT_TYPE,
                            detail=f"content type {envelope.content_type!r} is not supported")
    dataset = envelope.message_type.split(".", 1)[0]
    service = selectors.service_for_message_type(envelope.message_type)
    if service is None or dataset not in DATA_SETS:
        raise ExchangeError(ExchangeErrorCode.UNKNOWN_MESSAGE_TYPE,
                            detail=f"no service for message type {envelope.message_type!r}")
    if not carries(codec, dataset):
        raise ExchangeError(ExchangeErrorCode.UNSUPPORTED_CONTENT_TYPE,
                            detail=f"{codec.name} does not carry the {dataset} data set")
    document = decode_and_validate(codec, dataset, envelope.payload)
    if not selectors.may_send(sender, service):
        raise ExchangeError(ExchangeErrorCode.UNAUTHORISED_SENDER,
                            detail=f"{sender.code} may not send {envelope.message_type}")
    signer = _verify_signature(envelope, sender, service)
    recipients = [
        organisation
        for organisation in routing.route(routing.RoutingContext(envelope.message_type, document, sender))
        if selectors.may_receive(organisation, service)
    ]
    if not recipients:
        raise ExchangeError(ExchangeErrorCode.NO_ROUTE,
                            detail=f"no authorised recipient for {envelope.message_type}")
    try:
        message = _store(envelope, actor, sender, codec.name, digest, signer, document, recipients)
    except _AlreadySent as sent:
        return _replay(Message.objects.get(pk=sent.message_id), envelope, digest)
    except IntegrityError:
        # Two requests raced with one client reference: the loser answers like a resend.
        existing = Message.objects.get(sender=sender, client_reference=envelope.client_reference)
        return _replay(existing, envelope, digest)
    return IntakeResult(message=message, created=True)


def _sent_statement(sender: Organisation, client_reference: str) -> tuple[str, list[Any]]:
    """The id of the message this sender already sent under this reference, if any."""
    table = connection.ops.quote_name(Message._meta.db_table)
    sender_id = Message._meta.get_field("sender").get_db_prep_value(sender.pk, connection)
    return (f"SELECT id FROM {table} WHERE sender_id = %s AND client_reference = %s",  # noqa: S608
            [sender_id, client_reference])


def _already_sent(sender: Organisation | None, client_reference: str) -> Message | None:
    if sender is None:
        return None
    batch = Batch()
    batch.add(*_sent_statement(sender, client_reference))
    rows = batch.run()[0]
    return Message.objects.get(pk=rows[0][0]) if rows else None


def decode_and_validate(codec: Codec, dataset: str, payload: bytes) -> Document:
    """The validated data set in ``payload``; every fault points into the submitted format."""
    decoded = None
    try:
        decoded = codec.decode(payload, dataset)
        return validate_document(dataset, decoded.document, code_lists())  # type: ignore[return-value]
    except MessageInvalid as invalid:
        issues = decoded.relocate(invalid.issues) if decoded is not None else invalid.issues
        raise ExchangeError(ExchangeErrorCode.INVALID, issues) from None


def _check_envelope(envelope: Envelope) -> None:
    if len(envelope.payload) > settings.SW_MAX_MESSAGE_BYTES:
        raise ExchangeError(ExchangeErrorCode.TOO_LARGE,
                            detail=f"payload exceeds {settings.SW_MAX_MESSAGE_BYTES} bytes")
    problems = []
    if not MESSAGE_TYPE.match(envelope.message_type):
        problems.append(Issue("envelope.message_type", "header:X-SW-Message-Type",
                              "Message type missing or malformed (<dataset>.<function>).",
                              "訊息類型缺漏或格式錯誤（<資料集>.<功能>）。"))
    if not CLIENT_REFERENCE.match(envelope.client_reference):
        problems.append(Issue("envelope.client_reference", "header:X-SW-Client-Reference",
                              "Client reference missing or malformed (1-64 letters, digits, . _ : -).",
                              "客戶參考編號缺漏或格式錯誤（1 至 64 個英數字或 . _ : -）。"))
    if problems:
        raise ExchangeError(ExchangeErrorCode.MISSING_HEADER, problems)


def _replay(existing: Message, envelope: Envelope, digest: str) -> IntakeResult:
    """A resend answers with the original receipt only if it is the same message."""
    if existing.payload_sha256 != digest or existing.message_type != envelope.message_type:
        raise ExchangeError(ExchangeErrorCode.CLIENT_REFERENCE_REUSED,
                            detail=f"client reference already used by message {existing.id}")
    return IntakeResult(message=existing, created=False)


def _verify_signature(envelope: Envelope, sender: Organisation, service: Service) -> str:
    """Check the detached JWS when present (required by certificate-based services)."""
    if not envelope.signature:
        if service.security == Service.Security.CERTIFICATE:
            raise ExchangeError(ExchangeErrorCode.SIGNATURE_REQUIRED,
                                detail=f"{service.code} is certificate-based")
        return ""
    try:
        signed = jws.verify_detached(envelope.signature, envelope.payload)
    except jws.SignatureError as error:
        raise ExchangeError(ExchangeErrorCode.SIGNATURE_INVALID, detail=error.detail) from None
    header = signed.header
    if header.get("swt") != envelope.message_type or header.get("swr") != envelope.client_reference:
        raise ExchangeError(ExchangeErrorCode.SIGNATURE_ENVELOPE_MISMATCH,
                            detail="the signed header's swt/swr differ from the envelope")
    try:
        leaf = trust.chain_verifier().verify(signed.chain, at=timezone.now())
    except pki.ChainError as error:
        raise ExchangeError(ExchangeErrorCode.CERTIFICATE_REJECTED,
                            [Issue(f"signature.{error.code}", "header:X-SW-Signature",
                                   error.detail, _CHAIN_ZH.get(error.code, "憑證無效。"))],
                            detail=error.detail) from None
    fingerprint = pki.fingerprint(leaf)
    if selectors.registered_certificate(sender, fingerprint) is None:
        raise ExchangeError(ExchangeErrorCode.CERTIFICATE_NOT_REGISTERED,
                            detail=f"certificate {fingerprint[:16]}… is not registered to {sender.code}")
    return fingerprint


_CHAIN_ZH = {
    "certificate_untrusted": "憑證不是由受信任的憑證機構簽發。",
    "certificate_expired": "憑證已過期。",
    "certificate_not_yet_valid": "憑證尚未生效。",
    "certificate_revoked": "憑證已廢止。",
    "certificate_key_usage": "憑證用途不允許簽章。",
    "certificate_chain_invalid": "憑證鏈結構錯誤。",
}


@transaction.atomic
def _store(envelope: Envelope, actor: Actor, sender: Organisation, fmt: str, digest: str,
           signer: str, document: Document, recipients: list[Organisation]) -> Message:
    """Write the message in two round trips and the commit; the evidence lock spans the second.

    The first asks whether the client reference is taken (every intake must, and a resend is
    rare, so the question rides along instead of costing a round trip of its own), then carries
    every row that does not need the evidence sequence (the consignment, its parties and the
    timeline line) and, last, the head update that takes the lock. The
    second carries the evidence entry, the message with its receipt and the deliveries (whose
    cursor is the sequence). So the serialised part of every intake is one round trip, a
    signature and the commit.
    """
    now = timezone.now()
    ucr = document.consignment_reference()
    message_id = new_message_id()
    first = Batch()
    sent_at = first.add(*_sent_statement(sender, envelope.client_reference))
    consignment_at = None
    if ucr:
        consignment_at = first.add(*_upsert_consignment(ucr, now))
        _link_parties(first, ucr, sender, document, recipients)
        en, zh = DATA_SET_TITLES.get(envelope.message_type.split(".")[0], (envelope.message_type,) * 2)
        first.insert(TimelineEvent, [{
            "consignment": ucr, "at": now, "kind": "message.received", "message": message_id,
            "organisation": sender.pk, "evidence_seq": None,
            "title_en": f"{en} ({envelope.message_type}) received from {sender.name_en}",
            "title_zh": f"收到{sender.name_zh or sender.name_en}傳送之{zh}（{envelope.message_type}）",
        }], expressions=_by_ucr())
    pushed = webhook_organisations()
    taken = evidence.take_head(first)
    # --- from here to commit the evidence lock is held: keep it to one round trip ---
    results = first.run()
    if results[sent_at]:
        raise _AlreadySent(results[sent_at][0][0])
    seq, previous = taken(results)
    consignment_id = int(results[consignment_at][0][0]) if consignment_at is not None else None
    entry = evidence.new_entry(seq, previous, "message.received", {
        "message_type": envelope.message_type, "sender": sender.code,
        "client_reference": envelope.client_reference, "payload_sha256": digest,
        "signer": signer, "ucr": ucr, "recipients": sorted(r.code for r in recipients),
    }, message_id=message_id, at=now)
    message = Message(
        id=message_id, message_type=envelope.message_type, sender=sender,
        sent_by=actor.label[:200], client_reference=envelope.client_reference,
        consignment_id=consignment_id, format=fmt, content_type=envelope.content_type[:100],
        payload=envelope.payload, payload_sha256=digest, signature=envelope.signature,
        signer_fingerprint=signer, received_at=now, evidence_seq=seq,
    )
    message.receipt = sign_receipt(message, entry.leaf_hash)
    rows = [{"message": message.id, "recipient": r.pk, "seq": seq,
             "state": Delivery.State.PENDING,
             "push_state": Delivery.PushState.PENDING if r.pk in pushed else Delivery.PushState.NONE,
             "push_attempts": 0, "next_attempt_at": now if r.pk in pushed else None, "last_error": ""}
            for r in recipients]
    second = Batch()
    evidence.write_entry(second, entry)
    # Foreign keys are checked at commit, so the timeline line above may name this message
    # before it exists.
    second.insert(Message, [{**{f: getattr(message, f) for f in _MESSAGE_FIELDS}, "sender": sender.pk,
                             "consignment": consignment_id}])
    deliveries_at = second.insert(Delivery, rows, returning="id")
    results = second.run()
    ids = [r[0] for r in results[deliveries_at]] if deliveries_at is not None else []
    work = [(i, row["recipient"], row["push_state"] == Delivery.PushState.PENDING)
            for i, row in zip(ids, rows, strict=True)]
    transaction.on_commit(lambda: dispatch.after_intake(work, recipients, seq))
    return message


_MESSAGE_FIELDS = ("id", "message_type", "sent_by", "client_reference", "format", "content_type", "payload",
                   "payload_sha256", "signature", "signer_fingerprint", "received_at", "evidence_seq", "receipt")


def _upsert_consignment(ucr: str, now: datetime) -> tuple[str, list[Any]]:
    """One statement whether the UCR is new or known (both databases support ON CONFLICT)."""
    table = connection.ops.quote_name(Consignment._meta.db_table)
    return (f"INSERT INTO {table} (ucr, created_at) VALUES (%s, %s) "  # noqa: S608 - table name from model
            "ON CONFLICT (ucr) DO UPDATE SET ucr = EXCLUDED.ucr RETURNING id", [ucr, now])


def _by_ucr() -> dict[str, str]:
    """Rows that name their consignment by UCR, so they can share the upsert's round trip."""
    table = connection.ops.quote_name(Consignment._meta.db_table)
    return {"consignment": f"(SELECT id FROM {table} WHERE ucr = %s)"}  # noqa: S608 - table name from model


_webhooks: TTLCache[frozenset[Any]] = TTLCache()


def webhook_organisations() -> frozenset[Any]:
    """Organisations with an active webhook (cached briefly like registry lookups)."""
    return _webhooks.get("active", lambda: frozenset(
        WebhookEndpoint.objects.filter(is_active=True).values_list("organisation_id", flat=True)))


def _link_parties(batch: Batch, ucr: str, sender: Organisation, document: Document,
                  recipients: list[Organisation]) -> None:
    pairs = {(sender.pk, ConsignmentParty.Relation.SENDER)}
    pairs |= {(r.pk, ConsignmentParty.Relation.RECIPIENT) for r in recipients}
    named = selectors.organisations_by_business_ids(routing.named_business_ids(document))
    pairs |= {(o.pk, ConsignmentParty.Relation.NAMED) for o in named}
    batch.insert(ConsignmentParty, [
        {"consignment": ucr, "organisation": pk, "relation": relation} for pk, relation in sorted(pairs)
    ], ignore_conflicts=True, expressions=_by_ucr())


def sign_receipt(message: Message, leaf_hash: str) -> dict[str, Any]:
    """The receipt the sender keeps: what was received, when, and where it sits in the log."""
    body = {
        "message_id": str(message.id), "message_type": message.message_type,
        "sender": message.sender.code, "client_reference": message.client_reference,
        "payload_sha256": message.payload_sha256, "evidence_seq": message.evidence_seq,
        "leaf_hash": leaf_hash, "received_at": message.received_at.isoformat(),
    }
    identity = signing_identity()
    signature = jws.sign_detached(canonical_json(body), identity.private_key, identity.chain)
    return {"receipt": body, "signature": signature}


@transaction.atomic
def record_rejection(*, envelope: Envelope, actor: Actor, digest: str, error: ExchangeError,
                     size: int | None = None) -> None:
    """A refusal leaves exactly one evidence entry and nothing else."""
    append_evidence("message.rejected", {
        "actor": actor.label[:200], "message_type": envelope.message_type[:80],
        "client_reference": envelope.client_reference[:64], "payload_sha256": digest,
        "size": len(envelope.payload) if size is None else size, "code": str(error.code),
        "errors": sorted({i.code for i in error.issues})[:20],
    })
