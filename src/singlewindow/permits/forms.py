"""Parsing of the permit desk's filters and decision forms: bounded, bilingual errors, nothing half-read.

The services check what the application allows; here only the shape of what an officer typed
(quantities, dates, permit numbers, reasons).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation

from django.http import QueryDict

from singlewindow.permits.applications import DeskDecision
from singlewindow.permits.models import Application, ApplicationStatus

MAX_TEXT = 500
MAX_REASONS = 10
_NUMBER = re.compile(r"[A-Za-z0-9][A-Za-z0-9./\-]{0,34}")
_QUANTITY = re.compile(r"\d{1,10}(\.\d{1,6})?")

STATUSES = ("open", *ApplicationStatus.values, "any")
AGES: dict[str, tuple[timedelta, str, str]] = {
    "1d": (timedelta(days=1), "Older than a day", "超過 1 天"),
    "3d": (timedelta(days=3), "Older than 3 days", "超過 3 天"),
    "7d": (timedelta(days=7), "Older than a week", "超過 7 天"),
}
ACTIONS = {"approve": ApplicationStatus.APPROVED, "approve-partially": ApplicationStatus.PARTIALLY_APPROVED,
           "reject": ApplicationStatus.REJECTED, "request-information": ApplicationStatus.INFORMATION_REQUESTED}


class InputError(ValueError):
    """What the officer typed cannot be used; English and Chinese, and which field."""

    def __init__(self, en: str, zh: str, field: str = "") -> None:
        super().__init__(en)
        self.code, self.en, self.zh, self.field = "input.invalid", en, zh, field


@dataclass(frozen=True)
class DeskFilters:
    status: str = "open"
    age: str = ""
    overdue: bool = False

    @property
    def older_than(self) -> timedelta | None:
        return AGES[self.age][0] if self.age in AGES else None


def parse_filters(data: QueryDict) -> DeskFilters:
    """Unknown values fall back to the defaults (a filter link is never an error)."""
    status = data.get("status", "open")
    age = data.get("age", "")
    return DeskFilters(status=status if status in STATUSES else "open", age=age if age in AGES else "",
                       overdue=data.get("overdue") == "1")


def _date(data: QueryDict, name: str, label: tuple[str, str]) -> date | None:
    raw = data.get(name, "").strip()
    if not raw:
        return None
    try:
        return date.fromisoformat(raw[:10])
    except ValueError:
        raise InputError(f"{label[0]}: give a date as YYYY-MM-DD.", f"{label[1]}：日期格式應為 YYYY-MM-DD。",
                         name) from None


def _reasons(data: QueryDict) -> tuple[tuple[str, str], ...]:
    en = [line.strip() for line in data.get("reasons_en", "")[:MAX_TEXT * 4].splitlines() if line.strip()]
    zh = [line.strip() for line in data.get("reasons_zh", "")[:MAX_TEXT * 4].splitlines() if line.strip()]
    if len(en) > MAX_REASONS or len(zh) > MAX_REASONS:
        raise InputError(f"Give at most {MAX_REASONS} reasons.", f"理由至多 {MAX_REASONS} 項。", "reasons_en")
    if any(len(line) > MAX_TEXT for line in en + zh):
        raise InputError(f"A reason is longer than {MAX_TEXT} characters.", f"理由超過 {MAX_TEXT} 個字元。",
                         "reasons_en")
    count = max(len(en), len(zh))
    return tuple(((en[i] if i < len(en) else ""), (zh[i] if i < len(zh) else "")) for i in range(count))


def parse_decision(action: str, data: QueryDict, application: Application) -> DeskDecision:
    """The desk's decision form for ``action`` (approve, approve-partially, reject, request-information)."""
    code = ACTIONS.get(action)
    if code is None:
        raise InputError("Unknown action.", "無此作業。")
    if code in (ApplicationStatus.REJECTED, ApplicationStatus.INFORMATION_REQUESTED):
        reasons = _reasons(data)
        if not reasons:
            raise InputError("Give the reasons, one a line.", "請逐行填寫理由。", "reasons_en")
        return DeskDecision(code, reasons=reasons)
    number = data.get("permit_number", "").strip()
    if not _NUMBER.fullmatch(number):
        raise InputError("Give the permit number (letters, digits, . / -, up to 35).",
                         "請填寫許可證號碼（英數字及 . / -，至多 35 字元）。", "permit_number")
    valid_from = _date(data, "valid_from", ("Valid from", "生效日"))
    valid_to = _date(data, "valid_to", ("Valid to", "有效期限"))
    if valid_from and valid_to and valid_to < valid_from:
        raise InputError("The permit cannot expire before it takes effect.", "有效期限不得早於生效日。", "valid_to")
    granted: dict[int, Decimal] = {}
    for line in application.goods:
        sequence = int(line["sequence"])
        raw = data.get(f"granted-{sequence}", "").strip().replace(",", "")
        if not raw:
            continue
        if not _QUANTITY.fullmatch(raw):
            raise InputError(f"Line {sequence}: give the quantity as a number (up to 6 decimals).",
                             f"第 {sequence} 項：數量應為數字（小數至多 6 位）。", f"granted-{sequence}")
        try:
            quantity = Decimal(raw)
        except InvalidOperation:  # pragma: no cover - the pattern admits only numbers
            raise InputError("Bad quantity.", "數量錯誤。") from None
        if quantity > Decimal(line["quantity"]) and code == ApplicationStatus.PARTIALLY_APPROVED:
            raise InputError(f"Line {sequence}: a partial approval grants at most what was asked for.",
                             f"第 {sequence} 項：部分核准數量不得超過申請數量。", f"granted-{sequence}")
        granted[sequence] = quantity
    return DeskDecision(code, permit_number=number, valid_from=valid_from, valid_to=valid_to, granted=granted)
