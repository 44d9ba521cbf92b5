"""The portal in a real Chromium on a phone-sized screen, against a live server."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.db import connections
from django.test import Client

from singlewindow import testing

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

UCR = "6TW30000002-PHONE01"
PHONE = {"width": 375, "height": 740}


@pytest.fixture
def browser() -> Iterator[object]:
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking",
                  "--disable-component-update", "--disable-sync", "--no-first-run"],
        )
        try:
            yield browser
        finally:
            browser.close()
            # Playwright's sync API switches the context Django keys its connections on, so the
            # connection opened inside it must be closed here or PostgreSQL cannot drop the test DB.
            connections.close_all()


@pytest.fixture
def scene(transactional_db: None, live_server: object) -> dict[str, object]:
    """A world with one signed import declaration already submitted through the API."""
    world = testing.build_world()
    trader = world["trader_a"]
    payload = testing.encode(testing.declaration(ucr=UCR, reference="PHONE-1"))
    response = Client().post("/api/v1/messages", data=payload,
                             **testing.submit_headers(trader, payload, client_reference="PHONE-1"))
    assert response.status_code == 201, response.content
    return {"world": world, "receipt": response.json()["receipt"], "url": str(live_server)}


def _phone(browser, base_url: str):
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="zh-TW", base_url=base_url)
    context.set_default_timeout(10_000)
    return context.new_page()


def _log_in(page, party: testing.Party) -> None:
    page.goto("/login/")
    page.fill("input[name=username]", party.username)
    page.fill("input[name=password]", party.password)
    page.click("form.stacked button[type=submit]")
    page.wait_for_url("**/")


WIDER_THAN_SCREEN = """() => {
  const limit = document.documentElement.clientWidth;
  return [...document.querySelectorAll("body *")]
    .filter((el) => el.getBoundingClientRect().right > limit + 0.5)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className} ${el.textContent.slice(0, 40)}`);
}"""


def _assert_fits_the_screen(page) -> None:
    """Nothing may stick out sideways: on a phone that means horizontal scrolling."""
    offenders = page.evaluate(WIDER_THAN_SCREEN)
    assert not offenders, f"wider than the {PHONE['width']}px screen: {offenders[:5]}"


def test_trader_and_agency_on_phones(browser, scene, tmp_path_factory):
    world, receipt, base = scene["world"], scene["receipt"], scene["url"]
    shots = Path(os.environ.get("SW_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screens"))

    # --- the trader, in Chinese (the default), sees its declaration and its delivery state
    trader = _phone(browser, base)
    _log_in(trader, world["trader_a"])
    row = trader.locator(f'tr[data-message="{receipt["message_id"]}"]')
    expect(row).to_be_visible()
    expect(row).to_contain_text("PHONE-1")
    expect(row).to_contain_text("進口報單")
    expect(row.locator('[data-recipient="t-customs-kel"] [data-state="pending"]')).to_have_text("待收取")
    _assert_fits_the_screen(trader)
    trader.screenshot(path=str(shots / "trader-home-zh.png"), full_page=True)

    # --- the timeline
    row.get_by_role("link", name=UCR).click()
    trader.wait_for_url(f"**/consignments/{UCR}/")
    expect(trader.locator('[data-kind="message.received"]')).to_contain_text("進口報單")
    _assert_fits_the_screen(trader)
    trader.screenshot(path=str(shots / "trader-timeline-zh.png"), full_page=True)

    # --- switch to English; the same page comes back in English
    trader.get_by_role("button", name="English").click()
    expect(trader.locator("h1")).to_have_text("Consignment timeline")
    expect(trader.locator("html")).to_have_attribute("lang", "en")
    trader.get_by_role("link", name="Home", exact=True).click()
    expect(trader.get_by_role("heading", name="Sent messages")).to_be_visible()
    state = trader.locator(f'tr[data-message="{receipt["message_id"]}"] [data-state]')
    expect(state).to_have_text("Waiting in mailbox")
    _assert_fits_the_screen(trader)
    trader.screenshot(path=str(shots / "trader-home-en.png"), full_page=True)

    # --- the customs office, on another phone, acknowledges the item in its mailbox
    customs = _phone(browser, base)
    _log_in(customs, world["customs"])
    item = customs.locator("#mailbox tr[data-delivery]").filter(has_text=UCR)
    expect(item).to_be_visible()
    expect(item).to_contain_text("機構trader_a")
    _assert_fits_the_screen(customs)
    customs.screenshot(path=str(shots / "customs-mailbox-zh.png"), full_page=True)
    item.get_by_role("button", name="確認收到").click()
    expect(item.locator("[data-state]")).to_have_attribute("data-state", "acknowledged")
    expect(item.locator("[data-state]")).to_have_text("已確認")

    # --- without reloading, the trader's page picks the acknowledgement up (htmx polling)
    expect(state).to_have_attribute("data-state", "acknowledged", timeout=15_000)
    expect(state).to_have_text("Acknowledged")
    trader.screenshot(path=str(shots / "trader-home-acknowledged-en.png"), full_page=True)

    # --- and the timeline now shows the acknowledgement too
    trader.goto(f"/consignments/{UCR}/")
    expect(trader.locator('[data-kind="delivery.acknowledged"]')).to_contain_text("acknowledged")


def test_a_trader_gives_its_broker_a_mandate_on_a_phone(browser, scene, tmp_path_factory):
    world, base = scene["world"], scene["url"]
    shots = Path(os.environ.get("SW_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screens"))
    world["trader_b"].organisation.mandates_given.all().delete()
    trader = _phone(browser, base)
    _log_in(trader, world["trader_b"])
    trader.get_by_role("link", name="委任", exact=True).click()
    trader.wait_for_url("**/mandates/")
    expect(trader.locator("#given .empty")).to_have_text("貴機構尚未委任任何業者。")
    # a slow answer under load must not fail the click itself: wait on what the answer shows instead
    trader.fill("#agent", "30000002")  # a trader: refused, and the form keeps what was typed
    trader.get_by_role("button", name="確認委任").click(no_wait_after=True)
    expect(trader.locator("#mandate-error")).to_contain_text("僅報關業者", timeout=30_000)
    expect(trader.locator("#agent")).to_have_value("30000002")
    trader.fill("#agent", "30000013")
    trader.get_by_role("button", name="確認委任").click(no_wait_after=True)
    row = trader.locator("#given tr[data-mandate]")
    expect(row).to_contain_text("機構broker", timeout=30_000)
    expect(row.locator('[data-field="state"]')).to_have_text("有效")
    _assert_fits_the_screen(trader)
    trader.screenshot(path=str(shots / "trader-mandates-zh.png"), full_page=True)
    row.get_by_role("button", name="撤銷").click(no_wait_after=True)
    expect(trader.locator('#given tr[data-mandate] [data-field="state"]')).to_have_text("已撤銷", timeout=30_000)


def test_anonymous_landing_page_fits_a_phone(browser, scene):
    page = _phone(browser, scene["url"])
    page.goto("/")
    expect(page.get_by_role("link", name="API 文件").first).to_be_visible()
    expect(page.locator("h1")).to_have_text("一次申報，各機關同步收到。")
    _assert_fits_the_screen(page)
