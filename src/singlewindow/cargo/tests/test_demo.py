"""The demo world's cargo: Oceanic's sea manifest recorded by Keelung Customs through the exchange,
the vessel's arrival, the example declaration's bill tallied at the Keelung warehouse, and
Skyway's air manifest."""

from __future__ import annotations

from pathlib import Path

import pytest

from singlewindow import demo
from singlewindow.cargo.demo import DEMO_BILL
from singlewindow.cargo.models import Bill, Conveyance, Manifest


@pytest.mark.django_db
def test_the_demo_world_has_manifests_an_arrival_and_the_example_bill_received(
        monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path))
    demo.seed()
    sea = Manifest.objects.get(carrier__code="tw-carrier-oceanic", reference="OCEA-DEMO-0001")
    assert sea.office.code == "tw-customs-keelung" and sea.version == 1
    bill = Bill.objects.get(number=DEMO_BILL)
    assert bill.packages == 12 and bill.warehouse is not None and bill.warehouse.code == "tw-warehouse-keelung"
    assert bill.receipt.packages == 12
    assert Conveyance.objects.get(conveyance_reference="OS026N").actual_at is not None
    assert Bill.objects.filter(manifest__carrier__code="tw-carrier-skyway", kind="house").count() == 3
    from singlewindow.cargo.models import MatchingRule

    assert MatchingRule.objects.get(office__code="tw-customs-keelung").require_bill
