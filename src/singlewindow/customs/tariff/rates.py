"""Duty-rate expressions: the text printed in a tariff column, turned into a structure we can compute.

Tariffs write rates as short phrases: ``12.0%``, ``34.00 GBP/100kg``, ``8.3% + 60.50 GBP / 100 kg``,
``4.50% MIN 0.30 EUR / item MAX 0.80 EUR / item``, ``1.40 GBP / % vol / hl``, or seasonal forms
such as ``14.00% (01 JUL - 31 JAN), 0.00% (01 FEB - 30 JUN)``. ``parse_rate`` reads the grammar
below; anything it does not understand (entry prices, the EU agricultural components EA, ADSZ
and ADFM, misspelt units) is kept as text with the reason, never guessed, so an import can count
and show it and the assessment refuses to compute with it.

Grammar (case-insensitive; ``€`` means EUR; thousands may carry commas)::

    rate     := season ("," season)*
    season   := formula ["(" period ("," period)* ")"]
    period   := day [month] "-" day month
    formula  := sum ["MIN" sum] ["MAX" sum]
    sum      := term ("+" term)*
    term     := number "%"  |  number              (a bare number is a percentage, as in the CN)
              | number currency "/" [number] unit ["/"? qualifier ...]
              | number currency "/" "%" "vol" "/" "hl"

This module is pure Python: no database, so it can be tested and used offline.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from singlewindow.datamodel.identifiers import is_digits

MAX_RATE_TEXT = 300
"""Longer text is not a rate (the longest in the UK tariff is about 120 characters)."""


class RateKind(StrEnum):
    AD_VALOREM = "ad_valorem"
    SPECIFIC = "specific"
    COMPOUND = "compound"
    MIN_MAX = "min_max"
    SEASONAL = "seasonal"
    UNPARSED = "unparsed"


KIND_LABELS: Mapping[str, tuple[str, str]] = {
    RateKind.AD_VALOREM: ("ad valorem", "從價"),
    RateKind.SPECIFIC: ("specific", "從量"),
    RateKind.COMPOUND: ("compound", "複合"),
    RateKind.MIN_MAX: ("with minimum/maximum", "設有最低或最高稅額"),
    RateKind.SEASONAL: ("seasonal", "季節性"),
    RateKind.UNPARSED: ("not understood (kept as text)", "無法解析（保留原文）"),
}


class Basis(StrEnum):
    """What a specific rate's quantity measures, beyond its unit."""

    NONE = ""
    NET = "net"
    GROSS = "gross"
    DRAINED = "drained"  # net drained weight (EU "eda")
    DRY = "dry"  # net dry matter (EU "mas")
    LACTIC = "lactic"  # kg of lactic matter
    DRY_LACTIC = "dry_lactic"
    STANDARD_QUALITY = "std_quality"  # sugar of standard quality
    SUCROSE = "sucrose"  # per 1 % sucrose content per quantity of net mass
    ALCOHOL = "alcohol"  # kg of total alcohol


BASIS_LABELS: Mapping[str, tuple[str, str]] = {
    Basis.NONE: ("", ""),
    Basis.NET: ("net", "淨重"),
    Basis.GROSS: ("gross", "毛重"),
    Basis.DRAINED: ("net drained weight", "瀝乾淨重"),
    Basis.DRY: ("net dry matter", "乾物淨重"),
    Basis.LACTIC: ("lactic matter", "乳質"),
    Basis.DRY_LACTIC: ("dry lactic matter", "乾乳質"),
    Basis.STANDARD_QUALITY: ("standard quality", "標準品質"),
    Basis.SUCROSE: ("per % sucrose", "每 1% 蔗糖含量"),
    Basis.ALCOHOL: ("total alcohol", "總酒精量"),
}

UNIT_WORDS: Mapping[str, str] = {
    "KG": "KGM", "KGS": "KGM", "TONNE": "TNE", "TONNES": "TNE", "T": "TNE", "HL": "HLT", "L": "LTR",
    "LITRE": "LTR", "LITRES": "LTR", "ITEM": "NAR", "ITEMS": "NAR", "P/ST": "NAR", "PIECE": "NAR", "PIECES": "NAR",
    "PAIR": "NPR", "PAIRS": "NPR", "M": "MTR", "M2": "MTK", "M3": "MTQ",
}
"""Units as tariffs write them, to UN/ECE Recommendation 20 codes."""

QUALIFIERS: Mapping[str, Basis] = {
    "": Basis.NONE, "NET": Basis.NET, "GROSS": Basis.GROSS, "BR": Basis.GROSS, "EDA": Basis.DRAINED,
    "NETDRAINEDWT": Basis.DRAINED, "MAS": Basis.DRY, "NETDRY": Basis.DRY, "LACTICMATTER": Basis.LACTIC,
    "DRYLACTICMATTER": Basis.DRY_LACTIC, "STDQUAL": Basis.STANDARD_QUALITY, "NET%SACCHAR": Basis.SUCROSE,
    "%SACCHAR": Basis.SUCROSE, "TOTALC": Basis.ALCOHOL,
}
"""Qualifiers after the unit, written without spaces, slashes or full stops."""

