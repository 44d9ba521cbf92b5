"""The payment screens in a real Chromium on a phone: the office accepts a bank's guarantee from its
queue, and the trader then sees what it owes with the breakdown and its guarantee's balance."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from singlewindow.payments.tests.conftest import build_pay
from singlewindow.portal.tests.test_browser import _assert_fits_the_screen, _log_in, _phone, browser, expect

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def test_the_office_accepts_a_guarantee_and_the_trader_sees_its_dues_on_a_phone(
        browser: Any, transactional_db: None, live_server: Any, tmp_path: Path,
        monkeypatch: pytest.MonkeyPatch) -> None:
    pay = build_pay(tmp_path, monkeypatch)
    pay.issue("G-PHONE", amount=50_000)
    order = pay.order(pay.declare("PHONE-PAY"))

    officer = _phone(browser, str(live_server))
    _log_in(officer, pay.world["customs"])
    officer.goto("/payments/customs/")
    row = officer.locator('#queue tr[data-guarantee="G-PHONE"]')
    expect(row).to_contain_text("50,000")
    _assert_fits_the_screen(officer)
    row.get_by_role("button", name="核准").click()
    expect(officer.locator('#held tr[data-guarantee="G-PHONE"] [data-state="accepted"]')).to_be_visible()
    expect(officer.locator('#queue tr[data-guarantee="G-PHONE"]')).to_have_count(0)

    trader = _phone(browser, str(live_server))
    _log_in(trader, pay.world["trader_a"])
    trader.goto("/payments/")
    expect(trader.locator(f'tr[data-order="{order.reference}"] [data-field="outstanding"]')).to_contain_text("3,704")
    expect(trader.locator('tr[data-guarantee="G-PHONE"] [data-field="balance"]')).to_contain_text("50,000")
    _assert_fits_the_screen(trader)
    trader.get_by_role("link", name=order.reference).click()
    expect(trader.locator('[data-field="total"]')).to_contain_text("3,704")
    _assert_fits_the_screen(trader)
