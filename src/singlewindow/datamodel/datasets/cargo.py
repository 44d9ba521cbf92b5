"""Cargo data sets: the cargo manifest (WCO cargo report) and the conveyance report.

A manifest lists what one conveyance carries: master consignments (ocean B/L, master air
waybill) each with house consignments (house B/L, house AWB) and their goods. The conveyance
report is the port authority's arrival or departure of the vessel or flight.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from singlewindow.datamodel.datasets.base import (
    Code3,
    Count,
    DataSet,
    DateOrTime,
    Id17,
    Id35,
    Measure,
    Sequence,
    Text512,
)
from singlewindow.datamodel.datasets.common import (
    BorderTransportMeans,
    Location,
    Party,
    TransportEquipment,
)


class TransportContractDocument(DataSet):
    """The bill of lading or air waybill: its number and type (705 B/L, 740 AWB, 703 house B/L…)."""

    wco_name = "TransportContractDocument"
    id: Id35
    type_code: Code3 | None = None


class ManifestGoodsItem(DataSet):
    wco_name = "GoodsItem"
    sequence_numeric: Sequence
    description: Text512
    classification_id: Annotated[str, Field(pattern=r"^[0-9]{4,10}$")] | None = None
    package_quantity: Count | None = None
    package_type_code: Code3 | None = None
    marks_numbers_id: Text512 | None = None
    gross_mass_measure: Measure | None = None


class HouseConsignment(DataSet):
    """A house bill under a master bill: the forwarder's contract with the actual shipper."""

    wco_name = "ConsignmentItem"
    sequence_numeric: Sequence
    transport_contract_document: TransportContractDocument
    consignor: Party | None = None
    consignee: Party | None = None
    total_package_quantity: Count | None = None
    total_gross_mass_measure: Measure | None = None
    goods_item: Annotated[list[ManifestGoodsItem], Field(max_length=999)] = Field(default_factory=list)


class MasterConsignment(DataSet):
    """A master bill: the carrier's contract, with its containers and house bills."""

    wco_name = "Consignment"
    sequence_numeric: Sequence
    transport_contract_document: TransportContractDocument
    consignor: Party | None = None
    consignee: Party | None = None
    loading_location: Location | None = None
    unloading_location: Location | None = None
    total_package_quantity: Count | None = None
    total_gross_mass_measure: Measure | None = None
    transport_equipment: list[TransportEquipment] = Field(default_factory=list)
    goods_item: Annotated[list[ManifestGoodsItem], Field(max_length=999)] = Field(default_factory=list)
    consignment_item: Annotated[list[HouseConsignment], Field(max_length=9999)] = Field(default_factory=list)


class CargoManifest(DataSet):
    """Cargo manifest (艙單) filed by the carrier before arrival or departure."""

    wco_name = "Declaration"
    function_code: Literal["9", "4", "1"] = "9"  # original, change, cancellation
    functional_reference_id: Id35
    issue_date_time: DateOrTime | None = None
    type_code: Literal["IMP", "EXP"] = "IMP"
    declaration_office_id: Id17 | None = None
    carrier: Party
    border_transport_means: BorderTransportMeans
    conveyance_reference_id: Id35 | None = None
    """Voyage or flight number."""
    arrival_date_time: DateOrTime | None = None
    departure_date_time: DateOrTime | None = None
    consignment: Annotated[list[MasterConsignment], Field(min_length=1, max_length=9999)]

    def consignment_reference(self) -> str | None:
        return None

    def named_parties(self) -> list[Party]:
        return [self.carrier]


class ConveyanceReport(DataSet):
    """Arrival or departure of a vessel or flight (進出港報告), filed by the port authority."""

    wco_name = "Conveyance"
    function_code: Literal["9", "4", "1"] = "9"
    functional_reference_id: Id35
    type_code: Literal["ARR", "DEP"]
    issue_date_time: DateOrTime | None = None
    border_transport_means: BorderTransportMeans
    conveyance_reference_id: Id35
    carrier: Party | None = None
    port_location: Location
    scheduled_date_time: DateOrTime | None = None
    actual_date_time: DateOrTime | None = None
    previous_port_location: Location | None = None
    next_port_location: Location | None = None
    crew_quantity: Count | None = None
    passenger_quantity: Count | None = None

    def consignment_reference(self) -> str | None:
        return None

    def named_parties(self) -> list[Party]:
        return [self.carrier] if self.carrier else []
