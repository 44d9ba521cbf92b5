"""The express screens in a real Chromium on a phone: the terminal clerk calls a bag to a lane and
walks it through with one tap each; the broker reads the anomaly on its parcel and files the
correction; the public query shows the progress. Nothing sticks out sideways."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from singlewindow.express import services
from singlewindow.express.models import Anomaly, Appointment
from singlewindow.express.tests.conftest import MASTER, build_express
from singlewindow.portal.tests.test_browser import _assert_fits_the_screen, _log_in, _phone, browser, expect

__all__ = ["browser"]

pytestmark = pytest.mark.browser


def test_terminal_queue_and_broker_correction_on_phones(browser: Any, transactional_db: None,
                                                        live_server: Any) -> None:
    shots = Path(os.environ["SW_SCREENSHOT_DIR"]) if os.environ.get("SW_SCREENSHOT_DIR") else None

    def shot(page: Any, name: str) -> None:
        if shots is not None:
            page.screenshot(path=str(shots / f"express-{name}.png"), full_page=True)

    ex = build_express()
    ex.book("N-1", hour=9)
    urgent = ex.book("MED-1", hour=9, priority="medical")  # booked later, served first
    day = ex.day.isoformat()

    # the terminal clerk, in Chinese: the urgent bag heads the waiting list
    clerk = _phone(browser, str(live_server))
    _log_in(clerk, ex.terminal)
    clerk.goto(f"/express/terminal/?day={day}")
    waiting = clerk.locator('section[data-lane="waiting"] li.ex-card')
    expect(waiting.first).to_have_attribute("data-bag", "MED-1")
    expect(waiting).to_have_count(2)
    _assert_fits_the_screen(clerk)
    shot(clerk, "queue")
    card = clerk.locator(f"#bag-{urgent.pk}")
    card.locator(f"#lane-{urgent.pk}").select_option("L2")
    card.locator('button[data-move="called"]').click()
    lane = clerk.locator('section[data-lane="L2"]')
    expect(lane.locator(f"#bag-{urgent.pk} [data-field=stage]")).to_have_text("已叫號")
    for move, label in (("at_lane", "已到線"), ("inspecting", "查驗中"), ("cleared", "已通關")):
        clerk.locator(f'#bag-{urgent.pk} button[data-move="{move}"]').click()
        expect(clerk.locator(f"#bag-{urgent.pk} [data-field=stage]")).to_have_text(label)
    _assert_fits_the_screen(clerk)
    row = Appointment.objects.get(pk=urgent.pk)
    assert row.stage == "cleared" and row.lane is not None and row.lane.code == "L2" and row.version == 5

    # the clerk flags a parcel of the other bag
    clerk.locator("#record-anomaly summary").click()
    clerk.fill("#a-master", MASTER)
    clerk.fill("#a-bag", "N-1")
    clerk.select_option("#a-category", "label_unreadable")
    clerk.fill("#a-location", "Lane 2 table")
    clerk.locator("#anomaly-form button[type=submit]").click()
    expect(clerk.locator("[data-status]")).to_have_text("待處理")
    anomaly = Anomaly.objects.get()

    # the broker, on its phone, sees it among its anomalies and files the correction
    broker = _phone(browser, str(live_server))
    _log_in(broker, ex.broker)
    broker.goto("/express/anomalies/")
    item = broker.locator(f'li[data-anomaly="{anomaly.pk}"]')
    expect(item).to_contain_text("標籤模糊無法辨識")
    _assert_fits_the_screen(broker)
    item.get_by_role("link", name=anomaly.reference).click()
    broker.locator("#correct-form button").click()  # empty: the browser's own check keeps it here
    broker.fill("#action", "已請寄件人重新列印標籤")
    broker.fill("#documents", "LBL-297-1\nINV-297-1")
    broker.locator("#correct-form button").click()
    expect(broker.locator("[data-status]")).to_have_text("已提送補正")
    expect(broker.locator('#corrections [data-decision="pending"]')).to_contain_text("LBL-297-1")
    _assert_fits_the_screen(broker)
    shot(broker, "correction")

    # the terminal accepts; the public sees the cleared bag without names
    services.review_correction(anomaly_id=anomaly.pk, decision="accept", actor=ex.actor(ex.terminal))
    broker.reload()
    expect(broker.locator("[data-status]")).to_have_text("已結案")
    public = _phone(browser, str(live_server))
    public.goto("/express/progress/")
    public.fill("#master_awb", MASTER)
    public.fill("#bag", "med-1")
    public.locator("#progress-form button").click()
    expect(public.locator("#progress [data-field=stage]")).to_have_text("已通關")
    expect(public.locator("#progress")).not_to_contain_text(ex.broker.organisation.name_zh)
    _assert_fits_the_screen(public)
    shot(public, "progress")
