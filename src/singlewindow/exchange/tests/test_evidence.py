"""The evidence log: offline re-verification finds tampering, proofs verify with public code.

The scenario below writes nine entries and two checkpoints (after entries 5 and 8):

    1 message.received      trader_a's import declaration (M1)
    2 message.received      trader_b's import declaration (M2)
    3 delivery.delivered    customs pulls its mailbox: M1
    4 delivery.delivered                               M2
    5 delivery.acknowledged customs acknowledges M1     <- checkpoint 5
    6 message.received      trader_a's export declaration (M3, unsigned)
    7 delivery.delivered    customs acknowledges M3 without pulling first
    8 delivery.acknowledged                             <- checkpoint 8
    9 message.rejected      the bank's refused declaration
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.db.models import F
from django.test import Client

from singlewindow import cli, testing
from singlewindow.exchange import evidence, jws, merkle
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.identity import SW_CODE
from singlewindow.exchange.models import ZERO_HASH, Checkpoint, EvidenceEntry, EvidenceHead, Message
from singlewindow.registry import pki

KINDS = [
    "message.received",
    "message.received",
    "delivery.delivered",
    "delivery.delivered",
    "delivery.acknowledged",
    "message.received",
    "delivery.delivered",
    "delivery.acknowledged",
    "message.rejected",
]



@dataclass
class Log:
    world: testing.World
    client: Client
    m1: Message
    m2: Message
    m3: Message
    receipts: dict[str, dict[str, Any]]


def _submit(client: Client, party: testing.Party, document: dict[str, Any], **kwargs: Any) -> Any:
    payload = testing.encode(document)
    return client.post("/api/v1/messages", data=payload, **testing.submit_headers(party, payload, **kwargs))


def export_declaration() -> dict[str, Any]:
    return testing.export_declaration()


@pytest.fixture
def log(world: testing.World) -> Log:
    client = Client()
    customs = world["customs"].auth()
    r1 = _submit(client, world["trader_a"], testing.declaration(), client_reference="m1")
    r2 = _submit(
        client,
        world["trader_b"],
        testing.declaration(ucr="6TW30000007-IMP0001", declarant="30000007", importer="30000007"),
        client_reference="m2",
    )
    assert (r1.status_code, r2.status_code) == (201, 201)
    page = client.get("/api/v1/mailbox", **customs).json()["items"]
    assert client.post(f"/api/v1/mailbox/{page[0]['delivery_id']}/ack", **customs).status_code == 200
    assert evidence.create_checkpoint().tree_size == 5  # type: ignore[union-attr]
    r3 = _submit(
        client,
        world["trader_a"],
        export_declaration(),
        client_reference="m3",
        message_type="export_declaration.submit",
        signed=False,
    )
    assert r3.status_code == 201
    m3 = Message.objects.get(pk=r3.json()["receipt"]["message_id"])
    assert client.post(f"/api/v1/mailbox/{m3.deliveries.get().pk}/ack", **customs).status_code == 200
    assert evidence.create_checkpoint().tree_size == 8  # type: ignore[union-attr]
    assert _submit(client, world["bank"], testing.declaration(), client_reference="nope").status_code == 403
    assert list(EvidenceEntry.objects.values_list("kind", flat=True)) == KINDS
    assert list(Checkpoint.objects.values_list("tree_size", flat=True)) == [5, 8]
    return Log(
        world,
        client,
        Message.objects.get(pk=r1.json()["receipt"]["message_id"]),
        Message.objects.get(pk=r2.json()["receipt"]["message_id"]),
        m3,
        {"m1": r1.json(), "m2": r2.json(), "m3": r3.json()},
    )


# --- tampering helpers (straight to the database, as an intruder would) ----------------------


def _body(seq: int) -> str:
    return EvidenceEntry.objects.get(seq=seq).body


def _leaf_hex(body: str) -> str:
    return merkle.leaf_hash(body.encode()).hex()


def _edit_body(seq: int, old: str, new: str) -> str:
    body = _body(seq)
    assert old in body
    return body.replace(old, new)


def rechain(from_seq: int = 1) -> None:
    """Recompute every leaf and chain hash and the head, hiding edits from the hash chain."""
    previous = ZERO_HASH
    for entry in EvidenceEntry.objects.order_by("seq"):
        leaf = merkle.leaf_hash(entry.body.encode())
        chained = hashlib.sha256(bytes.fromhex(previous) + leaf).hexdigest()
        if entry.seq >= from_seq:
            EvidenceEntry.objects.filter(seq=entry.seq).update(leaf_hash=leaf.hex(), chain_hash=chained)
        previous = chained
    EvidenceHead.objects.filter(pk=1).update(seq=EvidenceEntry.objects.count(), chain_hash=previous)


def resign_checkpoints(signer: pki.KeyPair, chain: list[Any]) -> None:
    """Rebuild every checkpoint over the (tampered) leaves and sign it with ``signer``."""
    leaves = [bytes.fromhex(h) for h in EvidenceEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    for checkpoint in Checkpoint.objects.all():
        frontier = merkle.CompactRange()
        for leaf in leaves[: checkpoint.tree_size]:
            frontier.append(leaf)
        root = frontier.root()
        assert root == merkle.tree_root(leaves[: checkpoint.tree_size])
        body = canonical_json(
            {
                "tree_size": checkpoint.tree_size,
                "root_hash": root.hex(),
                "timestamp": checkpoint.created_at.isoformat(),
                "log": "singlewindow-evidence",
                "frontier": [n.hex() for n in frontier.nodes],
            }
        )
        Checkpoint.objects.filter(tree_size=checkpoint.tree_size).update(
            root_hash=root.hex(),
            body=body.decode(),
            signature=jws.sign_detached(body, signer.private_key, chain),
        )


def _swap(a: int, b: int) -> None:
    rows = {e.seq: e for e in EvidenceEntry.objects.filter(seq__in=[a, b])}
    for target, source in ((a, rows[b]), (b, rows[a])):
        EvidenceEntry.objects.filter(seq=target).update(
            body=source.body, leaf_hash=source.leaf_hash, chain_hash=source.chain_hash
        )


def _truncate_to(seq: int) -> None:
    EvidenceEntry.objects.filter(seq__gt=seq).delete()
    last = EvidenceEntry.objects.get(seq=seq)
    EvidenceHead.objects.filter(pk=1).update(seq=seq, chain_hash=last.chain_hash)


def _append_forged_entry() -> None:
    last = EvidenceEntry.objects.order_by("-seq").first()
    assert last is not None
    body = canonical_json({"seq": last.seq + 1, "kind": "message.rejected", "at": last.recorded_at.isoformat()})
    leaf = merkle.leaf_hash(body)
    EvidenceEntry.objects.create(
        seq=last.seq + 1,
        kind="message.rejected",
        recorded_at=last.recorded_at,
        body=body.decode(),
        leaf_hash=leaf.hex(),
        chain_hash=hashlib.sha256(bytes.fromhex(last.chain_hash) + leaf).hexdigest(),
    )


def _raw_sql(sql: str, params: list[Any]) -> None:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)


def _other_checkpoint_signature(log: Log) -> None:
    five = Checkpoint.objects.get(tree_size=5)
    Checkpoint.objects.filter(tree_size=8).update(signature=five.signature)


def _flip_signature_character() -> None:
    checkpoint = Checkpoint.objects.get(tree_size=5)
    head, _, signature = checkpoint.signature.partition("..")
    flipped = ("B" if signature[10] == "A" else "A").join((signature[:10], signature[11:]))
    Checkpoint.objects.filter(tree_size=5).update(signature=f"{head}..{flipped}")


def _checkpoint_body_edit() -> None:
    checkpoint = Checkpoint.objects.get(tree_size=5)
    body = json.loads(checkpoint.body)
    body["timestamp"] = (checkpoint.created_at - timedelta(days=1)).isoformat()
    Checkpoint.objects.filter(tree_size=5).update(body=canonical_json(body).decode())


Tamper = Callable[[Log], None]

TAMPERING: dict[str, tuple[Tamper, int, str]] = {
    "body": (
        lambda log: EvidenceEntry.objects.filter(seq=3).update(
            body=_edit_body(3, '"channel":"pull"', '"channel":"push"')
        ),
        3,
        "entry 3: body does not match its leaf hash",
    ),
    "body-raw-sql": (
        lambda log: _raw_sql(
            "UPDATE exchange_evidenceentry SET body = %s WHERE seq = %s",
            [_edit_body(1, '"sender":"t-trader-a"', '"sender":"t-trader-b"'), 1],
        ),
        1,
        "entry 1: body does not match its leaf hash",
    ),
    "leaf-hash": (
        lambda log: EvidenceEntry.objects.filter(seq=4).update(leaf_hash="0" * 64),
        4,
        "entry 4: body does not match its leaf hash",
    ),
    "body-and-its-leaf-hash": (
        lambda log: EvidenceEntry.objects.filter(seq=6).update(
            body=(b := _edit_body(6, '"client_reference":"m3"', '"client_reference":"m4"')),
            leaf_hash=_leaf_hex(b),
        ),
        6,
        "entry 6: chain hash broken",
    ),
    "chain-hash": (
        lambda log: EvidenceEntry.objects.filter(seq=7).update(chain_hash="f" * 64),
        7,
        "entry 7: chain hash broken",
    ),
    "kind-column": (
        lambda log: EvidenceEntry.objects.filter(seq=2).update(kind="message.rejected"),
        2,
        "entry 2: columns differ from the hashed body",
    ),
    "message-id-column": (
        lambda log: EvidenceEntry.objects.filter(seq=1).update(message_id=log.m2.id),
        1,
        "entry 1: columns differ from the hashed body",
    ),
    "message-id-cleared": (
        lambda log: EvidenceEntry.objects.filter(seq=6).update(message_id=None),
        6,
        "entry 6: columns differ from the hashed body",
    ),
    "message-id-added-to-rejection": (
        lambda log: EvidenceEntry.objects.filter(seq=9).update(message_id=uuid.uuid4()),
        9,
        "entry 9: columns differ from the hashed body",
    ),
    "delete-middle-row": (
        lambda log: EvidenceEntry.objects.filter(seq=4).delete(),
        4,
        "entry 4: missing (next stored entry is 5)",
    ),
    "delete-first-row": (
        lambda log: EvidenceEntry.objects.filter(seq=1).delete(),
        1,
        "entry 1: missing (next stored entry is 2)",
    ),
    "delete-last-row": (
        lambda log: EvidenceEntry.objects.filter(seq=9).delete(),
        9,
        "entry 9: missing (log head is at 9)",
    ),
    "truncate-into-a-checkpoint-and-rewind-head": (
        lambda log: _truncate_to(7),
        8,
        "entry 8: missing (checkpoint covers 8)",
    ),
    "swap-two-rows": (lambda log: _swap(3, 4), 3, "entry 3: chain hash broken"),
    "swap-and-rechain": (
        lambda log: (_swap(3, 4), rechain()),
        3,
        "entry 3: columns differ from the hashed body",
    ),
    "edit-and-rechain-everything": (
        lambda log: (
            EvidenceEntry.objects.filter(seq=3).update(body=_edit_body(3, '"channel":"pull"', '"channel":"push"')),
            rechain(),
        ),
        5,
        "checkpoint at tree size 5: root does not match the entries",
    ),
    **{
        f"body-not-a-json-object-rechained-{label}": (
            lambda log, body=body: (EvidenceEntry.objects.filter(seq=4).update(body=body), rechain()),
            4,
            "entry 4: body is not a JSON object",
        )
        for label, body in {
            "text": "not json", "array": '["kind"]', "trailing": '{"kind":"message.received"} {}',
            "leading-space": ' {"kind":"message.received"}', "deep": "[" * 100_000 + "]" * 100_000,
        }.items()
    },
    "checkpoint-root": (
        lambda log: Checkpoint.objects.filter(tree_size=5).update(root_hash="0" * 64),
        5,
        "checkpoint at tree size 5: root does not match the entries",
    ),
    "checkpoint-signature-of-another-checkpoint": (
        _other_checkpoint_signature,
        8,
        "checkpoint at tree size 8: signature does not verify",
    ),
    "checkpoint-signature-bit": (
        lambda log: _flip_signature_character(),
        5,
        "checkpoint at tree size 5: signature does not verify",
    ),
    "checkpoint-signature-garbage": (
        lambda log: Checkpoint.objects.filter(tree_size=8).update(signature="x.y.z"),
        8,
        "checkpoint at tree size 8: signature does not verify",
    ),
    "checkpoint-body": (
        lambda log: _checkpoint_body_edit(),
        5,
        "checkpoint at tree size 5: signature does not verify",
    ),
    "recorded-at-column": (
        lambda log: EvidenceEntry.objects.filter(seq=2).update(recorded_at=F("recorded_at") + timedelta(hours=1)),
        2,
        "entry 2: recorded time differs from the hashed body",
    ),
    "checkpoint-created-at-column": (
        lambda log: Checkpoint.objects.filter(tree_size=5).update(created_at=F("created_at") - timedelta(days=1)),
        5,
        "checkpoint at tree size 5: stored time differs from the signed one",
    ),
    "cut-the-tail-its-checkpoint-and-head": (
        lambda log: (Checkpoint.objects.filter(tree_size=8).delete(), _truncate_to(5)),
        6,
        "entry 6: missing (exchange.",  # the delivery or message that named entry 6 is the trace
    ),
    "head-hash": (
        lambda log: EvidenceHead.objects.filter(pk=1).update(chain_hash="a" * 64),
        9,
        "entry 9: log head hash differs",
    ),
    "row-beyond-the-head": (
        lambda log: _append_forged_entry(),
        10,
        "entry 10: written beyond the log head",
    ),
}


def test_intact_log_verifies(log: Log) -> None:
    report = evidence.verify_evidence()
    assert (report.ok, report.entries, report.checkpoints, report.first_bad_seq) == (
        True,
        9,
        2,
        None,
    )
    assert report.problems == []


def test_empty_log_verifies(db: None) -> None:
    report = evidence.verify_evidence()
    assert (report.ok, report.entries, report.checkpoints) == (True, 0, 0)


@pytest.mark.parametrize("name", list(TAMPERING))
def test_tampering_is_found_at_the_right_entry(log: Log, name: str) -> None:
    tamper, first_bad, problem = TAMPERING[name]
    tamper(log)
    report = evidence.verify_evidence()
    assert report.ok is False
    assert report.first_bad_seq == first_bad
    assert report.problem.startswith(problem), report.problem


def test_stopping_early_in_a_long_log_leaves_the_transaction_usable(log: Log, monkeypatch: pytest.MonkeyPatch) -> None:
    """Verification stops at the first bad entry with megabytes of rows still on their way; on
    PostgreSQL it reads them rather than cancel the query, which would abort the caller's
    transaction (here the test's). Small chunks, so that the first arrives long before the last."""
    monkeypatch.setattr(evidence, "STREAM_ROWS", 10)
    last = EvidenceEntry.objects.get(seq=9)
    padding = "x" * 4000
    EvidenceEntry.objects.bulk_create(
        EvidenceEntry(seq=seq, kind="message.rejected", recorded_at=last.recorded_at, body=padding,
                      leaf_hash="0" * 64, chain_hash="0" * 64)
        for seq in range(10, 5010)
    )
    EvidenceEntry.objects.filter(seq=2).update(leaf_hash="f" * 64)
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, 2)
    assert EvidenceEntry.objects.count() == 5009


