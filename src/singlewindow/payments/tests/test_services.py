"""Rules of the services beyond the end-to-end flow: hostile bank messages refused at intake, closing
a guarantee, refunds paid back, references and their check digits."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.db import IntegrityError, transaction
from django.db.models import F

from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.worker import sweep_once
from singlewindow.payments import guarantees, references, services
from singlewindow.payments.errors import PaymentsError
from singlewindow.payments.ledger import verify_ledger
from singlewindow.payments.models import BankConfirmation, Guarantee, PaymentOrder, RefundOrder
from singlewindow.payments.tests.conftest import DUE, Pay


@pytest.mark.parametrize("change", [
    {"paymentAmount": {"value": "-5", "currencyId": "TWD"}},
    {"paymentAmount": {"value": "1e400", "currencyId": "TWD"}},
    {"paymentReferenceId": "12AB"},
    {"transactionId": "x" * 36},
    {"financialInstitution": {"id": "30000035"}},  # fails the business ID check rule
    {"unexpected": "field"},
    {"paymentDateTime": "yesterday"},
])
def test_a_malformed_confirmation_is_refused_at_intake_and_records_nothing(pay: Pay, change: dict[str, Any]) -> None:
    order = pay.order(pay.declare("BAD-1"))
    document = {"transactionId": "TX-1", "paymentReferenceId": order.reference,
                "paymentAmount": {"value": str(DUE), "currencyId": "TWD"}, "paymentDateTime": "2026-11-21",
                "financialInstitution": {"id": pay.bank.organisation.business_id}, **change}
    with pytest.raises(ExchangeError) as raised:
        pay.send("duty_payment.notification", document, "bad-1")
    assert raised.value.code == ExchangeErrorCode.INVALID
    order.refresh_from_db()
    assert order.amount_paid == 0 and not BankConfirmation.objects.exists()


def test_an_oversize_or_unsigned_confirmation_is_refused(pay: Pay, settings: Any) -> None:
    from singlewindow.exchange.intake import Envelope, submit_message
    from singlewindow.registry.actors import Actor

    order = pay.order(pay.declare("BAD-2"))
    payload = json.dumps({"transactionId": "TX-1", "paymentReferenceId": order.reference,
                          "paymentAmount": {"value": "1", "currencyId": "TWD"}, "paymentDateTime": "2026-11-21",
                          "financialInstitution": {"id": pay.bank.organisation.business_id}}).encode()
    with pytest.raises(ExchangeError) as unsigned:  # the service is certificate-based
        submit_message(envelope=Envelope("duty_payment.notification", "u-1", "application/json", payload),
                       actor=Actor(organisation=pay.bank.organisation))
    assert unsigned.value.code == ExchangeErrorCode.SIGNATURE_REQUIRED
    settings.SW_MAX_MESSAGE_BYTES = 100
    with pytest.raises(ExchangeError) as big:
        pay.send("duty_payment.notification", json.loads(payload), "big-1")
    assert big.value.code == ExchangeErrorCode.TOO_LARGE
    assert not BankConfirmation.objects.exists()


def test_a_trader_cannot_send_a_payment_confirmation(pay: Pay) -> None:
    order = pay.order(pay.declare("BAD-3"))
    document = {"transactionId": "TX-1", "paymentReferenceId": order.reference,
                "paymentAmount": {"value": str(DUE), "currencyId": "TWD"}, "paymentDateTime": "2026-11-21",
                "financialInstitution": {"id": "30000002"}}
    with pytest.raises(ExchangeError) as raised:
        pay.send("duty_payment.notification", document, "forged", party=pay.world["trader_a"])
    assert raised.value.code == ExchangeErrorCode.UNAUTHORISED_SENDER
    assert pay.order(order.case).amount_paid == 0


def test_a_guarantee_is_closed_only_once_its_releases_are_paid(pay: Pay) -> None:
    guarantee = pay.accepted(amount=10_000)
    order = pay.order(pay.declare("CLOSE-1"))
    assert services.cover_with_guarantee(order.pk) is not None
    with pytest.raises(PaymentsError, match="not paid for yet"):
        guarantees.close_guarantee(guarantee, actor=pay.officer)
    assert Guarantee.objects.get(pk=guarantee.pk).state == "accepted"
    pay.pay(order.reference, DUE, "TX-C")
    closed = guarantees.close_guarantee(guarantee, actor=pay.officer)
    assert closed.state == "closed" and closed.balance == 10_000
    assert [g.id for g in pay.bank_mailbox("electronic_guarantee.close")] == ["G-1"]
    with pytest.raises(PaymentsError):
        guarantees.close_guarantee(guarantee, actor=pay.officer)


def test_the_database_refuses_a_negative_or_excess_balance(pay: Pay) -> None:
    guarantee = pay.accepted(amount=1000)
    for balance in (-1, 1001):
        with pytest.raises(IntegrityError), transaction.atomic():
            Guarantee.objects.filter(pk=guarantee.pk).update(balance=balance)
    assert Guarantee.objects.get(pk=guarantee.pk).balance == 1000


def test_a_released_deposit_is_refunded_and_paid_back_once(pay: Pay) -> None:
    order = pay.order(pay.declare("DEP-1"))
    refund = services.release_deposit(order=order, amount=services.Decimal("1200.4"), actor=pay.officer)
    assert (refund.reason, refund.amount, refund.state) == ("deposit", 1200, "pending")
    assert references.is_valid(refund.reference) and refund.reference.startswith("9")
    assert (refund.due_at - refund.created_at).days == services.REFUND_DAYS
    assert services.mark_refund_paid(refund=refund, actor=pay.officer).state == "paid"
    paid_at = RefundOrder.objects.get(pk=refund.pk).paid_at
    services.mark_refund_paid(refund=refund, actor=pay.officer)
    assert RefundOrder.objects.get(pk=refund.pk).paid_at == paid_at


def test_check_digits_catch_a_changed_or_swapped_digit() -> None:
    reference = references.payment_reference(2026, 4321)
    assert references.is_valid(reference)
    for n in range(len(reference)):
        changed = reference[:n] + str((int(reference[n]) + 1) % 10) + reference[n + 1:]
        assert not references.is_valid(changed)
    swapped = reference[:5] + reference[6] + reference[5] + reference[7:]
    assert swapped == reference or not references.is_valid(swapped)
    assert not references.is_valid("12") and not references.is_valid("abc") and not references.is_valid("1" * 25)


def test_the_sweeper_covers_an_order_whose_release_task_was_lost(pay: Pay) -> None:
    pay.accepted(amount=10_000)
    order = pay.order(pay.declare("LOST-1"))  # its cover task was queued, and no worker ran it
    assert order.state == "open"
    assert services.cover_waiting_orders() == 0  # younger than the grace: still its task's to run
    assert sweep_once()["engine_sweeps"] == 0

    Guarantee.objects.update(state="suspended")
    assert services.cover_waiting_orders(grace=timedelta(0)) == 0  # nothing covers it now
    Guarantee.objects.update(state="accepted")
    assert services.cover_waiting_orders(grace=timedelta(0)) == 1
    order.refresh_from_db()
    assert order.state == "guaranteed" and order.case.state == "released"
    assert Guarantee.objects.get().balance == 10_000 - DUE
    assert services.cover_waiting_orders(grace=timedelta(0)) == 0  # released once, debited once
    assert verify_ledger().ok


def test_the_sweeper_covers_waiting_orders_once_a_balance_allows(pay: Pay) -> None:
    pay.accepted(amount=5000)
    first, second = pay.order(pay.declare("WAIT-1")), pay.order(pay.declare("WAIT-2"))
    PaymentOrder.objects.update(issued_at=F("issued_at") - timedelta(minutes=5))
    assert sweep_once()["engine_sweeps"] == 1  # the balance covers one of the two
    pay.pay(first.reference if PaymentOrder.objects.get(pk=first.pk).state == "guaranteed" else second.reference,
            DUE, "TX-BACK")  # paying the released one restores the balance …
    assert sweep_once()["engine_sweeps"] == 1  # … and the other is released against it
    assert sorted(PaymentOrder.objects.values_list("state", flat=True)) == ["guaranteed", "paid"]
    assert Guarantee.objects.get().balance == 5000 - DUE
