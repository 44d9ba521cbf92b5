"""Concurrent write-offs on PostgreSQL: threads with their own connections race for the last
balance, retry the same item at once, and restore at once. Exactly the right number win.

SQLite runs one writer at a time (IMMEDIATE transactions), so the race is PostgreSQL's question.
"""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection

from singlewindow.exchange.canonical import canonical_json
from singlewindow.permits import ledger
from singlewindow.permits.models import PermitLine, WriteOff
from singlewindow.permits.tests.conftest import G2G
from singlewindow.testing import race

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")

def test_declarations_racing_for_the_last_balance_exactly_enough_win(transactional_db: None, g2g: G2G) -> None:
    permit = g2g.issue(lines=((1, "847130", "PCE", "5"),))
    answers = race(8, lambda i: g2g.verify(quantity=Decimal(1), declaration_ref=f"RACE-{i}"))
    assert sorted(a.code or "ok" for a in answers) == ["ok"] * 5 + ["permit.over_quantity"] * 3
    line = PermitLine.objects.get(permit=permit)
    rows = WriteOff.objects.filter(permit=permit)
    assert line.balance == 0 and rows.count() == 5
    assert sum(row.quantity for row in rows) == line.granted - line.balance


def test_two_declarations_for_the_last_unit_one_wins(transactional_db: None, g2g: G2G) -> None:
    permit = g2g.issue(lines=((1, "847130", "PCE", "10"),))
    assert g2g.verify(quantity=Decimal(9), declaration_ref="FIRST").ok
    for round_ in range(5):
        answers = race(2, lambda i, r=round_: g2g.verify(quantity=Decimal(1), declaration_ref=f"LAST-{r}-{i}"))
        wins = [a for a in answers if a.ok]
        assert len(wins) == (1 if round_ == 0 else 0)
        if round_ == 0:
            assert ledger.restore(wins[0].result["request"]["declaration_reference"], actor=g2g.officer)
            assert g2g.verify(quantity=Decimal(1), declaration_ref="REFILL").ok
    assert PermitLine.objects.get(permit=permit).balance == 0


def test_the_same_item_sent_at_once_is_written_off_once(transactional_db: None, g2g: G2G) -> None:
    permit = g2g.issue()
    answers = race(6, lambda i: g2g.verify(quantity=Decimal(4)))
    assert all(a.ok for a in answers) and len({canonical_json(a.result) for a in answers}) == 1
    assert sum(not a.replayed for a in answers) == 1
    assert WriteOff.objects.count() == 1 and PermitLine.objects.get(permit=permit).balance == 21


def test_the_same_item_sent_at_once_for_the_last_unit_is_one_write_off_and_retries(transactional_db: None,
                                                                                    g2g: G2G) -> None:
    permit = g2g.issue(lines=((1, "847130", "PCE", "1"),))
    answers = race(4, lambda i: g2g.verify(quantity=Decimal(1)))
    assert all(a.ok for a in answers) and sum(not a.replayed for a in answers) == 1
    assert WriteOff.objects.count() == 1 and PermitLine.objects.get(permit=permit).balance == 0


def test_restores_at_once_restore_once(transactional_db: None, g2g: G2G) -> None:
    permit = g2g.issue()
    g2g.verify(quantity=Decimal(4), item_seq=1)
    g2g.verify(quantity=Decimal(6), item_seq=2)
    restored = race(4, lambda i: len(ledger.restore("TWKEL2600000001", actor=g2g.officer)))
    assert sorted(restored) == [0, 0, 0, 2]
    assert PermitLine.objects.get(permit=permit).balance == 25


def test_write_offs_and_restores_of_a_two_line_permit_at_once_keep_every_balance(transactional_db: None,
                                                                                 g2g: G2G) -> None:
    # given two lines, the second stored first (locks go by primary key, not by line sequence)
    permit = g2g.issue(lines=((2, "851713", "PCE", "30"), (1, "847130", "PCE", "30")))
    for n in range(4):
        assert g2g.verify(quantity=Decimal(2), declaration_ref=f"OLD-{n}").ok
        assert g2g.verify(quantity=Decimal(3), hs_code="8517130000", declaration_ref=f"OLD-{n}", item_seq=2).ok

    def work(i: int) -> int:
        if i % 3 == 0:
            return len(ledger.restore(f"OLD-{i // 3}", actor=g2g.officer))
        hs_code = "8471300000" if i % 2 else "8517130000"
        return int(g2g.verify(quantity=Decimal(1), hs_code=hs_code, declaration_ref=f"NEW-{i}").ok)

    # when restores and write-offs of both lines run at once, none deadlocks and every one counts
    assert race(12, work) == [2, 1, 1] * 4
    for line in PermitLine.objects.filter(permit=permit):
        written = WriteOff.objects.filter(line=line, state="written_off")
        assert sum(row.quantity for row in written) == line.granted - line.balance
    assert [PermitLine.objects.get(permit=permit, sequence=n).balance for n in (1, 2)] == [30 - 4, 30 - 4]
