"""The duty-rate grammar over real rates from the UK Global Tariff file (its own and the EU CET column)."""

from datetime import date
from decimal import Decimal as D

import pytest

from singlewindow.customs.tariff.rates import (
    Basis,
    Formula,
    Percent,
    RateKind,
    Specific,
    parse_rate,
    rate_from_dict,
    summary_columns,
)


def gbp(amount: str, per: str, unit: str, basis: str = "") -> Specific:
    return Specific(D(amount), "GBP", D(per), unit, basis)


def eur(amount: str, per: str, unit: str, basis: str = "") -> Specific:
    return Specific(D(amount), "EUR", D(per), unit, basis)


@pytest.mark.parametrize(("text", "kind", "formula"), [
    # commodity 01012100 and most of the file
    ("0.0%", RateKind.AD_VALOREM, Formula((Percent(D("0.0")),))),
    ("12.0%", RateKind.AD_VALOREM, Formula((Percent(D("12.0")),))),
    # 01039110
    ("34.00 GBP/100kg", RateKind.SPECIFIC, Formula((gbp("34.00", "100", "KGM"),))),
    # 01022910
    ("10.00% + 77.00 GBP/100kg", RateKind.COMPOUND, Formula((Percent(D("10.00")), gbp("77.00", "100", "KGM")))),
    ("8.3% + 60.50 GBP / 100 kg", RateKind.COMPOUND, Formula((Percent(D("8.3")), gbp("60.50", "100", "KGM")))),
    # 01051111 (UK) and its CET, with a thousands separator
    ("43.00 GBP/1000 items", RateKind.SPECIFIC, Formula((gbp("43.00", "1000", "NAR"),))),
    ("52.00 EUR / 1,000 items", RateKind.SPECIFIC, Formula((eur("52.00", "1000", "NAR"),))),
    ("1,024.00 EUR / tonne", RateKind.SPECIFIC, Formula((eur("1024.00", "1", "TNE"),))),
    # 22041011, 2204218595: per hectolitre, per % vol per hectolitre (= per litre of pure alcohol)
    ("26.00 GBP/hl", RateKind.SPECIFIC, Formula((gbp("26.00", "1", "HLT"),))),
    ("1.40 GBP / % vol / hl", RateKind.SPECIFIC, Formula((gbp("1.40", "1", "LPA"),))),
    ("0.50 GBP/%vol/hl + 2.60 GBP/hl", RateKind.SPECIFIC,
     Formula((gbp("0.50", "1", "LPA"), gbp("2.60", "1", "HLT")))),
    # qualifiers: 07104000 (eda), 17023010 (mas), 04021091 (lactic), 17022010 (sucrose), 17011210 (std qual)
    ("4.00% + 7.80 GBP/100kg eda", RateKind.COMPOUND,
     Formula((Percent(D("4.00")), gbp("7.80", "100", "KGM", Basis.DRAINED)))),
    ("5.10% + 9.40 EUR / 100 kg / net drained wt", RateKind.COMPOUND,
     Formula((Percent(D("5.10")), eur("9.40", "100", "KGM", Basis.DRAINED)))),
    ("42.00 GBP/100kg mas", RateKind.SPECIFIC, Formula((gbp("42.00", "100", "KGM", Basis.DRY),))),
    ("1.00 GBP/kg/lactic matter + 23.00 GBP/100kg", RateKind.SPECIFIC,
     Formula((gbp("1.00", "1", "KGM", Basis.LACTIC), gbp("23.00", "100", "KGM")))),
    ("0.07 EUR / kg / dry lactic matter", RateKind.SPECIFIC, Formula((eur("0.07", "1", "KGM", Basis.DRY_LACTIC),))),
    ("0.30 GBP/100kg/net/%sacchar.", RateKind.SPECIFIC, Formula((gbp("0.30", "100", "KGM", Basis.SUCROSE),))),
    ("0.40 EUR / 100 kg /net/ % sacchar.", RateKind.SPECIFIC, Formula((eur("0.40", "100", "KGM", Basis.SUCROSE),))),
    ("28.00 GBP/100kg std qual", RateKind.SPECIFIC,
     Formula((gbp("28.00", "100", "KGM", Basis.STANDARD_QUALITY),))),
    ("1.62 EUR / kg / tot alc", RateKind.SPECIFIC, Formula((eur("1.62", "1", "KGM", Basis.ALCOHOL),))),
    ("3.80% MIN 0.60 EUR / 100 kg / gross", RateKind.MIN_MAX,
     Formula((Percent(D("3.80")),), (eur("0.60", "100", "KGM", Basis.GROSS),))),
    ("0.20 GBP/ item", RateKind.SPECIFIC, Formula((gbp("0.20", "1", "NAR"),))),
    # minimum and maximum: 91011100, 24011035, 17049030, 91111000, 57011090
    ("4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item", RateKind.MIN_MAX,
     Formula((Percent(D("4.50")),), (eur("0.30", "1", "NAR"),), (eur("0.80", "1", "NAR"),))),
    ("18.40% MIN 22.00 EUR / 100 kg MAX 24.00 EUR / 100 kg", RateKind.MIN_MAX,
     Formula((Percent(D("18.40")),), (eur("22.00", "100", "KGM"),), (eur("24.00", "100", "KGM"),))),
    ("9.10% + 45.10 EUR / 100 kg MAX 18.90% + 16.50 EUR / 100 kg", RateKind.MIN_MAX,
     Formula((Percent(D("9.10")), eur("45.10", "100", "KGM")), (),
             (Percent(D("18.90")), eur("16.50", "100", "KGM")))),
    ("0.50 EUR / item MIN 2.70% MAX 4.60%", RateKind.MIN_MAX,
     Formula((eur("0.50", "1", "NAR"),), (Percent(D("2.70")),), (Percent(D("4.60")),))),
    ("8.00% MAX 2.80 EUR / m2", RateKind.MIN_MAX, Formula((Percent(D("8.00")),), (), (eur("2.80", "1", "MTK"),))),
    # a bare number is a percentage, as the CN writes it: 08081010, 1902301010
    ("7.2 MIN 0.36 EUR/100 kg", RateKind.MIN_MAX, Formula((Percent(D("7.2")),), (eur("0.36", "100", "KGM"),))),
    ("6.4 + 24.6 EUR/100 kg", RateKind.COMPOUND, Formula((Percent(D("6.4")), eur("24.6", "100", "KGM")))),
])
def test_real_rates_parse_into_their_structure(text, kind, formula):
    parsed = parse_rate(text)
    assert parsed.ok, parsed.problem
    assert parsed.kind == kind
    assert parsed.simple() == formula
    assert rate_from_dict(parsed.text, parsed.as_dict()) == parsed  # the stored form gives the same rate back


