"""Intake: the one path every message takes into the exchange.

size -> decode -> validate -> authorise -> verify signature -> assign id and UCR -> evidence ->
route -> store -> signed receipt. A refusal at any step leaves one evidence entry and nothing
else; resending the same client reference returns the original receipt.
"""

from __future__ import annotations

import hashlib
import os
import re
import time
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from types import MappingProxyType
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, IntegrityError, connection, transaction
from django.utils import timezone

from singlewindow.codelists.selectors import code_lists
from singlewindow.datamodel.codecs import Codec, carries, codec_for_content_type
from singlewindow.datamodel.datasets import DATA_SETS, Document
from singlewindow.datamodel.identifiers import ucr_business_id
from singlewindow.datamodel.issues import Issue, MessageInvalid
from singlewindow.datamodel.validation import validate_decoded
from singlewindow.exchange import dispatch, jws, receipts, routing
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.evidence import (
    ENTRY_CHAIN_HASH,
    ENTRY_SEQ,
    AppendedEntry,
    NewEvidence,
    Results,
    append_evidence,
    append_evidence_in,
    appended,
    entry_expressions,
    new_entry,
    round_trip_commits_itself,
    run_appending,
    seq_param,
    seq_sql,
)
from singlewindow.exchange.models import (
    Consignment,
    ConsignmentParty,
    Delivery,
    Message,
    WebhookEndpoint,
)
from singlewindow.exchange.rows import Batch, database_vendor, insert_statement, with_statements
from singlewindow.registry import pki, selectors, trust
from singlewindow.registry.actors import Actor
from singlewindow.registry.cache import TTLCache
from singlewindow.registry.models import Mandate, Organisation, OrganisationRole, Service

MESSAGE_TYPE = re.compile(r"^[a-z_]{1,40}\.[a-z_]{1,30}\Z")
CLIENT_REFERENCE = re.compile(r"^[A-Za-z0-9._:\-]{1,64}\Z")


@dataclass(frozen=True)
class Envelope:
    """What a sender hands over: payload bytes plus the envelope headers."""

    message_type: str
    client_reference: str
    content_type: str
    payload: bytes
    signature: str = ""


class IntakeResult:
    """A message intake stored (``created``), or had stored before (a resend), and its receipt.

    A message just stored is built as a model instance only when ``message`` is asked for: the API
    answers with the receipt, whose fields intake already holds.
    """

    def __init__(self, *, created: bool, message: Message | None = None, stored: PendingStore | None = None,
                 leaf_hash: str | None = None) -> None:
        if (message is None) == (stored is None):
            raise ValueError("an intake result is of a message or of a store, one of the two")
        self.created = created
        self.leaf_hash = leaf_hash  # known when just stored; a resend's is read from its entry
        self._message = message
        self._stored = stored

    @property
    def message(self) -> Message:
        if self._message is None:
            assert self._stored is not None
            self._message = self._stored.message()
        return self._message

    def receipt(self) -> dict[str, Any]:
        """The signed receipt the sender gets (signed now, after the commit: see ``receipts``)."""
        return receipts.receipt_for(self._received(), self.leaf_hash)

    def receipt_json(self) -> bytes:
        """``receipt`` as the JSON document the API answers with (see ``receipts.receipt_json``)."""
        return receipts.receipt_json(self._received(), self.leaf_hash)

    def _received(self) -> Message | receipts.Received:
        if self._message is not None:
            return self._message
        assert self._stored is not None
        return self._stored.received()


def new_message_id() -> uuid.UUID:
    """UUIDv7 (RFC 9562): the Unix time in milliseconds in the first 48 bits, so ids sort by arrival (to
    the millisecond) and index well, then the version, 74 random bits and the variant."""
    random = int.from_bytes(os.urandom(10), "big")
    milliseconds = time.time_ns() // 1_000_000
    return uuid.UUID(int=milliseconds << 80 | 0x7 << 76 | (random >> 62 & 0xFFF) << 64 | 0b10 << 62
                     | random & _RANDOM_B)


_RANDOM_B = (1 << 62) - 1  # the random bits after the variant


