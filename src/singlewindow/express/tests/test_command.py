"""``singlewindow express``: open a lane and slots, print the queue and the overdue anomalies."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from singlewindow import cli
from singlewindow.express import services
from singlewindow.express.models import Lane, Slot
from singlewindow.express.tests.conftest import MASTER, Express


def test_lane_slots_queue_and_overdue(ex: Express, capsys: pytest.CaptureFixture[str]) -> None:
    code = ex.terminal.code
    assert cli.main(["express", "lane", code, "B7"]) == 0
    assert Lane.objects.filter(terminal=ex.terminal.organisation, code="B7").exists()
    day = (ex.day + timedelta(days=1)).isoformat()
    assert cli.main(["express", "slots", code, "--day", day, "--start", "09:00", "--end", "11:00",
                     "--capacity", "5"]) == 0
    assert Slot.objects.filter(terminal=ex.terminal.organisation, starts_at__date=day, capacity=5).count() == 4
    ex.book("Q1", houses=(MASTER.replace("297", "618"),))
    capsys.readouterr()
    assert cli.main(["express", "queue", code, "--day", ex.day.isoformat()]) == 0
    assert "Q1" in capsys.readouterr().out
    services.record_anomaly(master_awb=MASTER, category="no_manifest", detected_at=timezone.now() - timedelta(days=3),
                            actor=ex.actor(ex.terminal))
    assert cli.main(["express", "overdue", code]) == 0
    assert "no_manifest" in capsys.readouterr().out


def test_refusals_exit_2_and_change_nothing(ex: Express, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["express", "slots", ex.terminal.code, "--capacity", "0"]) == 2
    assert cli.main(["express", "slots", ex.terminal.code, "--capacity", "3", "--start", "25:00"]) == 2
    assert cli.main(["express", "lane", ex.broker.code, "Z1"]) == 2
    assert "快遞專區" in capsys.readouterr().err
    assert not Lane.objects.filter(code="Z1").exists()
