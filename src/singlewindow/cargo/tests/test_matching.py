"""The matching rule as the declarant meets it: what a declaration must cite, what makes it wait
(and says so in both languages), an office that requires a bill, and a manifest change that
would take back packages already matched."""

from __future__ import annotations

from typing import Any

from singlewindow import testing
from singlewindow.cargo.models import Allocation, Bill, Conveyance, Manifest
from singlewindow.cargo.services import set_matching_rule
from singlewindow.cargo.tests.world import CargoWorld, cargo_answers, conveyance, house, manifest, master, send
from singlewindow.customs.models import Case, CaseState
from singlewindow.customs.tests.clearance import submit as submit_declaration
from singlewindow.permits.tests.flow import waiting_reasons
from singlewindow.registry.actors import SYSTEM


def declare(client: Any, cargo: CargoWorld, reference: str, *, cite: list[dict[str, str]] | None = None,
            packages: int = 10) -> Case:
    document = testing.declaration(reference=reference, ucr=f"6TW30000002-{reference}")
    if cite is not None:
        document["goodsShipment"]["previousDocument"] = cite
    document["totalPackageQuantity"] = packages
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["packaging"][0]["quantityQuantity"] = packages
    return Case.objects.get(message_id=submit_declaration(client, cargo["trader_a"], document, reference).id)


def test_what_a_declaration_must_cite(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-R", [master("MB-1", 10, houses=[house("HB-1", 6), house("HB-2", 4)]),
                                                     master("MB-2", 5, sequence=2)]), "m-r")
    # no bill cited, no rule at the office: matched as before
    assert declare(client, cargo, "R-NONE").state == CaseState.AWAITING_PAYMENT
    # two bills for one declaration
    two = declare(client, cargo, "R-TWO", cite=[{"id": "HB-1", "typeCode": "714"}, {"id": "MB-2", "typeCode": "705"}])
    assert two.state == CaseState.VALIDATED and "cites 2" in waiting_reasons(two)[0]
    # a master bill with house bills
    master_cited = declare(client, cargo, "R-MASTER", cite=[{"id": "MB-1", "typeCode": "705"}])
    assert "cite the house bill" in waiting_reasons(master_cited)[0]
    # a house bill, within its balance; a document that is no transport document is not a citation
    assert declare(client, cargo, "R-HOUSE", cite=[{"id": "HB-1", "typeCode": "714"}],
                   packages=6).state == CaseState.AWAITING_PAYMENT
    assert Bill.objects.get(number="HB-1").balance == 0
    # an office that requires a bill
    set_matching_rule(office=cargo.office, require_bill=True, actor=SYSTEM)
    other = declare(client, cargo, "R-RULE", cite=[{"id": "INV-1", "typeCode": "380"}])
    assert other.state == CaseState.VALIDATED and "previous document" in waiting_reasons(other)[0]


def test_a_change_cannot_take_back_matched_packages(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-T", [master("BL-T", 10)]), "m-t")
    declare(client, cargo, "T-1", cite=[{"id": "BL-T", "typeCode": "705"}], packages=8)
    send(client, cargo["carrier"], manifest("M-T", [master("BL-T", 7)], function="4"), "m-t-change")
    assert Bill.objects.get(number="BL-T").packages == 10 and Manifest.objects.get(reference="M-T").version == 1
    assert any("8 are already matched" in text and "已有 8 件" in text for text in cargo_answers(cargo["carrier"]))
    send(client, cargo["carrier"], manifest("M-T", [master("BL-T", 10)], function="1"), "m-t-cancel")
    assert not Manifest.objects.get(reference="M-T").cancelled


def test_a_rejected_declaration_gives_its_packages_back(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-X", [master("BL-X", 10)]), "m-x")
    case = declare(client, cargo, "X-1", cite=[{"id": "BL-X", "typeCode": "705"}], packages=10)
    assert Bill.objects.get(number="BL-X").balance == 0
    cancel = testing.declaration(reference="X-1", ucr="6TW30000002-X-1")
    cancel["functionCode"] = "1"
    submit_declaration(client, cargo["trader_a"], cancel, "x-1-cancel")
    case.refresh_from_db()
    assert case.state == CaseState.CANCELLED
    assert Bill.objects.get(number="BL-X").balance == 10
    assert Allocation.objects.get(case_id=case.pk).state == "withdrawn"


def test_conveyance_reports_change_and_cancel(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], conveyance("ARR-9"), "arr-9", message_type="conveyance_report.submit")
    assert Conveyance.objects.get(reference="ARR-9").actual_at is None
    send(client, cargo["carrier"], conveyance("ARR-9", actual="2026-03-02T10:00:00+00:00", function="4"),
         "arr-9-change", message_type="conveyance_report.submit")
    assert Conveyance.objects.get(reference="ARR-9").actual_at is not None
    send(client, cargo["carrier"], conveyance("ARR-9"), "arr-9-again", message_type="conveyance_report.submit")
    assert any("already filed" in text for text in cargo_answers(cargo["carrier"]))
    send(client, cargo["carrier"], conveyance("ARR-9", function="1"), "arr-9-cancel",
         message_type="conveyance_report.submit")
    assert Conveyance.objects.get(reference="ARR-9").cancelled


def test_the_port_authority_files_arrivals_for_the_carrier(client: Any, cargo: CargoWorld) -> None:
    """MTNet's role: the port authority reports the vessel's arrival, naming the carrier it is for."""
    send(client, cargo["port"], conveyance("ARR-P", actual="2026-03-02T08:00:00+00:00"), "arr-p",
         message_type="conveyance_report.submit")
    recorded = Conveyance.objects.get(reference="ARR-P")
    assert recorded.carrier == cargo["carrier"].organisation and recorded.actual_at is not None
    unnamed = conveyance("ARR-Q")
    unnamed["carrier"] = {"id": "30000013", "name": "Not a carrier"}  # a broker's business ID
    send(client, cargo["port"], unnamed, "arr-q", message_type="conveyance_report.submit")
    assert not Conveyance.objects.filter(reference="ARR-Q").exists()
    assert any("registered carrier" in text for text in cargo_answers(cargo["port"]))
