"""The customs engine's permit check with real signed declarations: a cited permit is written off
and the case goes on; a missing or insufficient permit keeps the case waiting, with the reasons."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import pytest

from singlewindow import testing
from singlewindow.customs.models import Case
from singlewindow.customs.services import MATCHERS, case_number
from singlewindow.customs.tests.clearance import channel_chooser, submit
from singlewindow.datamodel.datasets import ImportDeclaration
from singlewindow.permits import services
from singlewindow.permits.matcher import match_permits
from singlewindow.permits.models import Permit, PermitLine, WriteOff
from singlewindow.permits.tests.conftest import G2G
from singlewindow.registry.actors import SYSTEM


@pytest.fixture(autouse=True)
def _c1(monkeypatch: pytest.MonkeyPatch) -> None:
    channel_chooser(monkeypatch)


def document(reference: str, *, cite: str | None = "TP-0001", write_off: str | None = None,
             on_declaration: bool = False) -> dict[str, Any]:
    declaration = testing.declaration(reference=reference, ucr=f"6TW30000002-{reference}")
    if cite is not None:
        cited: dict[str, Any] = {"typeCode": "911", "id": cite}
        if write_off is not None:
            cited["writeOff"] = {"quantityQuantity": {"value": write_off, "unitCode": "PCE"}}
        target = declaration if on_declaration else declaration["goodsShipment"]["governmentAgencyGoodsItem"][0]
        target["additionalDocument"] = [cited]
    return declaration


def declare(client: Any, g2g: G2G, reference: str, **options: Any) -> Case:
    message = submit(client, g2g.world["trader_a"], document(reference, **options), reference)
    return Case.objects.get(message_id=message.id)


def balance(permit: Permit) -> Decimal:
    return PermitLine.objects.get(permit=permit, sequence=1).balance


def test_the_permits_matcher_is_registered() -> None:
    assert match_permits in MATCHERS


@pytest.mark.parametrize("on_declaration", [False, True])
def test_a_cited_permit_is_written_off_and_the_case_goes_on(client: Any, g2g: G2G, permit: Permit,
                                                            on_declaration: bool) -> None:
    case = declare(client, g2g, "M-1", on_declaration=on_declaration)
    assert case.state == "awaiting_payment"
    row = WriteOff.objects.get()
    assert (row.declaration_ref, row.item_sequence, row.quantity, row.ucr) == (
        case_number(case), 1, Decimal(10), "6TW30000002-M-1")
    assert balance(permit) == 15


def test_the_document_may_say_how_much_it_writes_off(client: Any, g2g: G2G, permit: Permit) -> None:
    declare(client, g2g, "M-2", write_off="4")
    assert balance(permit) == 21


def test_no_permit_cited_keeps_the_case_waiting_with_the_reason(client: Any, g2g: G2G, permit: Permit) -> None:
    case = declare(client, g2g, "M-3", cite=None)
    assert case.state == "validated" and not WriteOff.objects.exists()
    problems = match_permits(case, ImportDeclaration.model_validate(document("M-3", cite=None)))
    assert problems == [("Item 1, TP1 (Org agency): cite the agency's permit (additional document with its number).",
                         "第 1 項，TP1（機構agency）：請於其他文件欄位填列該機關核發之許可證號碼。")]


def test_over_quantity_keeps_the_case_waiting_and_the_balance(client: Any, g2g: G2G, permit: Permit) -> None:
    case = declare(client, g2g, "M-4", write_off="26")
    assert case.state == "validated" and balance(permit) == 25
    problems = match_permits(case, ImportDeclaration.model_validate(document("M-4", write_off="26")))
    assert problems == [("Item 1, TP1 (Org agency): permit TP-0001: The quantity exceeds the permit's balance.",
                         "第 1 項，TP1（機構agency）：許可證 TP-0001：申報數量超過許可證剩餘數量。")]


def test_running_the_check_again_writes_off_once(client: Any, g2g: G2G, permit: Permit) -> None:
    case = declare(client, g2g, "M-5")
    assert match_permits(case, ImportDeclaration.model_validate(document("M-5"))) == []
    assert WriteOff.objects.count() == 1 and balance(permit) == 15


def test_an_exempt_item_needs_no_permit(client: Any, g2g: G2G) -> None:
    services.define_exemption(regulation_code="TP1", max_cif_value_twd=Decimal(50000), basis_en="Low value",
                              actor=SYSTEM)
    assert declare(client, g2g, "M-6", cite=None).state == "awaiting_payment"


def test_goods_needing_no_permit_pass(client: Any, g2g: G2G) -> None:
    declaration = document("M-7", cite=None)
    declaration["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]["classification"][0]["id"] = "94036000"
    message = submit(client, g2g.world["trader_a"], declaration, "M-7")
    assert Case.objects.get(message_id=message.id).state == "awaiting_payment"


def test_cancelling_or_rejecting_a_declaration_gives_its_quantity_back(client: Any, g2g: G2G,
                                                                       permit: Permit) -> None:
    from singlewindow.customs import services as customs_services
    from singlewindow.registry.actors import Actor

    cancelled = declare(client, g2g, "W-1")
    assert balance(permit) == 15
    withdrawal = document("W-1")
    withdrawal["functionCode"] = "1"
    submit(client, g2g.world["trader_a"], withdrawal, "W-1-cancel")
    cancelled.refresh_from_db()
    assert cancelled.state == "cancelled" and balance(permit) == 25
    assert WriteOff.objects.get(declaration_ref=case_number(cancelled)).state == "restored"
    rejected = declare(client, g2g, "W-2")
    assert balance(permit) == 15
    officer = Actor(organisation=rejected.office, membership_role="officer")
    customs_services.reject(rejected, actor=officer, reasons=[("Goods not as declared", "貨證不符")])
    assert balance(permit) == 25