@dataclass(frozen=True)
class PreparedMessage:
    """A message that passed every check intake makes before storing: what ``store_message`` writes.

    Preparing takes no lock, so a caller that stores several messages inside a transaction
    that holds the evidence lock (the customs engine's run) prepares them first.
    """

    envelope: Envelope
    actor: Actor
    sender: Organisation
    format: str
    digest: str
    signer: str
    document: Document
    recipients: tuple[Organisation, ...]


def submit_message(*, envelope: Envelope, actor: Actor) -> IntakeResult:
    """Run the intake pipeline; raise ``ExchangeError`` (after recording it) on refusal."""
    digest = hashlib.sha256(envelope.payload).hexdigest()
    try:
        try:
            return store_message(_prepare(envelope, actor, digest))
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


def prepare_message(*, envelope: Envelope, actor: Actor) -> PreparedMessage:
    """Envelope checks, decoding, validation, authorisation, signature and routing; no lock, no write.

    Raises ``ExchangeError`` without recording it: ``submit_message`` records refusals, and a
    caller storing within its own transaction fails with it (so nothing of it is kept).
    """
    return _prepare(envelope, actor, hashlib.sha256(envelope.payload).hexdigest())


def store_message(prepared: PreparedMessage) -> IntakeResult:
    """Store a prepared message with its receipt; a resend of a stored one answers as ``submit_message``."""
    envelope = prepared.envelope
    try:
        stored, leaf_hash = _store(prepared)
    except IntegrityError as error:
        # A resend, or two requests racing with one client reference: nothing of this attempt
        # was kept, and it answers as to a resend.
        if consignment_refused(error):
            raise ExchangeError(ExchangeErrorCode.NOT_A_PARTY, detail=_not_a_party(prepared)) from None
        if not client_reference_taken(error):
            raise
        existing = Message.objects.get(sender=prepared.sender, client_reference=envelope.client_reference)
        return _replay(existing, envelope, prepared.digest)
    return IntakeResult(created=True, stored=stored, leaf_hash=leaf_hash)


def _not_a_party(prepared: PreparedMessage) -> str:
    """Why the consignment refused the message (see ``_joining``), naming no organisation: a UCR is any text the
    sender chose, and the answer must not tell it who holds a business ID or who is on a consignment."""
    ucr, sender = prepared.document.consignment_reference() or "", prepared.sender.code
    if (owner := ucr_business_id(ucr)) and selectors.organisations_by_business_ids([owner]):
        return (f"UCR {ucr} carries another organisation's business ID: only that organisation and those holding "
                f"its mandate may start its consignment, and {sender} may add to it only once it, or an "
                "organisation whose mandate it holds, is a party")
    return (f"consignment {ucr} exists and neither {sender} nor an organisation whose mandate it holds is a "
            "party to it")


def client_reference_taken(error: IntegrityError) -> bool:
    """Whether ``error`` is a message whose sender already used its client reference."""
    diagnostics = getattr(error.__cause__, "diag", None)  # PostgreSQL names the constraint
    if diagnostics is not None:
        return bool(diagnostics.constraint_name == "unique_client_reference")
    return "exchange_message.client_reference" in str(error)  # SQLite names the columns


def _prepare(envelope: Envelope, actor: Actor, digest: str) -> PreparedMessage:
    sender = actor.organisation
    if sender is None:
        raise ExchangeError(ExchangeErrorCode.NO_ORGANISATION)
    _check_envelope(envelope)
    codec = codec_for_content_type(envelope.content_type)
    if codec is None:
        raise ExchangeError(ExchangeErrorCode.UNSUPPORTED_CONTENT_TYPE,
                            detail=f"content type {envelope.content_type!r} is not supported")
    service = selectors.service_for_message_type(envelope.message_type)
    dataset = (service.data_set if service is not None else "") or envelope.message_type.split(".", 1)[0]
    if service is None or dataset not in DATA_SETS:
        raise ExchangeError(ExchangeErrorCode.UNKNOWN_MESSAGE_TYPE,
                            detail=f"no service for message type {envelope.message_type!r}")
    if not carries(codec, dataset):
        raise ExchangeError(ExchangeErrorCode.UNSUPPORTED_CONTENT_TYPE,
                            detail=f"{codec.name} does not carry the {dataset} data set")
    document = decode_and_validate(codec, dataset, envelope.payload)
    # an inter-agency answer: the agency asked may answer and the asker receive it, on the question's service
    asker = routing.asker_of(envelope.message_type, document, sender) if dataset == "agency_data" else None
    if asker is None and getattr(document, "question_message_id", None):
        raise ExchangeError(ExchangeErrorCode.UNAUTHORISED_SENDER,
                            detail=f"no {envelope.message_type} question with that message id was delivered to "
                                   f"{sender.code}")
    if asker is None and not selectors.may_send(sender, service):
        raise ExchangeError(ExchangeErrorCode.UNAUTHORISED_SENDER,
                            detail=f"{sender.code} may not send {envelope.message_type}")
    signer = _verify_signature(envelope, sender, service)
    recipients = tuple(
        organisation
        for organisation in routing.route(routing.RoutingContext(envelope.message_type, document, sender, dataset,
                                                                 asker))
        if (asker is not None and organisation.pk == asker.pk) or selectors.may_receive(organisation, service)
    )
    if not recipients:
        raise ExchangeError(ExchangeErrorCode.NO_ROUTE,
                            detail=f"no authorised recipient for {envelope.message_type}")
    return PreparedMessage(envelope=envelope, actor=actor, sender=sender, format=codec.name, digest=digest,
                           signer=signer, document=document, recipients=recipients)


