"""``singlewindow risk train|evaluate``: learn the risk score from a history file and measure it.

Wired into ``singlewindow.cli`` through ``add_parsers``; handlers return the exit code and print a
bilingual error (exit 2) instead of a stack trace when the input or the model file is bad.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from singlewindow.customs.risk.errors import RiskError, RiskErrorCode
from singlewindow.customs.risk.history import History, read_history
from singlewindow.customs.risk.mapping import PRESETS, HistoryMapping, resolve_mapping

if TYPE_CHECKING:
    from singlewindow.customs.risk.metrics import PrecisionAt

SHARES = (0.05, 0.10)


def add_parsers(sub: Any) -> None:
    """Add ``risk train`` and ``risk evaluate`` to the ``singlewindow`` subcommands."""
    risk = sub.add_parser("risk", help="learned risk score: train it on a history file, evaluate it")
    risk_sub = risk.add_subparsers(dest="risk_command", required=True)
    train = risk_sub.add_parser("train", help="train the risk model on declarations with inspection outcomes")
    evaluate = risk_sub.add_parser("evaluate", help="print precision@5%% and @10%% of a trained model on a history")
    for command in (train, evaluate):
        command.add_argument("--history", required=True, help="CSV file of past declarations with outcomes")
        command.add_argument("--mapping", required=True,
                             help=f"column mapping: a preset ({', '.join(PRESETS)}) or a .json mapping file")
        command.add_argument("--model", help="model JSON file (default: <data dir>/risk/<mapping name>.json)")
    train.set_defaults(handler=cmd_risk_train)
    evaluate.set_defaults(handler=cmd_risk_evaluate)


def _fail(error: RiskError) -> int:
    print(f"singlewindow risk: {error.code}\n  {error.en}\n  {error.zh}", file=sys.stderr)
    return 2


def _load(options: argparse.Namespace) -> tuple[HistoryMapping, History, Path]:
    from singlewindow.customs.risk.model import default_model_path

    mapping = resolve_mapping(options.mapping)
    history = read_history(Path(options.history), mapping)
    path = Path(options.model) if options.model else default_model_path(mapping)
    return mapping, history, path


def _period(history: History) -> str:
    return f"{min(history.dates).isoformat()} to {max(history.dates).isoformat()}"


def cmd_risk_train(options: argparse.Namespace) -> int:
    # LightGBM loads only when a risk command runs, not whenever the CLI parser is built.
    from singlewindow.customs.risk.model import model_text_path, save_model, train_model

    try:
        mapping, history, path = _load(options)
        started = time.perf_counter()
        model = train_model(history, mapping)
        elapsed = time.perf_counter() - started
        save_model(model, path)
    except RiskError as error:
        return _fail(error)
    except OSError as error:
        return _fail(RiskError(RiskErrorCode.FILE_UNREADABLE, f"Cannot read or write a file: {error}",
                               f"無法讀寫檔案：{error}"))
    print(f"trained on {len(history.labels):,} declarations ({_period(history)}), "
          f"fraud share {history.fraud_share:.1%}")
    print(f"{len(model.encoder.columns)} model columns from {len(mapping.features)} mapped fields, "
          f"trained in {elapsed:.1f} s")
    print(f"saved to {path} (and {model_text_path(path).name})")
    return 0


def _cell(result: PrecisionAt) -> str:
    return f"{result.precision:.3f} ({result.frauds}/{result.selected})"


def cmd_risk_evaluate(options: argparse.Namespace) -> int:
    from singlewindow.customs.risk.metrics import precision_at
    from singlewindow.customs.risk.model import load_model

    try:
        mapping, history, path = _load(options)
        model = load_model(path)
        missing = sorted(set(model.mapping.features) - set(mapping.features))
        if missing:
            raise RiskError(RiskErrorCode.MAPPING_MISMATCH,
                            f"The model was trained with field(s) {', '.join(missing)} that mapping "
                            f"{mapping.name!r} does not provide",
                            f"模型訓練時使用的欄位 {', '.join(missing)} 在對應「{mapping.name}」中沒有提供")
    except RiskError as error:
        return _fail(error)
    except OSError as error:
        return _fail(RiskError(RiskErrorCode.FILE_UNREADABLE, f"Cannot read a file: {error}", f"無法讀取檔案：{error}"))
    scores = model.score(history.records)
    baseline = model.baseline_scores(history.records)
    print(f"evaluated {len(history.labels):,} declarations ({_period(history)}), "
          f"fraud share {history.fraud_share:.1%}; model {path.name} trained on "
          f"{model.facts.get('period_from', '?')} to {model.facts.get('period_to', '?')}")
    if str(min(history.dates)) <= str(model.facts.get("period_to", "")):
        print("note: this history overlaps the training period; the figures are optimistic")
    rows = [("", [f"precision@{share:.0%}" for share in SHARES]),
            ("learned model", [_cell(precision_at(scores, history.labels, share)) for share in SHARES]),
            ("HS6 fraud-rate baseline", [_cell(precision_at(baseline, history.labels, share)) for share in SHARES]),
            ("random selection", [f"{history.fraud_share:.3f}" for _ in SHARES])]
    for label, cells in rows:
        print((f"{label:<26}" + "".join(f"{cell:<20}" for cell in cells)).rstrip())
    return 0
