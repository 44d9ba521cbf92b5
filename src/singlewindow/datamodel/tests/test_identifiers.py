import pytest

from singlewindow.datamodel.identifiers import (
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