def test_an_older_libpq_streams_row_by_row(log: Log, monkeypatch: pytest.MonkeyPatch) -> None:
    """Chunks of rows need libpq 17 (psycopg's binary package bundles a newer one)."""
    assert evidence._stream_chunk() == evidence.STREAM_ROWS
    monkeypatch.setattr(evidence.psycopg.pq, "version", lambda: 160004)
    assert evidence._stream_chunk() == 1
    intact = evidence.verify_evidence()
    assert (intact.ok, intact.entries) == (True, 9)


@pytest.mark.parametrize("rows_per_chunk", [1, 2, 4])
def test_verification_reads_the_log_in_chunks(log: Log, monkeypatch: pytest.MonkeyPatch, rows_per_chunk: int) -> None:
    """Chunk boundaries (PostgreSQL streams ``STREAM_ROWS`` at a time) fall anywhere in the log."""
    monkeypatch.setattr(evidence, "STREAM_ROWS", rows_per_chunk)
    intact = evidence.verify_evidence()
    assert (intact.ok, intact.entries) == (True, 9)
    EvidenceEntry.objects.filter(seq=6).update(message_id=None)
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, 6)
    assert report.problem == "entry 6: columns differ from the hashed body"
    assert EvidenceEntry.objects.count() == 9


def test_rewrite_resigned_with_a_foreign_key_is_found(log: Log) -> None:
    EvidenceEntry.objects.filter(seq=3).update(body=_edit_body(3, '"channel":"pull"', '"channel":"push"'))
    rechain()
    foreign_root = pki.create_root_ca("Single Window Demo Root CA")  # same name, different key
    forger = pki.issue_organisation_certificate(foreign_root, org_code=SW_CODE, organisation_name="Single Window")
    resign_checkpoints(forger, [forger.certificate, foreign_root.certificate])
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, 5)


