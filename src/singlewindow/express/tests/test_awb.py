"""AWB numbers: prefix, serial and the mod-7 check digit."""

from __future__ import annotations

import pytest

from singlewindow.express.awb import check_digit, is_valid_awb, make_awb, normalise_awb
from singlewindow.express.errors import ExpressError


@pytest.mark.parametrize("raw", ["160-12345675", "16012345675", "160 1234 5675", " 160-1234 5675 "])
def test_written_forms_of_one_number_normalise_alike(raw: str) -> None:
    assert normalise_awb(raw) == "160-12345675"


def test_check_digit_is_the_first_seven_digits_modulo_seven() -> None:
    assert check_digit("1234567") == 1234567 % 7 == 5
    assert make_awb("297", 1234567) == "297-12345675"


@pytest.mark.parametrize("raw", ["160-12345676", "160-12345670"])
def test_a_wrong_check_digit_is_refused_with_the_expected_one(raw: str) -> None:
    with pytest.raises(ExpressError) as caught:
        normalise_awb(raw)
    assert caught.value.code == "express.awb_check_digit"
    assert "expected 5" in caught.value.en and "應為 5" in caught.value.zh


@pytest.mark.parametrize("raw", ["", "16-12345675", "1601-2345675", "ABC-12345675", "160-1234567", "160-123456750",
                                 "160--12345675", "1" * 5000, "160-1234567５"])
def test_malformed_numbers_are_refused(raw: str) -> None:
    assert not is_valid_awb(raw)
    with pytest.raises(ExpressError) as caught:
        normalise_awb(raw)
    assert caught.value.code == "express.awb_format"
    assert len(caught.value.en) < 120