def _already_sent(sender: Organisation | None, client_reference: str) -> Message | None:
    if sender is None:
        return None
    return Message.objects.filter(sender=sender, client_reference=client_reference).first()


def decode_and_validate(codec: Codec, dataset: str, payload: bytes) -> Document:
    """The validated data set in ``payload``; every fault points into the submitted format."""
    decoded = None
    try:
        decoded = codec.decode(payload, dataset)
        return validate_decoded(dataset, decoded, code_lists())  # type: ignore[return-value]
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
    return IntakeResult(created=False, message=existing)


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


def _store(prepared: PreparedMessage) -> tuple[PendingStore, str]:
    """Write the message in one round trip; returns its store, finished, and its entry's leaf hash.

    Outside a transaction on PostgreSQL, that round trip is the transaction, committed by the
    server at its end (see ``append_evidence_in``): the serialised part of every intake is the
    server's own work from the lock to the commit. Elsewhere it runs in a transaction (a savepoint
    in the caller's), so that a taken client reference undoes only this attempt. The reference
    is not looked up first: the message's unique constraint refuses it, and with it the whole
    attempt (``store_message`` then answers as to a resend, which is rare).
    """
    if round_trip_commits_itself():
        return _write(prepared)
    with transaction.atomic():
        return _write(prepared)


def _write(prepared: PreparedMessage) -> tuple[PendingStore, str]:
    if database_vendor() == "postgresql":  # one statement (see ``PendingStore.write_alone``)
        pending = PendingStore(prepared)
        batch = Batch()
        entry = pending.write_alone(batch)
        pending.finish(run_appending(batch))
        return pending, entry.leaf_hash
    batch = Batch()
    pending = PendingStore(prepared, batch)
    entries, results = append_evidence_in(batch, [pending.evidence],
                                          then=lambda entries, locked: pending.write(entries[0], locked))
    pending.finish(results)
    return pending, entries[0].leaf_hash


