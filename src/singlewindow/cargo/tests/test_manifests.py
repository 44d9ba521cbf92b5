"""The manifest register: a carrier's signed manifest through the exchange reaches the customs
office it names and is recorded with its bills; changes and cancellations make versions that say
what changed; inconsistent filings change nothing and the carrier is told why in both languages."""

from __future__ import annotations

from typing import Any

from singlewindow import testing
from singlewindow.cargo.models import Bill, Manifest, ManifestVersion
from singlewindow.cargo.tests.world import CargoWorld, cargo_answers, house, manifest, master, run_engine, send
from singlewindow.datamodel.codecs.edifact import EdifactCodec
from singlewindow.datamodel.datasets import CargoManifest
from singlewindow.exchange.models import Delivery, EvidenceEntry


def test_a_manifest_reaches_the_office_it_names_and_is_recorded(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-1", [
        master("OCBL0001", 10), master("OCBL0002", 6, houses=[house("HB-1", 4), house("HB-2", 2)], sequence=2)]),
        "m-1")
    delivery = Delivery.objects.get(message__client_reference="m-1")
    assert delivery.recipient == cargo.office and delivery.state == Delivery.State.ACKNOWLEDGED
    recorded = Manifest.objects.get(reference="M-1")
    assert (recorded.carrier, recorded.office, recorded.direction, recorded.conveyance_reference) == (
        cargo["carrier"].organisation, cargo.office, "IMP", "OC123E")
    bills = {b.number: b for b in Bill.objects.filter(manifest=recorded)}
    assert set(bills) == {"OCBL0001", "OCBL0002", "HB-1", "HB-2"}
    assert bills["HB-1"].master == bills["OCBL0002"] and bills["HB-1"].kind == "house"
    assert bills["OCBL0001"].packages == 10 and bills["OCBL0001"].warehouse == cargo["warehouse"].organisation
    assert str(bills["OCBL0001"].gross_kg) == "300.000" and bills["OCBL0001"].goods == "Laptop computers"
    version = ManifestVersion.objects.get(manifest=recorded)
    assert version.number == 1 and version.actor == cargo["carrier"].code and version.change_count == 4
    assert EvidenceEntry.objects.filter(kind="cargo.manifest_recorded").count() == 1


def test_a_change_keeps_a_version_saying_what_changed(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-2", [master("BL-A", 10), master("BL-B", 5, sequence=2)]), "m-2")
    send(client, cargo["carrier"], manifest("M-2", [master("BL-A", 12), master("BL-C", 3, sequence=2)],
                                            function="4"), "m-2-change")
    recorded = Manifest.objects.get(reference="M-2")
    assert recorded.version == 2
    assert sorted(Bill.objects.filter(manifest=recorded).values_list("number", "packages")) == [
        ("BL-A", 12), ("BL-C", 3)]
    change = ManifestVersion.objects.get(manifest=recorded, number=2)
    assert change.function_code == "4" and change.actor == cargo["carrier"].code
    assert {"bill": "BL-A", "field": "packages", "old": 10, "new": 12} in change.changes
    assert {"bill": "BL-B", "field": "removed", "old": 5, "new": None} in change.changes
    assert {"bill": "BL-C", "field": "added", "old": None, "new": 3} in change.changes


def test_a_bill_number_is_unique_per_carrier_and_direction(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-3", [master("BL-SAME", 10)]), "m-3")
    send(client, cargo["carrier"], manifest("M-4", [master("BL-SAME", 2)]), "m-4")
    assert not Manifest.objects.filter(reference="M-4").exists()
    assert any("BL-SAME is already on another of your manifests" in text and "提單號碼 BL-SAME" in text
               for text in cargo_answers(cargo["carrier"]))
    # another carrier may use the same number
    send(client, cargo["airline"], manifest("A-1", [master("BL-SAME", 1, type_code="740")], carrier="30000071"), "a-1")
    assert Bill.objects.filter(number="BL-SAME").count() == 2


def test_inconsistent_amendments_are_refused_and_change_nothing(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-5", [master("BL-5", 10)], function="4"), "m-5-early")
    send(client, cargo["carrier"], manifest("M-6", [master("BL-6", 3, houses=[house("H-6", 5)])]), "m-6")
    send(client, cargo["carrier"], manifest("M-7", [master("BL-7", 3), master("BL-7", 2, sequence=2)]), "m-7")
    assert Manifest.objects.count() == 0 and Bill.objects.count() == 0
    answers = cargo_answers(cargo["carrier"])
    assert len(answers) == 3
    assert "no open manifest M-5" in answers[0] and "查無可更正或撤銷之艙單 M-5" in answers[0]
    assert "carry 5 packages, more than the 3" in answers[1]
    assert "appears twice" in answers[2] and "重複" in answers[2]


def test_cancellation_removes_the_bills_and_is_a_version(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-8", [master("BL-8", 4)]), "m-8")
    send(client, cargo["carrier"], manifest("M-8", [master("BL-8", 4)], function="1"), "m-8-cancel")
    recorded = Manifest.objects.get(reference="M-8")
    assert recorded.cancelled and recorded.version == 2 and not Bill.objects.filter(manifest=recorded).exists()
    assert ManifestVersion.objects.get(manifest=recorded, number=2).function_code == "1"


def test_a_manifest_to_an_office_that_does_not_exist_is_refused_at_intake(client: Any, cargo: CargoWorld) -> None:
    response = send(client, cargo["carrier"], manifest("M-9", [master("BL-9", 4)], office="TWXXX"), "m-9",
                    expect=422)
    assert response.json()["errors"][0]["code"] == "exchange.no_route" or "route" in response.content.decode()
    assert not Manifest.objects.exists()


def test_a_cuscar_manifest_is_recorded_like_a_json_one(client: Any, cargo: CargoWorld) -> None:
    document = CargoManifest.model_validate(manifest("M-EDI", [master("BL-EDI", 8, houses=[house("HB-EDI", 8)])]))
    payload = EdifactCodec().encode(document, "cargo_manifest")
    headers = testing.submit_headers(cargo["carrier"], payload, message_type="cargo_manifest.submit",
                                     client_reference="m-edi", content_type="application/edifact")
    assert client.post("/api/v1/messages", data=payload, **headers).status_code == 201
    run_engine()
    bills = dict(Bill.objects.filter(manifest__reference="M-EDI").values_list("number", "packages"))
    assert bills == {"BL-EDI": 8, "HB-EDI": 8}
