"""The learned risk score: train a LightGBM model, save it without pickle, load it checked, score, explain.

A saved model is two files: ``<name>.json`` (mapping, feature encoder, training facts, digests)
and ``<name>.model.txt`` (LightGBM's own text format). Neither can run code when loaded, and
both are checked against SHA-256 digests so a damaged or edited file is refused.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import lightgbm as lgb
import numpy as np

from singlewindow import config
from singlewindow.customs.risk.errors import RiskError, RiskErrorCode
from singlewindow.customs.risk.features import FeatureEncoder, expand, fit_encoder
from singlewindow.customs.risk.history import History, Record
from singlewindow.customs.risk.mapping import HistoryMapping, mapping_from_dict

FORMAT = "singlewindow-risk-model/1"
PREDICT_THREADS = 1
"""Scoring is a few rows at a time inside a request or the engine: LightGBM's thread pool costs
far more than it saves there (6.5 ms against 0.04 ms for one row) and spins on the other core."""
MAX_MODEL_JSON_BYTES = 64 * 1024 * 1024
MAX_MODEL_TEXT_BYTES = 64 * 1024 * 1024
MIN_TRAINING_ROWS = 50
ROUNDS = 400
# One thread and fixed seeds: the same history gives the same model text, so figures reproduce.
PARAMS: dict[str, Any] = {
    "objective": "binary",
    "learning_rate": 0.05,
    "num_leaves": 31,
    "min_data_in_leaf": 40,
    "feature_fraction": 0.8,
    "bagging_fraction": 0.8,
    "bagging_freq": 1,
    "lambda_l2": 1.0,
    "max_cat_to_onehot": 8,
    "cat_smooth": 20,
    "seed": 7,
    "deterministic": True,
    "force_row_wise": True,
    "num_threads": 1,
    "verbose": -1,
}


@dataclass(frozen=True)
class Contribution:
    """One feature's push on a score, in log-odds (positive = riskier)."""

    feature: str
    inputs: str
    value: float | None
    contribution: float


@dataclass(frozen=True)
class Explanation:
    score: float
    baseline: float
    contributions: list[Contribution]


@dataclass
class RiskModel:
    """A trained score: the booster, what it needs to build its columns, and facts about its training."""

    booster: lgb.Booster
    encoder: FeatureEncoder
    mapping: HistoryMapping
    facts: dict[str, Any] = field(default_factory=dict)

    def _matrix(self, records: Sequence[Record]) -> np.ndarray[Any, np.dtype[np.float64]]:
        return self.encoder.transform(records)

    def score(self, records: Sequence[Record]) -> list[float]:
        """The fraud probability of each record (a dict of our feature names; missing keys are unknown)."""
        if not records:
            return []
        predicted = self.booster.predict(self._matrix(records), num_threads=PREDICT_THREADS)
        return [float(value) for value in np.asarray(predicted, dtype=np.float64)]

    def baseline_scores(self, records: Sequence[Record]) -> list[float]:
        """A simple commodity risk profile to compare with: the smoothed fraud rate of the HS subheading."""
        table = self.encoder.rates.get("hs6", {})
        return [self.encoder.rate(table, expand(record, ["hs6"])["hs6"])[0] for record in records]

    def explain(self, record: Record, top: int = 5) -> Explanation:
        """The score of one record and the features that pushed it most (LightGBM's SHAP values)."""
        matrix = self._matrix([record])
        contributions = np.asarray(self.booster.predict(matrix, pred_contrib=True, num_threads=PREDICT_THREADS),
                                   dtype=np.float64)[0]
        columns = self.encoder.columns
        order = sorted(range(len(columns)), key=lambda index: -abs(contributions[index]))[:top]
        shown_fields = expand(record, [name for index in order for name in self.encoder.inputs(columns[index])])
        found = []
        for index in order:
            inputs = ", ".join(f"{name}={shown_fields[name] or '—'}" for name in self.encoder.inputs(columns[index]))
            raw = float(matrix[0, index])
            found.append(Contribution(feature=columns[index], inputs=inputs,
                                      value=None if math.isnan(raw) else raw,
                                      contribution=float(contributions[index])))
        total = float(contributions.sum())
        return Explanation(score=1.0 / (1.0 + math.exp(-total)), baseline=float(contributions[-1]),
                           contributions=found)


