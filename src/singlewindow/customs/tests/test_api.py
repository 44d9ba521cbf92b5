"""The customs API: who sees which case, officer actions and their refusals, the public time release study."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from singlewindow import testing
from singlewindow.customs.models import Case, CaseEvent, CaseState
from singlewindow.customs.tests.clearance import LAPTOP_DUE, channel_chooser, clearance_world, submit

API = "/api/v1/customs"


@pytest.fixture
def world(db: None, tmp_path: Path, national_mapping_file: Path, code_lists: None, nz_group: Any) -> testing.World:
    return clearance_world(tmp_path, national_mapping_file)


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    return channel_chooser(monkeypatch)


def call(client: Any, party: testing.Party, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
    send = getattr(client, method)
    if body is None:
        return send(f"{API}{path}", **party.auth())
    return send(f"{API}{path}", data=json.dumps(body), content_type="application/json", **party.auth())


def test_each_party_sees_only_its_cases(client: Any, world: testing.World, channel: Callable[[str], None]) -> None:
    channel("C2")
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="V-1"),
                                              "v-1").id)
    officer = call(client, world["customs"], "get", "/cases")
    assert officer.status_code == 200 and [c["reference"] for c in officer.json()] == ["V-1"]
    assert officer.json()[0]["selection"] is not None
    own = call(client, world["trader_a"], "get", f"/cases/{case.pk}")
    assert own.status_code == 200 and own.json()["selection"] is None  # risk reasons stay with customs
    assert all(e["actor"] == "" and e["data"] == {} for e in own.json()["events"])
    for stranger in ("trader_b", "customs_2", "agency"):
        assert call(client, world[stranger], "get", f"/cases/{case.pk}").status_code == 404
        assert call(client, world[stranger], "get", "/cases").json() == []
    assert client.get(f"{API}/cases").status_code == 401


def test_officer_actions_through_the_api(client: Any, world: testing.World, channel: Callable[[str], None]) -> None:
    channel("C2")
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="A-1"),
                                              "a-1").id)
    officer = world["customs"]
    deadline = (timezone.now() + timedelta(days=2)).isoformat()
    bad = call(client, officer, "post", f"/cases/{case.pk}/documents-request", {"documents": [], "deadline": deadline})
    assert bad.status_code == 422
    early = call(client, officer, "post", f"/cases/{case.pk}/payment", {"amount": 10, "reference": "B-1"})
    assert early.status_code == 409 and early.json()["code"] == "case.wrong_state"
    assert "案件" in early.json()["errors"][0]["message"]["zh-Hant"]
    trader_try = call(client, world["trader_a"], "post", f"/cases/{case.pk}/reject", {"reasons": [{"en": "no"}]})
    assert trader_try.status_code == 404  # a declarant cannot act as customs
    events = CaseEvent.objects.count()
    asked = call(client, officer, "post", f"/cases/{case.pk}/documents-request", {
        "deadline": deadline, "documents": [{"type_code": "380", "en": "Commercial invoice", "zh": "商業發票"}]})
    assert asked.status_code == 200 and asked.json()["state"] == "documents_requested"
    assert CaseEvent.objects.count() == events + 1
    rejected = call(client, officer, "post", f"/cases/{case.pk}/reject",
                    {"reasons": [{"en": "Invoice does not match", "zh": "發票不符"}]})
    assert rejected.status_code == 200 and rejected.json()["state"] == CaseState.REJECTED
    again = call(client, officer, "post", f"/cases/{case.pk}/reject", {"reasons": [{"en": "again"}]})
    assert again.status_code == 409


def test_payment_through_the_api_releases_a_c1_case(client: Any, world: testing.World,
                                                    channel: Callable[[str], None]) -> None:
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="PAY-1"),
                                              "pay-1").id)
    queue = call(client, world["customs"], "get", "/cases?state=awaiting_payment")
    assert [c["reference"] for c in queue.json()] == ["PAY-1"]
    assert call(client, world["customs"], "get", "/cases?state=nonsense").status_code == 422
    paid = call(client, world["customs"], "post", f"/cases/{case.pk}/payment",
                {"amount": str(LAPTOP_DUE), "reference": "BANK-77"})
    assert paid.status_code == 200 and paid.json()["state"] == "released"
    assert [e["to_state"] for e in paid.json()["events"]][-2:] == ["paid", "released"]


def test_time_release_is_public(client: Any, world: testing.World, channel: Callable[[str], None]) -> None:
    case = Case.objects.get(message_id=submit(client, world["trader_a"], testing.declaration(reference="T-1"),
                                              "t-1").id)
    call(client, world["customs"], "post", f"/cases/{case.pk}/payment", {"amount": str(LAPTOP_DUE), "reference": "B"})
    answer = client.get(f"{API}/public/time-release")
    assert answer.status_code == 200
    overall = [f for f in answer.json()["figures"] if (f["office"], f["channel"], f["interval"]) == (
        "*", "*", "declaration_to_release")]
    assert answer.json()["released"] == 1 and overall[0]["count"] == 1 and overall[0]["median_seconds"] >= 0
    refused = client.get(f"{API}/public/time-release?since=2026-05-01&until=2026-04-01")
    assert refused.status_code == 422 and "期間" in refused.json()["errors"][0]["message"]["zh-Hant"]