def test_rewrite_resigned_by_a_participant_is_found(log: Log) -> None:
    """trader_a holds a certificate from the same root, but it is not the log's signer."""
    EvidenceEntry.objects.filter(seq=1).update(body=_edit_body(1, '"sender":"t-trader-a"', '"sender":"t-trader-b"'))
    rechain()
    trader = log.world["trader_a"]
    resign_checkpoints(trader.key, [trader.key.certificate, log.world.root.certificate])
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, 5)


def test_deleting_a_rejection_is_found_even_though_it_names_no_message(log: Log) -> None:
    EvidenceEntry.objects.filter(kind="message.rejected").delete()
    assert evidence.verify_evidence().first_bad_seq == 9


# --- the CLI ------------------------------------------------------------------------------


def test_cli_verify_reports_intact_then_broken(log: Log, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["evidence", "verify"]) == 0
    out, err = capsys.readouterr()
    assert "evidence intact: 9 entries, 2 checkpoints" in out and err == ""
    EvidenceEntry.objects.filter(seq=4).update(leaf_hash="1" * 64)
    assert cli.main(["evidence", "verify"]) == 1
    out, err = capsys.readouterr()
    assert "evidence BROKEN at entry 4" in err and "intact" not in out


def test_cli_checkpoint_signs_the_current_head(log: Log, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["evidence", "checkpoint"]) == 0
    checkpoint = Checkpoint.objects.get(tree_size=9)
    assert f"checkpoint at tree size 9: root {checkpoint.root_hash}" in capsys.readouterr().out
    assert cli.main(["evidence", "verify"]) == 0
    assert "9 entries, 3 checkpoints" in capsys.readouterr().out


