"""The evidence log: append under one lock, sign checkpoints, prove, and re-verify offline.

Appends lock the single ``EvidenceHead`` row, so sequence numbers are assigned in commit
order: a reader that sees entry N also sees every entry before it. That property is what
makes the evidence sequence usable as the mailbox cursor.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.utils import timezone

from singlewindow.exchange import jws, merkle
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.identity import signing_identity
from singlewindow.exchange.models import ZERO_HASH, Checkpoint, EvidenceEntry, EvidenceHead
from singlewindow.exchange.rows import Batch, insert_statement
from singlewindow.registry import pki

_sha256 = hashlib.sha256


def chain_hash(previous_hex: str, leaf: bytes) -> bytes:
    return _sha256(bytes.fromhex(previous_hex) + leaf).digest()


def _head_statements() -> tuple[str, str]:
    quote = connection.ops.quote_name
    head = quote(EvidenceHead._meta.db_table)
    advance = f"UPDATE {head} SET seq = seq + %s WHERE id = 1 RETURNING seq, chain_hash"  # noqa: S608
    settle = f"UPDATE {head} SET chain_hash = %s WHERE id = 1"  # noqa: S608
    return advance, settle


def _advance_head() -> tuple[int, str]:
    """Lock the head row and take the next sequence number, in one statement."""
    batch = Batch()
    taken = take_head(batch)
    return taken(batch.run())


def take_head(batch: Batch) -> Callable[[list[list[tuple[Any, ...]]]], tuple[int, str]]:
    """Queue the statement that locks the head row and takes the next sequence number.

    Queue it last: the lock is held from this statement to the commit. It returns a function
    that reads (sequence, previous chain hash) from the batch's results. The previous chain
    hash must come from the locked head row itself: under READ COMMITTED a statement that
    waited for the lock re-reads only that row, not other tables.
    """
    return _take_heads(batch, 1)


def _take_heads(batch: Batch, count: int) -> Callable[[list[list[tuple[Any, ...]]]], tuple[int, str]]:
    """``take_head`` for ``count`` sequence numbers at once; reads (the first of them, previous hash)."""
    if count < 1:
        raise ValueError("take at least one sequence number")
    index = batch.add(_head_statements()[0], [count])

    def taken(results: list[list[tuple[Any, ...]]]) -> tuple[int, str]:
        rows = results[index]
        if not rows:  # first append on an empty database: create the head, then take it
            EvidenceHead.objects.get_or_create(pk=1)
            with connection.cursor() as cursor:
                cursor.execute(_head_statements()[0], [count])
                rows = [cursor.fetchone()]
        return int(rows[0][0]) - count + 1, str(rows[0][1])

    return taken


def new_entry(seq: int, previous: str, kind: str, fields: dict[str, Any], *,
              message_id: uuid.UUID | None = None, at: datetime) -> EvidenceEntry:
    """Entry ``seq`` chained to ``previous``: its canonical body, leaf hash and chain hash."""
    body_dict = {"seq": seq, "kind": kind, "at": at.isoformat(), **fields}
    if message_id is not None:
        body_dict["message_id"] = str(message_id)
    body = canonical_json(body_dict)
    leaf = merkle.leaf_hash(body)
    return EvidenceEntry(seq=seq, kind=kind, recorded_at=at, message_id=message_id, body=body.decode(),
                         leaf_hash=leaf.hex(), chain_hash=chain_hash(previous, leaf).hex())


def write_entry(batch: Batch, entry: EvidenceEntry) -> None:
    """Queue the entry's row and the head's new chain hash."""
    write_entries(batch, [entry])


def write_entries(batch: Batch, entries: Sequence[EvidenceEntry]) -> None:
    """Queue the entries' rows and the head's new chain hash (the last entry's).

    On PostgreSQL the head update rides on the insert as a data-modifying CTE: one statement
    fewer for the driver and the server on every append. SQLite allows only SELECTs there.
    """
    insert, params = insert_statement(EvidenceEntry, [{f: getattr(e, f) for f in _ENTRY_FIELDS} for e in entries])
    settle = _head_statements()[1]
    if connection.vendor == "postgresql":
        batch.add(f"WITH settled AS ({settle}) {insert}", [entries[-1].chain_hash, *params])
    else:
        batch.add(insert, params)
        batch.add(settle, [entries[-1].chain_hash])


def append_evidence(
    kind: str, fields: dict[str, Any], *, message_id: uuid.UUID | None = None, at: datetime | None = None,
) -> EvidenceEntry:
    """Append one entry; must run inside the caller's transaction, which then holds the lock."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_evidence must run inside a transaction")
    seq, previous = _advance_head()
    entry = new_entry(seq, previous, kind, fields, message_id=message_id, at=at or timezone.now())
    batch = Batch()
    write_entry(batch, entry)
    batch.run()
    return entry


@dataclass(frozen=True)
class NewEvidence:
    """An entry to append: its kind, its fields and the message it concerns, if any."""

    kind: str
    fields: dict[str, Any]
    message_id: uuid.UUID | None = None
    at: datetime | None = None


Results = list[list[tuple[Any, ...]]]


def append_evidence_many(
    items: Sequence[NewEvidence], *, first: Batch | None = None,
    then: Callable[[list[EvidenceEntry], Results, Batch], None] | None = None,
) -> tuple[list[EvidenceEntry], Results, Results]:
    """Append several entries, in order, under one head lock in two round trips.

    Writing a run of entries one by one costs two round trips each; here the first round trip
    carries the caller's ``first`` statements (which need no sequence) and, last, the head
    update that takes every sequence number at once; the second carries the entries, the head's
    new chain hash and whatever ``then`` adds once the entries (and the first round trip's
    results) are known: rows that name their sequence numbers. Must run inside the caller's
    transaction, which then holds the lock. Returns the entries and the results of both round
    trips (indices as the batches gave them).
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_evidence_many must run inside a transaction")
    first = first if first is not None else Batch()
    if not items:
        raise ValueError("nothing to append")
    taken = _take_heads(first, len(items))
    first_results = first.run()
    seq, previous = taken(first_results)
    now = timezone.now()
    entries = []
    for offset, item in enumerate(items):
        entry = new_entry(seq + offset, previous, item.kind, item.fields, message_id=item.message_id,
                          at=item.at or now)
        entries.append(entry)
        previous = entry.chain_hash
    second = Batch()
    write_entries(second, entries)
    if then is not None:
        then(entries, first_results, second)
    return entries, first_results, second.run()


_ENTRY_FIELDS = ("seq", "kind", "recorded_at", "message_id", "body", "leaf_hash", "chain_hash")


# --- checkpoints -------------------------------------------------------------------------


class CompactRange:
    """The right edge of a growing RFC 9162 tree: one root per perfect subtree, largest first.

    Folding it gives the tree head for the current size in O(log n), so verifying every
    checkpoint costs one pass over the log instead of one pass per checkpoint.
    """

    def __init__(self, size: int = 0, nodes: Iterable[bytes] = ()) -> None:
        self.size = size
        self.nodes = list(nodes)

    def append(self, leaf: bytes) -> None:
        node = leaf
        size = self.size
        while size & 1:
            node = merkle.node_hash(self.nodes.pop(), node)
            size >>= 1
        self.nodes.append(node)
        self.size += 1

    def root(self) -> bytes:
        if not self.nodes:
            return merkle.EMPTY_ROOT
        node = self.nodes[-1]
        for left in reversed(self.nodes[:-1]):
            node = merkle.node_hash(left, node)
        return node


def _checkpoint_body(tree_size: int, root: bytes, at: datetime, frontier: CompactRange) -> bytes:
    return canonical_json({
        "tree_size": tree_size, "root_hash": root.hex(), "timestamp": at.isoformat(),
        "log": "singlewindow-evidence", "frontier": [n.hex() for n in frontier.nodes],
    })


@transaction.atomic
def create_checkpoint() -> Checkpoint | None:
    """Sign a tree head over every entry so far; None when the log is empty."""
    head = EvidenceHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    existing = Checkpoint.objects.filter(tree_size=head.seq).first()
    if existing is not None:
        return existing
    previous = Checkpoint.objects.filter(tree_size__lt=head.seq).order_by("-tree_size").first()
    frontier = CompactRange()
    if previous is not None:
        nodes = json.loads(previous.body)["frontier"]
        frontier = CompactRange(previous.tree_size, (bytes.fromhex(n) for n in nodes))
    leaves = EvidenceEntry.objects.filter(seq__gt=frontier.size, seq__lte=head.seq).order_by("seq")
    for leaf_hex in leaves.values_list("leaf_hash", flat=True).iterator(chunk_size=10_000):
        frontier.append(bytes.fromhex(leaf_hex))
    at = timezone.now()
    root = frontier.root()
    body = _checkpoint_body(head.seq, root, at, frontier)
    identity = signing_identity()
    signature = jws.sign_detached(body, identity.private_key, identity.chain)
    checkpoint, _ = Checkpoint.objects.get_or_create(
        tree_size=head.seq,
        defaults={"root_hash": root.hex(), "created_at": at, "body": body.decode(), "signature": signature},
    )
    return checkpoint


def checkpoint_covering(seq: int) -> Checkpoint:
    """The latest checkpoint that includes entry ``seq``, creating one if none does yet."""
    checkpoint = Checkpoint.objects.order_by("-tree_size").first()
    if checkpoint is None or checkpoint.tree_size < seq:
        checkpoint = create_checkpoint()
    assert checkpoint is not None and checkpoint.tree_size >= seq
    return checkpoint


def _leaves(tree_size: int) -> list[bytes]:
    rows = EvidenceEntry.objects.filter(seq__lte=tree_size).order_by("seq")
    return [bytes.fromhex(h) for h in rows.values_list("leaf_hash", flat=True).iterator(chunk_size=10_000)]


def inclusion_proof(entry: EvidenceEntry, checkpoint: Checkpoint) -> list[str]:
    return [h.hex() for h in merkle.inclusion_proof(_leaves(checkpoint.tree_size), entry.seq - 1)]


def consistency_proof(first: Checkpoint, second: Checkpoint) -> list[str]:
    return [h.hex() for h in merkle.consistency_proof(_leaves(second.tree_size), first.tree_size)]


# --- verification ------------------------------------------------------------------------


@dataclass
class VerificationReport:
    entries: int = 0
    checkpoints: int = 0
    ok: bool = True
    first_bad_seq: int | None = None
    problem: str = ""
    problems: list[str] = field(default_factory=list)

    def fail(self, seq: int | None, problem: str) -> None:
        if self.ok:
            self.ok, self.first_bad_seq, self.problem = False, seq, problem
        self.problems.append(problem)


def _entry_rows() -> Iterator[tuple[int, str, uuid.UUID | None, str, str, str]]:
    rows = EvidenceEntry.objects.order_by("seq").values_list(
        "seq", "kind", "message_id", "body", "leaf_hash", "chain_hash"
    )
    yield from rows.iterator(chunk_size=20_000)


def verify_evidence() -> VerificationReport:
    """Re-derive every hash and checkpoint; report the first entry that does not verify."""
    report = VerificationReport()
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    pending = iter(checkpoints)
    next_checkpoint = next(pending, None)
    frontier = CompactRange()
    previous = ZERO_HASH
    expected = 1
    verifier = _checkpoint_verifier()
    own_fingerprint = pki.fingerprint(signing_identity().certificate)
    for seq, kind, message_id, body, leaf_hex, chain_hex in _entry_rows():
        if seq != expected:
            report.fail(expected, f"entry {expected}: missing (next stored entry is {seq})")
            return report
        raw = body.encode()
        leaf = _sha256(b"\x00" + raw).digest()
        if leaf.hex() != leaf_hex:
            report.fail(seq, f"entry {seq}: body does not match its leaf hash")
            return report
        chained = _sha256(bytes.fromhex(previous) + leaf).hexdigest()
        if chained != chain_hex:
            report.fail(seq, f"entry {seq}: chain hash broken")
            return report
        parsed = json.loads(raw)
        if parsed.get("seq") != seq or parsed.get("kind") != kind or parsed.get("message_id") != (
            str(message_id) if message_id else None
        ):
            report.fail(seq, f"entry {seq}: columns differ from the hashed body")
            return report
        previous = chain_hex
        frontier.append(leaf)
        report.entries = seq
        while next_checkpoint is not None and next_checkpoint.tree_size == seq:
            if not _checkpoint_ok(next_checkpoint, frontier, verifier, own_fingerprint):
                report.fail(seq, f"checkpoint at tree size {seq}: root or signature does not verify")
                return report
            report.checkpoints += 1
            next_checkpoint = next(pending, None)
        expected += 1
    if next_checkpoint is not None:
        report.fail(report.entries + 1,
                    f"entry {report.entries + 1}: missing (checkpoint covers {next_checkpoint.tree_size})")
        return report
    head = EvidenceHead.objects.filter(pk=1).first()
    if head is not None:
        last = report.entries
        if head.seq > last:
            report.fail(last + 1, f"entry {last + 1}: missing (log head is at {head.seq})")
        elif head.seq < last:
            report.fail(head.seq + 1, f"entry {head.seq + 1}: written beyond the log head")
        elif last and head.chain_hash != previous:
            report.fail(last, f"entry {last}: log head hash differs")
    return report


def _checkpoint_verifier() -> pki.ChainVerifier:
    identity = signing_identity()
    return pki.ChainVerifier(trust_anchors=[identity.chain[-1]], revoked_serials=frozenset())


def _checkpoint_ok(checkpoint: Checkpoint, frontier: CompactRange, verifier: pki.ChainVerifier,
                   own_fingerprint: str) -> bool:
    body = checkpoint.body.encode()
    try:
        parsed = json.loads(body)
        signed = jws.verify_detached(checkpoint.signature, body)
        leaf = verifier.verify(signed.chain, at=checkpoint.created_at)
    except (ValueError, jws.SignatureError, pki.ChainError):
        return False
    if pki.fingerprint(leaf) != own_fingerprint:
        return False  # signed under our root, but not by the Single Window itself
    root = frontier.root().hex()
    return bool(parsed.get("tree_size") == checkpoint.tree_size and parsed.get("root_hash") == root
                and checkpoint.root_hash == root)
