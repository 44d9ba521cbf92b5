"""The learned risk score: trained once on the Korean synthetic history, measured on the later months."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from singlewindow.customs.risk import command as risk_command
from singlewindow.customs.risk.errors import RiskError, RiskErrorCode
from singlewindow.customs.risk.history import History, read_history
from singlewindow.customs.risk.mapping import KOREA_SYNTHETIC, load_mapping_file, resolve_mapping
from singlewindow.customs.risk.metrics import precision_at
from singlewindow.customs.risk.model import RiskModel, load_model, save_model, train_model

HEADER = ("Declaration ID,Date,Office ID,Process Type,Import Type,Import Use,Payment Type,Mode of Transport,"
          "Declarant ID,Importer ID,Seller ID,Courier ID,HS6 Code,Country of Departure,Country of Origin,Tax Rate,"
          "Tax Type,Country of Origin Indicator,Net Mass,Item Price,Fraud,Critical Fraud")
ROW = "97061800,2020-01-01,30,B,11,21,11,10,ZZR1LT6,QLRUBN9,0VKY2BR,,440890,BE,BE,0.0,FEU1,G,108.0,372254.4,0,0"


@pytest.fixture(scope="module")
def risk_files(shared_data: Path) -> tuple[Path, Path]:
    folder = shared_data / "risk"
    return folder / "korea-synthetic-train.csv", folder / "korea-synthetic-valid.csv"


@pytest.fixture(scope="module")
def valid_history(risk_files: tuple[Path, Path]) -> History:
    return read_history(risk_files[1], KOREA_SYNTHETIC)


@pytest.fixture(scope="module")
def trained(risk_files: tuple[Path, Path]) -> RiskModel:
    """Trained once for the module: about five seconds on one thread."""
    return train_model(read_history(risk_files[0], KOREA_SYNTHETIC), KOREA_SYNTHETIC)


@pytest.fixture(scope="module")
def saved(trained: RiskModel, tmp_path_factory: pytest.TempPathFactory) -> Path:
    return save_model(trained, tmp_path_factory.mktemp("risk") / "korea-synthetic.json")


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def _slice(source: Path, target: Path, start: int, count: int) -> Path:
    lines = source.read_text(encoding="utf-8").splitlines()
    return _write(target, [lines[0], *lines[1 + start: 1 + start + count]])


# --- the figures ---------------------------------------------------------------------------------


def test_learned_score_selects_frauds_far_better_than_published_baselines(
        trained: RiskModel, valid_history: History) -> None:
    # given a model trained on the first twelve months; when it ranks the next three months
    scores = trained.score(valid_history.records)
    at5 = precision_at(scores, valid_history.labels, 0.05)
    at10 = precision_at(scores, valid_history.labels, 0.10)
    # then the top 5% / 10% hold far more frauds than the paper's LightGBM (0.762 / 0.641)
    assert at5.selected == 407 and at10.selected == 813
    assert at5.precision > 0.90
    assert at10.precision > 0.83
    # and far more than the HS6 fraud-rate profile an office would otherwise use
    baseline = trained.baseline_scores(valid_history.records)
    assert at5.precision > precision_at(baseline, valid_history.labels, 0.05).precision + 0.2


def test_training_facts_say_what_the_model_learned_from(trained: RiskModel) -> None:
    assert trained.facts["training_rows"] == 37385
    assert trained.facts["period_from"] == "2020-01-01"
    assert trained.facts["period_to"] == "2020-12-31"
    assert trained.encoder.prior == pytest.approx(8114 / 37385)


# --- scoring API ---------------------------------------------------------------------------------


def test_saved_and_loaded_model_scores_exactly_the_same(trained: RiskModel, saved: Path,
                                                         valid_history: History) -> None:
    loaded = load_model(saved)
    assert loaded.score(valid_history.records[:500]) == trained.score(valid_history.records[:500])
    assert loaded.mapping == KOREA_SYNTHETIC
    assert saved.with_name("korea-synthetic.model.txt").read_text().startswith("tree")


def test_engine_record_with_unknown_or_missing_fields_still_scores(trained: RiskModel) -> None:
    full = {"office": "40", "importer": "NEVER-SEEN", "hs6": "3926.90", "origin": "CN", "departure": "CN",
            "mass": 12.0, "value": 5000.0, "tax_rate": 6.5, "date": "2021-02-01"}
    scores = trained.score([full, {}, {"hs6": None, "mass": "not a number"}])
    assert all(0.0 < score < 1.0 for score in scores)
    assert trained.score([]) == []


def test_explanation_names_the_fields_behind_the_score(trained: RiskModel, valid_history: History) -> None:
    scores = trained.score(valid_history.records[:200])
    riskiest = valid_history.records[max(range(200), key=scores.__getitem__)]
    explanation = trained.explain(riskiest, top=5)
    assert explanation.score == pytest.approx(max(scores), rel=1e-6)
    assert len(explanation.contributions) == 5
    pushes = [abs(item.contribution) for item in explanation.contributions]
    assert pushes == sorted(pushes, reverse=True)
    top = explanation.contributions[0]
    assert top.contribution > 0 and "=" in top.inputs


# --- refusing model files ------------------------------------------------------------------------


def _copy_model(saved: Path, folder: Path) -> Path:
    target = folder / saved.name
    target.write_bytes(saved.read_bytes())
    text = saved.with_name("korea-synthetic.model.txt")
    (folder / text.name).write_bytes(text.read_bytes())
    return target


def test_edited_model_text_is_refused(saved: Path, tmp_path: Path) -> None:
    copy = _copy_model(saved, tmp_path)
    text = copy.with_name("korea-synthetic.model.txt")
    text.write_text(text.read_text().replace("leaf_value=", "leaf_value=9", 1))
    with pytest.raises(RiskError) as caught:
        load_model(copy)
    assert caught.value.code == RiskErrorCode.MODEL_TAMPERED
    assert "SHA-256" in caught.value.en and "摘要" in caught.value.zh


def test_edited_encoder_tables_are_refused(saved: Path, tmp_path: Path) -> None:
    copy = _copy_model(saved, tmp_path)
    document = json.loads(copy.read_text())
    document["encoder"]["prior"] = 0.9
    copy.write_text(json.dumps(document))
    with pytest.raises(RiskError) as caught:
        load_model(copy)
    assert caught.value.code == RiskErrorCode.MODEL_TAMPERED


@pytest.mark.parametrize(("content", "code"), [
    (b"\x80\x03cos\nsystem\n", RiskErrorCode.MODEL_INVALID),  # a pickle is not accepted as a model
    (b'{"format": "something-else"}', RiskErrorCode.MODEL_INVALID),
    (b"[" * 100_000, RiskErrorCode.MODEL_INVALID),
])
def test_files_that_are_not_our_model_are_refused(tmp_path: Path, content: bytes, code: RiskErrorCode) -> None:
    path = tmp_path / "model.json"
    path.write_bytes(content)
    with pytest.raises(RiskError) as caught:
        load_model(path)
    assert caught.value.code == code


def test_missing_model_asks_to_train_first(tmp_path: Path) -> None:
    with pytest.raises(RiskError) as caught:
        load_model(tmp_path / "none.json")
    assert caught.value.code == RiskErrorCode.MODEL_MISSING and "train" in caught.value.en


# --- refusing history files ----------------------------------------------------------------------


@pytest.mark.parametrize(("lines", "code", "words"), [
    ([HEADER.replace("Importer ID", "Importer")], RiskErrorCode.MISSING_COLUMNS, "Importer ID"),
    ([HEADER], RiskErrorCode.FILE_EMPTY, "no data rows"),
    ([HEADER, ROW.replace("108.0", "12,5")], RiskErrorCode.BAD_ROW, "23 cells"),
    ([HEADER, ROW[: ROW.rfind(",")]], RiskErrorCode.BAD_ROW, "21 cells"),
    ([HEADER, ROW.replace("108.0", "abc")], RiskErrorCode.BAD_NUMBER, "Net Mass"),
    ([HEADER, ROW.replace("108.0", "nan")], RiskErrorCode.BAD_NUMBER, "Net Mass"),
    ([HEADER, ROW.replace("108.0", "=1+2")], RiskErrorCode.BAD_NUMBER, "Net Mass"),
    ([HEADER, ROW.replace("2020-01-01", "01/01/2020")], RiskErrorCode.BAD_DATE, "Date"),
    ([HEADER, ROW[:-4] + ",7,0"], RiskErrorCode.BAD_LABEL, "Fraud"),
    ([HEADER, ROW.replace("QLRUBN9", "Q" * 5000)], RiskErrorCode.FIELD_TOO_LONG, "Importer ID"),
    ([HEADER, ROW.replace("QLRUBN9", "Q" * 2_000_000)], RiskErrorCode.FILE_UNREADABLE, ""),
    ([HEADER, ROW.replace("QLRUBN9", "Q\0")], RiskErrorCode.CONTROL_CHARACTER, "Importer ID"),
    ([HEADER, ROW.replace("QLRUBN9", "Q\x1b[2J")], RiskErrorCode.CONTROL_CHARACTER, "Importer ID"),
])
def test_malformed_history_is_refused_with_a_bilingual_reason(
        tmp_path: Path, lines: list[str], code: RiskErrorCode, words: str) -> None:
    path = _write(tmp_path / "history.csv", lines)
    with pytest.raises(RiskError) as caught:
        read_history(path, KOREA_SYNTHETIC)
    assert caught.value.code == code
    assert words in caught.value.en
    assert caught.value.zh and caught.value.zh != caught.value.en


def test_empty_oversize_and_overlong_files_are_refused(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_bytes(b"")
    with pytest.raises(RiskError) as caught:
        read_history(empty, KOREA_SYNTHETIC)
    assert caught.value.code == RiskErrorCode.FILE_EMPTY
    path = _write(tmp_path / "history.csv", [HEADER, ROW, ROW, ROW])
    with pytest.raises(RiskError) as caught:
        read_history(path, KOREA_SYNTHETIC, max_bytes=200)
    assert caught.value.code == RiskErrorCode.FILE_TOO_LARGE
    with pytest.raises(RiskError) as caught:
        read_history(path, KOREA_SYNTHETIC, max_rows=2)
    assert caught.value.code == RiskErrorCode.TOO_MANY_ROWS
    latin = tmp_path / "latin.csv"
    latin.write_bytes((HEADER + "\n" + ROW.replace("ZZR1LT6", "Zürich")).encode("latin-1"))
    with pytest.raises(RiskError) as caught:
        read_history(latin, KOREA_SYNTHETIC)
    assert caught.value.code == RiskErrorCode.FILE_UNREADABLE


def test_formula_cells_are_plain_values(tmp_path: Path) -> None:
    hostile = ROW.replace("QLRUBN9", "=cmd|' /C calc'!A0").replace("0VKY2BR", "@SUM(1+1)")
    history = read_history(_write(tmp_path / "history.csv", [HEADER, hostile]), KOREA_SYNTHETIC)
    assert history.records[0]["importer"] == "=cmd|' /C calc'!A0"
    assert history.records[0]["seller"] == "@SUM(1+1)"
    assert history.records[0]["courier"] is None and history.records[0]["mass"] == 108.0


def test_history_with_one_outcome_only_cannot_train(tmp_path: Path) -> None:
    history = read_history(_write(tmp_path / "history.csv", [HEADER] + [ROW] * 60), KOREA_SYNTHETIC)
    with pytest.raises(RiskError) as caught:
        train_model(history, KOREA_SYNTHETIC)
    assert caught.value.code == RiskErrorCode.ONE_CLASS


# --- mappings ------------------------------------------------------------------------------------


def test_operator_mapping_file_reads_another_administrations_columns(
        risk_files: tuple[Path, Path], tmp_path: Path) -> None:
    # given another administration's file: other column names, fewer fields, outcomes as Y/N
    source = risk_files[0].read_text(encoding="utf-8").splitlines()[1:601]
    keep = [0, 1, 2, 9, 12, 14, 18, 19]
    rows = [",".join([*(cells[index] for index in keep), "Y" if cells[20] == "1" else "N"])
            for cells in (line.split(",") for line in source)]
    other = _write(tmp_path / "other.csv", ["DeclNo,AcceptDate,Office,Importer,HS,Origin,Weight,Value,Irregular",
                                            *rows])
    mapping_file = tmp_path / "other.json"
    mapping_file.write_text(json.dumps({
        "name": "other-customs", "id": "DeclNo", "date": "AcceptDate", "label": "Irregular",
        "positive": ["Y"], "negative": ["N"],
        "features": {"office": "Office", "importer": "Importer", "hs6": "HS", "origin": "Origin",
                     "mass": "Weight", "value": "Value"},
    }))
    mapping = resolve_mapping(str(mapping_file))
    history = read_history(other, mapping)
    assert len(history.labels) == 600 and 0 < sum(history.labels) < 600
    model = train_model(history, mapping)
    assert "importer:rate" in model.encoder.columns and "seller:rate" not in model.encoder.columns
    assert len(model.score(history.records[:3])) == 3


@pytest.mark.parametrize(("content", "words"), [
    ("not json", "JSON"),
    ('{"name": "x", "id": "a", "date": "b", "label": "c", "features": {"shoe_size": "d"}}', "shoe_size"),
    ('{"name": "../../etc/x", "id": "a", "date": "b", "label": "c", "features": {"office": "d"}}', "name"),
    ('{"name": "x", "id": "a", "date": "b", "label": "c", "features": {}}', "features"),
    ('{"name": "x", "id": "a", "date": "b", "label": "c", "features": {"office": "d"}, "positive": ["1"], '
     '"negative": ["1"]}', "both"),
    ('{"name": "x", "id": "a", "date": "b", "label": "c", "features": {"office": "' + "d" * 300 + '"}}', "office"),
    ("[" * 50_000, "JSON"),
    (" " * 70_000 + "{}", "limit"),
])
def test_bad_mapping_files_are_refused(tmp_path: Path, content: str, words: str) -> None:
    path = tmp_path / "mapping.json"
    path.write_text(content)
    with pytest.raises(RiskError) as caught:
        load_mapping_file(path)
    assert caught.value.code == RiskErrorCode.BAD_MAPPING
    assert words in caught.value.en and "對應檔" in caught.value.zh


def test_unknown_mapping_name_lists_the_presets() -> None:
    with pytest.raises(RiskError) as caught:
        resolve_mapping("belgium")
    assert caught.value.code == RiskErrorCode.UNKNOWN_MAPPING and "korea-synthetic" in caught.value.en


# --- the command ---------------------------------------------------------------------------------


def _run(*argv: str) -> int:
    parser = argparse.ArgumentParser(prog="singlewindow")
    risk_command.add_parsers(parser.add_subparsers(dest="command", required=True))
    options = parser.parse_args(list(argv))
    result: int = options.handler(options)
    return result


def test_train_then_evaluate_commands(risk_files: tuple[Path, Path], tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    train = _slice(risk_files[0], tmp_path / "train.csv", 0, 3000)
    later = _slice(risk_files[1], tmp_path / "later.csv", 0, 1000)
    model = tmp_path / "models" / "small.json"
    assert _run("risk", "train", "--history", str(train), "--mapping", "korea-synthetic",
                "--model", str(model)) == 0
    out = capsys.readouterr().out
    assert "trained on 3,000 declarations" in out and str(model) in out
    assert _run("risk", "evaluate", "--history", str(later), "--mapping", "korea-synthetic",
                "--model", str(model)) == 0
    out = capsys.readouterr().out
    assert "evaluated 1,000 declarations" in out
    assert "precision@5%" in out and "precision@10%" in out and "HS6 fraud-rate baseline" in out
    learned = out.split("learned model")[1].splitlines()[0].split()
    assert learned[1].endswith("/50)") and learned[3].endswith("/100)")
    assert float(learned[0]) > 0.3  # random selection finds about 0.21 here


def test_commands_exit_non_zero_and_write_nothing_on_bad_input(tmp_path: Path,
                                                                capsys: pytest.CaptureFixture[str]) -> None:
    bad = _write(tmp_path / "bad.csv", [HEADER, ROW.replace("108.0", "heavy")])
    model = tmp_path / "model.json"
    assert _run("risk", "train", "--history", str(bad), "--mapping", "korea-synthetic", "--model", str(model)) == 2
    error = capsys.readouterr().err
    assert "risk.bad_number" in error and "不是數字" in error
    assert not model.exists() and not (tmp_path / "model.model.txt").exists()
    assert _run("risk", "evaluate", "--history", str(bad), "--mapping", "korea-synthetic",
                "--model", str(model)) == 2
    assert _run("risk", "evaluate", "--history", str(tmp_path / "absent.csv"), "--mapping", "korea-synthetic",
                "--model", str(model)) == 2
    assert "risk.file_missing" in capsys.readouterr().err
