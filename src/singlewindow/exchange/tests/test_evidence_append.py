"""Appending evidence: bodies built before the lock, chain hashes computed where the lock is held,
rows citing an entry's sequence number in the same round trip, and concurrent appends on
PostgreSQL chained in commit order."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from django.db import connection, transaction

from singlewindow.exchange import evidence
from singlewindow.exchange.evidence import AppendedEntry, NewEvidence, append_evidence_many, seq_param, seq_sql
from singlewindow.exchange.models import EvidenceEntry, EvidenceHead
from singlewindow.exchange.rows import Batch
from singlewindow.testing import race

AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)


def _burst(kinds: list[str]) -> tuple[list[AppendedEntry], list[int]]:
    """Append entries of these kinds in one burst; each cites its sequence number back through SQL."""
    cited: list[int] = []

    def then(entries: list[AppendedEntry], batch: Batch) -> None:
        cited.extend(batch.add(f"SELECT {seq_sql()}", [seq_param(e)]) for e in entries)

    with transaction.atomic():
        entries, results = append_evidence_many([NewEvidence(k, {"n": i}, at=AT) for i, k in enumerate(kinds)],
                                                then=then)
    return entries, [int(results[i][0][0]) for i in cited]


def test_a_burst_is_numbered_chained_and_cited_in_order(db: None) -> None:
    EvidenceHead.objects.all().delete()  # the first append creates the head
    first, cited_first = _burst(["test.one"])
    entries, cited = _burst(["test.a", "test.b", "test.c"])
    assert [e.seq for e in first + entries] == [1, 2, 3, 4] == cited_first + cited
    stored = list(EvidenceEntry.objects.order_by("seq"))
    assert [(e.seq, e.leaf_hash, e.chain_hash) for e in stored] == [
        (e.seq, e.leaf_hash, e.chain_hash) for e in first + entries]
    assert stored[1].body == '{"at":"2026-11-21T08:00:00+00:00","kind":"test.a","n":0}'  # no sequence number
    head = EvidenceHead.objects.get()
    assert (head.seq, head.chain_hash) == (4, entries[-1].chain_hash)
    assert evidence.verify_evidence().ok


def test_fields_may_not_name_a_sequence_number() -> None:
    with pytest.raises(ValueError, match="sequence"):
        evidence.new_entry("test.bad", {"seq": 7}, at=AT)


def test_an_entry_outside_a_transaction_is_refused(transactional_db: None) -> None:
    with pytest.raises(RuntimeError, match="inside a transaction"):
        append_evidence_many([NewEvidence("test.one", {})])
    assert not EvidenceEntry.objects.exists()


def test_older_bodies_naming_their_sequence_number_verify_and_a_wrong_one_is_found(db: None) -> None:
    entries, _ = _burst(["test.a", "test.b"])
    for entry in entries:  # rewrite both as the log wrote them before: the number in the body
        body = entry.body.replace('{"at"', f'{{"seq":{entry.seq},"at"', 1)
        _restore(entry.seq, body)
    assert evidence.verify_evidence().ok
    _restore(2, EvidenceEntry.objects.get(seq=2).body.replace('"seq":2', '"seq":5'))
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, 2)
    assert report.problem == "entry 2: columns differ from the hashed body"


def _restore(seq: int, body: str) -> None:
    """Store ``body`` for entry ``seq`` and re-chain the log, as a consistent older log would be."""
    EvidenceEntry.objects.filter(seq=seq).update(body=body)
    previous = evidence.ZERO_HASH
    for entry in EvidenceEntry.objects.order_by("seq"):
        leaf = evidence.merkle.leaf_hash(entry.body.encode())
        previous = evidence.chain_hash(previous, leaf).hex()
        EvidenceEntry.objects.filter(seq=entry.seq).update(leaf_hash=leaf.hex(), chain_hash=previous)
    EvidenceHead.objects.filter(pk=1).update(chain_hash=previous)


@pytest.mark.skipif(connection.vendor != "postgresql", reason="concurrent appenders need PostgreSQL")
def test_concurrent_bursts_are_chained_in_commit_order_without_gaps(transactional_db: None) -> None:
    rounds = 15
    bursts: list[list[tuple[int, int]]] = [[] for _ in range(6)]

    def run(index: int) -> None:
        for round_ in range(rounds):
            entries, cited = _burst([f"test.t{index}"] * (1 + (index + round_) % 3))
            bursts[index].append((entries[0].seq, len(entries)))
            assert cited == [e.seq for e in entries]

    race(6, run)
    spans = sorted(span for runs in bursts for span in runs)
    total = sum(count for _, count in spans)
    # every burst got consecutive numbers, the bursts together every number once
    assert [seq for seq, count in spans for seq in range(seq, seq + count)] == list(range(1, total + 1))
    report = evidence.verify_evidence()
    assert (report.ok, report.entries) == (True, total), report.problem
