"""`singlewindow message validate|convert` on files in every format."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from singlewindow import cli
from singlewindow.datamodel import samples
from singlewindow.datamodel.codecs.json_codec import JsonCodec


@pytest.fixture
def declaration_file(tmp_path: Path) -> Path:
    path = tmp_path / "declaration.json"
    path.write_bytes(JsonCodec.dumps(samples.import_declaration(items=2)))
    return path


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = cli.main(["message", *args])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


@pytest.mark.django_db
def test_valid_file_says_valid_using_the_database_code_lists(capsys, declaration_file: Path) -> None:
    code, out, _ = run(capsys, "validate", str(declaration_file))
    assert (code, out.strip()) == (0, "valid (import_declaration, json)")


@pytest.mark.django_db
def test_code_list_faults_need_the_database_and_are_bilingual(capsys, tmp_path: Path) -> None:
    document = samples.import_declaration()
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["origin"][0]["countryCode"] = "QQ"
    path = tmp_path / "bad.json"
    path.write_bytes(JsonCodec.dumps(document))
    code, out, _ = run(capsys, "validate", str(path))
    assert code == 1
    assert "codelist.unknown_code  /goodsShipment/governmentAgencyGoodsItem/0/origin/0/countryCode" in out
    assert "QQ" in out and "國家" in out
    assert run(capsys, "validate", "--offline", str(path))[0] == 0  # offline skips that layer


def test_json_output_for_machines(capsys, tmp_path: Path) -> None:
    document = samples.import_declaration()
    document["goodsItemQuantity"] = 4
    path = tmp_path / "bad.json"
    path.write_bytes(JsonCodec.dumps(document))
    code, out, _ = run(capsys, "validate", "--offline", "--json", str(path))
    report = json.loads(out)
    assert code == 1 and report["valid"] is False and report["dataset"] == "import_declaration"
    assert report["errors"] == [{
        "code": "rule.item_count", "pointer": "/goodsItemQuantity",
        "message": {"en": "GoodsItemQuantity is 4 but the declaration has 1 items.",
                    "zh-Hant": "項數填報 4，但報單實有 1 項。"}}]


def test_convert_json_to_xml_and_back(capsys, declaration_file: Path, tmp_path: Path) -> None:
    code, out, _ = run(capsys, "convert", "--offline", "--to", "wco-dec-xml", str(declaration_file))
    assert code == 0 and out.startswith("<?xml") and "GovernmentAgencyGoodsItem" in out
    xml_file = tmp_path / "declaration.xml"
    xml_file.write_text(out, encoding="utf-8")
    code, back, _ = run(capsys, "convert", "--offline", "--to", "json", str(xml_file))
    assert code == 0
    assert json.loads(back) == json.loads(JsonCodec.dumps(samples.import_declaration(items=2)))


def test_xml_faults_are_pointed_by_xpath(capsys, declaration_file: Path, tmp_path: Path) -> None:
    _, out, _ = run(capsys, "convert", "--offline", "--to", "wco-dec-xml", str(declaration_file))
    broken = tmp_path / "broken.xml"
    broken.write_text(out.replace("<SequenceNumeric>1</SequenceNumeric>", "<SequenceNumeric>x</SequenceNumeric>", 1),
                      encoding="utf-8")
    code, report, _ = run(capsys, "validate", "--offline", str(broken))
    assert code == 1
    assert "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[1]/SequenceNumeric" in report


def test_wco_sample_converts_to_json(capsys, shared_data: Path) -> None:
    sample = shared_data / "wco-dec" / "samples" / "TT_IM001a" / "Step1_TT_IM001a.xml"
    code, out, _ = run(capsys, "convert", "--offline", "--to", "json", str(sample))
    assert code == 0
    assert json.loads(out)["functionalReferenceId"] == "7847767E1WB6"


def test_unreadable_input_is_a_usage_error(capsys, tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("hello", encoding="utf-8")
    code, _, err = run(capsys, "validate", "--offline", str(path))
    assert code == 2 and "cannot tell the format" in err
    code, _, err = run(capsys, "validate", "--offline", str(tmp_path / "missing.json"))
    assert code == 2 and "missing.json" in err


def test_malformed_xml_reports_a_syntax_error(capsys, tmp_path: Path) -> None:
    path = tmp_path / "cut.xml"
    path.write_bytes(b"<?xml version='1.0'?><md:MetaData xmlns:md='urn:wco:datamodel:WCO:DocumentMetaData-DMS:2'>")
    code, out, _ = run(capsys, "validate", "--offline", str(path))
    assert code == 1 and "syntax.xml" in out
