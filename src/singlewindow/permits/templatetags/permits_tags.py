"""Presentation of permit applications: statuses, origins and regulation names in the page language."""

from __future__ import annotations

from django import template
from django.utils.translation import get_language

from singlewindow.codelists.models import RegulationCode

register = template.Library()

STATUS_TITLES: dict[str, tuple[str, str]] = {
    "open": ("Open", "處理中"),
    "any": ("Any", "全部"),
    "submitted": ("Submitted", "已送件"),
    "information_requested": ("Information requested", "通知補件"),
    "approved": ("Approved", "核准"),
    "partially_approved": ("Partially approved", "部分核准"),
    "rejected": ("Rejected", "駁回"),
}
ORIGIN_TITLES: dict[str, tuple[str, str]] = {
    "derived": ("Derived from a declaration", "自報單衍生"),
    "direct": ("Sent by the applicant", "申請人自行送件"),
    "external": ("Known from the agency's decision", "依機關核定紀錄"),
}


def _pick(titles: dict[str, tuple[str, str]], code: str) -> str:
    pair = titles.get(code)
    if pair is None:
        return code
    return pair[1] if (get_language() or "").startswith("zh") else pair[0]


@register.filter
def application_status(code: str) -> str:
    return _pick(STATUS_TITLES, code)


@register.filter
def application_origin(code: str) -> str:
    return _pick(ORIGIN_TITLES, code)


@register.filter
def regulation_name(regulation: RegulationCode) -> str:
    zh = (get_language() or "").startswith("zh")
    return (regulation.name_zh or regulation.name_en) if zh else regulation.name_en
