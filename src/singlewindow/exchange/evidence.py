"""The evidence log: append under one lock, sign checkpoints, prove, and re-verify offline.

Appends lock the single ``EvidenceHead`` row, so sequence numbers are assigned in commit
order: a reader that sees entry N also sees every entry before it. That property is what
makes the evidence sequence usable as the mailbox cursor. Everything that does not need the
sequence number is done before the lock, so the lock is held for one round trip and the commit.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, NamedTuple, cast

import psycopg
from django.apps import apps
from django.db import connection, transaction
from django.db.models import Q
from django.utils import timezone

from singlewindow.exchange import jws, merkle
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.identity import SW_CODE, signing_identity
from singlewindow.exchange.models import ZERO_HASH, Checkpoint, Delivery, EvidenceEntry, EvidenceHead, MerkleNode
from singlewindow.exchange.rows import Batch, connected_database, database_vendor, default_database
from singlewindow.registry import pki

_sha256 = hashlib.sha256


def chain_hash(previous_hex: str, leaf: bytes) -> bytes:
    return _sha256(bytes.fromhex(previous_hex) + leaf).digest()


def seq_sql() -> str:
    """SQL for an entry's sequence number in a statement queued with it (see ``append_evidence_in``).

    Its one parameter is ``seq_param(entry)``. It reads the head row this transaction has just
    advanced and holds locked, so no other append can have moved it.
    """
    return _statements().seq


def seq_param(entry: AppendedEntry) -> int:
    """The parameter of ``seq_sql`` for ``entry``: how many entries of its burst follow it."""
    return entry.from_last


class _Sql(NamedTuple):
    append: str  # append one entry: advance the head and insert the entry (its 7 parameters: ``_append_params``)
    advance: str  # advance the head by a count (SQLite, which chains in Python)
    seq: str  # an entry's sequence number in a later statement of its burst (``seq_sql``)
    head: str  # advancing the head, as a common table expression
    head_after: str  # the same, its row read from the FROM item ``{after}``
    entry: str  # inserting the entry as a common table expression, from ``head``


def _statements() -> _Sql:
    """The evidence statements for this database."""
    vendor = database_vendor()
    found = _STATEMENTS.get(vendor)
    if found is None:
        quote = connection.ops.quote_name
        head, table = quote(EvidenceHead._meta.db_table), quote(EvidenceEntry._meta.db_table)
        columns = ", ".join(quote(c) for c in _ENTRY_FIELDS)
        # The chain hash is computed by the statement that locks the head, from the locked row,
        # so nothing of an entry is left to do between taking the lock and the commit.
        chained = "encode(sha256(decode({}, 'hex') || decode(%s::text, 'hex')), 'hex')"
        first = chained.format(repr(ZERO_HASH))
        advanced = (f"ON CONFLICT (id) DO UPDATE SET seq = {head}.seq + 1, "
                    f"chain_hash = {chained.format(f'{head}.chain_hash')} RETURNING seq, chain_hash")
        # Identifiers from model metadata, values as parameters.
        entry = (f"INSERT INTO {table} ({columns}) SELECT seq, %s::text, %s::timestamptz, %s::uuid, %s::text, "  # noqa: S608
                 "%s::text, chain_hash FROM head RETURNING seq, chain_hash")
        head_values = f"INSERT INTO {head} (id, seq, chain_hash) VALUES (1, 1, {first}) {advanced}"  # noqa: S608
        append = f"WITH head AS ({head_values}) {entry}"
        # ``WHERE true`` keeps ``ON CONFLICT`` from reading as a join's condition after a FROM item.
        head_after = (f"INSERT INTO {head} (id, seq, chain_hash) SELECT 1, 1, {first} FROM {{after}} "  # noqa: S608
                      f"WHERE true {advanced}")
        advance = (
            f"INSERT INTO {head} (id, seq, chain_hash) VALUES (1, %s, '{ZERO_HASH}') "  # noqa: S608
            f"ON CONFLICT (id) DO UPDATE SET seq = {head}.seq + %s RETURNING seq, chain_hash")
        seq = f"((SELECT seq FROM {head} WHERE id = 1) - %s)"  # noqa: S608
        found = _STATEMENTS[vendor] = _Sql(append, advance, seq, head_values, head_after, entry)
    return found


_STATEMENTS: dict[str, _Sql] = {}


def _append_params(entry: AppendedEntry) -> list[Any]:
    """The parameters of an entry's append: its leaf hash twice (a first entry's chain and a later one's),
    then the entry's columns."""
    return [entry.leaf_hash, entry.leaf_hash, entry.kind, entry.recorded_at, entry.message_id, entry.body,
            entry.leaf_hash]


