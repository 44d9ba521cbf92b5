import pytest

from singlewindow.datamodel.identifiers import (
    is_digits,
    is_valid_business_id,
    is_valid_national_id,
    is_valid_ucr,
)


@pytest.mark.parametrize("value", ["04595257", "22099131", "10458575", "12345675", "00000000"])
def test_business_ids_that_pass_the_check_rule(value):
    assert is_valid_business_id(value)


@pytest.mark.parametrize("value", ["04595258", "22099132", "1234567", "123456789", "abcdefgh", ""])
def test_business_ids_that_fail(value):
    assert not is_valid_business_id(value)


def test_seventh_digit_seven_accepts_either_reading():
    # 10458574: the digit sums total 29 when 7x4=28 counts as 10; read as 1 it is 29+1 = 30
    assert is_valid_business_id("10458574")
    assert not is_valid_business_id("10458573")


@pytest.mark.parametrize("value", ["A123456789", "F131104093"])
def test_national_ids_that_pass(value):
    assert is_valid_national_id(value)


@pytest.mark.parametrize("value", ["A123456788", "A323456789", "1234567890", "a123456789"])
def test_national_ids_that_fail(value):
    assert not is_valid_national_id(value)


def test_ucr_shape():
    assert is_valid_ucr("6TW22099131-IMP0001")
    assert not is_valid_ucr("TW22099131")
    assert not is_valid_ucr("6TW" + "X" * 40)


# Python's ``$`` also matches before a final newline, and ``\d`` and ``str.isdigit`` take every
# script's digits and superscripts: an identifier must be exactly its characters.
@pytest.mark.parametrize("check, value", [
    (is_valid_business_id, "04595257\n"),
    (is_valid_business_id, "٠٤٥٩٥٢٥٧"),  # Arabic-Indic digits of a valid number
    (is_valid_business_id, "０４５９５２５７"),  # full-width digits, as a CJK keyboard types them
    (is_valid_national_id, "A123456789\n"),
    (is_valid_national_id, "A١٢٣٤٥٦٧٨٩"),
    (is_valid_ucr, "6TW22099131-IMP0001\n"),
    (is_valid_ucr, "٦TW22099131-IMP0001"),
])
def test_a_trailing_newline_or_other_digits_do_not_pass(check, value):
    assert not check(value)


@pytest.mark.parametrize("value, expected", [
    ("0123456789", True), ("7", True), ("", False), ("12a", False), (" 12", False), ("12\n", False),
    ("²", False), ("١٢", False), ("１２", False), ("-1", False),
])
def test_is_digits_takes_ascii_digits_only(value, expected):
    assert is_digits(value) is expected
