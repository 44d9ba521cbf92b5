"""The one error type of the risk package: a stable code and a bilingual message for operators."""

from __future__ import annotations

from enum import StrEnum


class RiskErrorCode(StrEnum):
    FILE_MISSING = "risk.file_missing"
    FILE_TOO_LARGE = "risk.file_too_large"
    FILE_EMPTY = "risk.file_empty"
    FILE_UNREADABLE = "risk.file_unreadable"
    TOO_MANY_ROWS = "risk.too_many_rows"
    MISSING_COLUMNS = "risk.missing_columns"
    BAD_ROW = "risk.bad_row"
    FIELD_TOO_LONG = "risk.field_too_long"
    CONTROL_CHARACTER = "risk.control_character"
    BAD_NUMBER = "risk.bad_number"
    BAD_DATE = "risk.bad_date"
    BAD_LABEL = "risk.bad_label"
    ONE_CLASS = "risk.one_class"
    UNKNOWN_MAPPING = "risk.unknown_mapping"
    BAD_MAPPING = "risk.bad_mapping"
    MODEL_MISSING = "risk.model_missing"
    MODEL_INVALID = "risk.model_invalid"
    MODEL_TAMPERED = "risk.model_tampered"
    MAPPING_MISMATCH = "risk.mapping_mismatch"


class RiskError(Exception):
    """Bad input or a bad model file: nothing was trained, saved or scored."""

    def __init__(self, code: RiskErrorCode, en: str, zh: str):
        super().__init__(f"{en}\n{zh}")
        self.code = code
        self.en = en
        self.zh = zh


def shown(value: str, limit: int = 40) -> str:
    """A cell value safe to echo in a message: quoted, control characters escaped, cut short."""
    text = value if len(value) <= limit else value[:limit] + "…"
    return repr(text)
