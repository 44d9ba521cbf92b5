"""Engineered features that carry over from the training period to later declarations.

Entities (importer, declarant, seller, HS code, ...) become their smoothed fraud rate in the
training period and how often they were seen; the rate of a training row is computed out of fold
(from the other folds only) so the model never learns from a row's own outcome. Small code lists
(office, transport mode, ...) stay categories. Value and mass become logs, unit value and unit
value against the usual unit value of the same HS subheading. Everything the encoder learned is
plain JSON, saved beside the model.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date
from statistics import median

import numpy as np
import numpy.typing as npt

from singlewindow.customs.risk.history import Record
from singlewindow.datamodel.identifiers import is_digits

FOLDS = 5
SMOOTHING = 20.0
MIN_CATEGORY_COUNT = 20
MIN_UNIT_VALUE_COUNT = 5
SEED = 20240501

# Low-cardinality code lists kept as categories (LightGBM's native categorical splits).
CATEGORY_FIELDS = ("office", "process_type", "import_type", "import_use", "payment_type", "transport_mode",
                   "tax_type", "origin_indicator", "hs2")
# Entities and codes encoded by training-period fraud rate and frequency; "a*b" is a pair.
RATE_FIELDS = ("declarant", "importer", "seller", "courier", "hs6", "hs4", "hs2", "office", "origin", "departure",
               "tax_type", "importer*hs6", "declarant*hs6", "importer*declarant", "origin*hs6", "seller*hs6")

Matrix = npt.NDArray[np.float64]


def _text(record: Record, name: str) -> str | None:
    value = record.get(name)
    if value is None:
        return None
    if isinstance(value, float):
        value = format(value, "g")
    text = str(value).strip()
    return text or None


def _number(record: Record, name: str) -> float | None:
    value = record.get(name)
    if value is None or value == "":
        return None
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def _hs6(record: Record) -> str | None:
    text = _text(record, "hs6")
    if text is None:
        return None
    digits = "".join(ch for ch in text if is_digits(ch))
    return digits[:6].rjust(6, "0") if digits else None


def expand(record: Record, names: Sequence[str]) -> dict[str, str | None]:
    """The text values of the named (possibly derived or paired) fields of one record."""
    code = _hs6(record)
    base: dict[str, str | None] = {"hs6": code, "hs4": code and code[:4], "hs2": code and code[:2]}
    values: dict[str, str | None] = {}
    for name in names:
        parts = []
        for part in name.split("*"):
            if part not in base:
                base[part] = _text(record, part)
            parts.append(base[part])
        values[name] = None if None in parts else "*".join(parts)  # type: ignore[arg-type]
    return values


def field_value(record: Record, name: str) -> str | None:
    """The text value of one (possibly derived or paired) field of a record."""
    return expand(record, [name])[name]


def _log_unit_value(record: Record) -> float | None:
    value, mass = _number(record, "value"), _number(record, "mass")
    if value is None or mass is None or mass <= 0 or value < 0:
        return None
    return math.log1p(value / mass)


def _day(record: Record) -> date | None:
    text = _text(record, "date")
    if text is None:
        return None
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        return None


def _log(record: Record, name: str) -> float | None:
    number = _number(record, name)
    return None if number is None or number < 0 else math.log1p(number)


def _differs(record: Record) -> float | None:
    origin, departure = _text(record, "origin"), _text(record, "departure")
    return None if origin is None or departure is None else float(origin != departure)


def _weekday(record: Record) -> float | None:
    day = _day(record)
    return None if day is None else float(day.weekday())


# Plain numeric features: name, the input fields they need, how to compute them.
NumericFn = Callable[[Record], float | None]
NUMERIC_FEATURES: tuple[tuple[str, tuple[str, ...], NumericFn], ...] = (
    ("tax_rate", ("tax_rate",), lambda record: _number(record, "tax_rate")),
    ("log_mass", ("mass",), lambda record: _log(record, "mass")),
    ("log_value", ("value",), lambda record: _log(record, "value")),
    ("log_unit_value", ("value", "mass"), _log_unit_value),
    ("origin_differs", ("origin", "departure"), _differs),
    ("seller_missing", ("seller",), lambda record: float(_text(record, "seller") is None)),
    ("courier_missing", ("courier",), lambda record: float(_text(record, "courier") is None)),
    ("weekday", (), _weekday),
)

_SOURCES = {"hs4": "hs6", "hs2": "hs6"}


def source_fields(name: str) -> tuple[str, ...]:
    """The mapped input fields a (derived or paired) field is built from."""
    return tuple(_SOURCES.get(part, part) for part in name.split("*"))


@dataclass
class FeatureEncoder:
    """What was learned from the training period to turn records into the model's columns."""

    fields: list[str]
    prior: float
    rates: dict[str, dict[str, list[int]]]
    categories: dict[str, list[str]]
    unit_values: dict[str, dict[str, float]]
    numeric: list[str]

    @property
    def columns(self) -> list[str]:
        """Column names, in matrix order."""
        return ([f"{name}:category" for name in self.categories]
                + [f"{name}:{kind}" for name in self.rates for kind in ("rate", "count")]
                + list(self.numeric) + (["unit_value_vs_hs"] if self.unit_values else []))

    def inputs(self, column: str) -> tuple[str, ...]:
        """The fields a column is computed from, to show an officer what a contribution is about."""
        name = column.split(":")[0]
        if name == "unit_value_vs_hs":
            return ("value", "mass", "hs6")
        if name in _NUMERIC_NEEDS:
            return _NUMERIC_NEEDS[name] or ("date",)
        return tuple(name.split("*"))

    @property
    def category_columns(self) -> list[int]:
        return list(range(len(self.categories)))

    def rate(self, table: dict[str, list[int]], value: str | None) -> tuple[float, float]:
        """The smoothed training-period fraud rate of a value, and how often it was seen."""
        seen, fraud = table.get(value, (0, 0)) if value is not None else (0, 0)
        return (fraud + SMOOTHING * self.prior) / (seen + SMOOTHING), float(seen)

    def transform(self, records: Sequence[Record], *, rate_override: dict[str, Matrix] | None = None) -> Matrix:
        """The model matrix of ``records``; ``rate_override`` carries out-of-fold rates for training rows."""
        columns: list[Matrix] = []
        expanded = [expand(record, [*self.categories, *self.rates]) for record in records]
        for name, values in self.categories.items():
            codes = {value: float(index) for index, value in enumerate(values)}
            other = float(len(values))
            columns.append(np.array([math.nan if (text := row[name]) is None else codes.get(text, other)
                                     for row in expanded]))
        for name, table in self.rates.items():
            pairs = np.array([self.rate(table, row[name]) for row in expanded]).reshape(-1, 2)
            rate = rate_override[name] if rate_override is not None else pairs[:, 0]
            columns.extend([rate, pairs[:, 1]])
        for name in self.numeric:
            compute = _NUMERIC_BY_NAME[name]
            columns.append(np.array([_nan(compute(record)) for record in records], dtype=np.float64))
        if self.unit_values:
            columns.append(np.array([_nan(self._unit_value_gap(record)) for record in records], dtype=np.float64))
        return np.column_stack(columns) if columns else np.empty((len(records), 0))

    def _unit_value_gap(self, record: Record) -> float | None:
        """Log unit value minus the training-period median of its HS subheading (or heading)."""
        own = _log_unit_value(record)
        if own is None:
            return None
        for level in ("hs6", "hs4"):
            usual = self.unit_values.get(level, {}).get(field_value(record, level) or "")
            if usual is not None:
                return own - usual
        return None

    def as_dict(self) -> dict[str, object]:
        return {"fields": self.fields, "prior": self.prior, "rates": self.rates, "categories": self.categories,
                "unit_values": self.unit_values, "numeric": self.numeric, "smoothing": SMOOTHING}

    @classmethod
    def from_dict(cls, data: dict[str, object]) -> FeatureEncoder:
        """Rebuild from JSON; the caller has already checked the file's integrity."""
        fields, numeric = data["fields"], data["numeric"]
        prior, rates = data["prior"], data["rates"]
        categories, unit_values = data["categories"], data["unit_values"]
        if not (isinstance(fields, list) and isinstance(numeric, list) and isinstance(prior, float)
                and isinstance(rates, dict) and isinstance(categories, dict) and isinstance(unit_values, dict)):
            raise ValueError("encoder")
        unknown = [name for name in numeric if name not in _NUMERIC_BY_NAME]
        if unknown:
            raise ValueError(f"unknown numeric feature {unknown[0]}")
        return cls(fields=fields, prior=prior, rates=rates, categories=categories, unit_values=unit_values,
                   numeric=numeric)


