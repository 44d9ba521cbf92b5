"""Importing a tariff CSV: what loads, that re-import replaces, and that bad input writes nothing."""

import io
import json
import time
from decimal import Decimal

import pytest

from singlewindow.customs.models import DutyRate, TariffLine, TariffSchedule
from singlewindow.customs.tariff.errors import TariffError, TariffErrorCode
from singlewindow.customs.tariff.mapping import UK_GLOBAL_TARIFF, load_mapping
from singlewindow.customs.tariff.services import import_schedule
from singlewindow.customs.tests.conftest import NATIONAL_HEADER, NATIONAL_ROWS, UK_HEADER, UK_ROWS
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import AuditRecord

pytestmark = pytest.mark.django_db


def load_uk(path, **options):
    return import_schedule(source=path, mapping=UK_GLOBAL_TARIFF, actor=SYSTEM, **options)


def test_the_uk_layout_loads_lines_with_their_rates_and_counts(write_csv):
    summary = load_uk(write_csv(UK_HEADER, UK_ROWS))
    assert (summary.schedule, summary.lines, summary.rates) == ("uk-2021", 4, 8)
    assert summary.unparsed == 1 and summary.unparsed_forms == {
        "entry price system (duty depends on the entry price)": 1}
    assert summary.kinds["compound"] == 2 and summary.kinds["seasonal"] == 1
    cattle = TariffLine.objects.get(code="01022910")
    assert (cattle.hs6, cattle.description_en, str(cattle.valid_from)) == ("010229", "Live cattle, weight <= 80 kg",
                                                                          "2021-01-01")
    assert cattle.attributes["change"] == "Simplified"
    general = cattle.rates.get(column="general")
    assert (general.text, general.kind, general.ad_valorem, general.specific_amount, general.specific_unit) == (
        "10.00% + 77.00 GBP/100kg", "compound", Decimal("10.0000"), Decimal("77.0000"), "KGM")
    reference = TariffLine.objects.get(code="07020000").rates.get(column="reference")
    assert reference.kind == "unparsed" and "entry price" in reference.problem
    schedule = TariffSchedule.objects.get(name="uk-2021")
    assert schedule.line_count == 4 and schedule.mapping == "uk-global-tariff" and not schedule.is_sample
    assert AuditRecord.objects.get(action="import", object_type="TariffSchedule").changes["lines"] == 4


def test_reimporting_replaces_the_schedules_lines(write_csv):
    load_uk(write_csv(UK_HEADER, UK_ROWS))
    summary = load_uk(write_csv(UK_HEADER, UK_ROWS[:2]))
    assert summary.replaced == 4 and summary.lines == 2
    assert sorted(TariffLine.objects.values_list("code", flat=True)) == ["01012100", "01022910"]
    assert DutyRate.objects.count() == 4


def test_a_custom_json_mapping_loads_chinese_texts_regulations_and_preferential_columns(national_schedule):
    assert national_schedule.lines == 7 and national_schedule.regulation_links == 9
    wine = TariffLine.objects.get(code="22042100")
    assert wine.description_zh == "小容器葡萄酒" and wine.unit == "LTR"
    assert sorted(wine.regulation_codes.values_list("code", flat=True)) == ["F01", "W01"]
    preferential = wine.rates.get(column="preferential")
    assert preferential.origin_group.code == "test-nz" and preferential.text == "0%"
    assert not TariffLine.objects.get(code="8471300000").rates.filter(column="preferential").exists()  # blank cell
    assert national_schedule.not_in_hs == 0  # every line sits under an HS 2022 subheading


def test_other_schedules_are_left_alone(write_csv, national_schedule):
    load_uk(write_csv(UK_HEADER, UK_ROWS))
    assert TariffLine.objects.filter(schedule__name="test-national").count() == 7


def assert_nothing_changed(before):
    assert sorted(TariffLine.objects.values_list("code", flat=True)) == before
    assert not AuditRecord.objects.filter(action="import").exclude(pk__in=first_import_ids).exists()


first_import_ids: list[int] = []


@pytest.fixture
def loaded(write_csv):
    """A schedule already loaded, to prove a failed import leaves it as it was."""
    load_uk(write_csv(UK_HEADER, UK_ROWS, "first.csv"))
    first_import_ids[:] = list(AuditRecord.objects.values_list("pk", flat=True))
    return sorted(TariffLine.objects.values_list("code", flat=True))


@pytest.mark.parametrize(("header", "rows", "code", "message"), [
    ("commodity,description,ukgt_duty_rate", ["01012100,Horses,0%"], TariffErrorCode.MISSING_COLUMNS,
     "no column 'cet_duty_rate'"),
    (UK_HEADER, ["0101210,Horses,0%,0%,x,False,False,False,False"], TariffErrorCode.BAD_ROWS,
     "is not an 8- or 10-digit tariff code"),
    (UK_HEADER, ["ABCDEFGH,Horses,0%,0%,x,False,False,False,False"], TariffErrorCode.BAD_ROWS,
     "is not an 8- or 10-digit tariff code"),
    (UK_HEADER, ["01012100,Horses,0%,0%"], TariffErrorCode.BAD_ROWS, "4 fields where the header has 9"),
    (UK_HEADER, [UK_ROWS[0], UK_ROWS[0]], TariffErrorCode.BAD_ROWS, "code 01012100 is already valid"),
    (UK_HEADER, ['01012100,"Horses,0%,0%,x,False,False,False,False'], TariffErrorCode.BAD_CSV, "line"),
    (UK_HEADER, [f"01012100,{'x' * 6000},0%,0%,x,False,False,False,False"], TariffErrorCode.BAD_ROWS,
     "longer than 5000 characters"),
    (UK_HEADER, [], TariffErrorCode.EMPTY_FILE, "no lines"),
    ("", [], TariffErrorCode.MISSING_COLUMNS, "no column 'commodity'"),
])
def test_bad_files_are_refused_and_write_nothing(loaded, write_csv, header, rows, code, message):
    with pytest.raises(TariffError) as raised:
        load_uk(write_csv(header, rows))
    assert raised.value.code == code
    assert message in raised.value.problems[0].en and raised.value.problems[0].zh
    assert_nothing_changed(loaded)


