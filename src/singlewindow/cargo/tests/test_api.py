"""The cargo API: who may do what (an authorisation matrix over the roles), and bad input that
gets a clear error and changes nothing (unauthenticated, malformed, out of range, oversize)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from singlewindow.cargo.models import Bill, DiscrepancyReport, Receipt
from singlewindow.cargo.tests.world import CargoWorld, manifest, master, send

API = "/api/v1/cargo"


@pytest.fixture
def bill(client: Any, cargo: CargoWorld) -> Bill:
    send(client, cargo["carrier"], manifest("M-API", [master("BL-API", 10)]), "m-api")
    return Bill.objects.get(number="BL-API")


def post(client: Any, path: str, body: Any, **headers: Any) -> Any:
    data = body if isinstance(body, str | bytes) else json.dumps(body)
    return client.post(f"{API}{path}", data=data, content_type="application/json", **headers)


def test_who_sees_a_bill(client: Any, cargo: CargoWorld, bill: Bill) -> None:
    seen = {name: client.get(f"{API}/bills/{bill.pk}", **cargo[name].auth()).status_code
            for name in ("carrier", "customs", "warehouse", "trader_a", "airline", "warehouse_2", "customs_2",
                         "trader_b", "bank")}
    # the carrier, its customs office, the warehouse named, the consignee (trader_a's business ID)
    assert seen == {"carrier": 200, "customs": 200, "warehouse": 200, "trader_a": 200, "airline": 404,
                    "warehouse_2": 404, "customs_2": 404, "trader_b": 404, "bank": 404}
    body = client.get(f"{API}/bills?number=BL-API", **cargo["carrier"].auth()).json()
    assert body[0]["balance"] == 10 and body[0]["warehouse"] == cargo["warehouse"].code
    assert client.get(f"{API}/bills?number=BL-API", **cargo["airline"].auth()).json() == []


def test_only_the_warehouse_records_a_receipt(client: Any, cargo: CargoWorld, bill: Bill) -> None:
    for name, status in (("carrier", 403), ("customs", 403), ("trader_a", 403), ("warehouse_2", 404)):
        answer = post(client, f"/bills/{bill.pk}/receipt", {"packages": 10, "gross_kg": "300"}, **cargo[name].auth())
        assert answer.status_code == status, (name, answer.content)
        assert answer["Content-Type"].startswith("application/problem+json")
    assert not Receipt.objects.exists()
    assert post(client, f"/bills/{bill.pk}/receipt", {"packages": 10, "gross_kg": "300"},
                **cargo["warehouse"].auth()).status_code == 201
    again = post(client, f"/bills/{bill.pk}/receipt", {"packages": 9, "gross_kg": "300"}, **cargo["warehouse"].auth())
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "cargo.already_received"
    assert Receipt.objects.get().packages == 10


def test_a_report_needs_a_discrepancy(client: Any, cargo: CargoWorld, bill: Bill) -> None:
    assert post(client, f"/bills/{bill.pk}/reports", {}, **cargo["warehouse"].auth()).json()["errors"][0]["code"] \
        == "cargo.not_received"
    post(client, f"/bills/{bill.pk}/receipt", {"packages": 10, "gross_kg": "300"}, **cargo["warehouse"].auth())
    answer = post(client, f"/bills/{bill.pk}/reports", {}, **cargo["warehouse"].auth())
    assert answer.status_code == 409 and answer.json()["errors"][0]["code"] == "cargo.no_discrepancy"
    assert "與艙單相符" in answer.content.decode()
    assert not DiscrepancyReport.objects.exists()


def test_report_sign_offs_follow_their_order_and_roles(client: Any, cargo: CargoWorld, bill: Bill) -> None:
    post(client, f"/bills/{bill.pk}/receipt", {"packages": 11, "gross_kg": "310"}, **cargo["warehouse"].auth())
    report = post(client, f"/bills/{bill.pk}/reports", {"note": "one over"}, **cargo["warehouse"].auth()).json()
    assert report["kind"] == "over" and report["state"] == "filed"
    rid = report["id"]
    assert post(client, f"/reports/{rid}/confirm", {}, **cargo["airline"].auth()).status_code == 404
    assert post(client, f"/reports/{rid}/accept", {}, **cargo["carrier"].auth()).status_code == 403
    assert post(client, f"/reports/{rid}/reject", {"note": ""}, **cargo["carrier"].auth()).status_code == 422
    rejected = post(client, f"/reports/{rid}/reject", {"note": "tally error"}, **cargo["carrier"].auth())
    assert rejected.status_code == 200 and rejected.json()["state"] == "rejected"
    assert Bill.objects.get(pk=bill.pk).packages == 10  # unchanged
    listed = client.get(f"{API}/reports", **cargo["customs"].auth()).json()
    assert [r["state"] for r in listed] == ["rejected"]


def test_bad_input_is_refused_with_pointers_and_changes_nothing(client: Any, cargo: CargoWorld, bill: Bill) -> None:
    auth = cargo["warehouse"].auth()
    for body in ({"packages": -1, "gross_kg": "1"}, {"packages": "ten", "gross_kg": "1"},
                 {"packages": 1, "gross_kg": "1e400"}, {"packages": 1, "gross_kg": "1", "condition": "wet"},
                 {"packages": 1}, "{not json", {"packages": 1, "gross_kg": "1", "note": "x" * 501}):
        answer = post(client, f"/bills/{bill.pk}/receipt", body, **auth)
        assert answer.status_code in (400, 422), (body, answer.content)
    huge = post(client, f"/bills/{bill.pk}/receipt", b'{"packages": 1, "gross_kg": "1", "note": "'
                + b"x" * (3 * 1024 * 1024) + b'"}', **auth)
    assert huge.status_code in (400, 413, 422)
    assert not Receipt.objects.exists()
    assert client.get(f"{API}/bills?number=" + "x" * 36, **auth).status_code == 422
    assert post(client, "/releases/999/gate-out", {"packages": 0}, **auth).status_code == 422
    assert post(client, "/releases/999/gate-out", {"packages": 1}, **auth).status_code == 404


def test_unauthenticated_requests_are_refused(client: Any, cargo: CargoWorld, bill: Bill) -> None:
    assert client.get(f"{API}/manifests").status_code == 401
    assert post(client, f"/bills/{bill.pk}/receipt", {"packages": 1, "gross_kg": "1"}).status_code == 401
    assert client.get(f"{API}/bills/{bill.pk}", HTTP_AUTHORIZATION="Bearer nope").status_code == 401
    assert not Receipt.objects.exists()


def test_manifest_reads_show_bills_and_versions(client: Any, cargo: CargoWorld, bill: Bill) -> None:
    listed = client.get(f"{API}/manifests", **cargo["carrier"].auth()).json()
    assert [m["reference"] for m in listed] == ["M-API"]
    assert client.get(f"{API}/manifests", **cargo["warehouse"].auth()).json() == []
    detail = client.get(f"{API}/manifests/{listed[0]['id']}", **cargo["customs"].auth()).json()
    assert detail["bills"][0]["number"] == "BL-API" and detail["versions"][0]["number"] == 1
    assert client.get(f"{API}/manifests/{listed[0]['id']}", **cargo["airline"].auth()).status_code == 404


def test_a_bill_naming_no_warehouse_goes_to_the_first_that_receives_it(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-FREE", [master("BL-FREE", 3, warehouse=None)]), "m-free")
    bill = Bill.objects.get(number="BL-FREE")
    found = client.get(f"{API}/bills?number=BL-FREE", **cargo["warehouse_2"].auth()).json()
    assert [b["warehouse"] for b in found] == [None]
    assert post(client, f"/bills/{bill.pk}/receipt", {"packages": 3, "gross_kg": "300"},
                **cargo["warehouse_2"].auth()).status_code == 201
    assert Bill.objects.get(pk=bill.pk).warehouse == cargo["warehouse_2"].organisation
    assert client.get(f"{API}/bills/{bill.pk}", **cargo["warehouse"].auth()).status_code == 404