@pytest.mark.parametrize(("text", "day", "expected"), [
    # 03024100 (UK): a season that wraps over the new year
    ("14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)", date(2021, 1, 15), D("14.00")),
    ("14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)", date(2021, 2, 1), D("0.00")),
    ("14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)", date(2021, 7, 1), D("14.00")),
    # 03024100 (CET): two periods in one season
    ("15.00% (01 JAN-14 FEB, 16 JUN-31 DEC), 0.00% (15 FEB-15 JUN)", date(2021, 6, 16), D("15.00")),
    ("15.00% (01 JAN-14 FEB, 16 JUN-31 DEC), 0.00% (15 FEB-15 JUN)", date(2021, 6, 15), D("0.00")),
    # 08083090 (UK): four seasons
    ("8.00% (01 JAN - 31 JAN), 4.00% (01 FEB - 31 MAR), 0.00% (01 APR - 31 JUL), 10.00% (01 AUG - 31 DEC)",
     date(2021, 3, 31), D("4.00")),
    # 07019050 (CET): "JUNE" spelt out; 08044000: "01-31 DEC" with the month once
    ("9.60% (01 JAN-15 MAY), 13.40% (16 MAY-30 JUNE)", date(2021, 6, 30), D("13.40")),
    ("4.00% (01 JAN-31 MAR, 01-31 DEC), 5.10% (01 JUN-30 NOV)", date(2021, 12, 5), D("4.00")),
])
def test_seasonal_rates_pick_the_season_of_the_day(text, day, expected):
    parsed = parse_rate(text)
    assert parsed.kind == RateKind.SEASONAL
    formula = parsed.formula_on(day)
    assert formula is not None and formula.terms == (Percent(expected),)


def test_a_seasonal_rate_with_an_open_last_season_covers_the_rest_of_the_year():
    # 07041000 (CET): the second season has no dates, and the € sign and no-break spaces are read
    parsed = parse_rate("9.60% MIN 1.1\xa0€/100\xa0kg/net (01 JAN-14 APR, 1 DEC-31 DEC), 13.60% MIN 1.6€/100kg/net")
    assert parsed.kind == RateKind.SEASONAL
    summer = parsed.formula_on(date(2021, 7, 1))
    assert summer == Formula((Percent(D("13.60")),), (eur("1.6", "100", "KGM", Basis.NET),))


def test_a_season_gap_gives_no_rate_rather_than_a_guess():
    # 08044000 (CET) says nothing about April and May
    parsed = parse_rate("4.00% (01 JAN-31 MAR, 01-31 DEC), 5.10% (01 JUN-30 NOV)")
    assert parsed.formula_on(date(2021, 4, 20)) is None


@pytest.mark.parametrize(("text", "reason"), [
    ("Entry Price", "entry price"),  # 07020000 (CET)
    ("9.00% +  EA", "agricultural component EA"),  # 04052010 (CET)
    ("9.00% +  EA MAX 18.70%  + ADSZ", "agricultural component EA"),  # 17049051 (CET)
    ("12% + 3 XYZ / kg", "unknown currency or unit 'XYZ'"),
    ("3 EUR / barrel", "unknown unit 'BARREL'"),
    ("3 EUR / 100 kg / wet", "unknown unit qualifier '/WET'"),
    ("12% (01 FOO - 31 DEC)", "bad month"),
    ("12% (41 JAN - 31 DEC)", "bad day"),
    ("12% (01 JAN - 31 DEC", "expected ')'"),
    ("5%, 3% (01 JAN-31 DEC)", "only the last season may omit its dates"),
    ("12% 7%", "unexpected '7'"),
    ("free", "expected a number"),
    ("12 % ; DROP TABLE", "unexpected character ';'"),
    ("", "empty rate"),
    ("1" * 400, "rate text too long"),
    ("99999999999 GBP / kg", "too large"),
])
def test_forms_not_understood_are_kept_as_text_with_the_reason(text, reason):
    parsed = parse_rate(text)
    assert parsed.kind == RateKind.UNPARSED
    assert reason in parsed.problem
    assert parsed.problem_zh  # the reason is bilingual
    assert parsed.formula_on(date(2021, 1, 1)) is None
    assert rate_from_dict(parsed.text, parsed.as_dict()) == parsed


def test_summary_columns_hold_the_first_ad_valorem_and_specific_parts():
    summary = summary_columns(parse_rate("8.3% + 60.50 GBP / 100 kg"))
    assert (summary.ad_valorem, summary.specific_amount, summary.specific_currency, summary.specific_per,
            summary.specific_unit) == (D("8.3"), D("60.50"), "GBP", D("100"), "KGM")
    assert summary_columns(parse_rate("Entry Price")).ad_valorem is None
