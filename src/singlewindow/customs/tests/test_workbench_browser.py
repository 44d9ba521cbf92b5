"""The customs workbench in a real Chromium on phone-sized screens, against a live server: an officer
sends a deficiency notice listing two documents, the trader reads it on its own phone."""

from __future__ import annotations

import os
from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone

from singlewindow.customs.models import Case, CaseState
from singlewindow.customs.tests.test_workbench import build_scene, declare

pytestmark = pytest.mark.browser

# Playwright's sync API keeps an event loop running in this thread; the test's own ORM calls
# are still synchronous and safe, so tell Django not to refuse them.
os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

CHROMIUM = os.environ.get("SW_CHROMIUM", "/usr/bin/chromium")
if not Path(CHROMIUM).exists():
    pytest.skip(f"no Chromium at {CHROMIUM} (apt-get install -y chromium, or set SW_CHROMIUM)",
                allow_module_level=True)

sync_api = pytest.importorskip("playwright.sync_api")
expect = sync_api.expect

from singlewindow.portal.tests.test_browser import (  # noqa: E402 - after the skips above, as they need
    _assert_fits_the_screen,
    _log_in,
    _phone,
    browser,
)

__all__ = ["browser"]  # a fixture shared with the portal's browser tests: pytest finds it by name


def _htmx_settled(page: object) -> None:
    """Wait until no htmx request, swap or settle is under way on the page."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => !document.querySelector('.htmx-request, .htmx-swapping, .htmx-settling')")


def test_deficiency_notice_from_officer_to_trader_on_phones(browser, transactional_db, live_server,
                                                            tmp_path_factory):
    world = build_scene()
    case = declare(world["trader_a"], "PHONE-C2", "C2")
    declare(world["trader_a"], "PHONE-C3", "C3")
    shots = Path(os.environ.get("SW_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screens"))

    # --- the officer's queue, in Chinese: the C2 tab is swapped in by htmx and the address follows
    officer = _phone(browser, str(live_server))
    _log_in(officer, world["customs"])
    officer.get_by_role("link", name="報關審核工作台").click()
    officer.wait_for_url("**/customs/")
    expect(officer.locator("h1")).to_have_text("報關審核工作台")
    expect(officer.locator("tr[data-case]")).to_have_count(2)
    officer.locator('a[data-tab="c3"]').click()
    expect(officer.locator("tr[data-case]")).to_have_count(1)
    expect(officer.locator("tr[data-case]")).to_contain_text("PHONE-C3")
    assert officer.url.endswith("/customs/?tab=c3")
    _htmx_settled(officer)  # the swapped-in form listens for changes only once htmx has settled it
    officer.select_option("#filter-channel", "C2")  # the C3 tab and channel C2 cannot both hold
    expect(officer.locator("#queue .empty")).to_be_visible()
    _htmx_settled(officer)
    officer.locator('a[data-tab="c2"]').click()
    row = officer.locator(f'tr[data-case="{case.pk}"]')
    expect(row).to_contain_text("PHONE-C2")
    _assert_fits_the_screen(officer)
    officer.screenshot(path=str(shots / "officer-queue-zh.png"), full_page=True)

    # --- the case: the selection reasons, then a deficiency notice with two documents
    row.get_by_role("link").click()
    officer.wait_for_url(f"**/customs/cases/{case.pk}/")
    expect(officer.locator("#selection")).to_contain_text("測試選取 C2")
    _assert_fits_the_screen(officer)
    officer.locator("#actions summary", has_text="一次性告知單").click()
    officer.fill("#doc-0-type", "380")
    officer.fill("#doc-0-en", "Commercial invoice")
    officer.fill("#doc-0-zh", "商業發票")
    officer.fill("#doc-1-type", "861")
    officer.fill("#doc-1-en", "Certificate of origin")
    officer.fill("#doc-1-zh", "產地證明書")
    deadline = (timezone.localdate() + timedelta(days=7)).isoformat()
    officer.fill("#deadline", deadline)
    _assert_fits_the_screen(officer)
    officer.screenshot(path=str(shots / "officer-notice-form-zh.png"), full_page=True)
    officer.locator("#form-request-documents button[type=submit]").click()
    expect(officer.locator(".flash")).to_contain_text("已將一次性告知單送達報關人")
    expect(officer.locator('[data-field="state"]')).to_have_text("通知補送文件")
    expect(officer.locator("#history")).to_contain_text("產地證明書")
    _assert_fits_the_screen(officer)
    officer.screenshot(path=str(shots / "officer-case-zh.png"), full_page=True)

    # --- the trader, on its own phone and in English, finds the notice under "My declarations"
    trader = _phone(browser, str(live_server))
    _log_in(trader, world["trader_a"])
    trader.get_by_role("button", name="English").click()
    trader.get_by_role("link", name="My declarations").click()
    trader.wait_for_url("**/customs/my-cases/")
    trader.locator(f'tr[data-case="{case.pk}"]').get_by_role("link").click()
    requested = trader.locator("#requested-documents")
    expect(requested).to_contain_text("Commercial invoice")
    expect(requested).to_contain_text("Certificate of origin")
    expect(requested.locator('[data-field="deadline"]')).to_contain_text(deadline)
    expect(trader.locator("#selection")).to_have_count(0)  # no risk details for the declarant
    expect(trader.locator("#actions")).to_have_count(0)
    _assert_fits_the_screen(trader)
    trader.screenshot(path=str(shots / "trader-case-en.png"), full_page=True)
    assert Case.objects.get(pk=case.pk).state == CaseState.DOCUMENTS_REQUESTED
