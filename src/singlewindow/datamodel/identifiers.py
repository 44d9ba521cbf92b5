"""Identifier check rules: Taiwan business ID (統一編號), national ID, UCR."""

from __future__ import annotations

import re

_BUSINESS_ID_WEIGHTS = (1, 2, 1, 2, 1, 2, 4, 1)
_BUSINESS_ID = re.compile(r"^\d{8}\Z", re.ASCII)
# WCO UCR (ISO 15459 based): year digit, ISO country code, then the issuer's reference.
_UCR = re.compile(r"^\d[A-Z]{2}[A-Z0-9][A-Z0-9\-]{0,31}\Z", re.ASCII)
_NATIONAL_ID = re.compile(r"^[A-Z][12]\d{8}\Z", re.ASCII)
# Letter values of the national ID's first character (A=10 ... Z=33, in the official order).
_NATIONAL_ID_LETTERS = "ABCDEFGHJKLMNPQRSTUVXYWZIO"


def is_digits(value: str) -> bool:
    """Whether ``value`` is one or more of the digits 0-9.

    ``str.isdigit`` also takes other scripts' digits and superscripts: ``int()`` reads the first
    as a number nobody typed and refuses the second, so identifiers and figures use this.
    """
    return value.isascii() and value.isdigit()


def _digit_sum(value: int) -> int:
    return value // 10 + value % 10


def is_valid_business_id(value: str) -> bool:
    """Check a Taiwan unified business number (統一編號).

    Digits are weighted 1,2,1,2,1,2,4,1 and the digit sums of the products added. Since 2023
    the total must be divisible by 5 (earlier numbers, divisible by 10, still pass). When the
    seventh digit is 7 its product 28 may count as 10 or as 1, so total+1 is also accepted.
    """
    if not _BUSINESS_ID.match(value):
        return False
    total = sum(_digit_sum(int(d) * w) for d, w in zip(value, _BUSINESS_ID_WEIGHTS, strict=True))
    if total % 5 == 0:
        return True
    return value[6] == "7" and (total + 1) % 5 == 0


def is_valid_national_id(value: str) -> bool:
    """Check a Taiwan national ID (身分證字號): letter, sex digit, 8 digits, weighted check."""
    if not _NATIONAL_ID.match(value):
        return False
    code = _NATIONAL_ID_LETTERS.index(value[0]) + 10
    digits = [code // 10, code % 10, *(int(c) for c in value[1:])]
    weights = [1, 9, 8, 7, 6, 5, 4, 3, 2, 1, 1]
    return sum(d * w for d, w in zip(digits, weights, strict=True)) % 10 == 0


def is_valid_ucr(value: str) -> bool:
    """Check the shape of a WCO Unique Consignment Reference (at most 35 characters)."""
    return bool(_UCR.match(value))


def ucr_business_id(value: str) -> str | None:
    """The Taiwan business ID a UCR carries, if it carries one: a Taiwan UCR (``nTW…``) whose next eight
    characters are a valid business ID was issued by, and for, that organisation (WCO's UCR puts the
    issuing party's identifier after the country)."""
    candidate = value[3:11]
    if value[1:3] == "TW" and is_valid_ucr(value) and is_valid_business_id(candidate):
        return candidate
    return None