def train_model(history: History, mapping: HistoryMapping) -> RiskModel:
    """Learn the encoder and the booster from a history; refuses histories it cannot learn from."""
    positives = sum(history.labels)
    if len(history.labels) < MIN_TRAINING_ROWS or positives in (0, len(history.labels)):
        raise RiskError(RiskErrorCode.ONE_CLASS,
                        f"Training needs at least {MIN_TRAINING_ROWS} declarations with both outcomes "
                        f"(got {len(history.labels)}, {positives} fraud)",
                        f"訓練需要至少 {MIN_TRAINING_ROWS} 筆且同時含兩種查驗結果的報單"
                        f"（現有 {len(history.labels)} 筆，違規 {positives} 筆）")
    started = time.perf_counter()
    encoder, matrix = fit_encoder(history.records, history.labels, list(mapping.features))
    dataset = lgb.Dataset(matrix, label=np.asarray(history.labels, dtype=np.float64),
                          feature_name=[f"f{index}" for index in range(matrix.shape[1])],
                          categorical_feature=encoder.category_columns, params={"verbose": -1})
    booster = lgb.train(PARAMS, dataset, num_boost_round=ROUNDS)
    facts = {
        "trained_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "training_rows": len(history.labels),
        "training_frauds": positives,
        "period_from": min(history.dates).isoformat(),
        "period_to": max(history.dates).isoformat(),
        "training_seconds": round(time.perf_counter() - started, 2),
        "lightgbm": lgb.__version__,
        "rounds": ROUNDS,
    }
    return RiskModel(booster=booster, encoder=encoder, mapping=mapping, facts=facts)


def default_model_path(mapping: HistoryMapping) -> Path:
    """Where a model trained with ``mapping`` lives unless ``--model`` says otherwise."""
    return config.data_dir() / "risk" / f"{mapping.name}.json"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _canonical(document: dict[str, Any]) -> bytes:
    return json.dumps(document, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def model_text_path(path: Path) -> Path:
    """The LightGBM text file that goes with a model JSON file."""
    return path.with_name(f"{path.stem}.model.txt")


def _write_atomically(path: Path, data: bytes) -> None:
    partial = path.with_name(f".{path.name}.partial")
    partial.write_bytes(data)
    os.replace(partial, path)


def save_model(model: RiskModel, path: Path) -> Path:
    """Write ``path`` (JSON) and its model text beside it; returns the JSON path."""
    text = model.booster.model_to_string().encode("utf-8")
    body = {"format": FORMAT, "mapping": model.mapping.as_dict(), "encoder": model.encoder.as_dict(),
            "columns": model.encoder.columns, "facts": model.facts, "params": PARAMS,
            "model_file": model_text_path(path).name, "model_sha256": _digest(text)}
    document = {**body, "sha256": _digest(_canonical(body))}
    path.parent.mkdir(parents=True, exist_ok=True)
    _write_atomically(model_text_path(path), text)
    _write_atomically(path, json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode("utf-8"))
    return path


def _invalid(path: Path, why_en: str, why_zh: str, code: RiskErrorCode = RiskErrorCode.MODEL_INVALID) -> RiskError:
    return RiskError(code, f"Risk model {path.name} refused: {why_en}", f"風險模型 {path.name} 不予載入：{why_zh}")


def _read_bounded(path: Path, limit: int) -> bytes:
    if not path.is_file():
        raise RiskError(RiskErrorCode.MODEL_MISSING, f"No risk model at {path}; train one first",
                        f"{path} 沒有風險模型，請先訓練")
    if path.stat().st_size > limit:
        raise _invalid(path, f"larger than {limit:,} bytes", f"大於 {limit:,} 位元組")
    return path.read_bytes()


def load_model(path: Path) -> RiskModel:
    """A saved model, after checking its format and both digests; never unpickles anything."""
    raw = _read_bounded(path, MAX_MODEL_JSON_BYTES)
    try:
        document = json.loads(raw.decode("utf-8"))
    except (ValueError, RecursionError):
        raise _invalid(path, "not UTF-8 JSON", "不是 UTF-8 JSON") from None
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise _invalid(path, f"not a {FORMAT} file", f"不是 {FORMAT} 檔案")
    body = {key: value for key, value in document.items() if key != "sha256"}
    if document.get("sha256") != _digest(_canonical(body)):
        raise _invalid(path, "its content does not match its SHA-256 digest (edited or damaged)",
                       "內容與 SHA-256 摘要不符（遭修改或損毀）", RiskErrorCode.MODEL_TAMPERED)
    model_file = document.get("model_file")
    if not isinstance(model_file, str) or Path(model_file).name != model_file or not model_file:
        raise _invalid(path, "bad model file name", "模型檔名不正確")
    text = _read_bounded(path.with_name(model_file), MAX_MODEL_TEXT_BYTES)
    if _digest(text) != document.get("model_sha256"):
        raise _invalid(path, f"{model_file} does not match its SHA-256 digest (edited or damaged)",
                       f"{model_file} 與 SHA-256 摘要不符（遭修改或損毀）", RiskErrorCode.MODEL_TAMPERED)
    try:
        encoder = FeatureEncoder.from_dict(document["encoder"])
        mapping = mapping_from_dict(document["mapping"])
        booster = lgb.Booster(model_str=text.decode("utf-8"))
    except (KeyError, TypeError, ValueError, RiskError, lgb.basic.LightGBMError):
        raise _invalid(path, "its content is not a usable model", "內容不是可用的模型") from None
    if booster.num_feature() != len(encoder.columns) or document.get("columns") != encoder.columns:
        raise _invalid(path, "model and encoder disagree on the features", "模型與特徵編碼不一致")
    facts = document.get("facts")
    return RiskModel(booster=booster, encoder=encoder, mapping=mapping, facts=facts if isinstance(facts, dict) else {})
