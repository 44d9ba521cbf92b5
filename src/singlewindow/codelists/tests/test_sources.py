"""What each source delivers, read without a database."""

from collections import Counter

import pytest

from singlewindow.codelists.sources import SOURCES, in_memory
from singlewindow.codelists.sources.regulations import REGULATIONS
from singlewindow.datamodel.codelists import ListName

DEMO_AGENCIES = {"tw-trade-admin", "tw-bsmi", "tw-tfda", "tw-aphia"}


@pytest.fixture(scope="module")
def lists():
    return in_memory()


@pytest.mark.parametrize("name", list(SOURCES))
def test_every_source_has_unique_named_codes_and_says_where_it_comes_from(name):
    data = SOURCES[name]()
    assert data.name == name and data.source and data.version
    duplicates = [code for code, n in Counter(e.code for e in data.entries).items() if n > 1]
    assert duplicates == []
    assert all(e.code and e.name_en for e in data.entries)


def test_hs_has_every_chapter_of_the_21_sections_and_nothing_outside_the_hs():
    hs = SOURCES[ListName.HS2022]()
    chapters = {e.code for e in hs.entries if e.attributes["level"] == 2}
    assert chapters == {f"{n:02d}" for n in range(1, 98)} - {"77"}
    assert {e.attributes["section"] for e in hs.entries if e.attributes["level"] == 2} == {
        "I", "II", "III", "IV", "V", "VI", "VII", "VIII", "IX", "X", "XI", "XII", "XIII", "XIV", "XV", "XVI",
        "XVII", "XVIII", "XIX", "XX", "XXI"}
    codes = {e.code for e in hs.entries}
    assert "99" not in codes and "TOTAL" not in codes


def test_hs_subheadings_hang_under_their_headings_and_chapters():
    hs = {e.code: e for e in SOURCES[ListName.HS2022]().entries}
    assert hs["851090"].parent == "8510" and hs["851090"].attributes["level"] == 6
    assert hs["8510"].parent == "85" and hs["85"].parent == ""
    assert "Shavers" in hs["851090"].name_en
    orphans = [e.code for e in hs.values() if e.parent and e.parent not in hs]
    assert orphans == []
    assert sum(1 for e in hs.values() if e.attributes["level"] == 6) > 5000


def test_countries_carry_english_and_traditional_chinese_names(lists):
    assert lists.name(ListName.COUNTRY, "TW") == ("Taiwan", "臺灣")
    assert lists.name(ListName.COUNTRY, "JP") == ("Japan", "日本")
    assert lists.name(ListName.COUNTRY, "US") == ("United States", "美國")
    assert lists.name(ListName.COUNTRY, "DE") == ("Germany", "德國")
    taiwan = next(e for e in SOURCES[ListName.COUNTRY]().entries if e.code == "TW")
    assert taiwan.attributes["alpha_3"] == "TWN" and taiwan.attributes["iso_name"] == "Taiwan, Province of China"


def test_currencies_carry_their_traditional_chinese_names(lists):
    assert lists.name(ListName.CURRENCY, "TWD") == ("New Taiwan Dollar", "新臺幣")
    assert lists.name(ListName.CURRENCY, "USD") == ("US Dollar", "美元")
    assert lists.contains(ListName.CURRENCY, "EUR") and lists.contains(ListName.CURRENCY, "JPY")


def test_units_and_package_types_cover_the_common_trade_codes(lists):
    units = SOURCES[ListName.UNIT]().entries
    assert len(units) >= 25
    for code in ("KGM", "GRM", "TNE", "LTR", "MTR", "MTK", "MTQ", "C62", "PCE", "PR", "SET", "DZN", "H87"):
        assert lists.contains(ListName.UNIT, code), code
    assert lists.name(ListName.UNIT, "KGM") == ("kilogram", "公斤")
    packages = SOURCES[ListName.PACKAGE_TYPE]().entries
    assert len(packages) >= 30
    for code in ("BX", "PK", "CT", "PL", "BG", "DR", "CS", "CR", "BA", "BE", "CN", "PX", "NE"):
        assert lists.contains(ListName.PACKAGE_TYPE, code), code


def test_transport_modes_are_the_ten_codes_of_rec_19(lists):
    assert [e.code for e in SOURCES[ListName.TRANSPORT_MODE]().entries] == [str(n) for n in range(10)]
    assert lists.name(ListName.TRANSPORT_MODE, "1") == ("Maritime transport", "海運")
    assert lists.name(ListName.TRANSPORT_MODE, "4") == ("Air transport", "空運")


def test_customs_offices_include_the_demo_offices_and_know_their_customs(lists):
    for code in ("TWKEL", "TWKHH", "TWTPE", "TWTXG"):
        assert lists.contains(ListName.CUSTOMS_OFFICE, code), code
    assert lists.name(ListName.CUSTOMS_OFFICE, "TWKEL") == ("Keelung Customs", "基隆關")
    offices = {e.code: e for e in SOURCES[ListName.CUSTOMS_OFFICE]().entries}
    assert all(e.parent in ("", *offices) for e in offices.values())
    assert offices["TWHUN"].parent == "TWKEL"


def test_document_types_cover_declaration_documents(lists):
    for code, english in (("380", "Commercial invoice"), ("271", "Packing list"), ("705", "Bill of lading"),
                          ("740", "Air waybill"), ("861", "Certificate of origin"), ("911", "Import licence"),
                          ("851", "Phytosanitary certificate"), ("853", "Veterinary certificate")):
        assert lists.name(ListName.DOCUMENT_TYPE, code)[0] == english


def test_each_kind_of_check_routes_to_its_demo_agency():
    by_code = {r.code: r for r in REGULATIONS}
    assert by_code["121"].agency_code == "tw-trade-admin" and by_code["121"].permit_type == "permit"
    assert by_code["C01"].agency_code == "tw-bsmi" and by_code["C01"].permit_type == "inspection"
    assert by_code["F01"].agency_code == "tw-tfda"
    assert by_code["B01"].agency_code == "tw-aphia" and by_code["B01"].permit_type == "quarantine"
    assert {r.agency_code for r in REGULATIONS} >= DEMO_AGENCIES
    assert all(r.direction in ("import", "export", "both") for r in REGULATIONS)
    assert all(all(r.agency_names) for r in REGULATIONS)