class PendingStore:
    """One prepared message's writes: its consignment, its evidence entry, the message and its deliveries.

    A message stored alone on PostgreSQL is one statement (``write_alone``). Otherwise it is a share of an
    evidence burst (see ``append_evidence_in``), where several messages and other entries share one short
    hold of the evidence lock: created with the burst's ``first`` batch, it queues there the rows that need
    no sequence number (the consignment and its parties), and ``write`` queues the message and the
    deliveries, which name the entry's sequence number, to run once the entry is appended. Either way
    ``finish`` reads the deliveries' ids and dispatches them after commit. A client reference already taken
    fails the statement, or the burst, on the message's unique constraint (see ``client_reference_taken``).
    """

    def __init__(self, prepared: PreparedMessage, first: Batch | None = None) -> None:
        envelope, sender = prepared.envelope, prepared.sender
        self.prepared = prepared
        self.now = now = timezone.now()
        self.ucr = ucr = prepared.document.consignment_reference()
        self.message_id = message_id = new_message_id()
        # The consignment's party rows; the message's own line on the timeline is the message
        # (``selectors.consignment_timeline``).
        self._parties = _parties(ucr, sender, prepared.document, prepared.recipients) if ucr else []
        self._consignment_at = None
        self._in_burst = first is not None
        self._joining = _joining(ucr, sender) if ucr else None
        if ucr and first is not None:
            self._consignment_at = _queue_consignment(first, ucr, now, self._parties, self._joining)
        self._pushed = webhook_organisations()
        self.evidence = NewEvidence("message.received", {
            "message_type": envelope.message_type, "sender": sender.code,
            "client_reference": envelope.client_reference, "payload_sha256": prepared.digest,
            "signer": prepared.signer, "ucr": ucr, "recipients": sorted(r.code for r in prepared.recipients),
        }, message_id=message_id, at=now)
        self._row: dict[str, Any] = {}
        self._rows: list[dict[str, Any]] = []
        self._deliveries_at = -1
        self._entry: AppendedEntry | None = None
        self._consignment_id: int | None = None

    def write(self, entry: AppendedEntry, batch: Batch) -> None:
        """Queue the message and its deliveries, which name ``entry``'s sequence number."""
        position = seq_param(entry)
        stored, delivered = self._inserts(position, {"evidence_seq": seq_sql(),
                                                     **(consignment_by_ucr() if self.ucr else {})})
        if database_vendor() == "postgresql":  # one statement (see ``with_statements``)
            self._deliveries_at = batch.add(*with_statements([("stored", stored)], delivered))
            self._wake_engines(batch)
        else:
            batch.add(*stored)
            self._deliveries_at = batch.add(*delivered)
        self._entry = entry

    def write_alone(self, batch: Batch) -> AppendedEntry:
        """PostgreSQL: queue every write of the message as one statement that appends its entry too (see
        ``evidence.entry_expressions``), to run with ``evidence.run_appending``; the entry, placed once
        ``finish`` has read the results.

        The consignment's upsert runs before the evidence lock is taken: the head's row comes from it. Its
        row lock, held to the commit, also covers the consignment's parties, which only intake writes, each
        time after that upsert: no other writer can be inserting one of them while this one holds the lock.
        """
        if self._in_burst:
            raise RuntimeError("write_alone() for a share of a burst")
        self._entry = entry = new_entry(self.evidence.kind, self.evidence.fields, message_id=self.message_id,
                                        at=self.now)
        named: list[tuple[str, tuple[str, Sequence[Any]]]] = []
        after, consignment = "", "NULL"
        if self.ucr:
            named += _consignment_expressions(self.ucr, self.now, self._parties, self._joining)
            after, consignment = "upserted", _UPSERTED["consignment"]
        named += entry_expressions(entry, after=after)
        stored, delivered = self._inserts(None, {"evidence_seq": ENTRY_SEQ, **(_UPSERTED if self.ucr else {})})
        named += [("stored", stored), ("delivered", delivered)]
        # Identifiers of the statement's own expressions; no values.
        answer = f"SELECT id, {ENTRY_SEQ}, {ENTRY_CHAIN_HASH}, {consignment} FROM delivered"  # noqa: S608
        self._deliveries_at = batch.add(*with_statements(named, (answer, [])))
        self._wake_engines(batch)
        return entry

    def _inserts(self, position: int | None, expressions: Mapping[str, str]) -> tuple[tuple[str, list[Any]],
                                                                                      tuple[str, list[Any]]]:
        """The INSERTs of the message and of its deliveries (returning their ids), naming the entry's sequence
        number by ``expressions`` (with ``position`` as their parameter) and the consignment's id too."""
        prepared, envelope, now = self.prepared, self.prepared.envelope, self.now
        self._row = row = {
            "id": self.message_id, "message_type": envelope.message_type, "sent_by": prepared.actor.label[:200],
            "client_reference": envelope.client_reference, "format": prepared.format,
            "content_type": envelope.content_type[:100], "payload": envelope.payload,
            "payload_sha256": prepared.digest, "signature": envelope.signature,
            "signer_fingerprint": prepared.signer, "received_at": now,
        }
        pushed = self._pushed
        self._rows = [{"message": self.message_id, "recipient": r.pk, "seq": position,
                       "state": Delivery.State.PENDING,
                       "push_state": Delivery.PushState.PENDING if r.pk in pushed else Delivery.PushState.NONE,
                       "push_attempts": 0, "next_attempt_at": now if r.pk in pushed else None, "last_error": ""}
                      for r in prepared.recipients]
        stored = insert_statement(Message, [{**row, "sender": prepared.sender.pk, "consignment": self.ucr or None,
                                             "evidence_seq": position}], expressions=expressions)
        # Every prepared message has a recipient (``NO_ROUTE`` otherwise).
        delivered = insert_statement(Delivery, self._rows, returning="id",
                                     expressions={"seq": expressions["evidence_seq"]})
        return stored, delivered

    def _wake_engines(self, batch: Batch) -> None:
        if dispatch.wakes_engines(self.prepared.recipients):
            batch.add(*dispatch.WAKE_ENGINES)

    def finish(self, results: Results) -> None:
        """Read what the round trip gave (the consignment's id, the entry's place, the deliveries' ids) and
        queue the deliveries for push and engines after commit.

        ``results``: the round trip that ran the statements queued on creation and by ``write``, or by
        ``write_alone``.
        """
        entry = self._entry
        if entry is None:
            raise RuntimeError("finish() before write()")
        delivered = results[self._deliveries_at]
        if not self._in_burst:  # written by ``write_alone``
            _, seq, chained, consignment = delivered[0]
            appended(entry, seq, chained)
        else:
            consignment = results[self._consignment_at][0][0] if self._consignment_at is not None else None
        self._consignment_id = None if consignment is None else int(consignment)
        seq = entry.seq
        work = [(row[0], sent["recipient"], sent["push_state"] == Delivery.PushState.PENDING)
                for row, sent in zip(delivered, self._rows, strict=True)]
        transaction.on_commit(lambda: dispatch.after_intake(work, seq))

    def received(self) -> receipts.Received:
        """What the receipt of the stored message says of it, from the values written (see ``finish``)."""
        row, sender = self._row, self.prepared.sender
        return receipts.Received(row["id"], row["message_type"], sender.code, row["client_reference"],
                                 row["payload_sha256"], self._stored_entry().seq, row["received_at"])

    def message(self) -> Message:
        """The stored message as a model instance, built from the values written (see ``finish``)."""
        return _stored_message({**self._row, "sender_id": self.prepared.sender.pk,
                                "consignment_id": self._consignment_id, "evidence_seq": self._stored_entry().seq},
                               self.prepared.sender)

    def _stored_entry(self) -> AppendedEntry:
        if self._entry is None or not self._entry.seq:
            raise RuntimeError("the message is not stored yet: finish() first")
        return self._entry


