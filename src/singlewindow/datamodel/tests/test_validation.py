"""Validation layers: schema, code lists and business rules, each fault coded, pointed and bilingual."""

from __future__ import annotations

import copy

import pytest

from singlewindow.datamodel import samples
from singlewindow.datamodel.codelists import InMemoryCodeLists
from singlewindow.datamodel.issues import MessageInvalid
from singlewindow.datamodel.validation import validate_document
from singlewindow.datamodel.validation.catalogue import CATALOGUE

ITEM = "/goodsShipment/governmentAgencyGoodsItem"
CODE_LISTS = InMemoryCodeLists.from_names({
    "country": {c: (c, c) for c in ("TW", "CN", "VN", "US", "JP")},
    "currency": {c: (c, c) for c in ("USD", "TWD", "JPY")},
    "unit": {c: (c, c) for c in ("KGM", "PCE", "LTR")},
    "package_type": {c: (c, c) for c in ("CT", "PK", "BX")},
    "transport_mode": {str(i): (str(i), str(i)) for i in range(10)},
    "hs2022": {"847130": ("Portable computers", "手提電腦"), "850760": ("Li-ion", "鋰電池")},
    "customs_office": {"TWKEL": ("Keelung", "基隆關"), "TWKHH": ("Kaohsiung", "高雄關")},
    "document_type": {"380": ("Invoice", "發票"), "911": ("Import licence", "輸入許可證")},
})


def faults(document: dict, code_lists=CODE_LISTS) -> dict[str, str]:
    with pytest.raises(MessageInvalid) as raised:
        validate_document("import_declaration", document, code_lists)
    return {found.pointer: found.code for found in raised.value.issues}


def test_the_sample_declaration_is_valid_in_every_layer() -> None:
    model = validate_document("import_declaration", samples.import_declaration(items=3), CODE_LISTS)
    assert len(model.items) == 3


def test_code_list_layer_names_each_unknown_code() -> None:
    document = samples.import_declaration(items=2)
    items = document["goodsShipment"]["governmentAgencyGoodsItem"]
    items[0]["origin"][0]["countryCode"] = "XX"
    items[1]["commodity"]["classification"][0]["id"] = "99999900"
    items[1]["packaging"][0]["typeCode"] = "ZZ"
    items[0]["commodity"]["goodsMeasure"]["tariffQuantity"]["unitCode"] = "ZZZ"
    document["declarationOfficeId"] = "TWXXX"
    found = faults(document)
    assert found == {
        f"{ITEM}/0/origin/0/countryCode": "codelist.unknown_code",
        f"{ITEM}/1/commodity/classification/0/id": "codelist.unknown_code",
        f"{ITEM}/1/packaging/0/typeCode": "codelist.unknown_code",
        f"{ITEM}/0/commodity/goodsMeasure/tariffQuantity/unitCode": "codelist.unknown_code",
        "/declarationOfficeId": "codelist.unknown_code",
    }


def test_code_list_messages_are_bilingual_and_name_the_list() -> None:
    document = samples.import_declaration()
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["origin"][0]["countryCode"] = "XX"
    with pytest.raises(MessageInvalid) as raised:
        validate_document("import_declaration", document, CODE_LISTS)
    [found] = raised.value.issues
    assert "XX" in found.en and "ISO 3166" in found.en
    assert "XX" in found.zh and "國家" in found.zh


def test_foreign_offices_are_not_held_to_taiwan_lists_or_rules() -> None:
    document = samples.import_declaration()
    document["declarationOfficeId"] = "GB000001"
    del document["goodsShipment"]["ucr"]
    validate_document("import_declaration", document, CODE_LISTS)


@pytest.mark.parametrize(("change", "pointer", "code"), [
    (lambda d: d.update(goodsItemQuantity=5), "/goodsItemQuantity", "rule.item_count"),
    (lambda d: d.update(totalPackageQuantity=99), "/totalPackageQuantity", "rule.package_total"),
    (lambda d: d["goodsShipment"]["governmentAgencyGoodsItem"][0].update(sequenceNumeric=7),
     f"{ITEM}/0/sequenceNumeric", "rule.item_sequence"),
    (lambda d: d["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]["goodsMeasure"][
        "netNetWeightMeasure"].update(value="31"), f"{ITEM}/0/commodity/goodsMeasure/netNetWeightMeasure",
     "rule.net_above_gross"),
    (lambda d: d["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]["invoiceLine"][
        "itemChargeAmount"].update(currencyId="JPY"), f"{ITEM}/0/commodity/invoiceLine/itemChargeAmount/currencyId",
     "rule.currency_mismatch"),
    (lambda d: d["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]["invoiceLine"][
        "itemChargeAmount"].update(value="5000"), "/invoiceAmount", "rule.item_value_total"),
    (lambda d: d["goodsShipment"]["tradeTerms"].update(conditionCode="FOB"),
     "/goodsShipment/customsValuation/freightChargeAmount", "rule.freight_required"),
    (lambda d: d["goodsShipment"].pop("ucr"), "/goodsShipment/ucr/id", "rule.required"),
    (lambda d: d["goodsShipment"].pop("importer"), "/goodsShipment/importer/id", "rule.required"),
    (lambda d: d["goodsShipment"]["governmentAgencyGoodsItem"][0].pop("origin"), f"{ITEM}/0/origin",
     "rule.required"),
])
def test_business_rules(change, pointer: str, code: str) -> None:
    document = copy.deepcopy(samples.import_declaration())
    change(document)
    assert faults(document) == {pointer: code}


def test_freight_given_satisfies_the_cif_rule() -> None:
    document = samples.import_declaration()
    document["goodsShipment"]["tradeTerms"]["conditionCode"] = "FOB"
    document["goodsShipment"]["customsValuation"] = {"freightChargeAmount": {"value": "80", "currencyId": "USD"}}
    validate_document("import_declaration", document, CODE_LISTS)


def test_schema_layer_stops_before_code_lists() -> None:
    document = samples.import_declaration()
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["origin"][0]["countryCode"] = "xx"
    document["declarationOfficeId"] = "TWXXX"  # would be a code-list fault, but the schema fails first
    assert faults(document) == {f"{ITEM}/0/origin/0/countryCode": "schema.string_pattern_mismatch"}


def test_every_reported_code_is_in_the_published_catalogue() -> None:
    document = samples.import_declaration()
    document.update(goodsItemQuantity=9, colour="red", issueDateTime="yesterday")
    with pytest.raises(MessageInvalid) as raised:
        validate_document("import_declaration", document, CODE_LISTS)
    for found in raised.value.issues:
        assert found.code in CATALOGUE and found.en and found.zh


def test_without_code_lists_that_layer_is_skipped() -> None:
    document = samples.import_declaration()
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["origin"][0]["countryCode"] = "XX"
    validate_document("import_declaration", document, None)