# --- inclusion and consistency proofs over the API ----------------------------------------


def _verify_checkpoint(checkpoint: dict[str, Any], world: testing.World) -> bytes:
    """The client's own check of a checkpoint: signed by the Single Window; returns the root."""
    body = checkpoint["body"].encode()
    signed = jws.verify_detached(checkpoint["signature"], body)
    leaf = pki.verify_chain(
        signed.chain,
        trust_anchors=[world.root.certificate],
        revoked_serials=(),
        at=datetime.now(UTC),
    )
    assert pki.certificate_org_code(leaf) == SW_CODE
    parsed = json.loads(body)
    assert parsed["tree_size"] == checkpoint["tree_size"]
    assert parsed["root_hash"] == checkpoint["root_hash"]
    return bytes.fromhex(checkpoint["root_hash"])


def _proof(log: Log, party: str, message: Message, query: str = "") -> Any:
    return log.client.get(f"/api/v1/evidence/messages/{message.id}/proof{query}", **log.world[party].auth())


def test_inclusion_proof_verifies_against_the_signed_checkpoint(log: Log) -> None:
    response = _proof(log, "trader_a", log.m1)
    assert response.status_code == 200
    proof = response.json()
    assert proof["checkpoint"]["tree_size"] == 8  # the latest checkpoint covering entry 1
    root = _verify_checkpoint(proof["checkpoint"], log.world)
    leaf = bytes.fromhex(proof["leaf_hash"])
    assert merkle.leaf_hash(canonical_json(proof["entry"])) == leaf  # the entry hashes to the leaf
    assert proof["entry"]["payload_sha256"] == log.m1.payload_sha256
    receipt = log.receipts["m1"]["receipt"]
    assert (proof["leaf_index"], proof["leaf_hash"]) == (
        receipt["evidence_seq"] - 1,
        receipt["leaf_hash"],
    )
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert merkle.verify_inclusion(leaf, proof["leaf_index"], 8, path, root)
    # and the same proof does not fit another position or another tree
    assert not merkle.verify_inclusion(leaf, 1, 8, path, root)
    assert not merkle.verify_inclusion(
        leaf,
        proof["leaf_index"],
        8,
        path,
        bytes.fromhex(Checkpoint.objects.get(tree_size=5).root_hash),
    )