@dataclass
class AppendedEntry:
    """An entry on its way into the log: its body and leaf hash are built before the evidence lock,
    its sequence number and chain hash are known once the append has run (``seq`` is 0 until then).

    A plain value, not an ``EvidenceEntry`` model instance: no caller saves or queries it, and
    building a model instance was a measurable share of a submission's CPU.
    """

    kind: str
    recorded_at: datetime
    message_id: uuid.UUID | None
    body: str
    leaf_hash: str
    chain_hash: str = ""
    seq: int = 0
    from_last: int = 0  # how many entries of its burst follow it: ``seq_param``


def new_entry(kind: str, fields: dict[str, Any], *, message_id: uuid.UUID | None = None,
              at: datetime) -> AppendedEntry:
    """An entry's canonical body and leaf hash; its place in the log is given when it is appended.

    The body does not name its sequence number (the chain hash and the Merkle tree fix an
    entry's place), so it is built before the evidence lock is taken.
    """
    if "seq" in fields:
        raise ValueError("an entry's fields may not name a sequence number")
    body_dict = {"kind": kind, "at": at.isoformat(), **fields}
    if message_id is not None:
        body_dict["message_id"] = str(message_id)
    body = canonical_json(body_dict)
    return AppendedEntry(kind=kind, recorded_at=at, message_id=message_id, body=body.decode(),
                         leaf_hash=merkle.leaf_hash(body).hex())


def _queue_appends(batch: Batch, entries: Sequence[AppendedEntry]) -> int:
    """PostgreSQL: queue one statement per entry that advances the head and inserts the entry.

    The first takes the head's row lock; the transaction holds it to the commit. Returns the
    index of the first.
    """
    append = _statements().append
    first = len(batch.statements)
    for entry in entries:
        batch.add(append, _append_params(entry))
    return first


def _append_here(entries: Sequence[AppendedEntry]) -> None:
    """SQLite: advance the head, chain the entries in Python and write them (the database lock
    is already the transaction's: SQLite has one writer)."""
    count = len(entries)
    with connection.cursor() as cursor:
        cursor.execute(_statements().advance, [count, count])
        last, previous = cursor.fetchone()
    for offset, entry in enumerate(entries):
        entry.seq = int(last) - count + 1 + offset
        entry.chain_hash = previous = chain_hash(previous, bytes.fromhex(entry.leaf_hash)).hex()
    batch = Batch()
    batch.insert(EvidenceEntry, [{f: getattr(e, f) for f in _ENTRY_FIELDS} for e in entries])
    quote = connection.ops.quote_name
    batch.add(f"UPDATE {quote(EvidenceHead._meta.db_table)} SET chain_hash = %s WHERE id = 1",  # noqa: S608
              [previous])
    batch.run()


def _run_locked(batch: Batch) -> Results:
    """Run the round trip that takes the evidence lock, in the caller's transaction (a seam for the
    benchmark's timer)."""
    return batch.run()


def _run_locked_committing(batch: Batch) -> Results:
    """Run the round trip that takes the evidence lock as a transaction of its own (a seam for the
    benchmark's timer)."""
    return batch.run()


def append_evidence(
    kind: str, fields: dict[str, Any], *, message_id: uuid.UUID | None = None, at: datetime | None = None,
) -> AppendedEntry:
    """Append one entry; must run inside the caller's transaction, which then holds the lock."""
    return append_evidence_many([NewEvidence(kind, fields, message_id=message_id, at=at)])[0][0]


@dataclass(frozen=True)
class NewEvidence:
    """An entry to append: its kind, its fields and the message it concerns, if any."""

    kind: str
    fields: dict[str, Any]
    message_id: uuid.UUID | None = None
    at: datetime | None = None


