"""Parsing of the express screens' posted forms: plain values for one service call, or a
bilingual ``InputError`` naming the field."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from django.http import QueryDict

from singlewindow.datamodel.identifiers import is_digits
from singlewindow.express.services import TAIPEI


class InputError(Exception):
    def __init__(self, field: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.field, self.en, self.zh = field, en, zh


def slot_time(value: str, field: str = "slot") -> datetime:
    """A slot start as the screens post it (ISO with offset, or Taipei ``YYYY-MM-DDTHH:MM``)."""
    try:
        parsed = datetime.fromisoformat(value.strip()[:40])
    except ValueError:
        raise InputError(field, "Choose a slot.", "請選擇預約時段。") from None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=TAIPEI)


def day(value: str | None, default: date) -> date:
    if not value:
        return default
    try:
        return date.fromisoformat(value[:10])
    except ValueError:
        return default


def version(data: QueryDict) -> int | None:
    raw = data.get("version", "")
    return int(raw) if is_digits(raw) and len(raw) < 10 else None


def whole(data: QueryDict, field: str, *, default: int | None = None) -> int | None:
    raw = (data.get(field) or "").strip()
    if not raw:
        return default
    if not is_digits(raw) or len(raw) > 6:
        raise InputError(field, "Give a whole number.", "請填寫整數。")
    return int(raw)


def lines(data: QueryDict, field: str, limit: int = 600) -> list[str]:
    """One value a line (house AWBs, document references), blanks dropped."""
    raw = data.get(field, "")
    if len(raw) > limit * 25:
        raise InputError(field, "Too much text.", "內容過長。")
    return [line.strip() for line in raw.replace(",", "\n").splitlines() if line.strip()]


@dataclass(frozen=True)
class Booking:
    terminal: str
    master_awb: str
    bag_number: str
    slot: datetime
    house_awbs: list[str]
    parcel_count: int | None
    priority: str
    ucr: str
    notes: str


def booking(data: QueryDict) -> Booking:
    return Booking(terminal=data.get("terminal", "")[:40], master_awb=data.get("master_awb", "")[:40],
                   bag_number=data.get("bag_number", "")[:40], slot=slot_time(data.get("slot", "")),
                   house_awbs=lines(data, "house_awbs"), parcel_count=whole(data, "parcel_count"),
                   priority=data.get("priority", "normal")[:20], ucr=data.get("ucr", "")[:40],
                   notes=data.get("notes", "")[:2000])
