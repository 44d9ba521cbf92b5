"""Bilingual labels of the express code lists for the screens."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django import template
from django.utils.translation import get_language

from singlewindow.express import codes
from singlewindow.express.services import TAIPEI

register = template.Library()


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def stage_label(code: str) -> str:
    return codes.label(codes.STAGE_LABELS, code, chinese=_chinese())


@register.filter
def priority_label(code: str) -> str:
    return codes.label(codes.PRIORITY_LABELS, code, chinese=_chinese())


@register.filter
def category_label(code: str) -> str:
    return codes.label(codes.CATEGORY_LABELS, code, chinese=_chinese())


@register.filter
def anomaly_status_label(code: str) -> str:
    return codes.label(codes.ANOMALY_STATUS_LABELS, code, chinese=_chinese())


@register.filter
def decision_label(code: str) -> str:
    return codes.label(codes.DECISION_LABELS, code, chinese=_chinese())


@register.filter
def hhmm(value: datetime | None) -> str:
    """Taipei wall-clock hour and minute, the way the terminal calls slots."""
    return value.astimezone(TAIPEI).strftime("%H:%M") if value else "—"


@register.filter
def hours(value: timedelta) -> str:
    total = int(value.total_seconds() // 3600)
    days, rest = divmod(total, 24)
    if _chinese():
        return f"{days} 天 {rest} 小時" if days else f"{rest} 小時"
    return f"{days} d {rest} h" if days else f"{rest} h"


@register.simple_tag
def next_stages(stage: str) -> list[tuple[str, str]]:
    """The terminal's one-tap moves from this stage (cancel left to the detail of the row)."""
    moves = codes.TERMINAL_MOVES.get(codes.Stage(stage), frozenset())
    order = [s for s in codes.Stage if s in moves and s != codes.Stage.CANCELLED]
    return [(str(s), codes.label(codes.MOVE_LABELS, s, chinese=_chinese())) for s in order]


@register.filter
def get_item(mapping: dict[int, Any], key: int) -> Any:
    return mapping.get(key, [])


@register.filter
def iso_taipei(value: datetime) -> str:
    """A slot's start as a form value, in Taipei time with its offset."""
    return value.astimezone(TAIPEI).isoformat()