Results = list[list[tuple[Any, ...]]]


def append_evidence_many(
    items: Sequence[NewEvidence], *, batch: Batch | None = None,
    then: Callable[[list[AppendedEntry], Batch], None] | None = None,
) -> tuple[list[AppendedEntry], Results]:
    """``append_evidence_in`` for a caller whose transaction is open: its rows and the entries in one
    round trip, the lock held from that round trip to the commit.

    ``batch`` holds the caller's statements that need no sequence number (they run first, before
    the lock is taken); ``then`` queues those that name the entries' numbers. Returns the entries,
    with their sequence numbers and chain hashes now, and every statement's results.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("append_evidence_many must run inside a transaction")
    return append_evidence_in(batch if batch is not None else Batch(), items, then=then)


def round_trip_commits_itself() -> bool:
    """Whether a pipelined round trip run now is a transaction of its own: on PostgreSQL, outside
    any transaction (see ``append_evidence_in``)."""
    db = default_database()
    return db.vendor == "postgresql" and not db.in_atomic_block and db.get_autocommit()


def append_evidence_in(
    batch: Batch, items: Sequence[NewEvidence],
    then: Callable[[list[AppendedEntry], Batch], None] | None = None,
) -> tuple[list[AppendedEntry], Results]:
    """Append entries, in order, in the one round trip of the caller's ``batch``.

    The entries' bodies and leaf hashes are built first, without the lock. The statements
    already in ``batch`` (which need no sequence number) run first, also without it. Then come
    the statements that take the lock, advance the head and insert the entries with their chain
    hashes (computed by PostgreSQL from the locked head row), and then the statements ``then``
    queues (given the entries, still without sequence numbers), which name the entries' numbers
    as ``seq_sql()`` with ``seq_param(entry)``. So no work of this process falls between taking
    the lock and the commit.

    Inside a transaction, all of it is part of that transaction. Outside one, PostgreSQL runs
    the round trip as a transaction of its own (statements pipelined up to one sync form one
    implicit transaction, committed at the sync, rolled back whole when one fails): the lock
    is then held for no round trip of the client at all. SQLite, outside one, gets its own.
    Returns the entries, with their sequence numbers and chain hashes now, and every
    statement's results (indices as ``batch`` gave them).
    """
    if not items:
        raise ValueError("nothing to append")
    now = timezone.now()
    entries = [new_entry(item.kind, item.fields, message_id=item.message_id, at=item.at or now) for item in items]
    for offset, entry in enumerate(entries):
        entry.from_last = len(entries) - 1 - offset
    if database_vendor() != "postgresql":
        with transaction.atomic(savepoint=False):
            unlocked = len(batch.statements)
            if then is not None:
                then(entries, batch)
            before, after = batch.split(unlocked)
            results = before.run()
            _append_here(entries)
            return entries, results + after.run()
    appended_at = _queue_appends(batch, entries)
    if then is not None:
        then(entries, batch)
    results = run_appending(batch)
    for offset, entry in enumerate(entries):
        (seq, chained), = results[appended_at + offset]
        appended(entry, seq, chained)
    return entries, results


def run_appending(batch: Batch) -> Results:
    """PostgreSQL: run the round trip that appends entries (and takes the evidence lock)."""
    return _run_locked_committing(batch) if round_trip_commits_itself() else _run_locked(batch)


def appended(entry: AppendedEntry, seq: Any, chain_hash: Any) -> None:
    """Record the place ``entry`` was given: its sequence number and chain hash, as the append returned them."""
    entry.seq, entry.chain_hash = int(seq), str(chain_hash)


ENTRY_SEQ = "(SELECT seq FROM entry)"
"""An entry's sequence number in the statement that appends it (``entry_expressions``), for the rows that name it."""
ENTRY_CHAIN_HASH = "(SELECT chain_hash FROM entry)"
"""An entry's chain hash in the statement that appends it, for that statement's answer (see ``appended``)."""


