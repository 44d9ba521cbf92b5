"""Building blocks of the harmonised data sets: the base class, WCO-style names and value types.

Every class is a WCO Data Model class and every field a WCO element. One Python field name
gives all three spellings a codec needs, so the formats can never drift apart:

* Python: ``functional_reference_id``
* JSON:   ``functionalReferenceId`` (lower camel case)
* XML:    ``FunctionalReferenceID`` (the WCO tag; ID, UCR, LPCO and AEO stay upper case)

Fields are declared in the order of the WCO DEC schema's sequences, so writing them in
declaration order gives schema-valid XML.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Annotated, Any, ClassVar

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    ValidatorFunctionWrapHandler,
    WrapValidator,
)
from pydantic.alias_generators import to_camel

from singlewindow.datamodel.identifiers import is_valid_ucr

_ACRONYMS = {"id": "ID", "ucr": "UCR", "lpco": "LPCO", "aeo": "AEO"}


def xml_name(field_name: str) -> str:
    """The WCO XML tag of a Python field name: ``lpco_exemption_code`` -> ``LPCOExemptionCode``."""
    return "".join(_ACRONYMS.get(part, part.capitalize()) for part in field_name.split("_"))


def xml_attribute_name(field_name: str) -> str:
    """The XML attribute of a field on a value type: ``currency_id`` -> ``currencyID``."""
    first, _, rest = field_name.partition("_")
    return first + (xml_name(rest) if rest else "")


class DataSet(BaseModel):
    """Base of every harmonised class: strict about unknown elements, immutable once validated."""

    model_config = ConfigDict(alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True)

    wco_name: ClassVar[str] = ""
    """The WCO Data Model class name, shown in the message implementation guide."""


class ValueType(DataSet):
    """A value with qualifying attributes (amount with currency, measure with unit).

    In XML the ``value`` field is the element text and the other fields are attributes; in JSON
    it is an object such as ``{"value": "1200.00", "currencyId": "USD"}``.
    """


def _text(max_length: int) -> StringConstraints:
    return StringConstraints(strip_whitespace=True, min_length=1, max_length=max_length)


def _code(max_length: int) -> StringConstraints:
    return StringConstraints(pattern=rf"^[A-Za-z0-9]{{1,{max_length}}}$")


# Free text and identifiers (WCO formats an..n, never blank) and codes (letters and digits).
Text35 = Annotated[str, _text(35)]
Text70 = Annotated[str, _text(70)]
Text256 = Annotated[str, _text(256)]
Text512 = Annotated[str, _text(512)]
Id4 = Annotated[str, _text(4)]
Id9 = Annotated[str, _text(9)]
Id17 = Annotated[str, _text(17)]
Id35 = Annotated[str, _text(35)]
Id70 = Annotated[str, _text(70)]
Id512 = Annotated[str, _text(512)]


def ucr_shape(value: str) -> str:
    """The value, if it has the WCO UCR shape (``ucr_shape`` otherwise, as a validation error)."""
    if not is_valid_ucr(value):
        raise ValueError("ucr_shape")
    return value


UcrId = Annotated[str, _text(35), AfterValidator(ucr_shape)]
"""A WCO unique consignment reference: the key of a consignment's timeline, so of who may see it."""
Code1 = Annotated[str, _code(1)]
Code2 = Annotated[str, _code(2)]
Code3 = Annotated[str, _code(3)]
Code4 = Annotated[str, _code(4)]
Code7 = Annotated[str, _code(7)]
Code17 = Annotated[str, _code(17)]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
UnitCode = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9]{1,3}(#[A-Za-z0-9])?$")]
"""A UN/ECE Rec 20 unit, optionally with a one-character national qualifier (``KGM#G``)."""
Sequence = Annotated[int, Field(ge=0, le=99999)]
Count = Annotated[int, Field(ge=0, le=99_999_999)]


def _date_or_time(value: Any) -> Any:
    """ISO text with a time is a date-time, without one a date; a date-time without zone is UTC."""
    if isinstance(value, str):
        text = value.strip()
        try:
            value = datetime.fromisoformat(text) if len(text) > 10 else date.fromisoformat(text)
        except ValueError:
            return value  # pydantic reports it
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


DateOrTime = Annotated[datetime | date, BeforeValidator(_date_or_time)]
"""Written in XML as ``DateTimeString`` with format code 304 (date and time, UTC) or 102 (date)."""


def decimal_as_written(plain: str) -> WrapValidator:
    """Read a decimal field's value as Python's JSON reader gives it, quickly when it is plain digits.

    Put after the field's constraints, which pydantic then still checks in its core. Two jobs:

    * Text that fully matches ``plain`` (ASCII digits, at most one point; the caller makes it a form
      that always meets the constraints) is taken as it stands: pydantic's own decimal checks cost
      several times more, and most figures in a declaration are of this form. Anything else,
      including every value that could fail, goes to pydantic's checks and errors.
    * A JSON number with a fraction or exponent is read as a float. From a parsed dict pydantic makes
      it ``Decimal(str(value))`` (``25.0``), but reading JSON text it formats the float without the
      trailing ``.0`` (``25``): equal values, a different exponent, which shows in every stored
      figure. A Python function between the text and the check receives the float as a Python
      object and hands it on as one, so the check gives ``25.0`` either way.
    """
    fast = re.compile(plain)

    def validate(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if type(value) is str and fast.fullmatch(value) is not None:
            return Decimal(value)
        return handler(value)

    return WrapValidator(validate)


def _plain(whole: int, places: int, *, positive: bool = False) -> str:
    """Digits text with at most ``whole`` digits before the point and ``places`` after it."""
    lead = f"[1-9][0-9]{{0,{whole - 1}}}" if positive else f"[0-9]{{1,{whole}}}"
    return rf"{lead}(?:\.[0-9]{{1,{places}}})?"


AMOUNT_VALUE = decimal_as_written(_plain(13, 3))
"""For up to 16 digits with 3 decimals, not negative."""
MEASURE_VALUE = decimal_as_written(_plain(10, 6))
"""For up to 16 digits with 6 decimals, not negative."""
RATE_VALUE = decimal_as_written(_plain(8, 8))
"""For up to 16 digits, not negative."""
POSITIVE_RATE_VALUE = decimal_as_written(_plain(8, 8, positive=True))
"""For up to 16 digits, above zero."""


class Amount(ValueType):
    """WCO amount: up to 16 digits with 3 decimals, in the currency named (ISO 4217)."""

    wco_name = "Amount"

    value: Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=3), AMOUNT_VALUE]
    currency_id: CurrencyCode | None = None


class Measure(ValueType):
    """WCO measure (mass, volume…): up to 16 digits with 6 decimals, in a UN/ECE Rec 20 unit."""

    wco_name = "Measure"

    value: Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=6), MEASURE_VALUE]
    unit_code: UnitCode | None = None


class Quantity(ValueType):
    """WCO quantity: a count or amount of goods in a UN/ECE Rec 20 unit."""

    wco_name = "Quantity"

    value: Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=6), MEASURE_VALUE]
    unit_code: UnitCode | None = None


def to_document(model: DataSet) -> dict[str, Any]:
    """The JSON shape of a data set: camelCase names, no empty elements, decimals as strings."""
    document: dict[str, Any] = _without_empties(model.model_dump(mode="json", by_alias=True, exclude_none=True))
    return document


def _without_empties(value: Any) -> Any:
    if isinstance(value, dict):
        return {k: _without_empties(v) for k, v in value.items() if v != [] and v != ""}
    if isinstance(value, list):
        return [_without_empties(v) for v in value]
    return value