def test_inclusion_proof_at_an_older_checkpoint(log: Log) -> None:
    proof = _proof(log, "customs", log.m2, "?tree_size=5").json()
    assert proof["checkpoint"]["tree_size"] == 5 and proof["leaf_index"] == 1
    root = _verify_checkpoint(proof["checkpoint"], log.world)
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 1, 5, path, root)


@pytest.mark.parametrize("tree_size", [3, 5], ids=["no-such-checkpoint", "checkpoint-before-the-entry"])
def test_inclusion_proof_needs_a_checkpoint_covering_the_entry(log: Log, tree_size: int) -> None:
    response = _proof(log, "trader_a", log.m3, f"?tree_size={tree_size}")  # M3 is entry 6
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


def test_inclusion_proof_for_a_new_entry_signs_a_new_checkpoint(log: Log) -> None:
    document = testing.declaration(ucr="6TW30000002-IMP0002", reference="REF-NEW")
    receipt = _submit(log.client, log.world["trader_a"], document, client_reference="m4").json()["receipt"]
    assert receipt["evidence_seq"] == 10
    proof = _proof(log, "customs", Message.objects.get(pk=receipt["message_id"])).json()
    assert proof["checkpoint"]["tree_size"] == 10
    root = _verify_checkpoint(proof["checkpoint"], log.world)
    path = [bytes.fromhex(h) for h in proof["audit_path"]]
    assert merkle.verify_inclusion(bytes.fromhex(proof["leaf_hash"]), 9, 10, path, root)
    assert evidence.verify_evidence().ok


