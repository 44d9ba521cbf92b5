"""Presentation helpers: Taipei time, bilingual names and translated state labels."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from django import template
from django.utils.html import format_html
from django.utils.safestring import SafeString
from django.utils.translation import get_language

from singlewindow.datamodel.datasets import DATA_SET_TITLES
from singlewindow.exchange.models import TimelineEvent
from singlewindow.portal import labels
from singlewindow.portal.selectors import HomeKind, home_kind
from singlewindow.registry.models import Mandate, Organisation
from singlewindow.registry.selectors import actor_for_user, data_set_for

register = template.Library()

TAIPEI = ZoneInfo("Asia/Taipei")


def _chinese() -> bool:
    return (get_language() or "").startswith("zh")


@register.filter
def taipei(value: datetime | None) -> SafeString | str:
    """Always show Taipei wall-clock time, whatever zone the server or browser is in."""
    if value is None:
        return "—"
    local = value.astimezone(TAIPEI)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(),
                       local.strftime("%Y-%m-%d %H:%M:%S"))


@register.filter
def delivery_state(code: str) -> str:
    return str(labels.DELIVERY_STATES.get(code, code))


@register.filter
def push_state(code: str) -> str:
    return str(labels.PUSH_STATES.get(code, code))


@register.filter
def role_label(code: str) -> str:
    return str(labels.ROLES.get(code, code))


@register.filter
def membership_role(code: str | None) -> str:
    return str(labels.MEMBERSHIP_ROLES.get(code or "", code or ""))


@register.filter
def message_title(message_type: str) -> str:
    """The data set's name in the page language, e.g. 進口報單 for import_declaration.*."""
    titles = DATA_SET_TITLES.get(data_set_for(message_type))
    if titles is None:
        return message_type
    return titles[1] if _chinese() else titles[0]


@register.filter
def security_label(code: str) -> str:
    return str(labels.SECURITY.get(code, code))


@register.filter
def processing_time(value: timedelta | None) -> str:
    """A statutory processing time in its own unit: "5 min", "4 h", "3 days" (5 分鐘, 4 小時, 3 天)."""
    if value is None:
        return "—"
    minutes = max(int(value.total_seconds() // 60), 0)
    zh = _chinese()
    if minutes and minutes % 1440 == 0:
        count = minutes // 1440
        return f"{count} 天" if zh else f"{count} day{'' if count == 1 else 's'}"
    if minutes and minutes % 60 == 0:
        return f"{minutes // 60} 小時" if zh else f"{minutes // 60} h"
    return f"{minutes} 分鐘" if zh else f"{minutes} min"


@register.filter
def org_name(organisation: Organisation | None) -> str:
    if organisation is None:
        return "—"
    if _chinese() and organisation.name_zh:
        return organisation.name_zh
    return organisation.name_en


@register.filter
def event_title(event: TimelineEvent) -> str:
    if _chinese() and event.title_zh:
        return event.title_zh
    return event.title_en


@register.filter
def mandate_state(mandate: Mandate, day: date) -> str:
    """The mandate's state on ``day`` (see ``Mandate.state_on``), in the reader's language."""
    return str(labels.MANDATE_STATES[mandate.state_on(day)])


@register.simple_tag(takes_context=True)
def portal_nav(context: template.Context) -> dict[str, Any]:
    """Who is looking, for the header: the nav differs for agencies, parties and staff."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None:
        return {"kind": HomeKind.ANONYMOUS.value}
    actor = actor_for_user(user)
    organisation = actor.organisation if actor else None
    return {
        "kind": home_kind(actor).value,
        "organisation": organisation,
        "membership_role": actor.membership_role if actor else None,
        "is_staff": bool(getattr(user, "is_staff", False)),
    }
