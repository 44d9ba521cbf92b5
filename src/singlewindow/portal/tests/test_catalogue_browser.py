"""The service catalogue on a phone, in a real Chromium: the figures first, filters that narrow the list in place."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The Chromium launcher and the phone context are the portal browser tests' own; importing the
# module also skips this one when no Chromium is installed.
from singlewindow.portal.tests.test_browser import PHONE, _assert_fits_the_screen, _phone, browser, expect
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.catalogue import AGENCIES, SERVICES
from singlewindow.registry.services import load_catalogue

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # a fixture: pytest finds it by name


def test_the_catalogue_fits_a_phone_and_filters_in_place(browser, live_server, transactional_db,
                                                         tmp_path_factory):
    shots = Path(os.environ.get("SW_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screens"))
    load_catalogue(actor=SYSTEM)
    page = _phone(browser, str(live_server))
    page.goto("/")
    page.get_by_role("link", name="服務目錄").click()
    expect(page.locator("h1")).to_have_text("服務目錄")
    expect(page.locator('[data-count="agencies"] dd')).to_have_text(str(len(AGENCIES)))
    expect(page.locator('[data-count="services"] dd')).to_have_text(str(len(SERVICES)))
    expect(page.locator("li.service")).to_have_count(len(SERVICES))
    assert page.evaluate("() => document.documentElement.clientWidth") == PHONE["width"]
    _assert_fits_the_screen(page)
    page.screenshot(path=str(shots / "catalogue-zh.png"))

    # choosing a kind swaps the list (htmx) and keeps the address shareable
    permits = sum(1 for s in SERVICES if s.kind == "permit")
    page.select_option("#filter-kind", "permit")
    expect(page.locator("li.service")).to_have_count(permits)
    expect(page.locator('li.service[data-kind="permit"]')).to_have_count(permits)
    expect(page).to_have_url(f"{live_server}/services/?agency=&kind=permit&q=")

    # typing narrows further without pressing anything
    page.fill("#filter-q", "CITES")
    expect(page.locator("li.service")).to_have_count(1)
    expect(page.locator("li.service")).to_have_attribute("data-service", "forestry-cites-permit")
    _assert_fits_the_screen(page)
    page.screenshot(path=str(shots / "catalogue-zh-cites-permits.png"), full_page=True)