CURRENCIES = frozenset({"GBP", "EUR", "TWD", "NTD", "USD", "JPY", "CNY"})
NOT_COMPUTABLE: Mapping[str, tuple[str, str]] = {
    "EA": ("agricultural component EA (needs the Meursing table)", "農業成分稅 EA（需 Meursing 表）"),
    "ADSZ": ("additional duty on sugar ADSZ (needs the Meursing table)", "糖附加稅 ADSZ（需 Meursing 表）"),
    "ADFM": ("additional duty on flour ADFM (needs the Meursing table)", "麵粉附加稅 ADFM（需 Meursing 表）"),
    "ENTRY": ("entry price system (duty depends on the entry price)", "入境價格制度（稅額視入境價格而定）"),
}
MONTHS = ("JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC")


@dataclass(frozen=True)
class Percent:
    """An ad valorem term: ``rate`` per cent of the customs value."""

    rate: Decimal

    def as_dict(self) -> dict[str, str]:
        return {"percent": str(self.rate)}

    def text(self) -> str:
        return f"{self.rate}%"


@dataclass(frozen=True)
class Specific:
    """A specific term: ``amount`` of ``currency`` per ``per`` ``unit`` (Rec 20) measured on ``basis``."""

    amount: Decimal
    currency: str
    per: Decimal
    unit: str
    basis: str = Basis.NONE

    def as_dict(self) -> dict[str, str]:
        return {"amount": str(self.amount), "currency": self.currency, "per": str(self.per), "unit": self.unit,
                "basis": self.basis}

    def text(self) -> str:
        per = "" if self.per == 1 else f"{self.per} "
        basis = f" {BASIS_LABELS[self.basis][0]}" if self.basis else ""
        return f"{self.amount} {self.currency}/{per}{self.unit}{basis}"


Term = Percent | Specific


@dataclass(frozen=True)
class Formula:
    """The sum of ``terms``, raised to ``minimum`` and capped at ``maximum`` (each a sum too)."""

    terms: tuple[Term, ...]
    minimum: tuple[Term, ...] = ()
    maximum: tuple[Term, ...] = ()

    @property
    def kind(self) -> RateKind:
        if self.minimum or self.maximum:
            return RateKind.MIN_MAX
        kinds = {type(term) for term in self.terms}
        if kinds == {Percent}:
            return RateKind.AD_VALOREM
        return RateKind.SPECIFIC if kinds == {Specific} else RateKind.COMPOUND

    def all_terms(self) -> tuple[Term, ...]:
        return self.terms + self.minimum + self.maximum

    def as_dict(self) -> dict[str, Any]:
        return {"terms": [t.as_dict() for t in self.terms], "min": [t.as_dict() for t in self.minimum],
                "max": [t.as_dict() for t in self.maximum]}


@dataclass(frozen=True)
class Period:
    """A span of the year from (month, day) to (month, day), inclusive; it may wrap over 31 December."""

    start: tuple[int, int]
    end: tuple[int, int]

    def contains(self, day: date) -> bool:
        point = (day.month, day.day)
        if self.start <= self.end:
            return self.start <= point <= self.end
        return point >= self.start or point <= self.end

    def as_list(self) -> list[int]:
        return [*self.start, *self.end]


@dataclass(frozen=True)
class Season:
    """A formula and the periods it applies in; no periods means the rest of the year."""

    formula: Formula
    periods: tuple[Period, ...] = ()

    def as_dict(self) -> dict[str, Any]:
        return {"formula": self.formula.as_dict(), "periods": [p.as_list() for p in self.periods]}


@dataclass(frozen=True)
class ParsedRate:
    """A rate as printed (``text``) and as understood (``seasons``), or the reason it was not."""

    text: str
    seasons: tuple[Season, ...] = ()
    problem: str = ""
    problem_zh: str = ""

    @property
    def ok(self) -> bool:
        return not self.problem

    @property
    def kind(self) -> RateKind:
        if not self.ok or not self.seasons:
            return RateKind.UNPARSED
        if len(self.seasons) > 1 or self.seasons[0].periods:
            return RateKind.SEASONAL
        return self.seasons[0].formula.kind

    def formula_on(self, day: date) -> Formula | None:
        """The formula in force on ``day``: the season whose periods hold it, else the open season."""
        rest = None
        for season in self.seasons:
            if not season.periods:
                rest = season.formula
            elif any(period.contains(day) for period in season.periods):
                return season.formula
        return rest

    def simple(self) -> Formula | None:
        """The one formula of a rate that is not seasonal, for summary columns."""
        if self.kind in (RateKind.UNPARSED, RateKind.SEASONAL):
            return None
        return self.seasons[0].formula

    def as_dict(self) -> dict[str, Any]:
        if not self.ok:
            return {"problem": self.problem, "problem_zh": self.problem_zh}
        return {"seasons": [s.as_dict() for s in self.seasons]}


