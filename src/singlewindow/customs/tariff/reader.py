"""Reading a tariff CSV through a column mapping into checked line rows (no database).

Input is bounded before any parsing (bytes, rows, field length) and every row is checked;
the reader returns all rows or raises one ``TariffError`` listing the faults, so the import
that follows writes either the whole file or nothing.
"""

from __future__ import annotations

import csv
import io
import itertools
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import BinaryIO

from singlewindow.customs.tariff.errors import Problem, TariffError, TariffErrorCode
from singlewindow.customs.tariff.mapping import Mapping
from singlewindow.customs.tariff.rates import ParsedRate, parse_rate

MAX_BYTES = 32 * 1024 * 1024
MAX_ROWS = 100_000
MAX_FIELD = 5_000
MAX_REPORTED = 20
PROGRESS_EVERY = 2_000

Progress = Callable[[str, int, int], None]
"""Called as ``progress(stage, done, total)`` during long work."""

_CODE_SEPARATORS = re.compile(r"[\s.\-]")
_REGULATION_SPLIT = re.compile(r"[\s,;]+")
_CODE = re.compile(r"^(\d{8}|\d{10})\Z", re.ASCII)
_UNIT = re.compile(r"^[A-Z0-9]{1,3}\Z")
_REGULATION = re.compile(r"^[A-Z0-9]{1,10}\Z")


@dataclass(frozen=True)
class RateRow:
    column: str
    origin_group: str
    label: str
    parsed: ParsedRate


@dataclass(frozen=True)
class LineRow:
    """One checked tariff line; ``row`` is its line number in the file (the header is row 1)."""

    row: int
    code: str
    description_en: str = ""
    description_zh: str = ""
    unit: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    regulations: tuple[str, ...] = ()
    rates: tuple[RateRow, ...] = ()
    attributes: dict[str, str] = field(default_factory=dict)


def read_source(source: Path | BinaryIO, *, max_bytes: int = MAX_BYTES) -> bytes:
    """The file's bytes, refusing more than ``max_bytes`` without reading past the limit."""
    if isinstance(source, Path):
        with source.open("rb") as stream:
            data = stream.read(max_bytes + 1)
    else:
        data = source.read(max_bytes + 1)
    if len(data) > max_bytes:
        raise TariffError(TariffErrorCode.FILE_TOO_LARGE, [Problem(
            f"the file is larger than {max_bytes:,} bytes", f"檔案超過 {max_bytes:,} 位元組")])
    return data


def _text(data: bytes) -> str:
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise TariffError(TariffErrorCode.NOT_TEXT, [Problem(
            f"byte {error.start} is not UTF-8; save the file as UTF-8 CSV",
            f"第 {error.start} 位元組不是 UTF-8；請另存為 UTF-8 CSV")]) from None


def _date(value: str, row: int, column: str, problems: list[Problem]) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        problems.append(Problem(f"{value[:40]!r} is not a date (YYYY-MM-DD)",
                                f"「{value[:40]}」不是日期（YYYY-MM-DD）", row, column))
        return None


