"""The message implementation guide on a phone, in a real Chromium: the wide table scrolls, the page does not."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# The Chromium launcher and the phone context are the portal browser tests' own; importing the
# module also skips this one when no Chromium is installed.
from singlewindow.portal.tests.test_browser import PHONE, _phone, browser, expect

pytestmark = pytest.mark.browser

__all__ = ["browser"]  # a fixture: pytest finds it by name

PAGE_WIDTHS = """() => {
  const frame = document.querySelector(".table-scroll");
  const box = frame.getBoundingClientRect();
  const limit = document.documentElement.clientWidth;
  const outside = [...document.querySelectorAll("body *")]
    .filter((el) => !frame.contains(el) && el.getBoundingClientRect().right > limit + 0.5)
    .map((el) => `${el.tagName.toLowerCase()}.${el.className}`);
  return {viewport: limit, page: document.documentElement.scrollWidth,
          frameLeft: box.left, frameRight: box.right, frameWidth: frame.clientWidth,
          tableWidth: frame.scrollWidth, outside};
}"""


def test_the_element_table_scrolls_inside_its_frame_on_a_phone(browser, live_server, transactional_db,
                                                              tmp_path_factory):
    shots = Path(os.environ.get("SW_SCREENSHOT_DIR") or tmp_path_factory.mktemp("screens"))
    page = _phone(browser, str(live_server))
    page.goto("/guide/import_declaration/")
    expect(page.locator("h1")).to_contain_text("進口報單")
    expect(page.get_by_role("columnheader", name="JSON 路徑")).to_be_visible()

    widths = page.evaluate(PAGE_WIDTHS)
    assert widths["viewport"] == PHONE["width"]
    assert widths["page"] <= widths["viewport"], f"the page scrolls sideways: {widths}"
    assert widths["outside"] == [], f"wider than the screen outside the table frame: {widths['outside'][:5]}"
    assert widths["frameLeft"] >= 0 and widths["frameRight"] <= widths["viewport"], widths
    assert widths["tableWidth"] > 2 * widths["frameWidth"], "the table should keep its width and scroll"

    page.screenshot(path=str(shots / "guide-import-declaration-zh.png"))

    # swiping the frame brings the XML paths in the last column into view; the page stays put
    page.evaluate("() => window.scrollBy(0, document.querySelector('table.guide').getBoundingClientRect().top - 8)")
    first_row = page.locator("table.guide tbody tr").first
    json_path, xml_path = first_row.locator("td code").first, first_row.locator("td code").last
    expect(json_path).to_be_in_viewport()
    expect(xml_path).not_to_be_in_viewport()
    page.locator(".table-scroll").evaluate("(el) => { el.scrollLeft = el.querySelector('td:last-child').offsetLeft; }")
    expect(xml_path).to_be_in_viewport()
    expect(json_path).not_to_be_in_viewport()
    assert page.evaluate("() => window.scrollX") == 0
    page.screenshot(path=str(shots / "guide-import-declaration-zh-xml-paths.png"))