class RateSyntaxError(ValueError):
    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en = en
        self.zh = zh


_TOKEN = re.compile(r"""
    (?P<number>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?|\.\d+)
  | (?P<word>[A-Z][A-Z0-9]*\.?)
  | (?P<symbol>[%+/(),\-])
  | (?P<space>\s+)
  | (?P<other>.)
""", re.VERBOSE)


def _tokens(text: str) -> list[tuple[str, str]]:
    normal = text.replace("\xa0", " ").replace("€", " EUR ").replace("–", "-").upper()
    found: list[tuple[str, str]] = []
    for match in _TOKEN.finditer(normal):
        kind = match.lastgroup or "other"
        if kind == "space":
            continue
        if kind == "other":
            raise RateSyntaxError(f"unexpected character {match.group()!r}", f"無法辨識的字元 {match.group()!r}")
        found.append((kind, match.group()))
    return found


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.at = 0

    def peek(self, offset: int = 0) -> tuple[str, str]:
        index = self.at + offset
        return self.tokens[index] if index < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.at += 1
        return token

    def expect(self, value: str) -> None:
        got = self.take()[1]
        if got != value:
            raise RateSyntaxError(f"expected {value!r}, found {got or 'the end'!r}",
                                  f"應為 {value!r}，卻是 {got or '結尾'!r}")

    def rate(self) -> tuple[Season, ...]:
        seasons = [self.season()]
        while self.peek()[1] == ",":
            self.take()
            seasons.append(self.season())
        if self.peek()[0] != "end":
            raise RateSyntaxError(f"unexpected {self.peek()[1]!r}", f"多餘的 {self.peek()[1]!r}")
        open_seasons = [s for s in seasons if not s.periods]
        if len(seasons) > 1 and (len(open_seasons) > 1 or (open_seasons and seasons[-1].periods)):
            raise RateSyntaxError("only the last season may omit its dates", "僅最後一個季節可不註明日期")
        return tuple(seasons)

    def season(self) -> Season:
        formula = self.formula()
        periods: list[Period] = []
        if self.peek()[1] == "(":
            self.take()
            periods.append(self.period())
            while self.peek()[1] == ",":
                self.take()
                periods.append(self.period())
            self.expect(")")
        return Season(formula, tuple(periods))

    def period(self) -> Period:
        start_day = self.day()
        start_month = self.month() if self.peek()[0] == "word" else None
        self.expect("-")
        end_day = self.day()
        end_month = self.month()
        return Period((start_month or end_month, start_day), (end_month, end_day))

    def day(self) -> int:
        kind, value = self.take()
        if kind != "number" or not is_digits(value) or not 1 <= int(value) <= 31:
            raise RateSyntaxError(f"bad day {value!r} in a season", f"季節日期的日 {value!r} 不正確")
        return int(value)

    def month(self) -> int:
        kind, value = self.take()
        if kind != "word" or value[:3] not in MONTHS:
            raise RateSyntaxError(f"bad month {value!r} in a season", f"季節日期的月份 {value!r} 不正確")
        return MONTHS.index(value[:3]) + 1

    def formula(self) -> Formula:
        terms = self.sum()
        minimum: tuple[Term, ...] = ()
        maximum: tuple[Term, ...] = ()
        if self.peek()[1] == "MIN":
            self.take()
            minimum = self.sum()
        if self.peek()[1] == "MAX":
            self.take()
            maximum = self.sum()
        return Formula(terms, minimum, maximum)

    def sum(self) -> tuple[Term, ...]:
        terms = [self.term()]
        while self.peek()[1] == "+":
            self.take()
            terms.append(self.term())
        return tuple(terms)

    def term(self) -> Term:
        kind, value = self.peek()
        if kind == "word" and value.rstrip(".") in NOT_COMPUTABLE:
            en, zh = NOT_COMPUTABLE[value.rstrip(".")]
            raise RateSyntaxError(en, zh)
        if kind != "number":
            raise RateSyntaxError(f"expected a number, found {value or 'the end'!r}",
                                  f"應為數字，卻是 {value or '結尾'!r}")
        self.take()
        number = _decimal(value)
        following = self.peek()[1]
        if following == "%":
            self.take()
            return Percent(number)
        if following in CURRENCIES:
            self.take()
            return self.specific(number, "TWD" if following == "NTD" else following)
        if following in ("+", "MIN", "MAX", "(", ",", ""):
            return Percent(number)
        raise RateSyntaxError(f"unknown currency or unit {following!r}", f"無法辨識的幣別或單位 {following!r}")

    def specific(self, amount: Decimal, currency: str) -> Specific:
        self.expect("/")
        per = Decimal(1)
        if self.peek()[0] == "number":
            per = _decimal(self.take()[1])
        if self.peek()[1] == "%":  # % vol / hl: per hectolitre per % alcohol = per litre of pure alcohol
            self.take()
            if self.take()[1] != "VOL" or self.take()[1] != "/" or self.take()[1] != "HL":
                raise RateSyntaxError("expected '% vol / hl'", "應為「% vol / hl」")
            return Specific(amount, currency, per, "LPA")
        kind, word = self.take()
        unit = UNIT_WORDS.get(word)
        if kind != "word" or unit is None:
            raise RateSyntaxError(f"unknown unit {word or 'missing'!r}", f"無法辨識的單位 {word or '缺漏'!r}")
        qualifier = ""
        while self.peek()[1] not in ("+", "MIN", "MAX", "(", ",", ""):
            qualifier += self.take()[1]
        basis = QUALIFIERS.get(qualifier.replace("/", "").replace(".", ""))
        if basis is None:
            raise RateSyntaxError(f"unknown unit qualifier {qualifier!r}", f"無法辨識的單位說明 {qualifier!r}")
        return Specific(amount, currency, per, unit, basis)


