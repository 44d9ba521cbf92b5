"""History mappings: which columns of another administration's CSV mean which of our risk features.

A mapping is a named preset (``korea-synthetic``) or a small JSON file an operator writes, so the
same training code learns from any customs history that has ids, dates, an inspection outcome
and some of the fields below.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path

from singlewindow.customs.risk.errors import RiskError, RiskErrorCode, shown

CATEGORICAL = "categorical"
NUMERIC = "numeric"

# Our own feature names: what the customs engine can fill from a declaration.
FEATURES: dict[str, tuple[str, str]] = {
    "office": (CATEGORICAL, "customs office of declaration"),
    "process_type": (CATEGORICAL, "clearance process type"),
    "import_type": (CATEGORICAL, "import (customs procedure) type"),
    "import_use": (CATEGORICAL, "intended use of the goods"),
    "payment_type": (CATEGORICAL, "duty payment method"),
    "transport_mode": (CATEGORICAL, "mode of transport at the border"),
    "declarant": (CATEGORICAL, "declarant / customs broker"),
    "importer": (CATEGORICAL, "importer"),
    "seller": (CATEGORICAL, "seller / consignor"),
    "courier": (CATEGORICAL, "express courier / forwarder"),
    "hs6": (CATEGORICAL, "HS subheading (6 digits); chapter and heading are derived"),
    "departure": (CATEGORICAL, "country of departure"),
    "origin": (CATEGORICAL, "country of origin"),
    "tax_type": (CATEGORICAL, "duty type or preference"),
    "origin_indicator": (CATEGORICAL, "origin proof / indicator"),
    "tax_rate": (NUMERIC, "duty rate, percent"),
    "mass": (NUMERIC, "net mass, kg"),
    "value": (NUMERIC, "declared value"),
}

MAX_MAPPING_BYTES = 64 * 1024
MAX_NAME_LENGTH = 200
# A mapping's name also names its default model file, so it is kept to safe file-name characters.
NAME_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")


@dataclass(frozen=True)
class HistoryMapping:
    """Column names of one history format, in terms of our feature names."""

    name: str
    id_column: str
    date_column: str
    label_column: str
    features: dict[str, str] = field(default_factory=dict)
    date_format: str = "%Y-%m-%d"
    positive: tuple[str, ...] = ("1",)
    negative: tuple[str, ...] = ("0",)

    def as_dict(self) -> dict[str, object]:
        """The JSON form, stored inside a saved model so it says what it was trained on."""
        return {"name": self.name, "id": self.id_column, "date": self.date_column, "date_format": self.date_format,
                "label": self.label_column, "positive": list(self.positive), "negative": list(self.negative),
                "features": dict(self.features)}


KOREA_SYNTHETIC = HistoryMapping(
    name="korea-synthetic",
    id_column="Declaration ID",
    date_column="Date",
    label_column="Fraud",
    features={
        "office": "Office ID",
        "process_type": "Process Type",
        "import_type": "Import Type",
        "import_use": "Import Use",
        "payment_type": "Payment Type",
        "transport_mode": "Mode of Transport",
        "declarant": "Declarant ID",
        "importer": "Importer ID",
        "seller": "Seller ID",
        "courier": "Courier ID",
        "hs6": "HS6 Code",
        "departure": "Country of Departure",
        "origin": "Country of Origin",
        "tax_type": "Tax Type",
        "origin_indicator": "Country of Origin Indicator",
        "tax_rate": "Tax Rate",
        "mass": "Net Mass",
        "value": "Item Price",
    },
)

PRESETS = {KOREA_SYNTHETIC.name: KOREA_SYNTHETIC}


def _bad(detail_en: str, detail_zh: str) -> RiskError:
    return RiskError(RiskErrorCode.BAD_MAPPING, f"Bad mapping file: {detail_en}", f"對應檔錯誤：{detail_zh}")


def _text(data: dict[str, object], key: str, default: str | None = None) -> str:
    value = data.get(key, default)
    if not isinstance(value, str) or not value.strip() or len(value) > MAX_NAME_LENGTH:
        raise _bad(f"'{key}' must be a non-empty text of at most {MAX_NAME_LENGTH} characters",
                   f"「{key}」須為非空白文字，最多 {MAX_NAME_LENGTH} 字元")
    return value


def _labels(data: dict[str, object], key: str, default: list[str]) -> tuple[str, ...]:
    value = data.get(key, default)
    if (not isinstance(value, list) or not value or len(value) > 20
            or not all(isinstance(item, str) and 0 < len(item) <= 50 for item in value)):
        raise _bad(f"'{key}' must be a list of 1 to 20 label values", f"「{key}」須為 1 至 20 個標籤值的清單")
    return tuple(value)


def mapping_from_dict(data: object) -> HistoryMapping:
    """A mapping from its JSON form; every fault is a bilingual ``RiskError``."""
    if not isinstance(data, dict):
        raise _bad("the top level must be a JSON object", "最外層須為 JSON 物件")
    features = data.get("features")
    if not isinstance(features, dict) or not features:
        raise _bad("'features' must be a non-empty object {our feature name: CSV column}",
                   "「features」須為非空物件 {特徵名稱: CSV 欄位}")
    unknown = sorted(str(name) for name in features if name not in FEATURES)
    if unknown:
        raise _bad(f"unknown feature name(s) {', '.join(shown(name) for name in unknown[:5])}; "
                   f"known: {', '.join(FEATURES)}",
                   f"未知的特徵名稱 {', '.join(shown(name) for name in unknown[:5])}；可用：{', '.join(FEATURES)}")
    columns = {name: _text(features, name) for name in features}
    positive = _labels(data, "positive", ["1"])
    negative = _labels(data, "negative", ["0"])
    if set(positive) & set(negative):
        raise _bad("a label value is both positive and negative", "同一標籤值同時列為陽性與陰性")
    date_format = _text(data, "date_format", "%Y-%m-%d")
    if "%" not in date_format:
        raise _bad("'date_format' must be a strftime pattern such as %Y-%m-%d",
                   "「date_format」須為 strftime 格式，例如 %Y-%m-%d")
    name = _text(data, "name")
    if not NAME_PATTERN.fullmatch(name):
        raise _bad("'name' must be 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit",
                   "「name」須為 1 至 64 個英數字、「.」「_」「-」，且以英數字開頭")
    return HistoryMapping(name=name, id_column=_text(data, "id"), date_column=_text(data, "date"),
                          label_column=_text(data, "label"), features=columns, date_format=date_format,
                          positive=positive, negative=negative)


def load_mapping_file(path: Path) -> HistoryMapping:
    """Read a mapping JSON file, bounded in size."""
    try:
        size = path.stat().st_size
        if size > MAX_MAPPING_BYTES:
            raise _bad(f"{path.name} is {size:,} bytes; the limit is {MAX_MAPPING_BYTES:,}",
                       f"{path.name} 為 {size:,} 位元組，上限 {MAX_MAPPING_BYTES:,}")
        data = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, ValueError, RecursionError) as error:
        raise _bad(f"{path.name} is not readable UTF-8 JSON ({type(error).__name__})",
                   f"{path.name} 不是可讀取的 UTF-8 JSON（{type(error).__name__}）") from None
    return mapping_from_dict(data)


def resolve_mapping(name: str) -> HistoryMapping:
    """A preset by name, or a JSON mapping file by path."""
    if name in PRESETS:
        return PRESETS[name]
    path = Path(name)
    if path.suffix.lower() == ".json" and path.is_file():
        return load_mapping_file(path)
    raise RiskError(RiskErrorCode.UNKNOWN_MAPPING,
                    f"Unknown mapping {shown(name)}: use a preset ({', '.join(PRESETS)}) or a .json mapping file",
                    f"未知的對應 {shown(name)}：請用預設（{', '.join(PRESETS)}）或 .json 對應檔")
