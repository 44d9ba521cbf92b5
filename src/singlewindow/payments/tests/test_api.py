"""The read API under /api/v1/payments: each party sees its own orders, guarantees and ledger entries,
and another party's answer as not found."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from singlewindow import testing
from singlewindow.payments.tests.conftest import DUE, Pay

URL = "/api/v1/payments"


def get(pay: Pay, party: testing.Party, path: str) -> Any:
    return pay.client.get(f"{URL}{path}", **party.auth())


def test_a_trader_sees_its_own_orders_with_the_breakdown_and_never_another_traders(pay: Pay) -> None:
    case = pay.declare("API-1")
    order = pay.order(case)
    mine = get(pay, pay.world["trader_a"], "/orders")
    assert mine.status_code == 200
    [row] = mine.json()
    assert row["reference"] == order.reference and row["amount"] == str(DUE) and row["state"] == "open"
    assert sum(int(line["amount"]) for line in row["lines"]) == DUE
    # trader B, the bank and another customs office see nothing of it; one order answers as not found
    for name in ("trader_b", "bank", "customs_2", "agency"):
        assert get(pay, pay.world[name], "/orders").json() == [], name
        response = get(pay, pay.world[name], f"/orders/{order.reference}")
        assert response.status_code == 404 and response["Content-Type"].startswith("application/problem+json")
    # the office that assessed it does see it
    assert get(pay, pay.world["customs"], f"/orders/{order.reference}").json()["reference"] == order.reference


def test_guarantees_and_their_ledger_for_the_bank_the_trader_and_the_office_only(pay: Pay) -> None:
    guarantee = pay.accepted(amount=20_000)
    for name in ("bank", "trader_a", "customs"):
        listed = get(pay, pay.world[name], "/guarantees").json()
        assert [g["number"] for g in listed] == ["G-1"] and listed[0]["balance"] == "20000", name
        ledger = get(pay, pay.world[name], f"/guarantees/{guarantee.pk}/ledger").json()
        assert [e["kind"] for e in ledger] == ["requested", "accepted"] and len(ledger[1]["hash"]) == 64
    for name in ("trader_b", "customs_2", "broker"):
        assert get(pay, pay.world[name], "/guarantees").json() == []
        assert get(pay, pay.world[name], f"/guarantees/{guarantee.pk}/ledger").status_code == 404


def test_confirmations_and_the_reconciliation_for_the_bank(pay: Pay) -> None:
    order = pay.order(pay.declare("API-2"))
    pay.pay(order.reference, DUE, "TX-1")
    pay.pay(order.reference, DUE, "TX-2")
    assert {c["transaction_id"] for c in get(pay, pay.world["bank"], "/confirmations").json()} == {"TX-1", "TX-2"}
    assert get(pay, pay.world["trader_b"], "/confirmations").json() == []
    today = timezone.localdate().isoformat()
    report = get(pay, pay.world["bank"], f"/reconciliation/{today}").json()
    assert report["counts"] == {"matched": 1, "unmatched_confirmation": 0, "amount_mismatch": 0,
                                "order_paid_twice": 1}
    assert get(pay, pay.world["trader_a"], f"/reconciliation/{today}").status_code == 404
    bad = get(pay, pay.world["bank"], "/reconciliation/2026-02-30")
    assert bad.status_code == 422 and bad.json()["errors"][0]["code"] == "payments.bad_date"
    refunds = get(pay, pay.world["trader_a"], "/refunds").json()
    assert [(r["reason"], r["amount"]) for r in refunds] == [("double_payment", str(DUE))]


def test_without_a_token_the_api_answers_401(pay: Pay) -> None:
    assert pay.client.get(f"{URL}/orders").status_code == 401


def test_the_order_list_costs_the_same_queries_for_one_order_or_three(
        pay: Pay, django_assert_max_num_queries: Any) -> None:
    pay.declare("API-Q1")
    trader = pay.world["trader_a"]
    get(pay, trader, "/orders")  # warm the token and registry caches
    with django_assert_max_num_queries(6):
        assert len(get(pay, trader, "/orders").json()) == 1
    pay.declare("API-Q2")
    pay.declare("API-Q3")
    with django_assert_max_num_queries(6):
        assert len(get(pay, trader, "/orders").json()) == 3


def test_the_office_sees_a_refused_confirmation_among_its_exceptions(pay: Pay) -> None:
    from singlewindow.payments import references

    pay.pay(references.payment_reference(2026, 777), 100, "TX-LOST", office="TWKEL")
    assert [c["outcome"] for c in get(pay, pay.world["customs"], "/confirmations").json()] == ["refused"]
    assert get(pay, pay.world["customs_2"], "/confirmations").json() == []
