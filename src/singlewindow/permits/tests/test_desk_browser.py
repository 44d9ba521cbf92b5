"""The hosted permit desk in a real Chromium on a phone: the desk agency finds the application
derived from a declaration, approves it, and customs then goes on with the declaration."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from singlewindow import testing
from singlewindow.customs.tests.clearance import channel_chooser
from singlewindow.permits.tests.flow import DESK_PASSWORD, build_flow, run_engines, waiting_reasons
from singlewindow.portal.tests.test_browser import _assert_fits_the_screen, _log_in, _phone, browser, expect

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def test_the_desk_agency_approves_on_a_phone(browser: Any, transactional_db: None, live_server: Any,
                                             tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    channel_chooser(monkeypatch)
    flow = build_flow(tmp_path)
    case = flow.declare(Client(), "PHONE-DESK")
    tq1 = flow.application(case, "TQ1")
    officer = testing.Party(flow.desk, flow.world["agency"].key, flow.desk_token, "desk", DESK_PASSWORD)

    page = _phone(browser, str(live_server))
    _log_in(page, officer)
    page.get_by_role("link", name="簽審審查平臺").first.click()
    row = page.locator(f'tr[data-application="{tq1.pk}"]')
    expect(row).to_contain_text(tq1.reference)
    expect(row).to_contain_text("已送件")
    _assert_fits_the_screen(page)

    row.get_by_role("link", name=tq1.reference).click()
    expect(page.locator("h1")).to_contain_text(tq1.reference)
    expect(page.locator("#granted-1")).to_have_value("10")
    _assert_fits_the_screen(page)
    page.fill("#permit-number", "TQ-PHONE-1")
    page.get_by_role("button", name="核准", exact=True).click()
    expect(page.locator('[data-status="approved"]')).to_have_text("核准")
    expect(page.locator('[data-field="permit"]')).to_have_text("TQ-PHONE-1")
    _assert_fits_the_screen(page)

    # the decision reached customs: the case no longer waits for the desk agency
    run_engines()
    assert not any("Org desk agency" in reason for reason in waiting_reasons(case))

    # a reject without reasons comes back with the reason and changes nothing
    page.locator("#form-reject").evaluate("form => form.closest('details').open = true")
    page.locator("#form-reject button").click()
    expect(page.locator("#action-error")).to_be_visible()
    expect(page.locator('[data-status="approved"]')).to_be_visible()