def _decimal(text: str) -> Decimal:
    try:
        value = Decimal(text.replace(",", ""))
    except InvalidOperation:  # pragma: no cover - the token pattern only admits numbers
        raise RateSyntaxError(f"bad number {text!r}", f"數字 {text!r} 不正確") from None
    if value > Decimal("1e9"):
        raise RateSyntaxError(f"number {text!r} is too large", f"數字 {text!r} 過大")
    return value


def parse_rate(text: str) -> ParsedRate:
    """The structure of a printed rate, or the rate kept as text with the reason it was not read."""
    cleaned = " ".join(text.split())
    if not cleaned:
        return ParsedRate(text="", problem="empty rate", problem_zh="稅率空白")
    if len(cleaned) > MAX_RATE_TEXT:
        return ParsedRate(text=cleaned[:MAX_RATE_TEXT], problem="rate text too long", problem_zh="稅率文字過長")
    try:
        seasons = _Parser(_tokens(cleaned)).rate()
    except RateSyntaxError as error:
        return ParsedRate(text=cleaned, problem=error.en, problem_zh=error.zh)
    return ParsedRate(text=cleaned, seasons=seasons)


def _term_from(data: Mapping[str, Any]) -> Term:
    if "percent" in data:
        return Percent(Decimal(data["percent"]))
    return Specific(Decimal(data["amount"]), str(data["currency"]), Decimal(data["per"]), str(data["unit"]),
                    str(data.get("basis", "")))


def rate_from_dict(text: str, data: Mapping[str, Any]) -> ParsedRate:
    """Rebuild a parsed rate from its stored form (``ParsedRate.as_dict``)."""
    if "problem" in data:
        return ParsedRate(text=text, problem=str(data["problem"]), problem_zh=str(data.get("problem_zh", "")))
    seasons = []
    for season in data.get("seasons", []):
        formula = season["formula"]
        seasons.append(Season(
            Formula(tuple(_term_from(t) for t in formula["terms"]), tuple(_term_from(t) for t in formula["min"]),
                    tuple(_term_from(t) for t in formula["max"])),
            tuple(Period((p[0], p[1]), (p[2], p[3])) for p in season.get("periods", [])),
        ))
    return ParsedRate(text=text, seasons=tuple(seasons))


@dataclass(frozen=True)
class SummaryColumns:
    """The flat Decimal columns a stored rate carries next to its structure, for lists and filters."""

    ad_valorem: Decimal | None = None
    specific_amount: Decimal | None = None
    specific_currency: str = ""
    specific_per: Decimal | None = None
    specific_unit: str = ""


def summary_columns(parsed: ParsedRate) -> SummaryColumns:
    """The first ad valorem and first specific term of a simple rate (none for seasonal or unparsed)."""
    formula = parsed.simple()
    if formula is None:
        return SummaryColumns()
    percent = next((t for t in formula.terms if isinstance(t, Percent)), None)
    specific = next((t for t in formula.terms if isinstance(t, Specific)), None)
    return SummaryColumns(
        ad_valorem=percent.rate if percent else None,
        specific_amount=specific.amount if specific else None,
        specific_currency=specific.currency if specific else "",
        specific_per=specific.per if specific else None,
        specific_unit=specific.unit if specific else "",
    )