def test_consistency_proof_between_checkpoints(log: Log) -> None:
    response = log.client.get("/api/v1/evidence/consistency?first=5&second=8", **log.world["trader_b"].auth())
    assert response.status_code == 200
    body = response.json()
    old_root = _verify_checkpoint(body["first"], log.world)
    new_root = _verify_checkpoint(body["second"], log.world)
    proof = [bytes.fromhex(h) for h in body["proof"]]
    assert proof
    assert merkle.verify_consistency(5, 8, old_root, new_root, proof)
    assert not merkle.verify_consistency(5, 8, new_root, old_root, proof)


def test_consistency_proof_of_a_checkpoint_with_itself(log: Log) -> None:
    body = log.client.get("/api/v1/evidence/consistency?first=8&second=8", **log.world["bank"].auth()).json()
    root = _verify_checkpoint(body["second"], log.world)
    assert body["proof"] == [] and merkle.verify_consistency(8, 8, root, root, [])


@pytest.mark.parametrize("query", ["first=8&second=5", "first=4&second=8", "first=5&second=9"])
def test_consistency_proof_for_unknown_or_reversed_checkpoints(log: Log, query: str) -> None:
    response = log.client.get(f"/api/v1/evidence/consistency?{query}", **log.world["bank"].auth())
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"


def test_a_client_holding_an_old_checkpoint_detects_a_rewritten_history(log: Log) -> None:
    kept = log.client.get("/api/v1/evidence/checkpoints/5", **log.world["bank"].auth()).json()
    old_root = _verify_checkpoint(kept, log.world)
    # the operator rewrites entry 2 and everything after it, and re-signs the newer checkpoint
    EvidenceEntry.objects.filter(seq=2).update(body=_edit_body(2, '"client_reference":"m2"', '"client_reference":"mX"'))
    rechain()
    Checkpoint.objects.filter(tree_size=5).delete()
    Checkpoint.objects.filter(tree_size=8).delete()
    evidence.create_checkpoint()  # the honest signer signs what is now in the database (size 9)
    newest = log.client.get("/api/v1/evidence/checkpoints/latest", **log.world["bank"].auth()).json()
    new_root = _verify_checkpoint(newest, log.world)
    leaves = [bytes.fromhex(h) for h in EvidenceEntry.objects.order_by("seq").values_list("leaf_hash", flat=True)]
    proof = merkle.consistency_proof(leaves, 5)
    assert not merkle.verify_consistency(5, newest["tree_size"], old_root, new_root, proof)