def test_every_bad_row_is_counted_and_the_first_ones_are_shown_with_their_row(loaded, write_csv):
    rows = [f"0101{i:03d},Bad code,0%,0%,x,False,False,False,False" for i in range(30)]
    with pytest.raises(TariffError) as raised:
        load_uk(write_csv(UK_HEADER, [UK_ROWS[0], *rows]))
    assert raised.value.total == 30 and len(raised.value.problems) == 20
    assert raised.value.problems[0].row == 3  # header is row 1, the good line row 2
    assert any("另有 10 項" in line for line in raised.value.lines())
    assert_nothing_changed(loaded)


def test_oversize_files_and_row_counts_are_refused_before_parsing(loaded, write_csv):
    path = write_csv(UK_HEADER, UK_ROWS)
    with pytest.raises(TariffError) as raised:
        load_uk(path, max_bytes=100)
    assert raised.value.code == TariffErrorCode.FILE_TOO_LARGE
    with pytest.raises(TariffError) as raised:
        load_uk(path, max_rows=3)
    assert raised.value.code == TariffErrorCode.TOO_MANY_ROWS
    assert_nothing_changed(loaded)


def test_a_file_that_is_not_utf8_is_refused(loaded):
    with pytest.raises(TariffError) as raised:
        load_uk(io.BytesIO(UK_HEADER.encode() + b"\n01012100,Caf\xe9,0%,0%,x,False,False,False,False\n"))
    assert raised.value.code == TariffErrorCode.NOT_TEXT
    assert_nothing_changed(loaded)


def test_unknown_regulation_codes_and_origin_groups_are_row_errors(loaded, write_csv, national_mapping_file,
                                                                    code_lists):
    mapping = load_mapping(str(national_mapping_file))
    with pytest.raises(TariffError) as raised:  # no origin group test-nz defined yet
        import_schedule(source=write_csv(NATIONAL_HEADER, NATIONAL_ROWS), mapping=mapping, actor=SYSTEM)
    assert "origin group 'test-nz' is not defined" in raised.value.problems[0].en
    with pytest.raises(TariffError) as raised:
        import_schedule(source=write_csv(NATIONAL_HEADER, ["84713000,PCs,電腦,NAR,,,Z99,0%,"]), mapping=mapping,
                        actor=SYSTEM)
    assert "regulation code 'Z99'" in raised.value.problems[0].en and raised.value.problems[0].row == 2
    with pytest.raises(TariffError) as raised:
        import_schedule(source=write_csv(NATIONAL_HEADER, ["84713000,PCs,電腦,NAR,2022-13-01,,,0%,"]),
                        mapping=mapping, actor=SYSTEM)
    assert "is not a date" in raised.value.problems[0].en
    assert_nothing_changed(loaded)


@pytest.mark.parametrize(("content", "message"), [
    ("{not json", "not JSON"),
    (json.dumps({"name": "x", "code": "c"}), "rates"),
    (json.dumps({"name": "x", "code": "c", "rates": [{"field": "r", "column": "preferential"}]}), "origin_group"),
    (json.dumps({"name": "x", "code": "c", "rates": [{"field": "r"}], "extra": 1}), "extra"),
    (json.dumps({"name": "Bad Name!", "code": "c", "rates": [{"field": "r"}]}), "name"),
    ("x" * 70_000, "at most"),
])
def test_bad_mapping_files_are_refused_with_the_reason(tmp_path, content, message):
    path = tmp_path / "mapping.json"
    path.write_text(content)
    with pytest.raises(TariffError) as raised:
        load_mapping(str(path))
    assert raised.value.code == TariffErrorCode.BAD_MAPPING
    assert message in " ".join(problem.en for problem in raised.value.problems)


def test_an_unknown_mapping_name_lists_the_presets():
    with pytest.raises(TariffError) as raised:
        load_mapping("eu-cn")
    assert raised.value.code == TariffErrorCode.UNKNOWN_MAPPING and "uk-global-tariff" in raised.value.problems[0].en


def test_the_full_uk_global_tariff_loads_quickly(shared_data, code_lists, capsys):
    started = time.perf_counter()
    summary = load_uk(shared_data / "tariff" / "uk-global-tariff-2021.csv")
    elapsed = time.perf_counter() - started
    assert summary.lines == 11_830 and summary.rates == 23_660
    assert TariffLine.objects.filter(schedule__name="uk-2021").count() == 11_830
    # the UK's own column is read in full; the CET keeps its entry prices and EA components as text
    assert not DutyRate.objects.filter(column="general", kind="unparsed").exists()
    assert summary.unparsed == 88 and summary.unparsed_forms == {
        "agricultural component EA (needs the Meursing table)": 59,
        "entry price system (duty depends on the entry price)": 29}
    wine = DutyRate.objects.get(line__code="2204218595", column="general")
    assert (wine.kind, wine.specific_amount, wine.specific_currency, wine.specific_unit) == (
        "specific", Decimal("1.4000"), "GBP", "LPA")
    assert summary.not_in_hs is not None and summary.not_in_hs < 500  # the 2021 file follows HS 2017
    with capsys.disabled():
        print(f"\n  full UK Global Tariff import: {summary.lines} lines, {summary.rates} rates in {elapsed:.2f} s")
    assert elapsed < 60
