"""Payment and refund references: digits a bank clerk or a trader keys in, with two check digits
(ISO 7064 MOD 97-10, as in IBAN) so a mistyped reference is caught before it is looked up."""

from __future__ import annotations

import re

from singlewindow.datamodel.identifiers import is_digits

_DIGITS = re.compile(r"^\d{3,20}\Z", re.ASCII)


def check_digits(body: str) -> str:
    """The two check digits of the digit string ``body``."""
    if not is_digits(body):
        raise ValueError("a reference body is digits only")
    return f"{98 - (int(body) * 100) % 97:02d}"


def with_check(body: str) -> str:
    return body + check_digits(body)


def is_valid(reference: str) -> bool:
    """True for digits whose last two are the check digits of the rest."""
    if not _DIGITS.match(reference):
        return False
    return int(reference) % 97 == 1


def payment_reference(year: int, number: int) -> str:
    """A payment order's reference: 1, the year (two digits), the order number (ten digits), check digits."""
    return with_check(f"1{year % 100:02d}{number:010d}")


def refund_reference(year: int, number: int) -> str:
    """A refund order's reference: as a payment reference, starting with 9."""
    return with_check(f"9{year % 100:02d}{number:010d}")
