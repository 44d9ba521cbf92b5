"""End to end through the exchange: a declaration assessed, its order paid by a bank confirmation and
the goods released; release against a guarantee and the balance restored by the payment; a
suspended guarantee; resends, double and partial payments, refusals to the bank."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest

from singlewindow.customs.models import Case
from singlewindow.customs.services import cancel
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.payments import references
from singlewindow.payments.ledger import verify_ledger
from singlewindow.payments.models import BankConfirmation, Guarantee, LedgerEntry, PaymentOrder, RefundOrder
from singlewindow.payments.tests.conftest import DUE, Pay


@pytest.fixture
def tasks_run_at_once(settings: Any, django_capture_on_commit_callbacks: Callable[..., Any]) -> Callable[..., Any]:
    """Work queued after commit (release against a guarantee) runs at once, as a worker would."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
    return django_capture_on_commit_callbacks


def test_an_assessed_declaration_is_paid_by_its_bank_and_released(pay: Pay) -> None:
    case = pay.declare("PAY-1")
    assert case.state == "awaiting_payment"
    order = pay.order(case)
    # the order carries the amount per duty, tax and fee, whole dollars, due 14 days after the notice
    assert order.amount == DUE and references.is_valid(order.reference)
    assert sum(Decimal(line["amount"]) for line in order.lines) == DUE and len(order.lines) >= 2
    assert (order.due_at - order.issued_at).days == 14
    assert order.importer == pay.world["trader_a"].organisation

    pay.pay(order.reference, DUE, "TX-1")

    case.refresh_from_db()
    order.refresh_from_db()
    assert case.state == "released" and case.amount_paid == DUE
    assert order.state == "paid" and order.amount_paid == DUE
    assert BankConfirmation.objects.get(transaction_id="TX-1").outcome == "applied"


def test_a_part_payment_keeps_the_order_open_and_the_rest_releases(pay: Pay) -> None:
    case = pay.declare("PAY-2")
    order = pay.order(case)
    pay.pay(order.reference, 1000, "TX-A")
    case.refresh_from_db()
    order.refresh_from_db()
    assert case.state == "awaiting_payment" and order.state == "part_paid" and order.outstanding == DUE - 1000
    pay.pay(order.reference, DUE - 1000, "TX-B")
    case.refresh_from_db()
    assert case.state == "released" and PaymentOrder.objects.get(pk=order.pk).state == "paid"


def test_a_resent_confirmation_is_recorded_once(pay: Pay) -> None:
    case = pay.declare("PAY-3")
    order = pay.order(case)
    pay.pay(order.reference, 1000, "TX-SAME", client_reference="first")
    pay.pay(order.reference, 1000, "TX-SAME", client_reference="again")  # a new message, the same transaction
    order.refresh_from_db()
    assert order.amount_paid == 1000 and order.state == "part_paid"
    assert BankConfirmation.objects.filter(transaction_id="TX-SAME", refused=False).count() == 1
    assert not RefundOrder.objects.exists()


def test_a_transaction_id_reused_for_another_payment_is_refused_and_pays_nothing(pay: Pay) -> None:
    first, second = pay.order(pay.declare("PAY-3A")), pay.order(pay.declare("PAY-3B"))
    pay.pay(first.reference, 1000, "TX-ONCE")
    pay.pay(second.reference, 1000, "TX-ONCE", client_reference="other-order")  # the id, another order
    pay.pay(first.reference, 999, "TX-ONCE", client_reference="other-amount")  # the id, another amount
    first.refresh_from_db()
    second.refresh_from_db()
    assert first.amount_paid == 1000 and first.state == "part_paid"
    assert second.amount_paid == 0 and second.state == "open" and second.case.amount_paid == 0
    assert BankConfirmation.objects.filter(transaction_id="TX-ONCE", refused=False).count() == 1
    answers = pay.bank_mailbox("payment_response.notification")
    assert [a.error[0].validation_code for a in answers] == ["TRANSACT", "TRANSACT"]


