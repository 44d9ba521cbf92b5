"""The assessment arithmetic, case by case, each worked out by hand in the comments (no database).

Rules (see ``assessment.calc``): every figure is rounded half up to a whole NT$ before the next
one uses it; business tax = 5 % of (CIF + duty + commodity tax); trade promotion fee = 0.04 % of CIF.
"""

from datetime import date
from decimal import Decimal as D

import pytest

from singlewindow.customs.assessment.calc import CommodityTax, DutyOption, ItemFacts, assess_item, whole_twd
from singlewindow.customs.assessment.errors import AssessmentErrorCode, ItemProblem
from singlewindow.customs.assessment.quantities import Measured, Quantities
from singlewindow.customs.assessment.result import ChargeCode, ValuePart
from singlewindow.customs.tariff.rates import parse_rate

RATES = {"TWD": D(1), "USD": D("30.5"), "NZD": D("18.25"), "GBP": D(40), "EUR": D(34)}
ON = date(2021, 1, 15)
NONE = Quantities()


def to_twd(currency: str) -> D:
    return RATES[currency]


def value(amount: str, currency: str) -> ValuePart:
    return ValuePart("Invoice amount", "發票金額", D(amount), currency, RATES[currency], D(amount) * RATES[currency])


def facts(rate: str, amount: str, currency: str, *, preferential: str | None = None, tax: str | None = None,
          quantities: Quantities = NONE) -> ItemFacts:
    options = [DutyOption("general", parse_rate(rate))]
    if preferential is not None:
        options.append(DutyOption("preferential:nz", parse_rate(preferential)))
    return ItemFacts(sequence=1, tariff_code="00000000", origin="NZ", value_parts=(value(amount, currency),),
                     duty_options=tuple(options), quantities=quantities,
                     commodity_tax=CommodityTax("Cars", "小客車", parse_rate(tax)) if tax else None)


CASES = [
    pytest.param(
        # CIF 1,200 USD x 30.5 = 36,600; duty 0 % = 0; business 5 % x 36,600 = 1,830; fee 0.04 % x 36,600 = 14.64 -> 15
        facts("0%", "1200", "USD"), D(36600), D(0), D(0), D(1830), D(15), "general", id="ad-valorem-free"),
    pytest.param(
        # CIF 500 x 30.5 = 15,250; 10 % = 1,525 but the minimum 20 TWD x 120 l = 2,400 applies;
        # business 5 % x (15,250 + 2,400) = 882.50 -> 883 (half up); fee 0.04 % x 15,250 = 6.10 -> 6
        facts("10% MIN 20 TWD / l", "500", "USD", quantities=Quantities(tariff=Measured(D(120), "LTR"))),
        D(15250), D(2400), D(0), D(883), D(6), "general", id="minimum-duty"),
    pytest.param(
        # CIF 800 x 30.5 = 24,400; 45 TWD/kg x 1,000 kg net = 45,000; business 5 % x 69,400 = 3,470;
        # fee 0.04 % x 24,400 = 9.76 -> 10
        facts("45 TWD / kg", "800", "USD", quantities=Quantities(net=Measured(D(1000), "KGM"))),
        D(24400), D(45000), D(0), D(3470), D(10), "general", id="specific-per-kg"),
    pytest.param(
        # the same rate with the net mass declared in tonnes: 1 TNE = 1,000 kg -> 45,000
        facts("45 TWD / kg", "800", "USD", quantities=Quantities(net=Measured(D(1), "TNE"))),
        D(24400), D(45000), D(0), D(3470), D(10), "general", id="specific-unit-converted"),
    pytest.param(
        # CIF 20,000 NZD x 18.25 = 365,000; general 17.5 % = 63,875, preferential 12.5 % = 45,625 (lower, applies);
        # commodity tax 25 % x (365,000 + 45,625) = 102,656.25 -> 102,656;
        # business 5 % x (365,000 + 45,625 + 102,656 = 513,281) = 25,664.05 -> 25,664; fee 0.04 % x 365,000 = 146
        facts("17.5%", "20000", "NZD", preferential="12.5%", tax="25%"),
        D(365000), D(45625), D(102656), D(25664), D(146), "preferential:nz", id="preferential-and-commodity-tax"),
    pytest.param(
        # a preferential rate higher than the general one is not used: general 0 % applies
        facts("0%", "1000", "TWD", preferential="5%"), D(1000), D(0), D(0), D(50), D(0), "general",
        id="preference-only-when-lower"),
    pytest.param(
        # CIF 10,000 GBP x 40 = 400,000; 4.5 % = 18,000 is capped at 0.80 EUR x 100 items x 34 = 2,720;
        # business 5 % x 402,720 = 20,136; fee 0.04 % x 400,000 = 160
        facts("4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item", "10000", "GBP",
              quantities=Quantities(tariff=Measured(D(100), "NAR"))),
        D(400000), D(2720), D(0), D(20136), D(160), "general", id="maximum-in-foreign-currency"),
    pytest.param(
        # CIF 2,000 GBP x 40 = 80,000; 1.40 GBP per % vol per hl = per litre of pure alcohol: 1.40 x 90 LPA x 40
        # = 5,040; business 5 % x 85,040 = 4,252; fee 0.04 % x 80,000 = 32
        facts("1.40 GBP / % vol / hl", "2000", "GBP", quantities=Quantities(tariff=Measured(D(90), "LPA"))),
        D(80000), D(5040), D(0), D(4252), D(32), "general", id="per-litre-of-pure-alcohol"),
    pytest.param(
        # on 15 January the winter season (1 Jul - 31 Jan) applies: 14 % x 10,000 = 1,400;
        # business 5 % x 11,400 = 570; fee 0.04 % x 10,000 = 4
        facts("14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)", "10000", "TWD"),
        D(10000), D(1400), D(0), D(570), D(4), "general", id="seasonal"),
    pytest.param(
        # CIF 12,345.50 -> 12,346 (half up); 2.5 % x 12,346 = 308.65 -> 309;
        # business 5 % x (12,346 + 309 = 12,655) = 632.75 -> 633; fee 0.04 % x 12,346 = 4.94 -> 5
        facts("2.5%", "12345.50", "TWD"), D(12346), D(309), D(0), D(633), D(5), "general", id="rounding-half-up"),
    pytest.param(
        # 8.3 % + 60.50 GBP / 100 kg on 250 kg net: 8.3 % x 40,000 = 3,320 + 60.50 x 2.5 x 40 = 6,050 -> 9,370;
        # business 5 % x 49,370 = 2,468.50 -> 2,469; fee 0.04 % x 40,000 = 16
        facts("8.3% + 60.50 GBP / 100 kg", "1000", "GBP", quantities=Quantities(net=Measured(D(250), "KGM"))),
        D(40000), D(9370), D(0), D(2469), D(16), "general", id="compound"),
]