_NUMERIC_BY_NAME = {name: compute for name, _, compute in NUMERIC_FEATURES}
_NUMERIC_NEEDS = {name: needs for name, needs, _ in NUMERIC_FEATURES}


def _nan(value: float | None) -> float:
    return math.nan if value is None else value


def _tally(values: Sequence[str | None], labels: Sequence[int]) -> dict[str, list[int]]:
    table: dict[str, list[int]] = {}
    for value, label in zip(values, labels, strict=True):
        if value is not None:
            entry = table.setdefault(value, [0, 0])
            entry[0] += 1
            entry[1] += label
    return table


def _out_of_fold_rates(values: Sequence[str | None], labels: Sequence[int], folds: Sequence[int],
                       prior: float, total: dict[str, list[int]]) -> Matrix:
    """Each row's smoothed rate from the rows of the other folds only."""
    per_fold: dict[tuple[int, str], list[int]] = {}
    for value, label, fold in zip(values, labels, folds, strict=True):
        if value is not None:
            entry = per_fold.setdefault((fold, value), [0, 0])
            entry[0] += 1
            entry[1] += label
    rates = np.empty(len(values))
    for row, (value, fold) in enumerate(zip(values, folds, strict=True)):
        seen, fraud = 0, 0
        if value is not None:
            own = per_fold[fold, value]
            seen, fraud = total[value][0] - own[0], total[value][1] - own[1]
        rates[row] = (fraud + SMOOTHING * prior) / (seen + SMOOTHING)
    return rates


