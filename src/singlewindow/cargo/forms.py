"""Parsing of the screens' forms: numbers within bounds, bilingual complaints, nothing else."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation

from django.http import QueryDict

from singlewindow.cargo import errors
from singlewindow.cargo.models import Receipt
from singlewindow.datamodel.identifiers import is_digits

MAX_PACKAGES = 99_999_999
MAX_KG = Decimal("9999999999999")


@dataclass(frozen=True)
class ReceiptForm:
    packages: int
    gross_kg: Decimal
    condition: str
    note: str


def whole_number(value: str | None, *, minimum: int = 0) -> int:
    text = (value or "").strip()
    if not is_digits(text) or len(text) > 8 or int(text) < minimum:
        raise errors.invalid("cargo.bad_figures", f"Give a whole number of packages of at least {minimum}.",
                             f"件數須為不小於 {minimum} 之整數。")
    return int(text)


def kilograms(value: str | None) -> Decimal:
    try:
        found = Decimal((value or "").strip())
    except InvalidOperation:
        found = Decimal(-1)
    if not found.is_finite() or found < 0 or found > MAX_KG or found.as_tuple().exponent < -3:  # type: ignore[operator]
        raise errors.invalid("cargo.bad_weight", "Give the gross weight in kilograms (up to 3 decimals).",
                             "請填寫毛重公斤數（小數最多三位）。")
    return found


def parse_receipt(data: QueryDict) -> ReceiptForm:
    condition = data.get("condition", Receipt.Condition.GOOD)
    if condition not in Receipt.Condition.values:
        raise errors.invalid("cargo.bad_condition", "Condition is good or damaged.", "貨況須為良好或破損。")
    return ReceiptForm(packages=whole_number(data.get("packages")), gross_kg=kilograms(data.get("gross_kg")),
                       condition=condition, note=(data.get("note") or "")[:500])


def note_of(data: QueryDict) -> str:
    return (data.get("note") or "").strip()[:500]


__all__ = ["ReceiptForm", "kilograms", "note_of", "parse_receipt", "whole_number"]