def entry_expressions(entry: AppendedEntry, *, after: str = "") -> list[tuple[str, tuple[str, list[Any]]]]:
    """PostgreSQL: the append of one ``entry`` as common table expressions of the statement that writes the
    rows naming it (as ``ENTRY_SEQ``): ``head``, the head advanced and locked, and ``entry``, which returns the
    entry's sequence number and chain hash (for ``appended``). For ``rows.with_statements``.

    One statement instead of ``append_evidence_in``'s one per entry and one per row set spares the server a
    statement's start-up each: 7 to 12 % of the server's work for a single message's writes. The lock is taken
    where ``head`` runs: in a statement of several common table expressions, when its row is first read.
    ``after`` is a FROM item of one row that the head's row is read from, made to read the statement's writes
    that need no lock to their end (say, a consignment's upsert): they then take their row locks before the
    evidence lock, as in ``append_evidence_in``, where they are statements of their own before it. A writer
    that waited on a row while holding the evidence lock would stop every append, and deadlock with a writer
    holding that row and waiting for the lock.
    """
    sql = _statements()
    head = sql.head_after.format(after=after) if after else sql.head
    # The entry's parameters: the head's two leaf hashes, then the entry's own.
    params = _append_params(entry)
    return [("head", (head, params[:2])), ("entry", (sql.entry, params[2:]))]


_ENTRY_FIELDS = ("seq", "kind", "recorded_at", "message_id", "body", "leaf_hash", "chain_hash")


# --- checkpoints -------------------------------------------------------------------------


NODE_LEVEL = 8
"""Perfect subtrees of ``2**8`` entries and more are stored as ``MerkleNode`` rows: a proof then reads
O(log² n) of them and at most a few runs of 256 leaf hashes, not every leaf up to its checkpoint."""


def _checkpoint_body(tree_size: int, root: bytes, at: datetime, frontier: merkle.CompactRange) -> bytes:
    return canonical_json({
        "tree_size": tree_size, "root_hash": root.hex(), "timestamp": at.isoformat(),
        "log": "singlewindow-evidence", "frontier": [n.hex() for n in frontier.nodes],
    })


@transaction.atomic
def create_checkpoint() -> Checkpoint | None:
    """Sign a tree head over every entry so far, storing the subtrees it completes; None when the log is empty.

    It goes on from the previous checkpoint's signed frontier, so it first checks that checkpoint:
    signing on from a forged one would vouch for it. ``ExchangeError`` (evidence.broken) if it fails.
    """
    head = EvidenceHead.objects.filter(pk=1).first()
    if head is None or head.seq == 0:
        return None
    existing = Checkpoint.objects.filter(tree_size=head.seq).first()
    if existing is not None:
        return existing
    previous = Checkpoint.objects.filter(tree_size__lt=head.seq).order_by("-tree_size").first()
    frontier = _grown(_frontier_of(previous), head.seq)
    at = timezone.now()
    root = frontier.root()
    body = _checkpoint_body(head.seq, root, at, frontier)
    identity = signing_identity()
    signature = jws.sign_detached(body, identity.private_key, identity.chain)
    _store_nodes(frontier.completed)
    checkpoint, _ = Checkpoint.objects.get_or_create(
        tree_size=head.seq,
        defaults={"root_hash": root.hex(), "created_at": at, "body": body.decode(), "signature": signature},
    )
    return checkpoint


def _frontier_of(checkpoint: Checkpoint | None) -> merkle.CompactRange:
    """The right edge of the tree at ``checkpoint`` (empty at None), from its body once its signature
    and root check out."""
    if checkpoint is None:
        return merkle.CompactRange(record_from=NODE_LEVEL)
    try:
        nodes = [bytes.fromhex(n) for n in json.loads(checkpoint.body)["frontier"]]
    except (KeyError, TypeError, ValueError):
        nodes = []
    frontier = merkle.CompactRange(checkpoint.tree_size, nodes, record_from=NODE_LEVEL)
    # The frontier's nodes are those the checkpoint's signature covers, once it verifies.
    problem = ("its frontier does not fit its tree size" if len(nodes) != checkpoint.tree_size.bit_count()
               else _checkpoint_problem(checkpoint, frontier, _checkpoint_verifier()))
    if problem:
        raise ExchangeError(ExchangeErrorCode.EVIDENCE_BROKEN,
                            detail=f"checkpoint at tree size {checkpoint.tree_size} does not verify ({problem}): "
                                   "run `singlewindow evidence verify`")
    return frontier


