"""Assessing harmonised declarations against the tariff and exchange-rate tables (hand-computed cases).

The ``national_schedule`` fixture (conftest) loads a small national tariff, USD 30.5 / NZD 18.25 /
GBP 40 customs exchange rates for 1-10 January 2024, a preference for New Zealand and a 25 %
commodity tax on cars.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from singlewindow.customs.assessment.errors import AssessmentError, AssessmentErrorCode
from singlewindow.customs.assessment.result import ChargeCode
from singlewindow.customs.assessment.service import assess_declaration, assessment_date
from singlewindow.datamodel import samples
from singlewindow.datamodel.datasets.declaration import ExportDeclaration, ImportDeclaration

pytestmark = pytest.mark.django_db
ON = date(2024, 1, 5)


def item(sequence, code, amount, currency="USD", origin="CN", **measures):
    goods_measure = {name: {"value": str(value), "unitCode": unit} for name, (value, unit) in measures.items()}
    return {
        "sequenceNumeric": sequence,
        "commodity": {
            "description": "goods", "classification": [{"id": code, "identificationTypeCode": "TW"}],
            "goodsMeasure": goods_measure,
            "invoiceLine": {"itemChargeAmount": {"value": amount, "currencyId": currency}},
        },
        "origin": [{"countryCode": origin}],
    }


def declaration(items, *, terms="CIF", freight=None, insurance=None, **header):
    document = samples.import_declaration()
    shipment = document["goodsShipment"]
    shipment["governmentAgencyGoodsItem"] = items
    shipment["tradeTerms"]["conditionCode"] = terms
    valuation = {}
    if freight:
        valuation["freightChargeAmount"] = {"value": freight, "currencyId": "USD"}
    if insurance:
        valuation["chargeDeduction"] = [{"chargesTypeCode": "AK",
                                         "otherChargeDeductionAmount": {"value": insurance, "currencyId": "USD"}}]
    if valuation:
        shipment["customsValuation"] = valuation
    document.update(header)
    return ImportDeclaration.model_validate(document)


def test_the_sample_laptop_declaration(national_schedule):
    # CIF 1,200 USD x 30.5 = 36,600; duty 0 %; business 5 % x 36,600 = 1,830; fee 0.04 % x 36,600 = 14.64 -> 15
    result = assess_declaration(declaration([item(1, "8471300000", "1200.00", netNetWeightMeasure=(25, "KGM"))]),
                                on=ON)
    (laptops,) = result.items
    assert (laptops.tariff_code, laptops.customs_value, laptops.total) == ("8471300000", D(36600), D(1845))
    assert result.exchange_rates == {"USD": D("30.5")}
    assert result.schedule == "test-national" and not result.is_sample


def test_fob_declaration_adds_shared_freight_and_insurance_and_applies_the_preference(national_schedule):
    # FOB: freight 80 USD and insurance (AK) 8 USD are shared by invoice amount: wine 500/800, rice 300/800.
    # Wine (NZ): 500 + 50 + 5 = 555 USD; 15,250 + 1,525 + 152.50 = 16,927.50 -> CIF 16,928.
    #   general 10 % = 1,692.80, minimum 20 TWD x 120 l = 2,400; NZ preference 0 % = 0 is lower -> duty 0;
    #   business 5 % x 16,928 = 846.40 -> 846; fee 0.04 % x 16,928 = 6.77 -> 7; item total 853.
    # Rice (CN): 9,150 + 915 + 91.50 = 10,156.50 -> 10,157; duty 45 TWD/kg x 1,000 kg = 45,000;
    #   business 5 % x 55,157 = 2,757.85 -> 2,758; fee 0.04 % x 10,157 = 4.06 -> 4; item total 47,762.
    document = declaration([
        item(1, "22042100", "500.00", origin="NZ", tariffQuantity=(120, "LTR"), netNetWeightMeasure=(125, "KGM")),
        item(2, "10063000", "300.00", netNetWeightMeasure=(1000, "KGM")),
    ], terms="FOB", freight="80.00", insurance="8.00", invoiceAmount={"value": "800.00", "currencyId": "USD"})
    result = assess_declaration(document, on=ON)
    wine, rice = result.items
    assert [part.twd for part in wine.value_parts] == [D("15250.000"), D("1525.00000"), D("152.500000")]
    assert (wine.customs_value, wine.column, wine.amount(ChargeCode.IMPORT_DUTY)) == (
        D(16928), "preferential:test-nz", D(0))
    assert (wine.amount(ChargeCode.BUSINESS_TAX), wine.amount(ChargeCode.TRADE_PROMOTION_FEE), wine.total) == (
        D(846), D(7), D(853))
    assert (rice.customs_value, rice.amount(ChargeCode.IMPORT_DUTY), rice.amount(ChargeCode.BUSINESS_TAX),
            rice.amount(ChargeCode.TRADE_PROMOTION_FEE), rice.total) == (D(10157), D(45000), D(2758), D(4), D(47762))
    assert result.customs_value == D(27085) and result.total == D(48615)
    assert result.totals()[ChargeCode.IMPORT_DUTY] == D(45000)


def test_a_car_from_new_zealand_pays_commodity_tax_on_value_plus_duty(national_schedule):
    # CIF 20,000 NZD x 18.25 = 365,000; NZ preference 12.5 % = 45,625 (general 17.5 % = 63,875);
    # commodity tax 25 % x 410,625 = 102,656.25 -> 102,656; business 5 % x 513,281 = 25,664.05 -> 25,664;
    # fee 0.04 % x 365,000 = 146; total 174,091
    document = declaration([item(1, "87032100", "20000.00", currency="NZD", origin="NZ")],
                           invoiceAmount={"value": "20000.00", "currencyId": "NZD"})
    result = assess_declaration(document, on=ON)
    assert [(c.code, c.amount) for c in result.items[0].charges] == [
        (ChargeCode.IMPORT_DUTY, D(45625)), (ChargeCode.COMMODITY_TAX, D(102656)),
        (ChargeCode.BUSINESS_TAX, D(25664)), (ChargeCode.TRADE_PROMOTION_FEE, D(146))]
    assert result.total == D(174091)
    text = "\n".join(result.render())
    for expected in ("進口關稅", "貨物稅", "營業稅", "推廣貿易服務費", "NT$174,091", "20000.00 NZD x 18.25",
                     "Customs value (CIF) 完稅價格: NT$365,000", "preferential test-nz"):
        assert expected in text


def test_every_problem_in_every_item_is_reported_together(national_schedule):
    document = declaration([
        item(1, "99999999", "10.00"),  # not in the schedule
        item(2, "04021000", "10.00", netNetWeightMeasure=(5, "KGM")),  # lactic matter quantity not declared
        item(3, "07020000", "10.00"),  # entry price: not computable
        item(4, "10063000", "10.00"),  # specific per kg, no mass at all
    ])
    with pytest.raises(AssessmentError) as raised:
        assess_declaration(document, on=ON)
    found = [(p.item, p.code, p.pointer) for p in raised.value.problems]
    assert found == [
        (1, AssessmentErrorCode.NO_TARIFF_LINE, "/goodsShipment/governmentAgencyGoodsItem/0"),
        (2, AssessmentErrorCode.MISSING_QUANTITY, "/goodsShipment/governmentAgencyGoodsItem/1"),
        (3, AssessmentErrorCode.UNPARSED_RATE, "/goodsShipment/governmentAgencyGoodsItem/2"),
        (4, AssessmentErrorCode.MISSING_QUANTITY, "/goodsShipment/governmentAgencyGoodsItem/3"),
    ]
    assert all(p.zh for p in raised.value.problems)


@pytest.mark.parametrize(("change", "code"), [
    ({"on": date(2024, 2, 1)}, AssessmentErrorCode.NO_EXCHANGE_RATE),  # rates end on 10 January
    ({"terms": "FOB"}, AssessmentErrorCode.MISSING_FREIGHT),
    ({"schedule": "no-such"}, AssessmentErrorCode.NO_SCHEDULE),
    ({"on": date(2022, 8, 1), "code": "08081000", "currency": "TWD"}, AssessmentErrorCode.NO_SEASON),
    ({"on": date(2025, 1, 2), "code": "08081000"}, AssessmentErrorCode.NO_TARIFF_LINE),  # line ended 2022-12-31
])
def test_declarations_that_cannot_be_assessed_say_why(national_schedule, change, code):
    goods = item(1, change.get("code", "8471300000"), "100.00", currency=change.get("currency", "USD"))
    document = declaration([goods], terms=change.get("terms", "CIF"))
    with pytest.raises(AssessmentError) as raised:
        assess_declaration(document, on=change.get("on", ON), schedule=change.get("schedule"))
    assert raised.value.problems[0].code == code


def test_a_ten_digit_code_falls_back_to_its_eight_digit_line(national_schedule):
    result = assess_declaration(declaration([item(1, "1006300010", "10.00", netNetWeightMeasure=(1, "KGM"))]), on=ON)
    assert result.items[0].tariff_code == "10063000" and result.items[0].amount(ChargeCode.IMPORT_DUTY) == D(45)


def test_export_declarations_are_not_assessed(national_schedule):
    document = ExportDeclaration.model_validate(samples.export_declaration())
    with pytest.raises(AssessmentError) as raised:
        assess_declaration(document, on=ON)
    assert raised.value.problems[0].code == AssessmentErrorCode.NOT_IMPORT


def test_the_assessment_date_is_the_acceptance_day_in_taipei():
    document = ImportDeclaration.model_validate({**samples.import_declaration(),
                                                 "acceptanceDateTime": "2024-01-04T17:30:00Z"})
    assert assessment_date(document) == date(2024, 1, 5)  # 01:30 on 5 January in Taipei
