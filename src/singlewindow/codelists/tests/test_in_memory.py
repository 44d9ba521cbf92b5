"""The pure-Python lookup validation uses offline, and the issues it reports."""

from datetime import date

from singlewindow.datamodel.codelists import (
    NOT_VALID_ON_DATE,
    UNKNOWN_CODE,
    CodeEntry,
    CodeLists,
    InMemoryCodeLists,
    check_code,
    normalise_hs,
)

LISTS = InMemoryCodeLists({
    "unit": [CodeEntry("KGM", "kilogram", "公斤"),
             CodeEntry("PCE", "piece", "個", valid_to=date(2025, 12, 31))],
    "country": [CodeEntry("TW", "Taiwan", "臺灣", valid_from=date(1974, 1, 1))],
})


def test_it_answers_membership_and_names_in_both_languages():
    assert isinstance(LISTS, CodeLists)
    assert LISTS.contains("unit", "KGM")
    assert not LISTS.contains("unit", "kgm")
    assert not LISTS.contains("no_such_list", "KGM")
    assert LISTS.name("country", "TW") == ("Taiwan", "臺灣")
    assert LISTS.name("country", "XX") is None


def test_a_date_checks_the_validity_window():
    assert LISTS.contains("unit", "PCE")
    assert LISTS.contains("unit", "PCE", on=date(2025, 12, 31))
    assert not LISTS.contains("unit", "PCE", on=date(2026, 1, 1))
    assert not LISTS.contains("country", "TW", on=date(1970, 1, 1))


def test_from_names_is_the_short_way_to_write_a_fixture():
    lists = InMemoryCodeLists.from_names({"currency": {"TWD": ("New Taiwan Dollar", "新臺幣")}})
    assert lists.name("currency", "TWD") == ("New Taiwan Dollar", "新臺幣")


def test_unknown_and_expired_codes_become_bilingual_issues_with_stable_codes():
    assert check_code(LISTS, "unit", "KGM", "/goodsItems/0/unitCode") is None
    unknown = check_code(LISTS, "unit", "XYZ", "/goodsItems/0/unitCode")
    assert unknown is not None
    assert unknown.code == UNKNOWN_CODE and unknown.pointer == "/goodsItems/0/unitCode"
    assert "XYZ" in unknown.en and "Rec 20" in unknown.en
    assert "計量單位" in unknown.zh
    expired = check_code(LISTS, "unit", "PCE", "/goodsItems/1/unitCode", on=date(2026, 3, 1))
    assert expired is not None and expired.code == NOT_VALID_ON_DATE
    assert "2026-03-01" in expired.en and "2026-03-01" in expired.zh


def test_hs_codes_lose_their_punctuation():
    assert normalise_hs("8510.90") == "851090"
    assert normalise_hs(" 8471.30.00.00-1 ") == "84713000001"
