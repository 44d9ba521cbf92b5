"""The screens: the trader's dues with their breakdown, the bank's reconciliation, the office's
acceptance queue; each only for its role, another party's order answering as not found."""

from __future__ import annotations

from django.test import Client
from django.utils import timezone

from singlewindow import testing
from singlewindow.payments.models import Guarantee
from singlewindow.payments.tests.conftest import DUE, Pay


def logged_in(party: testing.Party) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hant")
    assert client.login(username=party.username, password=party.password)
    return client


def test_the_trader_sees_what_it_owes_with_the_breakdown(pay: Pay) -> None:
    order = pay.order(pay.declare("VIEW-1"))
    client = logged_in(pay.world["trader_a"])
    body = client.get("/payments/").content.decode()
    assert order.reference in body and "3,704" in body
    detail = client.get(f"/payments/orders/{order.reference}/").content.decode()
    assert 'data-field="total"' in detail and all(line["code"] in detail for line in order.lines)
    # another trader: not found; the bank cannot open the trader's screen
    assert logged_in(pay.world["trader_b"]).get(f"/payments/orders/{order.reference}/").status_code == 404
    assert logged_in(pay.world["bank"]).get("/payments/").status_code == 403


def test_the_bank_reconciles_a_day_and_a_bad_date_is_explained(pay: Pay) -> None:
    order = pay.order(pay.declare("VIEW-2"))
    pay.pay(order.reference, DUE + 4, "TX-OVER")
    client = logged_in(pay.world["bank"])
    body = client.get(f"/payments/bank/?date={timezone.localdate().isoformat()}").content.decode()
    assert 'data-exception="TX-OVER"' in body and 'data-category="amount_mismatch"' in body
    bad = client.get("/payments/bank/?date=yesterday")
    assert bad.status_code == 422 and "YYYY-MM-DD" in bad.content.decode()
    assert logged_in(pay.world["trader_a"]).get("/payments/bank/").status_code == 403


def test_the_office_accepts_a_guarantee_from_its_queue(pay: Pay) -> None:
    pay.issue("G-Q")
    guarantee = Guarantee.objects.get(number="G-Q")
    other_office = logged_in(pay.world["customs_2"])
    assert 'data-guarantee="G-Q"' not in other_office.get("/payments/customs/").content.decode()
    assert other_office.post(f"/payments/customs/guarantees/{guarantee.pk}/accept/").status_code == 404
    client = logged_in(pay.world["customs"])
    assert 'data-guarantee="G-Q"' in client.get("/payments/customs/").content.decode()
    assert client.post(f"/payments/customs/guarantees/{guarantee.pk}/accept/").status_code == 302
    guarantee.refresh_from_db()
    assert guarantee.state == "accepted" and guarantee.balance == 10_000
    # accepting again fails with the reason in both languages, and nothing changes
    again = client.post(f"/payments/customs/guarantees/{guarantee.pk}/accept/")
    assert again.status_code == 422 and "保證目前狀態" in again.content.decode()
    assert Guarantee.objects.get(pk=guarantee.pk).entries == 2
