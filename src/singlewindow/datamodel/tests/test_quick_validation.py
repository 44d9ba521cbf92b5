"""The quick validation pass answers exactly as the full walk does, and faults still come with pointers.

Validation first checks a document's codes and currencies without building pointers (``plans``);
only when that finds a doubt does it walk again with pointers. These properties pin the quick pass
to the full walk on any valid document of any data set, national or not.
"""

from __future__ import annotations

import copy

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from singlewindow.datamodel import samples
from singlewindow.datamodel.codelists import InMemoryCodeLists
from singlewindow.datamodel.datasets import DATA_SETS, DataSet
from singlewindow.datamodel.datasets.base import Amount
from singlewindow.datamodel.issues import MessageInvalid
from singlewindow.datamodel.tests.strategies import document
from singlewindow.datamodel.validation import validate_document
from singlewindow.datamodel.validation.codes import _coded_values
from singlewindow.datamodel.validation.plans import scan
from singlewindow.datamodel.validation.walk import walk

ITEM = "/goodsShipment/governmentAgencyGoodsItem"
CODE_LISTS = InMemoryCodeLists.from_names({
    "country": {c: (c, c) for c in ("TW", "CN", "VN", "US", "JP")},
    "currency": {c: (c, c) for c in ("USD", "TWD", "JPY")},
    "unit": {c: (c, c) for c in ("KGM", "PCE")},
    "package_type": {c: (c, c) for c in ("CT", "PK")},
    "transport_mode": {str(i): (str(i), str(i)) for i in range(10)},
    "hs2022": {"847130": ("Portable computers", "手提電腦"), "850760": ("Li-ion", "鋰電池")},
    "customs_office": {"TWKEL": ("Keelung", "基隆關")},
    "document_type": {"380": ("Invoice", "發票")},
})


def _walked(model: DataSet, national: bool) -> tuple[set[tuple[str, str]], set[str]]:
    """What the full walk sees: the coded values, and the currencies ``_one_currency`` looks at."""
    nodes = list(walk(model))
    codes = {(list_name, value) for _, list_name, value in _coded_values(nodes, national)}
    currencies = {node.currency_id for pointer, node in nodes
                  if isinstance(node, Amount) and node.currency_id
                  and "/dutyTaxFee/" not in pointer and "/obligationGuarantee/" not in pointer}
    return codes, currencies


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data(), st.booleans())
def test_quick_pass_finds_what_the_full_walk_finds(data: st.DataObject, national: bool) -> None:
    for dataset, model_class in DATA_SETS.items():
        model = model_class.model_validate(data.draw(document(model_class), label=dataset))
        found = scan(model, national)
        assert (found.codes, found.currencies) == _walked(model, national)


def test_quick_pass_on_a_full_declaration_sees_every_coded_value() -> None:
    model = validate_document("import_declaration", samples.import_declaration(items=3), CODE_LISTS)
    for national in (True, False):
        found = scan(model, national)
        assert (found.codes, found.currencies) == _walked(model, national)
    assert ("hs2022", "847130") in scan(model, True).codes


def _faults(document: dict) -> list[tuple[str, str]]:
    with pytest.raises(MessageInvalid) as raised:
        validate_document("import_declaration", document, CODE_LISTS)
    return [(found.code, found.pointer) for found in raised.value.issues]


def test_an_unknown_code_is_still_reported_where_it_stands() -> None:
    document = samples.import_declaration(items=2)
    document["goodsShipment"]["governmentAgencyGoodsItem"][1]["origin"][0]["countryCode"] = "XX"
    assert _faults(document) == [("codelist.unknown_code", f"{ITEM}/1/origin/0/countryCode")]


def test_a_stray_currency_is_reported_but_taxes_in_national_currency_are_not() -> None:
    document = samples.import_declaration(items=2)
    item = document["goodsShipment"]["governmentAgencyGoodsItem"][1]
    item["customsValueAmount"] = {"value": "10", "currencyId": "JPY"}
    item["commodity"]["dutyTaxFee"] = [{"typeCode": "A00", "payment": {
        "taxAssessedAmount": {"value": "5", "currencyId": "TWD"}}}]
    assert _faults(document) == [("rule.currency_mismatch", f"{ITEM}/1/customsValueAmount/currencyId")]
    # and the same declaration with the item's value back in the invoice currency passes
    fixed = copy.deepcopy(document)
    del fixed["goodsShipment"]["governmentAgencyGoodsItem"][1]["customsValueAmount"]
    assert validate_document("import_declaration", fixed, CODE_LISTS).items[1].commodity is not None
