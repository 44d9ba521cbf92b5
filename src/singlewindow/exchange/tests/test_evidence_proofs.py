"""Proofs from stored subtrees: the same hashes as a tree built from every leaf, a bounded read per
proof, subtrees rebuilt for an older log, and every stored subtree checked by verification."""

from __future__ import annotations

import json
import threading
from datetime import UTC, datetime

import pytest
from django.db import connection, transaction
from django.test import Client

from singlewindow import cli
from singlewindow.exchange import evidence, merkle
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.evidence import NewEvidence, append_evidence_many
from singlewindow.exchange.models import Checkpoint, EvidenceEntry, MerkleNode

AT = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
SIZES = [1, 2, 255, 256, 257, 300, 512, 700]  # a checkpoint at each


def _grow(to: int) -> None:
    """Append test entries until the log holds ``to``."""
    have = EvidenceEntry.objects.count()
    with transaction.atomic():
        append_evidence_many([NewEvidence("test.entry", {"n": n}, at=AT) for n in range(have, to)])


def _leaves() -> list[bytes]:
    return [bytes.fromhex(h) for h in EvidenceEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]


@pytest.fixture
def grown(db: None) -> list[bytes]:
    for size in SIZES:
        _grow(size)
        evidence.create_checkpoint()
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == SIZES
    return _leaves()


def _inclusion(seq: int, tree_size: int) -> list[str]:
    return evidence.inclusion_proof(EvidenceEntry(seq=seq), Checkpoint.objects.get(tree_size=tree_size))


def _expected_inclusion(leaves: list[bytes], index: int, tree_size: int) -> list[str]:
    return [h.hex() for h in merkle.MerkleTree(leaves[:tree_size]).inclusion_proof(index)]


def test_inclusion_proofs_match_a_tree_built_from_every_leaf(grown: list[bytes]) -> None:
    for size in SIZES:
        for index in sorted({0, 1, 127, 254, 255, 256, 257, 299, 511, 600, size - 1} & set(range(size))):
            assert _inclusion(index + 1, size) == _expected_inclusion(grown, index, size), (index, size)


def test_consistency_proofs_match_a_tree_built_from_every_leaf(grown: list[bytes]) -> None:
    checkpoints = list(Checkpoint.objects.all())
    for first in checkpoints:
        for second in (c for c in checkpoints if c.tree_size >= first.tree_size):
            tree = merkle.MerkleTree(grown[: second.tree_size])
            expected = [h.hex() for h in tree.consistency_proof(first.tree_size)]
            assert evidence.consistency_proof(first, second) == expected, (first.tree_size, second.tree_size)


def test_the_stored_subtrees_are_the_perfect_ones_of_256_entries_and_more(grown: list[bytes]) -> None:
    stored = {(n.level, n.index): n.hash for n in MerkleNode.objects.all()}
    assert stored == {
        (8, 0): merkle.tree_root(grown[:256]).hex(),
        (8, 1): merkle.tree_root(grown[256:512]).hex(),
        (9, 0): merkle.tree_root(grown[:512]).hex(),
    }


def test_a_proof_reads_stored_subtrees_not_every_leaf(
        grown: list[bytes], django_assert_max_num_queries: object) -> None:
    # With entries 257-512 gone, a proof for entry 600 needs only their stored subtree.
    EvidenceEntry.objects.filter(seq__gt=256, seq__lte=512).delete()
    checkpoint = Checkpoint.objects.get(tree_size=700)
    with django_assert_max_num_queries(2):  # type: ignore[operator]  # the subtrees, then the leaves' run
        proof = evidence.inclusion_proof(EvidenceEntry(seq=600), checkpoint)
    assert proof == _expected_inclusion(grown, 599, 700)
    root = bytes.fromhex(checkpoint.root_hash)
    assert merkle.verify_inclusion(grown[599], 599, 700, [bytes.fromhex(h) for h in proof], root)
    # A proof that needs the missing leaves themselves is refused, not served wrong.
    with pytest.raises(ExchangeError) as refused:
        _inclusion(300, 700)
    assert refused.value.code == ExchangeErrorCode.EVIDENCE_INCOMPLETE
    assert refused.value.detail.endswith("of the 700 the checkpoint covers is missing")


