"""Tariff import error codes, and the one error type carrying every problem found (bilingual)."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class TariffErrorCode(StrEnum):
    UNKNOWN_MAPPING = "tariff.unknown_mapping"
    BAD_MAPPING = "tariff.bad_mapping"
    FILE_TOO_LARGE = "tariff.file_too_large"
    NOT_TEXT = "tariff.not_utf8_text"
    BAD_CSV = "tariff.bad_csv"
    MISSING_COLUMNS = "tariff.missing_columns"
    TOO_MANY_ROWS = "tariff.too_many_rows"
    EMPTY_FILE = "tariff.empty_file"
    BAD_ROWS = "tariff.bad_rows"
    UNKNOWN_SCHEDULE = "tariff.unknown_schedule"
    NO_CODE_LISTS = "tariff.code_lists_not_loaded"


TITLES: dict[TariffErrorCode, tuple[str, str]] = {
    TariffErrorCode.UNKNOWN_MAPPING: ("Unknown column mapping", "查無此欄位對應"),
    TariffErrorCode.BAD_MAPPING: ("The column mapping is not valid", "欄位對應格式不正確"),
    TariffErrorCode.FILE_TOO_LARGE: ("The file is too large", "檔案過大"),
    TariffErrorCode.NOT_TEXT: ("The file is not UTF-8 text", "檔案不是 UTF-8 文字檔"),
    TariffErrorCode.BAD_CSV: ("The file is not well-formed CSV", "檔案不是格式正確的 CSV"),
    TariffErrorCode.MISSING_COLUMNS: ("Columns the mapping needs are missing", "缺少欄位對應所需的欄位"),
    TariffErrorCode.TOO_MANY_ROWS: ("The file has too many rows", "檔案列數過多"),
    TariffErrorCode.EMPTY_FILE: ("The file has no tariff lines", "檔案中沒有稅則號別"),
    TariffErrorCode.BAD_ROWS: ("Some rows are not valid tariff lines", "部分資料列不是有效的稅則號別"),
    TariffErrorCode.UNKNOWN_SCHEDULE: ("Unknown tariff schedule", "查無此稅則表"),
    TariffErrorCode.NO_CODE_LISTS: ("The code lists are not loaded", "尚未載入代碼表"),
}


@dataclass(frozen=True)
class Problem:
    """One fault: where (row number in the file, counting the header as 1; column), and what."""

    en: str
    zh: str
    row: int | None = None
    column: str = ""

    def where(self) -> str:
        parts = [f"row {self.row}" if self.row is not None else "", self.column]
        return ", ".join(part for part in parts if part)


class TariffError(Exception):
    """Raised before anything is written: an import either loads the whole file or nothing."""

    def __init__(self, code: TariffErrorCode, problems: list[Problem] | None = None, *, total: int | None = None):
        self.code = code
        self.problems = problems or []
        self.total = total if total is not None else len(self.problems)
        title_en, _ = TITLES[code]
        first = f": {self.problems[0].en}" if self.problems else ""
        super().__init__(f"{code}: {title_en}{first}")

    @property
    def title(self) -> tuple[str, str]:
        return TITLES[self.code]

    def lines(self) -> list[str]:
        """The error for a person: title in both languages, then each problem in both."""
        en, zh = self.title
        out = [f"{en} / {zh}"]
        for problem in self.problems:
            where = problem.where()
            out.append(f"  {where + ': ' if where else ''}{problem.en}")
            out.append(f"  {' ' * (len(where) + 2) if where else ''}{problem.zh}")
        if self.total > len(self.problems):
            more = self.total - len(self.problems)
            out.append(f"  ... and {more} more / 另有 {more} 項")
        return out