# --- found by review: renewal, missing head, bogus checkpoints, proofs over a shortened log ---------


def test_checkpoints_signed_before_the_single_window_s_certificate_was_renewed_still_verify(
        log: Log, tmp_path: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    from singlewindow.exchange import identity

    root = identity.load_root_ca()
    renewed = pki.issue_organisation_certificate(root, org_code=SW_CODE, organisation_name="Single Window")
    identity.write_private_file(tmp_path / "sw.key", pki.private_key_to_pem(renewed.private_key))
    chain = pki.certificate_to_pem(renewed.certificate) + pki.certificate_to_pem(root.certificate)
    (tmp_path / "sw.pem").write_text(chain)
    monkeypatch.setenv("SW_SIGNING_KEY_FILE", str(tmp_path / "sw.key"))
    monkeypatch.setenv("SW_SIGNING_CERT_FILE", str(tmp_path / "sw.pem"))
    identity.reset_identity_cache()
    try:
        assert pki.fingerprint(identity.signing_identity().certificate) == pki.fingerprint(renewed.certificate)
        assert evidence.create_checkpoint().tree_size == 9  # type: ignore[union-attr]  # signed with the new key
        report = evidence.verify_evidence()
        assert (report.ok, report.checkpoints) == (True, 3), report.problem
    finally:
        monkeypatch.undo()
        identity.reset_identity_cache()


def test_a_missing_log_head_is_found(log: Log) -> None:
    """Without the head row, a shortened tail would look whole (and the next append would fail)."""
    EvidenceEntry.objects.filter(seq=9).delete()
    EvidenceHead.objects.all().delete()
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, 8) and "head is missing" in report.problem


@pytest.mark.parametrize("size", [0, -3])
def test_a_checkpoint_covering_no_entry_is_named_and_does_not_hide_the_others(log: Log, size: int) -> None:
    Checkpoint.objects.create(tree_size=size, root_hash="", created_at=datetime.now(UTC), body="", signature="")
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, None)
    assert f"checkpoint at tree size {size}: covers no entry" == report.problem


def test_a_forged_checkpoint_beyond_the_log_is_named_as_such(log: Log) -> None:
    eight = Checkpoint.objects.get(tree_size=8)
    Checkpoint.objects.create(tree_size=20, root_hash=eight.root_hash, created_at=eight.created_at,
                              body=eight.body.replace('"tree_size":8', '"tree_size":20'), signature=eight.signature)
    report = evidence.verify_evidence()
    assert not report.ok and report.problem == "checkpoint at tree size 20: signature does not verify"


def test_a_genuine_checkpoint_beyond_the_stored_entries_names_the_first_missing_one(log: Log) -> None:
    EvidenceEntry.objects.filter(seq__gt=6).delete()
    EvidenceHead.objects.filter(pk=1).update(seq=6, chain_hash=EvidenceEntry.objects.get(seq=6).chain_hash)
    report = evidence.verify_evidence()
    assert (report.ok, report.first_bad_seq) == (False, 7) and "checkpoint covers 8" in report.problem


def test_proofs_over_a_log_missing_entries_are_refused_not_served(log: Log) -> None:
    EvidenceEntry.objects.filter(seq__gte=4).delete()
    answer = log.client.get("/api/v1/evidence/consistency?first=5&second=8")
    assert answer.status_code == 500 and answer["Content-Type"] == "application/problem+json"
    assert answer.json()["code"] == "evidence.incomplete"
    proof = _proof(log, "trader_a", log.m1, "?tree_size=8")
    assert proof.status_code == 500 and proof.json()["code"] == "evidence.incomplete"