def _stored_message(values: Mapping[str, Any], sender: Organisation) -> Message:
    """The instance of a message row just written, from its values by column (``attname``), its sender
    known without a query: built as from a query's row, which costs half of building one from keywords."""
    columns = _message_columns()
    message = Message.from_db(DEFAULT_DB_ALIAS, columns, [values[name] for name in columns])
    Message.sender.field.set_cached_value(message, sender)
    return message


@cache
def _message_columns() -> tuple[str, ...]:
    return tuple(field.attname for field in Message._meta.concrete_fields)


_UPSERTED = MappingProxyType({"consignment": "(SELECT id FROM upserted)"})


def _queue_consignment(batch: Batch, ucr: str, now: datetime, parties: list[dict[str, Any]],
                       joining: Joining | None) -> int:
    """Queue the upsert of the consignment ``ucr`` and of its ``parties`` (rows naming it by UCR, those
    already stored skipped); the index of the statement that returns its id.

    On PostgreSQL it is one statement: the upsert and the parties' insert are common table
    expressions, the parties taking the id the upsert returns. That spares the server a statement
    and a look-up of the UCR per row. SQLite has no INSERT in a WITH: there each is a statement of
    its own, the parties finding the consignment by UCR.
    """
    vendor = database_vendor()
    if vendor != "postgresql" or not parties:
        at = batch.add(*_upsert(ucr, now, joining))
        batch.insert(ConsignmentParty, parties, ignore_conflicts=True, expressions=_consignment_sql(vendor)[1])
        return at
    return batch.add(*with_statements(_consignment_expressions(ucr, now, parties, joining),
                                      ("SELECT id FROM upserted", [])))