@pytest.mark.parametrize(("item", "cif", "duty", "commodity", "business", "fee", "column"), CASES)
def test_hand_computed_item_assessments(item, cif, duty, commodity, business, fee, column):
    assessed = assess_item(item, on=ON, to_twd=to_twd)
    assert assessed.customs_value == cif
    assert assessed.amount(ChargeCode.IMPORT_DUTY) == duty
    assert assessed.amount(ChargeCode.COMMODITY_TAX) == commodity
    assert assessed.amount(ChargeCode.BUSINESS_TAX) == business
    assert assessed.amount(ChargeCode.TRADE_PROMOTION_FEE) == fee
    assert assessed.total == duty + commodity + business + fee
    assert assessed.column == column
    assert all(charge.amount == charge.amount.to_integral_value() for charge in assessed.charges)


@pytest.mark.parametrize(("item", "code", "text"), [
    (facts("45 TWD / kg", "800", "USD"), AssessmentErrorCode.MISSING_QUANTITY, "kilograms"),
    (facts("45 TWD / kg", "800", "USD", quantities=Quantities(net=Measured(D(5), "LTR"))),
     AssessmentErrorCode.MISSING_QUANTITY, "net mass or tariff quantity"),
    (facts("3% MIN 0.60 EUR / 100 kg / gross", "800", "USD", quantities=Quantities(net=Measured(D(5), "KGM"))),
     AssessmentErrorCode.MISSING_QUANTITY, "gross mass"),
    (facts("1.00 TWD/kg/lactic matter", "800", "USD", quantities=Quantities(net=Measured(D(5), "KGM"))),
     AssessmentErrorCode.MISSING_QUANTITY, "lactic matter"),
    (facts("Entry Price", "800", "USD"), AssessmentErrorCode.UNPARSED_RATE, "officer"),
    (facts("4.00% (01 JUN-30 NOV)", "800", "USD"), AssessmentErrorCode.NO_SEASON, "2021-01-15"),
])
def test_what_cannot_be_computed_is_refused_with_a_clear_reason(item, code, text):
    with pytest.raises(ItemProblem) as raised:
        assess_item(item, on=ON, to_twd=to_twd)
    assert raised.value.problem.code == code
    assert text in raised.value.problem.en and raised.value.problem.zh


def test_a_preferential_rate_that_cannot_be_computed_falls_back_to_the_general_rate_with_a_note():
    # general 5 % x 1,000 = 50; the preference needs a quantity nobody declared
    assessed = assess_item(facts("5%", "1000", "TWD", preferential="1 TWD / kg"), on=ON, to_twd=to_twd)
    assert assessed.amount(ChargeCode.IMPORT_DUTY) == D(50) and assessed.column == "general"
    assert "preferential:nz not applied" in assessed.notes[0][0]


@pytest.mark.parametrize(("amount", "rounded"), [
    (D("0.49"), D(0)), (D("0.5"), D(1)), (D("1.5"), D(2)), (D("2.5"), D(3)), (D("14.64"), D(15)), (D(-0), D(0)),
])
def test_whole_dollar_rounding_is_half_up_not_bankers(amount, rounded):
    assert whole_twd(amount) == rounded
