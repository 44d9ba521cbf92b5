"""The guarantee ledger: every change of a guarantee (requested, accepted, debit, credit, suspended,
closed) is one entry whose hash covers the previous entry's hash and its own canonical body, as
the exchange's evidence log chains its entries. The guarantee row keeps the latest hash and the
entry count, so a removed last entry is found too; the balances replayed from the amounts must
match every entry and the guarantee. Entries are appended only while the guarantee's row is
locked (``lock_guarantees``), which orders the chain.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import QuerySet
from django.utils import timezone

from singlewindow.exchange import merkle
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.evidence import chain_hash
from singlewindow.payments.models import EntryKind, Guarantee, LedgerEntry, PaymentOrder
from singlewindow.registry.actors import Actor

ZERO = "0" * 64


def lock_guarantees(ids: list[int]) -> list[Guarantee]:
    """The guarantees' rows, locked for this transaction in primary-key order and read afresh."""
    return list(Guarantee.objects.select_for_update().filter(pk__in=ids).order_by("pk"))


def entry_body(guarantee: Guarantee, *, seq: int, kind: str, amount: Decimal, balance: Decimal,
               order: PaymentOrder | None, at: str, actor: str) -> bytes:
    """The canonical bytes an entry's hash covers."""
    return canonical_json({
        "guarantee": guarantee.number, "bank": str(guarantee.bank_id), "trader": str(guarantee.trader_id), "seq": seq,
        "kind": kind, "amount": str(amount), "balance": str(balance),
        "order": order.reference if order is not None else None, "at": at, "actor": actor,
    })


def append(guarantee: Guarantee, kind: str, *, actor: Actor, amount: Decimal = Decimal(0),
           order: PaymentOrder | None = None) -> LedgerEntry:
    """Write the next entry of ``guarantee`` (locked by the caller; its balance already moved, its state set)."""
    at = timezone.now()
    seq = guarantee.entries + 1
    body = entry_body(guarantee, seq=seq, kind=kind, amount=amount, balance=guarantee.balance, order=order,
                      at=at.isoformat(), actor=actor.label[:200])
    digest = chain_hash(guarantee.head_hash, merkle.leaf_hash(body)).hex()
    entry = LedgerEntry.objects.create(guarantee=guarantee, seq=seq, kind=kind, amount=amount,
                                       balance=guarantee.balance, order=order, at=at, actor=actor.label[:200],
                                       body=body.decode(), hash=digest)
    guarantee.entries, guarantee.head_hash, guarantee.updated_at = seq, digest, at
    Guarantee.objects.filter(pk=guarantee.pk).update(entries=seq, head_hash=digest, state=guarantee.state,
                                                     updated_at=at)
    return entry


@dataclass
class LedgerReport:
    guarantees: int = 0
    entries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


_MOVES: dict[str, int] = {EntryKind.DEBIT: -1, EntryKind.CREDIT: 1}


def verify_ledger(guarantees: QuerySet[Guarantee] | None = None) -> LedgerReport:
    """Re-derive every entry's hash and balance; report each guarantee whose ledger does not verify."""
    report = LedgerReport()
    for guarantee in (guarantees if guarantees is not None else Guarantee.objects.all()).order_by("pk"):
        report.guarantees += 1
        problem = _verify_one(guarantee, report)
        if problem:
            report.problems.append(f"guarantee {guarantee.number} (bank {guarantee.bank_id}): {problem}")
    return report


def _verify_one(guarantee: Guarantee, report: LedgerReport) -> str:
    previous, balance, expected = ZERO, Decimal(0), 1
    rows = LedgerEntry.objects.filter(guarantee=guarantee).order_by("seq").values_list(
        "seq", "kind", "amount", "balance", "body", "hash")
    for seq, kind, amount, stored_balance, body, digest in rows.iterator(chunk_size=5000):
        report.entries += 1
        if seq != expected:
            return f"entry {expected} is missing"
        if chain_hash(previous, merkle.leaf_hash(body.encode())).hex() != digest:
            return f"entry {seq}: hash does not match its body and the previous entry"
        try:
            parsed: dict[str, Any] = json.loads(body)
            fields_agree = (parsed["seq"] == seq and parsed["kind"] == kind
                            and Decimal(parsed["amount"]) == amount and Decimal(parsed["balance"]) == stored_balance
                            and parsed["guarantee"] == guarantee.number and parsed["bank"] == str(guarantee.bank_id))
        except (ValueError, KeyError, TypeError, InvalidOperation):
            fields_agree = False
        if not fields_agree:
            return f"entry {seq}: columns differ from the hashed body"
        if kind == EntryKind.ACCEPTED:
            balance = amount
        else:
            balance += _MOVES.get(kind, 0) * amount
        if balance != stored_balance:
            return f"entry {seq}: balance {stored_balance} differs from the replayed {balance}"
        previous, expected = digest, expected + 1
    if expected - 1 != guarantee.entries:
        return f"{guarantee.entries} entries recorded, {expected - 1} found"
    if previous != guarantee.head_hash:
        return "the latest entry's hash differs from the guarantee's"
    if balance != guarantee.balance:
        return f"balance {guarantee.balance} differs from the ledger's {balance}"
    return ""
