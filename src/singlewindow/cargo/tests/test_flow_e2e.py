"""End to end through the real exchange and customs engine: manifest -> arrival -> receipt ->
declaration matched against the bill -> paid -> released (release notice to the warehouse) ->
gate-out; and a short-landed bill corrected through the short/over-landed report before the
declaration citing it is matched."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.utils import timezone

from singlewindow import testing
from singlewindow.cargo.models import Allocation, Bill, ManifestVersion
from singlewindow.cargo.tests.world import CargoWorld, conveyance, manifest, master, send
from singlewindow.customs.models import Case, CaseState
from singlewindow.customs.tests.clearance import LAPTOP_DUE, run_engine
from singlewindow.customs.tests.clearance import submit as submit_declaration
from singlewindow.customs.trs import time_release_report
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.selectors import document_of

API = "/api/v1/cargo"


def declare(client: Any, cargo: CargoWorld, reference: str, bill: str, packages: int) -> Case:
    document = testing.declaration(reference=reference, ucr=f"6TW30000002-{reference}")
    document["goodsShipment"]["previousDocument"] = [{"id": bill, "typeCode": "705"}]
    document["totalPackageQuantity"] = packages
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["packaging"][0]["quantityQuantity"] = packages
    return Case.objects.get(message_id=submit_declaration(client, cargo["trader_a"], document, reference).id)


def post(client: Any, party: testing.Party, path: str, body: dict[str, Any]) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(body), content_type="application/json", **party.auth())


def pay(client: Any, cargo: CargoWorld, case: Case, capture: Callable[..., Any]) -> None:
    with capture(execute=True):
        paid = client.post(f"/api/v1/customs/cases/{case.pk}/payment", data=json.dumps(
            {"amount": str(LAPTOP_DUE), "reference": f"BOT-{case.pk}"}), content_type="application/json",
            **cargo["customs"].auth())
    assert paid.status_code == 200 and paid.json()["state"] == "released", paid.content


def test_manifest_to_gate_out(client: Any, cargo: CargoWorld, django_capture_on_commit_callbacks: Any) -> None:
    # a declaration filed before the manifest waits for it
    early = declare(client, cargo, "E2E-EARLY", "OCBL-100", 4)
    assert early.state == CaseState.VALIDATED
    assert Allocation.objects.get(case_id=early.pk).state == "waiting"
    # the manifest arrives: the waiting case is matched at once
    send(client, cargo["carrier"], manifest("M-100", [master("OCBL-100", 10)]), "m-100")
    early.refresh_from_db()
    assert early.state == CaseState.AWAITING_PAYMENT
    bill = Bill.objects.get(number="OCBL-100")
    assert (bill.allocated, bill.balance) == (4, 6)
    # the vessel arrives and the warehouse tallies the bill
    send(client, cargo["carrier"], conveyance("ARR-1", actual="2026-03-02T09:30:00+00:00"), "arr-1",
         message_type="conveyance_report.submit")
    assert Delivery.objects.filter(message__client_reference="arr-1", recipient=cargo["port"].organisation).exists()
    received = post(client, cargo["warehouse"], f"/bills/{bill.pk}/receipt", {"packages": 10, "gross_kg": "300"})
    assert received.status_code == 201 and received.json()["receipt"]["packages"] == 10
    # a second declaration for more than is left waits; one that fits is matched
    too_many = declare(client, cargo, "E2E-MANY", "OCBL-100", 7)
    assert too_many.state == CaseState.VALIDATED
    fits = declare(client, cargo, "E2E-FITS", "OCBL-100", 6)
    assert fits.state == CaseState.AWAITING_PAYMENT
    # payment releases it: the balance moves and the warehouse is told
    pay(client, cargo, early, django_capture_on_commit_callbacks)
    bill.refresh_from_db()
    assert (bill.released, bill.allocated, bill.balance) == (4, 10, 0)
    notice = Delivery.objects.get(recipient=cargo["warehouse"].organisation,
                                  message__message_type="release_notice.notification")
    document = document_of(notice.message)
    assert document.released_package_quantity == 4 and document.transport_contract_document.id == "OCBL-100"  # type: ignore[attr-defined]
    assert notice.message.signature  # the office signed it (certificate-based service)
    # the warehouse gates out, never more than released
    release = Allocation.objects.get(case_id=early.pk)
    over = post(client, cargo["warehouse"], f"/releases/{release.pk}/gate-out", {"packages": 5})
    assert over.status_code == 409 and over.json()["errors"][0]["code"] == "cargo.over_release"
    out = post(client, cargo["warehouse"], f"/releases/{release.pk}/gate-out", {"packages": 4, "vehicle": "KLA-1234"})
    assert out.status_code == 201 and out.json()["gated_out"] == 4
    bill.refresh_from_db()
    assert bill.gated_out == 4
    timeline = client.get(f"/api/v1/consignments/{early.ucr}/timeline", **cargo["trader_a"].auth()).json()["events"]
    kinds = [event["kind"] for event in timeline]
    assert "cargo.release_notified" in kinds and "cargo.gated_out" in kinds and "customs.released" in kinds
    # the time release study starts at the conveyance's actual arrival
    day = timezone.localdate(early.received_at)  # reports count Taipei days; after 16:00 UTC it is tomorrow there
    report = time_release_report(since=day, until=day)
    assert report.by_interval("arrival_to_release")


def test_short_landed_bill_is_corrected_then_the_declaration_matches(
        client: Any, cargo: CargoWorld, django_capture_on_commit_callbacks: Any) -> None:
    send(client, cargo["carrier"], manifest("M-200", [master("OCBL-200", 10)]), "m-200")
    bill = Bill.objects.get(number="OCBL-200")
    assert post(client, cargo["warehouse"], f"/bills/{bill.pk}/receipt",
                {"packages": 8, "gross_kg": "240", "note": "two cartons missing"}).status_code == 201
    filed = post(client, cargo["warehouse"], f"/bills/{bill.pk}/reports", {"note": "2 CT short"})
    assert filed.status_code == 201 and filed.json()["kind"] == "short"
    report_id = filed.json()["id"]
    # while the report is open a declaration citing the bill waits
    case = declare(client, cargo, "E2E-SHORT", "OCBL-200", 8)
    assert case.state == CaseState.VALIDATED
    # customs cannot accept before the carrier co-signs; others cannot sign at all
    assert post(client, cargo["customs"], f"/reports/{report_id}/accept", {}).status_code == 409
    assert post(client, cargo["warehouse"], f"/reports/{report_id}/confirm", {}).status_code == 403
    assert post(client, cargo["carrier"], f"/reports/{report_id}/confirm", {"note": "agreed"}).status_code == 200
    accepted = post(client, cargo["customs"], f"/reports/{report_id}/accept", {})
    run_engine()
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert [s["action"] for s in accepted.json()["sign_offs"]] == ["filed", "confirmed", "accepted"]
    bill.refresh_from_db()
    assert (bill.packages, str(bill.gross_kg), bill.manifest.version) == (8, "240.000", 2)
    version = ManifestVersion.objects.get(manifest=bill.manifest, number=2)
    assert version.source == "discrepancy" and {"bill": "OCBL-200", "field": "packages", "old": 10, "new": 8} in \
        version.changes
    case.refresh_from_db()
    assert case.state == CaseState.AWAITING_PAYMENT and bill.allocated == 8
    pay(client, cargo, case, django_capture_on_commit_callbacks)
    bill.refresh_from_db()
    assert bill.released == 8 and bill.balance == 0