def _consignment_expressions(ucr: str, now: datetime, parties: list[dict[str, Any]],
                             joining: Joining | None) -> list[tuple[str, tuple[str, Sequence[Any]]]]:
    """PostgreSQL: the upsert of the consignment ``ucr`` (guarded for ``joining``: see ``_upsert``) and the insert
    of its ``parties`` as common table expressions, ``upserted`` (returning its id) and ``parties`` (when there
    are any), which takes that id."""
    named: list[tuple[str, tuple[str, Sequence[Any]]]] = [("upserted", _upsert(ucr, now, joining))]
    if parties:
        named.append(("parties", insert_statement(ConsignmentParty, parties, ignore_conflicts=True,
                                                  expressions=_UPSERTED)))
    return named


def consignment_by_ucr() -> Mapping[str, str]:
    """Rows that name their consignment by UCR, so they can share the upsert's round trip."""
    return _consignment_sql(database_vendor())[1]


@cache
def _consignment_sql(vendor: str) -> tuple[str, Mapping[str, str]]:
    """(the upsert of a consignment by UCR, the expression naming one by UCR) for ``vendor``."""
    table = connection.ops.quote_name(Consignment._meta.db_table)
    # Identifiers from model metadata, values as parameters.
    return (f"INSERT INTO {table} (ucr, created_at) VALUES (%s, %s) "  # noqa: S608
            "ON CONFLICT (ucr) DO UPDATE SET ucr = EXCLUDED.ucr RETURNING id",
            MappingProxyType({"consignment": f"(SELECT id FROM {table} WHERE ucr = %s)"}))  # noqa: S608


def _upsert(ucr: str, now: datetime, joining: Joining | None) -> tuple[str, list[Any]]:
    """The consignment's upsert; guarded for ``joining`` (see ``Joining``), one that fails on the consignment's
    NOT NULL UCR when the sender may not put its message on the consignment (``consignment_refused``)."""
    if joining is None:
        return _consignment_sql(database_vendor())[0], [ucr, now]
    return _guarded_upsert_sql(joining.may_start), [ucr, now, *_standing_params(joining)]


@cache
def _guarded_upsert_sql(may_start: bool) -> str:
    """The upsert of a consignment by UCR for a sender that must be a party to it already (see ``Joining``).

    When the UCR is taken, it is set to NULL, which its NOT NULL refuses, unless the sender has standing on the
    consignment (``_standing_sql``); only a conflict evaluates that. Unless ``may_start``, a new consignment's UCR
    is NULL too, so only joining succeeds. Parameters: the UCR, the time, then ``_standing_params``.
    """
    table = connection.ops.quote_name(Consignment._meta.db_table)
    value = "%s" if may_start else f"(SELECT ucr FROM {table} WHERE ucr = %s)"  # noqa: S608
    # Identifiers from model metadata, values as parameters.
    return (f"INSERT INTO {table} (ucr, created_at) VALUES ({value}, %s) "  # noqa: S608
            f"ON CONFLICT (ucr) DO UPDATE SET ucr = CASE WHEN {_standing_sql()} THEN EXCLUDED.ucr END RETURNING id")


@cache
def _standing_sql() -> str:
    """Whether the sender has standing on the consignment row in hand: it sent a message on it, had one delivered
    or was named by one (as ``selectors`` asks), or an organisation whose mandate it holds that day sent one or
    was named by one. Parameters: ``_standing_params``."""
    quote = connection.ops.quote_name
    table, message, delivery, party, mandate, organisation = (
        quote(model._meta.db_table) for model in (Consignment, Message, Delivery, ConsignmentParty, Mandate,
                                                  Organisation))
    principals = (f"SELECT md.principal_id FROM {mandate} md JOIN {organisation} o ON o.id = md.principal_id "  # noqa: S608
                  "WHERE md.agent_id = %s AND md.is_active AND o.is_active AND md.valid_from <= %s "
                  "AND (md.valid_until IS NULL OR md.valid_until >= %s)")
    # Identifiers from model metadata, values as parameters.
    return (f"(EXISTS (SELECT 1 FROM {message} m WHERE m.consignment_id = {table}.id "  # noqa: S608
            f"AND (m.sender_id = %s OR m.sender_id IN ({principals}))) "
            f"OR EXISTS (SELECT 1 FROM {party} p WHERE p.consignment_id = {table}.id "
            f"AND (p.organisation_id = %s OR p.organisation_id IN ({principals}))) "
            f"OR EXISTS (SELECT 1 FROM {message} m JOIN {delivery} d ON d.message_id = m.id "
            f"WHERE m.consignment_id = {table}.id AND d.recipient_id = %s))")


