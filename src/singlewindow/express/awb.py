"""Air waybill numbers: a 3-digit airline prefix and an 8-digit serial whose last digit is the
remainder of the first seven digits divided by 7 (the IATA air waybill rule).

Bags and parcels on the express platforms are keyed by master and house AWB numbers, so every
number is checked and written one way (``160-12345675``) before it is stored or looked up.
"""

from __future__ import annotations

import re

from singlewindow.express.errors import ExpressError

_AWB = re.compile(r"^(\d{3})[ -]?(\d{4}) ?(\d{4})\Z", re.ASCII)


def check_digit(serial7: str) -> int:
    """The mod-7 check digit of the first seven digits of the serial."""
    return int(serial7) % 7


def normalise_awb(value: str, *, field: str = "master_awb") -> str:
    """``160-1234 5675``, ``16012345675`` … → ``160-12345675``; anything else is refused."""
    match = _AWB.match(value.strip()) if len(value) <= 20 else None
    if match is None:
        raise ExpressError(
            "express.awb_format", f"{field}: an AWB number is a 3-digit prefix and an 8-digit serial.",
            f"{field}：提單號碼應為 3 碼航空公司代碼加 8 碼序號。")
    prefix, serial = match.group(1), match.group(2) + match.group(3)
    if check_digit(serial[:7]) != int(serial[7]):
        raise ExpressError(
            "express.awb_check_digit",
            f"{field}: the AWB serial's last digit must be the first seven digits modulo 7 "
            f"(expected {check_digit(serial[:7])}).",
            f"{field}：提單序號末碼應為前七碼除以 7 之餘數（應為 {check_digit(serial[:7])}）。")
    return f"{prefix}-{serial}"


def is_valid_awb(value: str) -> bool:
    try:
        normalise_awb(value)
    except ExpressError:
        return False
    return True


def make_awb(prefix: str, serial7: int) -> str:
    """A valid AWB number from a prefix and a 7-digit serial (tests, demo and benchmark)."""
    body = f"{serial7:07d}"
    return f"{prefix}-{body}{check_digit(body)}"
