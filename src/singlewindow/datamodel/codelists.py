"""Code lists as validation sees them: a small lookup interface, with no storage behind it.

Validation asks only "is this code in that list?" and "what is it called?". Keeping the
question this narrow lets the data sets be validated against the database in the server and
against plain dictionaries in tests and offline tools.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from enum import StrEnum
from typing import Protocol, runtime_checkable

from singlewindow.datamodel.issues import Issue


class ListName(StrEnum):
    """The code lists the Single Window keeps; the value is the list's stable name."""

    HS2022 = "hs2022"
    COUNTRY = "country"
    CURRENCY = "currency"
    UNIT = "unit"
    PACKAGE_TYPE = "package_type"
    TRANSPORT_MODE = "transport_mode"
    CUSTOMS_OFFICE = "customs_office"
    DOCUMENT_TYPE = "document_type"
    REGULATION = "regulation"


LIST_TITLES: Mapping[str, tuple[str, str]] = {
    ListName.HS2022: ("HS 2022 nomenclature", "2022 年版國際商品統一分類制度"),
    ListName.COUNTRY: ("Countries (ISO 3166-1)", "國家或地區代碼 (ISO 3166-1)"),
    ListName.CURRENCY: ("Currencies (ISO 4217)", "幣別代碼 (ISO 4217)"),
    ListName.UNIT: ("Units of measure (UN/ECE Rec 20)", "計量單位 (UN/ECE 第 20 號建議書)"),
    ListName.PACKAGE_TYPE: ("Package types (UN/ECE Rec 21)", "包裝種類 (UN/ECE 第 21 號建議書)"),
    ListName.TRANSPORT_MODE: ("Modes of transport (UN/ECE Rec 19)", "運輸方式 (UN/ECE 第 19 號建議書)"),
    ListName.CUSTOMS_OFFICE: ("Customs offices", "關別代碼"),
    ListName.DOCUMENT_TYPE: ("Document types (UN/EDIFACT 1001)", "文件種類 (UN/EDIFACT 1001)"),
    ListName.REGULATION: ("Import/export regulations", "輸出入規定代號"),
}
"""English and Traditional Chinese title of each list, shown in errors and screens."""


@dataclass(frozen=True)
class CodeEntry:
    """One code with its names; ``parent`` links hierarchies such as HS chapter > heading."""

    code: str
    name_en: str
    name_zh: str = ""
    parent: str = ""
    valid_from: date | None = None
    valid_to: date | None = None
    attributes: Mapping[str, object] = field(default_factory=dict, compare=False)

    def valid_on(self, day: date) -> bool:
        if self.valid_from is not None and day < self.valid_from:
            return False
        return self.valid_to is None or day <= self.valid_to


@runtime_checkable
class CodeLists(Protocol):
    """Answers validation's two questions about a code."""

    def contains(self, list_name: str, code: str, *, on: date | None = None) -> bool:
        """Whether ``code`` is in the list; with ``on``, also that it is valid on that day."""
        ...

    def name(self, list_name: str, code: str) -> tuple[str, str] | None:
        """The code's English and Traditional Chinese names, or None when unknown."""
        ...


class InMemoryCodeLists:
    """Code lists held in dictionaries: for tests, tools and offline validation."""

    def __init__(self, lists: Mapping[str, Iterable[CodeEntry]]) -> None:
        self._lists: dict[str, dict[str, CodeEntry]] = {
            name: {entry.code: entry for entry in entries} for name, entries in lists.items()
        }

    @classmethod
    def from_names(cls, lists: Mapping[str, Mapping[str, tuple[str, str]]]) -> InMemoryCodeLists:
        """Build from ``{list: {code: (name_en, name_zh)}}``, the shortest way to write a fixture."""
        return cls({
            name: [CodeEntry(code, en, zh) for code, (en, zh) in codes.items()]
            for name, codes in lists.items()
        })

    def contains(self, list_name: str, code: str, *, on: date | None = None) -> bool:
        entry = self._lists.get(list_name, {}).get(code)
        return entry is not None and (on is None or entry.valid_on(on))

    def name(self, list_name: str, code: str) -> tuple[str, str] | None:
        entry = self._lists.get(list_name, {}).get(code)
        return None if entry is None else (entry.name_en, entry.name_zh)


_HS_SEPARATORS = re.compile(r"[\s.\-]")


def normalise_hs(code: str) -> str:
    """HS and CCC codes are written with dots, spaces or a check-digit dash: keep the digits.

    ``"8510.90"`` becomes ``"851090"``; a Taiwan CCC code ``"8471.30.00.00-1"`` becomes
    ``"84713000001"``, whose first six digits are the HS subheading.
    """
    return _HS_SEPARATORS.sub("", code.strip())


UNKNOWN_CODE = "codelist.unknown_code"
NOT_VALID_ON_DATE = "codelist.not_valid_on_date"
MESSAGES: Mapping[str, tuple[str, str]] = {
    UNKNOWN_CODE: ("'{value}' is not in the code list {detail}.", "「{value}」不在代碼表「{detail}」中。"),
    NOT_VALID_ON_DATE: ("'{value}' of {detail} is not valid on {on}.",
                        "「{detail}」代碼「{value}」於 {on} 非有效代碼。"),
}
"""English and Chinese text of the code-list issues (also listed in the validation catalogue)."""


def check_code(lists: CodeLists, list_name: str, code: str, pointer: str, *,
               on: date | None = None) -> Issue | None:
    """The issue to report when ``code`` is not in the list (or not valid ``on`` that day)."""
    if not lists.contains(list_name, code):
        found = UNKNOWN_CODE
    elif on is not None and not lists.contains(list_name, code, on=on):
        found = NOT_VALID_ON_DATE
    else:
        return None
    title_en, title_zh = LIST_TITLES.get(list_name, (list_name, list_name))
    en, zh = MESSAGES[found]
    day = on.isoformat() if on else ""
    return Issue(found, pointer, en.format(value=code, detail=title_en, on=day),
                 zh.format(value=code, detail=title_zh, on=day))