def test_an_order_paid_twice_becomes_a_refund_order(pay: Pay) -> None:
    case = pay.declare("PAY-4")
    order = pay.order(case)
    pay.pay(order.reference, DUE, "TX-1")
    pay.pay(order.reference, DUE, "TX-2")  # the trader paid again at another branch
    refund = RefundOrder.objects.get()
    assert refund.reason == "double_payment" and refund.amount == DUE and refund.state == "pending"
    assert refund.bank == pay.bank.organisation and refund.payee == pay.world["trader_a"].organisation
    assert BankConfirmation.objects.get(transaction_id="TX-2").outcome == "duplicate"
    case.refresh_from_db()
    assert case.amount_paid == DUE  # customs counts the duties once


def test_paying_too_much_refunds_the_surplus(pay: Pay) -> None:
    order = pay.order(pay.declare("PAY-5"))
    pay.pay(order.reference, DUE + 96, "TX-1")
    assert RefundOrder.objects.get().amount == 96
    assert PaymentOrder.objects.get(pk=order.pk).state == "paid"


@pytest.mark.parametrize(("change", "code"), [
    ({"reference": "UNKNOWN"}, "UNKNOWN_"),
    ({"reference": "TYPO"}, "BAD_CHEC"),
    ({"amount": "12.50"}, "BAD_AMOU"),
    ({"currency": "USD"}, "BAD_CURR"),
    ({"bank_id": "30000002"}, "UNKNOWN_"),
])
def test_a_confirmation_customs_cannot_record_is_refused_to_the_bank(pay: Pay, change: dict[str, str],
                                                                   code: str) -> None:
    case = pay.declare("PAY-6")
    order = pay.order(case)
    reference = {"UNKNOWN": references.payment_reference(2026, 999999), "TYPO": order.reference[:-1] + (
        "0" if order.reference[-1] != "0" else "1")}.get(change.get("reference", ""), order.reference)
    pay.pay(reference, change.get("amount", DUE), "TX-BAD", bank_id=change.get("bank_id"),
            currency=change.get("currency", "TWD"), office="TWKEL")
    # then nothing was paid, the refusal is kept for the reconciliation and the bank is told in both languages
    case.refresh_from_db()
    assert case.state == "awaiting_payment" and case.amount_paid == 0
    assert BankConfirmation.objects.get(transaction_id="TX-BAD").refused
    [answer] = pay.bank_mailbox("payment_response.notification")
    assert answer.status == "refused" and answer.error[0].validation_code == code
    assert " / " in answer.remarks and any("\u4e00" <= ch <= "\u9fff" for ch in answer.remarks)


def test_a_reference_nobody_knows_without_an_office_is_refused_by_the_exchange(pay: Pay) -> None:
    with pytest.raises(ExchangeError) as raised:
        pay.pay(references.payment_reference(2026, 12345), 100, "TX-LOST")
    assert raised.value.code == ExchangeErrorCode.NO_ROUTE
    assert not BankConfirmation.objects.exists()


def test_a_cancelled_declaration_part_paid_is_refunded(pay: Pay) -> None:
    case = pay.declare("PAY-7")
    order = pay.order(case)
    pay.pay(order.reference, 500, "TX-1")
    cancel(case, actor=pay.officer, message_id=case.message_id)
    order.refresh_from_db()
    assert order.state == "cancelled"
    refund = RefundOrder.objects.get()
    assert (refund.reason, refund.amount, refund.bank) == ("cancelled", 500, pay.bank.organisation)


# --- guarantees ------------------------------------------------------------------------------


def test_released_against_a_guarantee_then_paid_restores_the_balance(pay: Pay, tasks_run_at_once: Any) -> None:
    guarantee = pay.accepted(amount=10_000)
    assert guarantee.state == "accepted" and guarantee.balance == 10_000
    [accepted] = pay.bank_mailbox("electronic_guarantee.accept")  # customs answered the bank
    assert accepted.available_amount.value == 10_000

    with tasks_run_at_once(execute=True):
        case = pay.declare("PAY-G1")
    case.refresh_from_db()
    order = pay.order(case)
    assert case.state == "released" and order.state == "guaranteed" and order.guarantee == guarantee
    guarantee.refresh_from_db()
    assert guarantee.balance == 10_000 - DUE

    pay.pay(order.reference, DUE, "TX-G1")
    guarantee.refresh_from_db()
    order.refresh_from_db()
    case.refresh_from_db()
    assert guarantee.balance == 10_000 and order.state == "paid" and case.amount_paid == DUE
    assert [e.kind for e in LedgerEntry.objects.filter(guarantee=guarantee)] == [
        "requested", "accepted", "debit", "credit"]
    assert verify_ledger().ok