def _grown(frontier: merkle.CompactRange, upto: int) -> merkle.CompactRange:
    """``frontier`` with the leaves after it appended, up to entry ``upto``; ``ExchangeError``
    (evidence.incomplete) when the log lacks any of them."""
    leaves = EvidenceEntry.objects.filter(seq__gt=frontier.size, seq__lte=upto).order_by("seq")
    for leaf_hex in leaves.values_list("leaf_hash", flat=True).iterator(chunk_size=10_000):
        frontier.append(bytes.fromhex(leaf_hex))
    if frontier.size != upto:  # sequence numbers are unique: fewer rows means some are missing
        raise _incomplete(f"the log holds {frontier.size} of the first {upto} entries")
    return frontier


def _store_nodes(completed: Iterable[tuple[int, int, bytes]]) -> None:
    MerkleNode.objects.bulk_create(
        (MerkleNode(level=level, index=index, hash=node.hex()) for level, index, node in completed),
        batch_size=1_000, ignore_conflicts=True)


def checkpoint_covering(seq: int) -> Checkpoint:
    """The latest checkpoint that includes entry ``seq``, creating one if none does yet."""
    checkpoint = Checkpoint.objects.order_by("-tree_size").first()
    if checkpoint is None or checkpoint.tree_size < seq:
        checkpoint = create_checkpoint()
    assert checkpoint is not None and checkpoint.tree_size >= seq
    return checkpoint


def inclusion_proof(entry: EvidenceEntry, checkpoint: Checkpoint) -> list[str]:
    return _proof_hashes(checkpoint.tree_size, merkle.inclusion_ranges(entry.seq - 1, checkpoint.tree_size))


def consistency_proof(first: Checkpoint, second: Checkpoint) -> list[str]:
    return _proof_hashes(second.tree_size, merkle.consistency_ranges(first.tree_size, second.tree_size))


def _proof_hashes(tree_size: int, ranges: list[merkle.Range]) -> list[str]:
    """The hashes of ``ranges`` of the tree over the first ``tree_size`` entries.

    Each range is folded from perfect subtrees: the large ones stored, the small ones hashed from
    the leaves of the run of ``2**NODE_LEVEL`` entries they lie in. ``ExchangeError``
    (evidence.incomplete) when the log lacks entries a proof needs: it could not verify.
    """
    pieces = [merkle.perfect_subtrees(start, end) for start, end in ranges]
    wanted = {piece for range_pieces in pieces for piece in range_pieces}
    nodes = _stored_nodes({(level, index) for level, index in wanted if level >= NODE_LEVEL}, tree_size)
    runs = {(index << level) >> NODE_LEVEL for level, index in wanted if level < NODE_LEVEL}
    leaves = _leaf_runs(runs, tree_size)

    def piece_hash(level: int, index: int) -> bytes:
        if level >= NODE_LEVEL:
            return nodes[level, index]
        first = index << level
        run = [leaves.get(leaf) for leaf in range(first, first + (1 << level))]
        if None in run:
            missing = run.index(None) + first + 1
            raise _incomplete(f"entry {missing} of the {tree_size} the checkpoint covers is missing")
        return merkle.tree_root(cast(list[bytes], run))

    return [merkle.fold_subtrees([piece_hash(*piece) for piece in range_pieces]).hex() for range_pieces in pieces]


def _incomplete(detail: str) -> ExchangeError:
    return ExchangeError(ExchangeErrorCode.EVIDENCE_INCOMPLETE, detail=detail)


def _leaf_runs(runs: set[int], tree_size: int) -> dict[int, bytes]:
    """Leaf hashes by leaf index (entry sequence - 1) of the given runs of ``2**NODE_LEVEL`` entries."""
    if not runs:
        return {}
    width = 1 << NODE_LEVEL
    where = Q()
    for run in runs:
        where |= Q(seq__gt=run * width, seq__lte=min((run + 1) * width, tree_size))
    rows = EvidenceEntry.objects.filter(where).values_list("seq", "leaf_hash")
    return {seq - 1: bytes.fromhex(leaf_hex) for seq, leaf_hex in rows}


