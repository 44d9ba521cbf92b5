"""Presentation of cases: state names, NT$ amounts, durations and bilingual texts in the page language."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import timedelta
from decimal import Decimal, InvalidOperation
from typing import Any

from django import template
from django.utils.translation import get_language

from singlewindow.customs import lifecycle, services
from singlewindow.customs.models.cases import Case

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def case_state(code: str) -> str:
    """The state's name in the page language (the lifecycle's titles, which the notices use too)."""
    titles = lifecycle.STATE_TITLES.get(code)
    if titles is None:
        return code
    return titles[1] if _chinese() else titles[0][:1].upper() + titles[0][1:]


@register.filter
def case_number(case: Case) -> str:
    return services.case_number(case)


@register.filter
def money(value: Decimal | str | int | None) -> str:
    """Whole New Taiwan dollars with thousands separators: NT$3,704."""
    if value is None or value == "":
        return "—"
    try:
        amount = Decimal(str(value))
    except InvalidOperation:
        return str(value)
    return f"NT${amount:,.0f}"


@register.filter
def duration(value: timedelta | None) -> str:
    """A human duration, minutes precise: "45 s", "1 h 05 min", "2 d 03 h" (Chinese: 1 小時 05 分)."""
    if value is None:
        return "—"
    seconds = max(int(value.total_seconds()), 0)
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, secs = divmod(rest, 60)
    zh = _chinese()
    if days:
        return f"{days} 天 {hours:02d} 小時" if zh else f"{days} d {hours:02d} h"
    if hours:
        return f"{hours} 小時 {minutes:02d} 分" if zh else f"{hours} h {minutes:02d} min"
    if minutes:
        return f"{minutes} 分 {secs:02d} 秒" if zh else f"{minutes} min {secs:02d} s"
    return f"{secs} 秒" if zh else f"{secs} s"


def _halves(value: Any) -> tuple[str, str]:
    """(English, Chinese) of a mapping with en/zh keys, an object with en/zh attributes, or a pair."""
    if isinstance(value, Mapping):
        return str(value.get("en") or ""), str(value.get("zh") or "")
    if hasattr(value, "en") and hasattr(value, "zh"):
        return str(value.en or ""), str(value.zh or "")
    if isinstance(value, Sequence) and value:
        return str(value[0]), str(value[1]) if len(value) > 1 else ""
    return str(value), ""


@register.filter
def pick(value: Any) -> str:
    """The page language's half of an {"en", "zh"} mapping or an (en, zh) pair, else the English."""
    if value is None or isinstance(value, str):
        return value or ""
    en, zh = _halves(value)
    return (zh or en) if _chinese() else (en or zh)


@register.filter
def other(value: Any) -> str:
    """The other language's half, shown under the first when it differs (or "" when it does not)."""
    if value is None or isinstance(value, str):
        return ""
    en, zh = _halves(value)
    shown = (zh or en) if _chinese() else (en or zh)
    rest = en if _chinese() else zh
    return "" if rest == shown else rest
