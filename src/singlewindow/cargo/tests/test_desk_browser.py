"""The warehouse's cargo desk in a real Chromium on a phone: the tally of a short-landed bill and
its short/over-landed report, with nothing sticking out sideways."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from singlewindow.cargo.models import Bill, DiscrepancyReport
from singlewindow.cargo.tests.world import build_cargo_world, manifest, master, send
from singlewindow.portal.tests.test_browser import _assert_fits_the_screen, _log_in, _phone, browser, expect

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def test_the_warehouse_tallies_and_reports_on_a_phone(browser: Any, transactional_db: None, live_server: Any) -> None:
    cargo = build_cargo_world()
    send(Client(), cargo["carrier"], manifest("M-PHONE", [master("OCBL-PHONE-0001", 10)]), "m-phone")
    bill = Bill.objects.get(number="OCBL-PHONE-0001")

    page = _phone(browser, str(live_server))
    _log_in(page, cargo["warehouse"])
    page.goto("/cargo/")
    row = page.locator('#expected tr[data-bill="OCBL-PHONE-0001"]')
    expect(row).to_contain_text("10")
    _assert_fits_the_screen(page)
    row.locator("input[name=packages]").fill("8")
    row.locator("input[name=gross_kg]").fill("240")
    row.locator("button[type=submit]").click()
    arrived = page.locator('#arrived tr[data-bill="OCBL-PHONE-0001"]')
    expect(arrived.locator('[data-discrepancy="true"]')).to_contain_text("8")
    _assert_fits_the_screen(page)
    arrived.locator("input[name=note]").fill("2 CT short")
    arrived.locator("button[type=submit]").click()
    expect(page.locator(".flash")).to_contain_text("OCBL-PHONE-0001")
    _assert_fits_the_screen(page)
    report = DiscrepancyReport.objects.get(bill=bill)
    assert (report.kind, report.found_packages, report.note) == ("short", 8, "2 CT short")