def _stored_nodes(keys: set[tuple[int, int]], tree_size: int) -> dict[tuple[int, int], bytes]:
    """The stored subtrees ``keys``; any missing (a log older than stored subtrees) are rebuilt first."""
    found = _read_nodes(keys)
    if len(found) < len(keys):
        _rebuild_nodes(tree_size)
        found = _read_nodes(keys)
        if len(found) < len(keys):
            raise _incomplete(f"stored subtrees of the {tree_size} entries the checkpoint covers are missing")
    return found


def _read_nodes(keys: set[tuple[int, int]]) -> dict[tuple[int, int], bytes]:
    if not keys:
        return {}
    by_level: dict[int, list[int]] = {}
    for level, index in keys:
        by_level.setdefault(level, []).append(index)
    where = Q()
    for level, indexes in by_level.items():
        where |= Q(level=level, index__in=indexes)
    rows = MerkleNode.objects.filter(where).values_list("level", "index", "hash")
    return {(level, index): bytes.fromhex(node) for level, index, node in rows}


def _rebuild_nodes(tree_size: int) -> None:
    """Store every subtree the first ``tree_size`` leaves complete, hashing them all once."""
    _store_nodes(_grown(merkle.CompactRange(record_from=NODE_LEVEL), tree_size).completed)


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


STREAM_ROWS = 5_000  # rows per chunk PostgreSQL sends while verification reads the last ones


def _stream_chunk() -> int:
    """Rows per streamed chunk: libpq before 17 (psycopg without its bundled one) streams row by row."""
    return STREAM_ROWS if psycopg.pq.version() >= 170000 else 1


def _entry_rows() -> Iterator[tuple[int, str, str | None, str, str, str, str]]:
    """Every entry in sequence order: (seq, kind, message id as text, body, leaf hash, chain hash,
    recorded time as UTC text).

    On PostgreSQL the rows are streamed in chunks (libpq's chunked-rows mode): the server goes on
    sending while this process hashes, where a server-side cursor would leave one side idle at
    each fetch; that was half of the time of a whole verification. The message id and the time
    come as text in the form a body names them by, so nothing is parsed per row.
    """
    quote = connection.ops.quote_name
    table = quote(EvidenceEntry._meta.db_table)
    if database_vendor() != "postgresql":
        # SQLite keeps UUIDs as 32 hex digits: give them the dashes of their text form.
        dashed = "||'-'||".join(f"substr(message_id, {start}, {length})"
                                for start, length in ((1, 8), (9, 4), (13, 4), (17, 4), (21, 12)))
        with connection.cursor() as cursor:
            cursor.execute(f"SELECT seq, kind, lower({dashed}), body, leaf_hash, chain_hash, "  # noqa: S608
                           f"replace(recorded_at, ' ', 'T') FROM {table} ORDER BY seq")
            yield from cursor
        return
    with connected_database().connection.cursor() as cursor:
        rows = cursor.stream(f"SELECT seq, kind, message_id::text, body, leaf_hash, chain_hash, "  # noqa: S608
                             "replace((recorded_at AT TIME ZONE 'UTC')::text, ' ', 'T') "
                             f"FROM {table} ORDER BY seq", size=_stream_chunk())
        try:
            for row in rows:  # noqa: UP028 (``yield from`` would close ``rows`` when this closes)
                yield row
        finally:
            # A caller that stops early (a broken entry) leaves the rest unread: read it, since
            # closing the stream would cancel the query, and with it the caller's transaction.
            for _ in rows:
                pass


def verify_evidence() -> VerificationReport:
    """Re-derive every hash and checkpoint; report the first entry that does not verify.

    It reads one snapshot of the log, so entries appended while it runs are neither missed
    halfway nor taken for rows beyond the head.
    """
    if connection.in_atomic_block or database_vendor() != "postgresql":
        with transaction.atomic():  # SQLite: a read transaction is a snapshot
            return _verify()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        return _verify()