class _Rows:
    """Collects problems (the first ``MAX_REPORTED`` in full, the rest counted)."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []
        self.total = 0

    def add(self, found: Iterable[Problem]) -> None:
        for problem in found:
            self.total += 1
            if len(self.problems) < MAX_REPORTED:
                self.problems.append(problem)


def _line(values: dict[str, str], row: int, mapping: Mapping) -> tuple[LineRow | None, list[Problem]]:
    problems: list[Problem] = []
    for column, value in values.items():
        if len(value) > MAX_FIELD:
            problems.append(Problem(f"the value is longer than {MAX_FIELD} characters",
                                    f"欄位內容超過 {MAX_FIELD} 字元", row, column))
    if problems:
        return None, problems
    code = _CODE_SEPARATORS.sub("", values[mapping.code])
    if not _CODE.match(code):
        problems.append(Problem(f"{values[mapping.code][:40]!r} is not an 8- or 10-digit tariff code",
                                f"「{values[mapping.code][:40]}」不是 8 或 10 位數的稅則號別", row, mapping.code))
    unit = values.get(mapping.unit, "").strip().upper() if mapping.unit else ""
    if unit and not _UNIT.match(unit):
        problems.append(Problem(f"{unit[:20]!r} is not a unit code (UN/ECE Rec 20)",
                                f"「{unit[:20]}」不是計量單位代碼", row, mapping.unit))
    regulations: tuple[str, ...] = ()
    if mapping.regulations:
        regulations = tuple(dict.fromkeys(
            c for c in _REGULATION_SPLIT.split(values[mapping.regulations].strip().upper()) if c))
        bad = [c for c in regulations if not _REGULATION.match(c)]
        if bad:
            problems.append(Problem(f"{bad[0][:20]!r} is not a regulation code", f"「{bad[0][:20]}」不是輸出入規定代號",
                                    row, mapping.regulations))
    valid_from = _date(values.get(mapping.valid_from, "").strip(), row, mapping.valid_from, problems) \
        if mapping.valid_from else None
    valid_to = _date(values.get(mapping.valid_to, "").strip(), row, mapping.valid_to, problems) \
        if mapping.valid_to else None
    valid_from = valid_from or mapping.default_valid_from
    if valid_from and valid_to and valid_to < valid_from:
        problems.append(Problem("the line stops being valid before it starts", "稅則號別失效日早於生效日",
                                row, mapping.valid_to))
    rates = tuple(
        RateRow(rate.column, rate.origin_group, rate.label, parse_rate(values[rate.field]))
        for rate in mapping.rates if values[rate.field].strip()
    )
    if problems:
        return None, problems
    return LineRow(
        row=row, code=code, description_en=values.get(mapping.description_en, "").strip(),
        description_zh=values.get(mapping.description_zh, "").strip(), unit=unit, valid_from=valid_from,
        valid_to=valid_to, regulations=regulations, rates=rates,
        attributes={name: values[name] for name in mapping.attributes},
    ), []


def _overlaps(lines: list[LineRow]) -> list[Problem]:
    """Two rows for one code may not be valid on the same day."""
    by_code: dict[str, list[LineRow]] = {}
    for line in lines:
        by_code.setdefault(line.code, []).append(line)
    problems = []
    for code, rows in by_code.items():
        if len(rows) < 2:
            continue
        rows.sort(key=lambda r: r.valid_from or date.min)
        for before, after in itertools.pairwise(rows):
            if before.valid_to is None or (after.valid_from or date.min) <= before.valid_to:
                problems.append(Problem(f"code {code} is already valid on these dates (row {before.row})",
                                        f"稅則號別 {code} 於此期間已有資料（第 {before.row} 列）", after.row))
    return problems


def read_csv(data: bytes, mapping: Mapping, *, max_rows: int = MAX_ROWS,
             progress: Progress | None = None) -> list[LineRow]:
    """Every line of the file, checked; raises ``TariffError`` with the faults otherwise."""
    reader = csv.reader(io.StringIO(_text(data), newline=""), strict=True)
    try:
        header = next(reader, None)
        if header is None:
            raise TariffError(TariffErrorCode.EMPTY_FILE, [Problem("the file is empty", "檔案是空的")])
        header = [name.strip() for name in header]
        missing = [name for name in mapping.columns() if name not in header]
        if missing:
            raise TariffError(TariffErrorCode.MISSING_COLUMNS, [Problem(
                f"no column {name!r} (the file has: {', '.join(header)[:300]})",
                f"缺少欄位「{name}」（檔案欄位：{', '.join(header)[:300]}）", 1, name) for name in missing])
        duplicated = sorted({name for name in header if header.count(name) > 1 and name in mapping.columns()})
        if duplicated:
            raise TariffError(TariffErrorCode.BAD_CSV, [Problem(
                f"column {name!r} appears twice", f"欄位「{name}」重複", 1, name) for name in duplicated])
        found = _Rows()
        lines: list[LineRow] = []
        for record in reader:
            row = reader.line_num
            if not any(cell.strip() for cell in record):
                continue
            if len(lines) + found.total >= max_rows:
                raise TariffError(TariffErrorCode.TOO_MANY_ROWS, [Problem(
                    f"more than {max_rows:,} rows", f"超過 {max_rows:,} 列")])
            if len(record) != len(header):
                found.add([Problem(f"{len(record)} fields where the header has {len(header)}",
                                   f"此列有 {len(record)} 個欄位，標題列有 {len(header)} 個", row)])
                continue
            line, problems = _line(dict(zip(header, record, strict=True)), row, mapping)
            found.add(problems)
            if line is not None:
                lines.append(line)
            if progress is not None and len(lines) % PROGRESS_EVERY == 0:
                progress("read", len(lines), 0)
    except csv.Error as error:
        raise TariffError(TariffErrorCode.BAD_CSV, [Problem(
            f"line {reader.line_num}: {error}", f"第 {reader.line_num} 行：{error}", reader.line_num)]) from None
    found.add(_overlaps(lines))
    if found.total:
        raise TariffError(TariffErrorCode.BAD_ROWS, found.problems, total=found.total)
    if not lines:
        raise TariffError(TariffErrorCode.EMPTY_FILE, [Problem("the file has a header but no lines",
                                                               "檔案只有標題列，沒有資料")])
    return lines
