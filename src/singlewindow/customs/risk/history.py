"""Read a history CSV (declarations with inspection outcomes) into records of our feature names.

The file is bounded (bytes, rows, field length) and read as plain text: nothing in a cell is ever
evaluated, so spreadsheet formulas (``=cmd|...``) are just odd category values or bad numbers.
"""

from __future__ import annotations

import csv
import math
import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from singlewindow.customs.risk.errors import RiskError, RiskErrorCode, shown
from singlewindow.customs.risk.mapping import FEATURES, NUMERIC, HistoryMapping

MAX_HISTORY_BYTES = 512 * 1024 * 1024
MAX_HISTORY_ROWS = 5_000_000
MAX_FIELD_CHARS = 256
# The csv module's own per-field limit: far above ours, so a giant cell is reported by us, not by it.
_CSV_FIELD_LIMIT = 1024 * 1024
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

Value = str | float | None
Record = dict[str, Value]


@dataclass(frozen=True)
class History:
    """Parsed history rows: ids, declaration dates, outcomes (1 = fraud found) and feature records."""

    ids: list[str]
    dates: list[date]
    labels: list[int]
    records: list[Record]

    @property
    def fraud_share(self) -> float:
        return sum(self.labels) / len(self.labels) if self.labels else 0.0


def _open_checked(path: Path, max_bytes: int) -> None:
    if not path.is_file():
        raise RiskError(RiskErrorCode.FILE_MISSING, f"History file not found: {path}", f"找不到歷史資料檔：{path}")
    size = path.stat().st_size
    if size == 0:
        raise RiskError(RiskErrorCode.FILE_EMPTY, f"History file {path.name} is empty",
                        f"歷史資料檔 {path.name} 是空的")
    if size > max_bytes:
        raise RiskError(RiskErrorCode.FILE_TOO_LARGE,
                        f"History file {path.name} is {size:,} bytes; the limit is {max_bytes:,}",
                        f"歷史資料檔 {path.name} 為 {size:,} 位元組，上限 {max_bytes:,}")


def parse_number(text: str, *, row: int, column: str) -> float | None:
    """A finite decimal number, or None when the cell is empty."""
    cleaned = text.strip()
    if not cleaned:
        return None
    try:
        number = float(cleaned)
    except ValueError:
        number = math.nan
    if not math.isfinite(number) or cleaned.lower().lstrip("+-") in {"nan", "inf", "infinity"}:
        raise RiskError(RiskErrorCode.BAD_NUMBER, f"Row {row}, column {column!r}: {shown(text)} is not a number",
                        f"第 {row} 列「{column}」欄：{shown(text)} 不是數字")
    return number


def _parse_date(text: str, fmt: str, *, row: int, column: str) -> date:
    try:
        return datetime.strptime(text.strip(), fmt).date()  # noqa: DTZ007 - a calendar date, no time of day
    except ValueError:
        raise RiskError(RiskErrorCode.BAD_DATE,
                        f"Row {row}, column {column!r}: {shown(text)} is not a date ({fmt})",
                        f"第 {row} 列「{column}」欄：{shown(text)} 不是日期（{fmt}）") from None


def _parse_label(text: str, mapping: HistoryMapping, *, row: int) -> int:
    value = text.strip()
    if value in mapping.positive:
        return 1
    if value in mapping.negative:
        return 0
    expected = ", ".join(mapping.positive + mapping.negative)
    raise RiskError(RiskErrorCode.BAD_LABEL,
                    f"Row {row}, column {mapping.label_column!r}: {shown(text)} is not an outcome ({expected})",
                    f"第 {row} 列「{mapping.label_column}」欄：{shown(text)} 不是查驗結果（{expected}）")


def _check_header(header: list[str], mapping: HistoryMapping) -> dict[str, int]:
    wanted = [mapping.id_column, mapping.date_column, mapping.label_column, *mapping.features.values()]
    missing = [column for column in dict.fromkeys(wanted) if column not in header]
    if missing:
        listed = ", ".join(shown(column) for column in missing[:10])
        raise RiskError(RiskErrorCode.MISSING_COLUMNS,
                        f"The file lacks column(s) {listed} required by mapping {mapping.name!r}",
                        f"檔案缺少對應「{mapping.name}」所需的欄位 {listed}")
    return {column: header.index(column) for column in wanted}