def fit_encoder(records: Sequence[Record], labels: Sequence[int],
                mapped: Sequence[str]) -> tuple[FeatureEncoder, Matrix]:
    """Learn the encoder on the training rows and return it with their (out-of-fold) matrix."""
    available = set(mapped)
    prior = sum(labels) / len(labels)
    wanted = [name for name in dict.fromkeys((*CATEGORY_FIELDS, *RATE_FIELDS, "hs6", "hs4"))
              if set(source_fields(name)) <= available]
    expanded = [expand(record, wanted) for record in records]
    categories: dict[str, list[str]] = {}
    for name in CATEGORY_FIELDS:
        if name in wanted:
            counts = _tally([row[name] for row in expanded], [0] * len(records))
            frequent = sorted(value for value, (seen, _) in counts.items() if seen >= MIN_CATEGORY_COUNT)
            if frequent:
                categories[name] = frequent
    folds = [int(fold) for fold in np.random.default_rng(SEED).permutation(len(records)) % FOLDS]
    rates: dict[str, dict[str, list[int]]] = {}
    out_of_fold: dict[str, Matrix] = {}
    for name in RATE_FIELDS:
        if name in wanted:
            values = [row[name] for row in expanded]
            rates[name] = _tally(values, labels)
            out_of_fold[name] = _out_of_fold_rates(values, labels, folds, prior, rates[name])
    numeric = [name for name, needs, _ in NUMERIC_FEATURES if set(needs) <= available]
    unit_values: dict[str, dict[str, float]] = {}
    if {"value", "mass", "hs6"} <= available:
        for level in ("hs6", "hs4"):
            groups: dict[str, list[float]] = {}
            for record, row in zip(records, expanded, strict=True):
                code, unit = row[level], _log_unit_value(record)
                if code is not None and unit is not None:
                    groups.setdefault(code, []).append(unit)
            unit_values[level] = {code: round(median(units), 6) for code, units in groups.items()
                                  if len(units) >= MIN_UNIT_VALUE_COUNT}
    encoder = FeatureEncoder(fields=sorted(available), prior=prior, rates=rates, categories=categories,
                             unit_values=unit_values, numeric=numeric)
    return encoder, encoder.transform(records, rate_override=out_of_fold)
