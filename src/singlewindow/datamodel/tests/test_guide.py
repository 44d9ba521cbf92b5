"""The committed message implementation guide matches the data sets."""

from __future__ import annotations

from pathlib import Path

from singlewindow.datamodel.guide import render

GUIDE = Path(__file__).resolve().parents[4] / "docs" / "message-implementation-guide.md"


def test_committed_guide_is_current() -> None:
    assert GUIDE.read_text(encoding="utf-8") == render(), (
        "regenerate: python -m singlewindow.datamodel.guide > docs/message-implementation-guide.md")


def test_guide_lists_every_element_with_its_paths() -> None:
    text = render()
    assert ("| `/goodsShipment/governmentAgencyGoodsItem/*/commodity/classification/*/id` | Classification | ID |"
            in text)
    assert "`/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem/Commodity/Classification/ID`" in text
    assert "| `/invoiceAmount/currencyId` | Amount | @currencyID | code | 0..1 | currency |" in text
    assert "`rule.net_above_gross`" in text