def _verify() -> VerificationReport:
    report = VerificationReport()
    checkpoints = list(Checkpoint.objects.order_by("tree_size"))
    pending = iter(checkpoints)
    next_checkpoint = next(pending, None)
    stored_nodes = {(level, index): node for level, index, node
                    in MerkleNode.objects.values_list("level", "index", "hash").iterator(chunk_size=10_000)}
    node_problem = ""
    frontier = merkle.CompactRange(record_from=NODE_LEVEL)
    completed = frontier.completed
    previous = ZERO_HASH
    expected = 1
    verifier = _checkpoint_verifier()
    if next_checkpoint is not None and next_checkpoint.tree_size < 1:
        report.fail(None, f"checkpoint at tree size {next_checkpoint.tree_size}: covers no entry")
        return report
    for seq, kind, message_id, body, leaf_hex, chain_hex, recorded_at in _entry_rows():
        if seq != expected:
            report.fail(expected, f"entry {expected}: missing (next stored entry is {seq})")
            return report
        leaf = _sha256(b"\x00" + body.encode()).digest()
        if leaf.hex() != leaf_hex:
            report.fail(seq, f"entry {seq}: body does not match its leaf hash")
            return report
        chained = _sha256(bytes.fromhex(previous) + leaf).hexdigest()
        if chained != chain_hex:
            report.fail(seq, f"entry {seq}: chain hash broken")
            return report
        problem = _body_problem(body, seq, kind, message_id, recorded_at)
        if problem:
            report.fail(seq, f"entry {seq}: {problem}")
            return report
        previous = chain_hex
        frontier.append(leaf)
        if completed:
            node_problem = node_problem or _stored_node_problem(completed, stored_nodes)
            completed.clear()
        report.entries = seq
        while next_checkpoint is not None and next_checkpoint.tree_size == seq:
            problem = _checkpoint_problem(next_checkpoint, frontier, verifier)
            if problem:
                report.fail(seq, f"checkpoint at tree size {seq}: {problem}")
                return report
            report.checkpoints += 1
            next_checkpoint = next(pending, None)
        expected += 1
    if next_checkpoint is not None:
        if _signed_body(next_checkpoint, verifier) is None:
            report.fail(None, f"checkpoint at tree size {next_checkpoint.tree_size}: signature does not verify")
        else:
            report.fail(report.entries + 1,
                        f"entry {report.entries + 1}: missing (checkpoint covers {next_checkpoint.tree_size})")
        return report
    _check_head(report, previous)
    if report.ok:
        beyond = _row_naming_an_entry_beyond(report.entries)
        if beyond:
            report.fail(report.entries + 1, f"entry {report.entries + 1}: missing ({beyond})")
    if report.ok and (node_problem or stored_nodes):
        report.fail(None, node_problem or _node_beyond_the_log(stored_nodes))
    return report


def _check_head(report: VerificationReport, last_chain_hash: str) -> None:
    """The head row must name the last entry: entries cut off the end leave it ahead, rows written
    around the append leave it behind."""
    head = EvidenceHead.objects.filter(pk=1).first()
    last = report.entries
    if head is None:
        if last:  # the head is written with the first entry and never removed
            report.fail(last, f"entry {last}: the log head is missing")
    elif head.seq > last:
        report.fail(last + 1, f"entry {last + 1}: missing (log head is at {head.seq})")
    elif head.seq < last:
        report.fail(head.seq + 1, f"entry {head.seq + 1}: written beyond the log head")
    elif last and head.chain_hash != last_chain_hash:
        report.fail(last, f"entry {last}: log head hash differs")


def _row_naming_an_entry_beyond(last: int) -> str:
    """A row elsewhere that names an evidence entry after ``last`` ("" when none).

    Entries cut off the end together with the head leave a log that is whole in itself; the
    deliveries, messages and state changes that named them are the trace. Every model's
    ``evidence_seq`` column, and a delivery's mailbox cursor, name entries.
    """
    columns = [(Delivery, "seq")] + [
        (model, "evidence_seq") for model in apps.get_models()
        if any(f.name == "evidence_seq" for f in model._meta.concrete_fields)]
    for model, column in columns:
        found = (model._default_manager.filter(**{f"{column}__gt": last}).order_by(column)
                 .values_list("pk", column).first())
        if found is not None:
            return f"{model._meta.label} {found[0]} names entry {found[1]}"
    return ""