def read_history(path: Path, mapping: HistoryMapping, *, max_bytes: int = MAX_HISTORY_BYTES,
                 max_rows: int = MAX_HISTORY_ROWS) -> History:
    """Every row of ``path`` as a record, or a ``RiskError`` naming the first fault."""
    _open_checked(path, max_bytes)
    ids: list[str] = []
    dates: list[date] = []
    labels: list[int] = []
    records: list[Record] = []
    csv.field_size_limit(_CSV_FIELD_LIMIT)
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            reader = csv.reader(handle)
            header = next(reader, None)
            if not header:
                raise RiskError(RiskErrorCode.FILE_EMPTY, f"History file {path.name} has no header row",
                                f"歷史資料檔 {path.name} 沒有標題列")
            index = _check_header([name.strip() for name in header], mapping)
            for row_number, row in enumerate(reader, start=2):
                if not row:
                    continue
                if len(row) != len(header):
                    # A stray separator would shift every later cell into the wrong column.
                    raise RiskError(RiskErrorCode.BAD_ROW,
                                    f"Row {row_number} has {len(row)} cells; the header has {len(header)}",
                                    f"第 {row_number} 列有 {len(row)} 個欄位，標題列有 {len(header)} 個")
                if len(ids) >= max_rows:
                    raise RiskError(RiskErrorCode.TOO_MANY_ROWS,
                                    f"History file {path.name} has more than {max_rows:,} rows",
                                    f"歷史資料檔 {path.name} 超過 {max_rows:,} 列")
                cells = {column: row[position] for column, position in index.items()}
                for column, text in cells.items():
                    if len(text) > MAX_FIELD_CHARS:
                        raise RiskError(RiskErrorCode.FIELD_TOO_LONG,
                                        f"Row {row_number}, column {column!r}: {len(text):,} characters; "
                                        f"the limit is {MAX_FIELD_CHARS}",
                                        f"第 {row_number} 列「{column}」欄：{len(text):,} 字元，上限 {MAX_FIELD_CHARS}")
                    if _CONTROL.search(text):
                        raise RiskError(RiskErrorCode.CONTROL_CHARACTER,
                                        f"Row {row_number}, column {column!r}: contains a control character",
                                        f"第 {row_number} 列「{column}」欄：含有控制字元")
                ids.append(cells[mapping.id_column].strip())
                day = _parse_date(cells[mapping.date_column], mapping.date_format,
                                  row=row_number, column=mapping.date_column)
                dates.append(day)
                labels.append(_parse_label(cells[mapping.label_column], mapping, row=row_number))
                record = record_from_cells(cells, mapping, row=row_number)
                record["date"] = day.isoformat()
                records.append(record)
    except UnicodeDecodeError:
        raise RiskError(RiskErrorCode.FILE_UNREADABLE, f"History file {path.name} is not UTF-8 text",
                        f"歷史資料檔 {path.name} 不是 UTF-8 文字") from None
    except csv.Error as error:
        raise RiskError(RiskErrorCode.FILE_UNREADABLE, f"History file {path.name} is not valid CSV ({error})",
                        f"歷史資料檔 {path.name} 不是有效的 CSV（{error}）") from None
    if not ids:
        raise RiskError(RiskErrorCode.FILE_EMPTY, f"History file {path.name} has no data rows",
                        f"歷史資料檔 {path.name} 沒有資料列")
    return History(ids=ids, dates=dates, labels=labels, records=records)


def record_from_cells(cells: dict[str, str], mapping: HistoryMapping, *, row: int) -> Record:
    """Our feature record from one row's cells: trimmed text, numbers as floats, blanks as None."""
    record: Record = {}
    for name, column in mapping.features.items():
        text = cells[column]
        if FEATURES[name][0] == NUMERIC:
            record[name] = parse_number(text, row=row, column=column)
        else:
            record[name] = text.strip() or None
    return record