def test_subtrees_missing_from_an_older_log_are_rebuilt_once(grown: list[bytes]) -> None:
    MerkleNode.objects.all().delete()
    assert _inclusion(600, 700) == _expected_inclusion(grown, 599, 700)
    assert MerkleNode.objects.count() == 3


def test_a_wrong_stored_subtree_is_found_by_verification(grown: list[bytes]) -> None:
    assert evidence.verify_evidence().ok
    MerkleNode.objects.filter(level=8, index=1).update(hash="0" * 64)
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, None)
    assert report.problem == "stored subtree at level 8, index 1: differs from entries 257–512"


def test_a_stored_subtree_beyond_the_log_is_found_by_verification(grown: list[bytes]) -> None:
    MerkleNode.objects.create(level=8, index=5, hash="1" * 64)
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, None)
    assert report.problem == "stored subtree at level 8, index 5: covers entries 1281–1536, beyond the log"


def _edit_checkpoint_body(tree_size: int, **changes: object) -> None:
    checkpoint = Checkpoint.objects.get(tree_size=tree_size)
    body = {**json.loads(checkpoint.body), **changes}
    Checkpoint.objects.filter(tree_size=tree_size).update(body=canonical_json(body).decode())


@pytest.mark.parametrize("forgery", ["frontier", "root-column", "tree-size"])
def test_no_checkpoint_is_signed_on_from_a_forged_one(grown: list[bytes], forgery: str) -> None:
    if forgery == "frontier":
        _edit_checkpoint_body(700, frontier=["00" * 32] * 3)
    elif forgery == "root-column":
        Checkpoint.objects.filter(tree_size=700).update(root_hash="0" * 64)
    else:
        Checkpoint.objects.filter(tree_size=700).update(tree_size=701)
    _grow(710)
    with pytest.raises(ExchangeError) as refused:
        evidence.create_checkpoint()
    assert refused.value.code == ExchangeErrorCode.EVIDENCE_BROKEN
    assert not Checkpoint.objects.filter(tree_size=710).exists()


def test_the_checkpoint_command_reports_a_forged_previous_checkpoint(
        grown: list[bytes], capsys: pytest.CaptureFixture[str]) -> None:
    _edit_checkpoint_body(700, frontier=[])
    _grow(710)
    assert cli.main(["evidence", "checkpoint"]) == 1
    assert "checkpoint at tree size 700 does not verify" in capsys.readouterr().err


def test_reading_the_latest_checkpoint_signs_none(db: None) -> None:
    _grow(3)
    answer = Client().get("/api/v1/evidence/checkpoints/latest")
    assert answer.status_code == 404 and answer["Content-Type"] == "application/problem+json"
    assert not Checkpoint.objects.exists()
    evidence.create_checkpoint()
    _grow(5)
    assert Client().get("/api/v1/evidence/checkpoints/latest").json()["tree_size"] == 3
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [3]


@pytest.mark.django_db(transaction=True)
def test_verification_reads_one_snapshot_while_entries_are_appended(monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("the isolation level is set on PostgreSQL; SQLite's read transaction is a snapshot already")
    _grow(50)
    evidence.create_checkpoint()
    streamed = evidence._entry_rows

    def append_elsewhere() -> None:
        try:
            _grow(60)
        finally:
            connection.close()

    def rows_with_appends_midway():  # type: ignore[no-untyped-def]
        for n, row in enumerate(streamed()):
            if n == 10:
                appender = threading.Thread(target=append_elsewhere)
                appender.start()
                appender.join()
            yield row

    monkeypatch.setattr(evidence, "_entry_rows", rows_with_appends_midway)
    report = evidence.verify_evidence()
    assert (report.ok, report.entries) == (True, 50), report.problem
    assert EvidenceEntry.objects.count() == 60


def test_the_sweeper_goes_on_past_a_forged_checkpoint(grown: list[bytes], monkeypatch: pytest.MonkeyPatch,
                                                      caplog: pytest.LogCaptureFixture) -> None:
    from singlewindow.exchange import engines, worker

    _edit_checkpoint_body(700, frontier=[])
    _grow(710)
    swept: list[bool] = []
    monkeypatch.setattr(engines, "run_sweeps", lambda: swept.append(True) or 0)
    counts = worker.sweep_once()
    assert counts["checkpoints"] == 0 and swept == [True]
    assert "checkpoint at tree size 700 does not verify" in caplog.text
