"""``singlewindow tariff ...`` as an operator runs it: output, exit codes, nothing written on failure."""

import argparse
import json

import pytest

from singlewindow.customs.models import TariffLine
from singlewindow.customs.tariff import command
from singlewindow.customs.tests.conftest import UK_HEADER, UK_ROWS
from singlewindow.datamodel import samples

pytestmark = pytest.mark.django_db(transaction=False)


def run(*args: str) -> int:
    parser = argparse.ArgumentParser(prog="singlewindow")
    command.add_parsers(parser.add_subparsers(dest="command", required=True))
    options = parser.parse_args(list(args))
    result: int = options.handler(options)
    return result


def test_import_prints_a_summary_and_show_prints_the_rates(write_csv, capsys):
    assert run("tariff", "import", str(write_csv(UK_HEADER, UK_ROWS)), "--mapping", "uk-global-tariff") == 0
    out = capsys.readouterr().out
    assert "schedule uk-2021: 4 lines loaded (0 replaced)" in out
    assert "8 (7 parsed, 1 kept as text)" in out
    assert "not understood x1: entry price system" in out
    assert run("tariff", "show", "0102.29.10") == 0
    out = capsys.readouterr().out
    assert "general (ukgt): 10.00% + 77.00 GBP/100kg  [compound]" in out
    assert "reference (cet): 10.20% + 93.10 EUR / 100 kg" in out
    assert run("tariff", "show", "9999") == 1


def test_a_failed_import_exits_2_with_bilingual_reasons_and_writes_nothing(write_csv, capsys):
    path = write_csv(UK_HEADER, ["0101210,Horses,0%,0%,x,False,False,False,False"])
    assert run("tariff", "import", str(path), "--mapping", "uk-global-tariff") == 2
    err = capsys.readouterr().err
    assert "row 2, commodity: '0101210' is not an 8- or 10-digit tariff code" in err
    assert "不是 8 或 10 位數的稅則號別" in err and "Nothing was written. / 未寫入任何資料。" in err
    assert not TariffLine.objects.exists()
    assert run("tariff", "import", str(path), "--mapping", "no-such-mapping") == 2
    assert run("tariff", "import", "/no/such/file.csv", "--mapping", "uk-global-tariff") == 2


def test_assess_prints_the_breakdown_of_a_declaration_file(national_schedule, tmp_path, capsys):
    document = samples.import_declaration()
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]["classification"][0]["id"] = "8471300000"
    path = tmp_path / "declaration.json"
    path.write_text(json.dumps(document))
    assert run("tariff", "assess", str(path), "--on", "2024-01-05") == 0
    out = capsys.readouterr().out
    assert "Customs value (CIF) 完稅價格: NT$36,600" in out and "Total payable 應納稅費合計: NT$1,845" in out
    assert run("tariff", "assess", str(path), "--on", "2024-03-01") == 2
    assert "No customs exchange rate for USD on 2024-03-01" in capsys.readouterr().err
    path.write_text("{not json")
    assert run("tariff", "assess", str(path)) == 2