def test_a_guarantee_too_small_or_suspended_lets_the_case_wait_for_payment(pay: Pay, tasks_run_at_once: Any) -> None:
    pay.accepted(amount=5000)
    with tasks_run_at_once(execute=True):
        first = pay.declare("PAY-G2")
        second = pay.declare("PAY-G3")  # 3,704 each: the balance covers one
    states = sorted(Case.objects.get(pk=c.pk).state for c in (first, second))
    assert states == ["awaiting_payment", "released"]

    pay.suspend("G-1")
    guarantee = Guarantee.objects.get(number="G-1")
    assert guarantee.state == "suspended"
    pay.pay(pay.order(first if Case.objects.get(pk=first.pk).state == "released" else second).reference, DUE, "T1")
    guarantee.refresh_from_db()
    assert guarantee.balance == 5000  # the payment restores the balance …
    with tasks_run_at_once(execute=True):
        third = pay.declare("PAY-G4")
    assert Case.objects.get(pk=third.pk).state == "awaiting_payment"  # … but a suspended guarantee releases nothing
    assert verify_ledger().ok


def test_a_tampered_ledger_entry_is_detected(pay: Pay, tasks_run_at_once: Any) -> None:
    guarantee = pay.accepted(amount=10_000)
    with tasks_run_at_once(execute=True):
        pay.declare("PAY-G5")
    assert verify_ledger().ok
    # someone with database access lowers a debit afterwards
    LedgerEntry.objects.filter(guarantee=guarantee, kind="debit").update(amount=1)
    report = verify_ledger()
    assert not report.ok and "entry 3" in report.problems[0]
    # a body rewritten to match is caught by the chain
    entry = LedgerEntry.objects.get(guarantee=guarantee, kind="debit")
    LedgerEntry.objects.filter(pk=entry.pk).update(body=entry.body.replace('"amount":"3704"', '"amount":"1"'))
    assert "hash" in verify_ledger().problems[0]


def test_the_last_ledger_entry_removed_is_detected(pay: Pay) -> None:
    guarantee = pay.accepted()
    LedgerEntry.objects.filter(guarantee=guarantee, seq=2).delete()
    assert "entries recorded" in verify_ledger().problems[0]


@pytest.mark.parametrize(("options", "code"), [
    ({"trader": "30000039"}, "UNKNOWN_"),
    ({"amount": 0}, "BAD_AMOU"),
    ({"end": "past"}, "BAD_VALI"),
])
def test_a_guarantee_request_customs_cannot_record_is_refused(pay: Pay, options: dict[str, Any], code: str) -> None:
    from datetime import timedelta

    from django.utils import timezone

    if options.get("end") == "past":
        options = {"start": timezone.localdate() - timedelta(days=30), "end": timezone.localdate() - timedelta(days=1)}
    pay.issue("G-BAD", **options)
    assert not Guarantee.objects.exists()
    [answer] = pay.bank_mailbox("payment_response.notification")
    assert answer.error[0].validation_code == code


def test_a_resent_guarantee_request_is_recorded_once_and_other_terms_refused(pay: Pay) -> None:
    pay.issue("G-2")
    pay.send("electronic_guarantee.submit", pay.guarantee_document("G-2"), "eg-again")
    assert Guarantee.objects.count() == 1 and not pay.bank_mailbox("payment_response.notification")
    pay.send("electronic_guarantee.submit", pay.guarantee_document("G-2", amount=99_999), "eg-other")
    assert Guarantee.objects.get().amount == 10_000
    assert pay.bank_mailbox("payment_response.notification")[0].error[0].validation_code == "GUARANTE"
