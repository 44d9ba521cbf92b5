"""Concurrent releases against one guarantee and concurrent resends of one confirmation, on
PostgreSQL: threads with their own connections. The balance never goes below zero, exactly as
many releases win as it covers, and a transaction is recorded once.

SQLite runs one writer at a time, so the race is PostgreSQL's question.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from django.db import connection
from django.utils import timezone

from singlewindow.customs.models import Case
from singlewindow.datamodel.datasets.payments import DutyPayment
from singlewindow.payments import services
from singlewindow.payments.confirmations import record_confirmation
from singlewindow.payments.ledger import verify_ledger
from singlewindow.payments.models import BankConfirmation, Guarantee, LedgerEntry
from singlewindow.payments.tests.conftest import DUE, Pay, build_pay
from singlewindow.registry.actors import Actor
from singlewindow.testing import race

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")


@pytest.fixture
def pay_tx(transactional_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pay:
    return build_pay(tmp_path, monkeypatch)


def test_releases_racing_for_one_balance_never_overdraw_it_and_payments_restore_it(pay_tx: Pay) -> None:
    # given six cases awaiting NT$3,704 each and then a guarantee covering three of them
    orders = [pay_tx.order(pay_tx.declare(f"RACE-{n}")) for n in range(6)]
    guarantee = pay_tx.accepted(amount=int(DUE * 3 + 100))
    # when all six try to be released against it at once
    won = race(6, lambda i: services.cover_with_guarantee(orders[i].pk) is not None)
    # then exactly three are released and the balance is what is left
    assert sorted(won) == [False] * 3 + [True] * 3
    guarantee.refresh_from_db()
    assert guarantee.balance == 100
    released = [o for o in orders if Case.objects.get(pk=o.case_id).state == "released"]
    assert len(released) == 3 and LedgerEntry.objects.filter(guarantee=guarantee, kind="debit").count() == 3

    # when the three released are paid at once, by two banks' worth of confirmations racing
    bank = pay_tx.bank.organisation

    def pay_one(i: int) -> str:
        document = DutyPayment.model_validate({
            "transactionId": f"TX-G{i}", "paymentReferenceId": released[i].reference,
            "paymentAmount": {"value": str(DUE), "currencyId": "TWD"}, "paymentDateTime": timezone.now().isoformat(),
            "financialInstitution": {"id": bank.business_id}})
        return record_confirmation(document, bank=bank, actor=Actor(organisation=released[i].office)).outcome

    assert race(3, pay_one) == ["applied"] * 3
    # then the whole balance is back and the ledger verifies
    assert Guarantee.objects.get(pk=guarantee.pk).balance == int(DUE * 3 + 100)
    assert verify_ledger().ok


def test_one_confirmation_resent_at_once_is_recorded_once(pay_tx: Pay) -> None:
    order = pay_tx.order(pay_tx.declare("RACE-PAY"))
    bank = pay_tx.bank.organisation
    document = DutyPayment.model_validate({
        "transactionId": "TX-RACE", "paymentReferenceId": order.reference,
        "paymentAmount": {"value": "1000", "currencyId": "TWD"}, "paymentDateTime": timezone.now().isoformat(),
        "financialInstitution": {"id": bank.business_id}})
    actor = Actor(organisation=order.office, membership_role="engine")
    recorded = race(5, lambda i: record_confirmation(document, bank=bank, actor=actor).pk)
    assert len(set(recorded)) == 1
    order.refresh_from_db()
    assert order.amount_paid == 1000 and BankConfirmation.objects.count() == 1