def _standing_params(joining: Joining) -> list[Any]:
    principals = [joining.sender, joining.today, joining.today]
    return [joining.sender, *principals, joining.sender, *principals, joining.sender]


def may_put_on(ucr: str, organisation: Organisation) -> bool:
    """Whether ``organisation`` may put something on the consignment ``ucr``, as intake decides for a message
    (``_joining``): for the other writers that key their lines by UCR (an express booking)."""
    joining = _joining(ucr, organisation)
    if joining is None:
        return True
    table = connection.ops.quote_name(Consignment._meta.db_table)
    with connection.cursor() as cursor:
        # Identifiers from model metadata, values as parameters.
        cursor.execute(f"SELECT {_standing_sql()} FROM {table} WHERE ucr = %s",  # noqa: S608
                       [*_standing_params(joining), ucr])
        row = cursor.fetchone()
    return joining.may_start if row is None else bool(row[0])


def consignment_refused(error: IntegrityError) -> bool:
    """Whether ``error`` is the guarded upsert refusing an organisation that is no party (see ``_upsert``)."""
    diagnostics = getattr(error.__cause__, "diag", None)  # PostgreSQL names the table and column
    if diagnostics is not None:
        return bool(diagnostics.table_name == Consignment._meta.db_table and diagnostics.column_name == "ucr")
    return f"NOT NULL constraint failed: {Consignment._meta.db_table}.ucr" in str(error)


_webhooks: TTLCache[frozenset[Any]] = TTLCache()


def webhook_organisations() -> frozenset[Any]:
    """Organisations with an active webhook (cached briefly like registry lookups)."""
    return _webhooks.get("active", lambda: frozenset(
        WebhookEndpoint.objects.filter(is_active=True).values_list("organisation_id", flat=True)))


@dataclass(frozen=True)
class Joining:
    """A sender that may put its message only on a consignment it is a party to (see ``_guarded_upsert_sql``), in
    the values the database stores: its id, and the day its mandates are read for. ``may_start``: it may also
    start the consignment.

    An agent acts for its principals only through what they did themselves, sending or being named: a message
    merely delivered to a principal (a customs office, a warehouse) gives its agents nothing.
    """

    sender: Any
    today: Any
    may_start: bool


AUTHORITIES = frozenset({OrganisationRole.CUSTOMS_OFFICE, OrganisationRole.PERMIT_AGENCY,
                         OrganisationRole.PORT_AUTHORITY, OrganisationRole.FOREIGN_SINGLE_WINDOW})


def _joining(ucr: str, sender: Organisation) -> Joining | None:
    """Who may put a message on the consignment ``ucr``; None when the sender may, whatever it holds.

    - The organisation whose business ID the UCR carries, and its agents (``registry.Mandate``): always.
    - Authorities (customs, permit agencies, the port, foreign single windows), acting by law: always.
    - Anyone else: on a consignment it is a party to already, or one of its principals sent a message on or
      was named by (see ``Joining``); and starting one only when the UCR carries no registered organisation's
      business ID.
    """
    if sender.business_id and ucr[1:3] == "TW" and ucr[3:11] == sender.business_id:  # the usual case, at once
        return None
    owner, today = ucr_business_id(ucr), timezone.localdate()
    if owner is not None and owner in selectors.principal_business_ids(sender, today):
        return None
    if selectors.roles_of(sender) & AUTHORITIES:
        return None
    may_start = owner is None or not selectors.organisations_by_business_ids([owner])
    return Joining(Organisation._meta.pk.get_db_prep_value(sender.pk, connection),
                   Mandate._meta.get_field("valid_from").get_db_prep_value(today, connection), may_start)


def _parties(ucr: str, sender: Organisation, document: Document,
             recipients: Sequence[Organisation]) -> list[dict[str, Any]]:
    """The consignment's party rows this message brings: one per organisation it names that is neither its
    sender nor a recipient (those two are known from the message and its deliveries)."""
    known = {sender.pk, *(r.pk for r in recipients)}
    named = selectors.organisations_by_business_ids(routing.named_business_ids(document))
    return [{"consignment": ucr, "organisation": pk} for pk in sorted({o.pk for o in named} - known)]


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
