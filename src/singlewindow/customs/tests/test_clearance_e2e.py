"""End to end with the real selection step: a signed declaration through the API is validated,
assessed, selected C1 by the rules, paid and released, with the notices in the trader's mailbox
and every step on the consignment timeline."""

from __future__ import annotations

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from singlewindow import testing
from singlewindow.customs.models import Case, CaseState
from singlewindow.customs.models.selection import SelectionSettings
from singlewindow.customs.tests.clearance import LAPTOP_DUE, clearance_world, notices, submit


@pytest.fixture
def world(db: None, tmp_path: Path, national_mapping_file: Path, code_lists: None, nz_group: Any) -> testing.World:
    SelectionSettings.objects.update_or_create(pk=1, defaults={
        "random_c2_percent": Decimal(0), "random_c3_percent": Decimal(0)})  # no random draw: C1 unless a rule hits
    return clearance_world(tmp_path, national_mapping_file)


def test_signed_declaration_to_release(client: Any, world: testing.World) -> None:
    trader = world["trader_a"]
    case = Case.objects.get(message_id=submit(client, trader, testing.declaration(reference="E2E-1"), "e2e-1").id)
    assert case.channel == "C1" and case.state == CaseState.AWAITING_PAYMENT and case.amount_due == LAPTOP_DUE
    assert case.selection["channel"] == "C1" and case.selection["reasons"]
    paid = client.post(f"/api/v1/customs/cases/{case.pk}/payment", data=json.dumps(
        {"amount": str(LAPTOP_DUE), "reference": "BOT-20260302-1"}), content_type="application/json",
        **world["customs"].auth())
    assert paid.status_code == 200 and paid.json()["state"] == "released"
    assert notices(trader) == [("02", "received"), ("01", "accepted"), ("13", "amount_due"), ("09", "released")]
    timeline = client.get(f"/api/v1/consignments/{case.ucr}/timeline", **trader.auth()).json()["events"]
    kinds = [event["kind"] for event in timeline]
    for step in ("received", "validated", "matched", "assessed", "selected", "awaiting_payment", "paid", "released"):
        assert f"customs.{step}" in kinds
    assert kinds.count("message.received") == 5  # the declaration and the four notices