def _stored_node_problem(completed: list[tuple[int, int, bytes]], stored: dict[tuple[int, int], str]) -> str:
    """The first stored subtree among those just completed that differs from its entries ("" when none)."""
    for level, index, node in completed:
        kept = stored.pop((level, index), None)
        if kept is not None and kept != node.hex():
            return f"stored subtree at level {level}, index {index}: differs from {_entries_of(level, index)}"
    return ""


def _node_beyond_the_log(stored: dict[tuple[int, int], str]) -> str:
    level, index = min(stored, key=lambda key: key[1] << key[0])
    return f"stored subtree at level {level}, index {index}: covers {_entries_of(level, index)}, beyond the log"


def _entries_of(level: int, index: int) -> str:
    return f"entries {(index << level) + 1}–{(index + 1) << level}"


_decode_json = json.JSONDecoder().raw_decode  # ``json.loads`` less its checks for a str and for whitespace


def _body_problem(body: str, seq: int, kind: str, message_id: str | None, recorded_at: str) -> str:
    """What is wrong with a hashed body for its row ("" when nothing): it must be one JSON object
    naming the row's kind, message id and recorded time (and its sequence number, which bodies
    written before they stopped naming it still do)."""
    try:
        parsed, end = _decode_json(body)
    except (ValueError, RecursionError):
        parsed, end = None, 0
    if end != len(body) or not isinstance(parsed, dict):
        return "body is not a JSON object"
    if parsed.get("seq", seq) != seq or parsed.get("kind") != kind or parsed.get("message_id") != message_id:
        return "columns differ from the hashed body"
    at = parsed.get("at")
    if at != recorded_at + "+00:00" and not _same_instant(at, recorded_at):
        return "recorded time differs from the hashed body"
    return ""


def _same_instant(iso_time: object, utc_text: str) -> bool:
    """Whether an ISO 8601 time with an offset is the instant of a UTC time written without one.

    The slow path of ``_body_problem``: taken when the database's text drops the trailing zeros
    of a fraction of a second that Python writes (one row in ten), for a body written with another
    offset than UTC's, and for a tampered row.
    """
    try:
        return (isinstance(iso_time, str)
                and datetime.fromisoformat(iso_time) == datetime.fromisoformat(utc_text).replace(tzinfo=UTC))
    except (ValueError, TypeError):
        return False


def _checkpoint_verifier() -> pki.ChainVerifier:
    identity = signing_identity()
    return pki.ChainVerifier(trust_anchors=[identity.chain[-1]], revoked_serials=frozenset())


def _signed_body(checkpoint: Checkpoint, verifier: pki.ChainVerifier) -> dict[str, Any] | None:
    """The checkpoint's body if the Single Window signed it, None otherwise.

    Signed by the Single Window means: by a certificate under its root naming the Single Window's own
    organisation code, valid at the time the body states, not by the certificate it holds today, so
    that checkpoints signed before its certificate was renewed still verify.
    """
    body = checkpoint.body.encode()
    try:
        parsed = json.loads(body)
        signed = jws.verify_detached(checkpoint.signature, body)
        leaf = verifier.verify(signed.chain, at=_signed_time(parsed))
    except (ValueError, KeyError, TypeError, jws.SignatureError, pki.ChainError):
        return None
    if pki.certificate_org_code(leaf) != SW_CODE:
        return None  # signed under the Single Window's root, but by another organisation
    return cast(dict[str, Any], parsed)


def _signed_time(body: Any) -> datetime:
    """The time a checkpoint body states; ``ValueError``/``TypeError``/``KeyError`` when it states none."""
    at = datetime.fromisoformat(body["timestamp"])
    if at.tzinfo is None:
        raise ValueError("a checkpoint's time names its offset")
    return at


def _checkpoint_problem(checkpoint: Checkpoint, frontier: merkle.CompactRange, verifier: pki.ChainVerifier) -> str:
    """What is wrong with a checkpoint reached at its tree size ("" when nothing)."""
    parsed = _signed_body(checkpoint, verifier)
    if parsed is None:
        return "signature does not verify"
    root = frontier.root().hex()
    if parsed.get("tree_size") != checkpoint.tree_size or not parsed.get("root_hash") == root == checkpoint.root_hash:
        return "root does not match the entries"
    if _signed_time(parsed) != checkpoint.created_at:
        return "stored time differs from the signed one"
    return ""
