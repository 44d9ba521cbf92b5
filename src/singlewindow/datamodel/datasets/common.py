"""WCO classes shared by several data sets: parties, addresses, documents, transport, places."""

from __future__ import annotations

from typing import Annotated

from pydantic import Field, StringConstraints, field_validator

from singlewindow.datamodel.datasets.base import (
    Amount,
    Code1,
    Code3,
    Code4,
    Code17,
    CountryCode,
    DataSet,
    Id4,
    Id9,
    Id17,
    Id35,
    Id70,
    Quantity,
    Sequence,
    Text35,
    Text70,
    Text256,
    Text512,
)
from singlewindow.datamodel.identifiers import is_digits, is_valid_business_id


class Address(DataSet):
    """A party's postal address."""

    wco_name = "Address"
    city_name: Text35 | None = None
    country_code: CountryCode | None = None
    line: Text70 | None = None
    postcode_id: Id9 | None = None


class Party(DataSet):
    """A party by role (Declarant, Importer, Exporter, Consignee…).

    An eight-digit ID is read as a Taiwan business ID (統一編號) and must pass its check rule;
    other IDs (EORI, foreign trader numbers) are kept as given.
    """

    wco_name = "Party"
    name: Text70 | None = None
    id: Id17 | None = None
    address: Address | None = None

    @field_validator("id")
    @classmethod
    def _taiwan_business_id(cls, value: str | None) -> str | None:
        if value is not None and len(value) == 8 and is_digits(value) and not is_valid_business_id(value):
            raise ValueError("business_id_check")
        return value


class Agent(DataSet):
    """The declarant's representative; FunctionCode says direct (2) or indirect (3) representation."""

    wco_name = "Agent"
    name: Text70 | None = None
    id: Id17 | None = None
    function_code: Code3 | None = None
    address: Address | None = None


class AuthorisationHolder(DataSet):
    wco_name = "AuthorisationHolder"
    id: Id17 | None = None
    category_code: Code4 | None = None


class Office(DataSet):
    """A customs office named by its code (exit, supervising, presentation office)."""

    wco_name = "Office"
    id: Id17 | None = None


class WriteOff(DataSet):
    """How much of a licence or permit this item uses up."""

    wco_name = "WriteOff"
    quantity_quantity: Quantity | None = None
    amount_amount: Amount | None = None


class AdditionalDocument(DataSet):
    """A document produced or referred to: certificate, licence, permit, invoice (WCO 2/3)."""

    wco_name = "AdditionalDocument"
    category_code: Code3 | None = None
    id: Id70 | None = None
    name: Text35 | None = None
    type_code: Code3 | None = None
    lpco_exemption_code: Code3 | None = None
    write_off: WriteOff | None = None


class Pointer(DataSet):
    """Where in the declaration an amendment or statement applies."""

    wco_name = "Pointer"
    sequence_numeric: Sequence | None = None
    document_section_code: Code3 | None = None
    tag_id: Id4 | None = None


class AdditionalInformation(DataSet):
    wco_name = "AdditionalInformation"
    statement_code: Code17 | None = None
    statement_description: Text512 | None = None
    statement_type_code: Code3 | None = None
    pointer: list[Pointer] = Field(default_factory=list)


class PreviousDocument(DataSet):
    wco_name = "PreviousDocument"
    category_code: Code3 | None = None
    id: Id70 | None = None
    type_code: Code3 | None = None
    line_numeric: Sequence | None = None


class TransportMeans(DataSet):
    """A means of transport on arrival or departure (vessel, aircraft, truck)."""

    wco_name = "TransportMeans"
    name: Text35 | None = None
    id: Id35 | None = None
    identification_type_code: Code17 | None = None
    type_code: Code4 | None = None
    mode_code: Code1 | None = None


class BorderTransportMeans(DataSet):
    """The active means of transport crossing the border, with its nationality."""

    wco_name = "BorderTransportMeans"
    name: Text35 | None = None
    id: Id35 | None = None
    identification_type_code: Code17 | None = None
    type_code: Code4 | None = None
    registration_nationality_code: CountryCode | None = None
    mode_code: Code1 | None = None


class Seal(DataSet):
    wco_name = "Seal"
    sequence_numeric: Sequence
    id: Id35 | None = None


class TransportEquipment(DataSet):
    """A container or other equipment, with its seals."""

    wco_name = "TransportEquipment"
    sequence_numeric: Sequence
    id: Id17 | None = None
    seal: list[Seal] = Field(default_factory=list)


class Origin(DataSet):
    """Country of origin; TypeCode says preferential (2) or non-preferential (1) origin."""

    wco_name = "Origin"
    country_code: Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{2,4}$")] | None = None
    region_id: Id9 | None = None
    type_code: Code3 | None = None


class Destination(DataSet):
    wco_name = "Destination"
    country_code: CountryCode | None = None
    region_id: Id9 | None = None


class ExportCountry(DataSet):
    wco_name = "ExportCountry"
    id: CountryCode | None = None


class LocationAddress(DataSet):
    """Address of a place; TypeCode qualifies how the place is identified (e.g. U = UN/LOCODE)."""

    wco_name = "Address"
    type_code: Code3 | None = None
    city_name: Text35 | None = None
    country_code: CountryCode | None = None
    line: Text70 | None = None
    postcode_id: Id9 | None = None


class GoodsLocation(DataSet):
    """Where the goods can be examined (warehouse, container yard, designated place)."""

    wco_name = "GoodsLocation"
    name: Text256 | None = None
    id: Id35 | None = None
    type_code: Code3 | None = None
    address: LocationAddress | None = None


class RoleParty(DataSet):
    """A party given by identifier and role code (AEO partner, domestic VAT party)."""

    wco_name = "Party"
    id: Id17 | None = None
    role_code: Code3 | None = None


class Location(DataSet):
    """A named place, usually by UN/LOCODE (port of loading, unloading, call)."""

    wco_name = "Location"
    name: Text70 | None = None
    id: Id17 | None = None
