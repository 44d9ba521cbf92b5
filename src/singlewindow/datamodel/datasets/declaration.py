"""The goods declaration (WCO Declaration class), import and export.

The structure is WCO Data Model 3.6 as profiled by the WCO DEC "DMS" schema: Declaration →
GoodsShipment → GovernmentAgencyGoodsItem → Commodity → Classification / DutyTaxFee /
GoodsMeasure. Each class keeps the schema's element order. Taiwan's declarations use the same
classes; what Taiwan requires beyond the schema (a UCR, a declaration office, business IDs,
HS codes per item) is checked by the business rules in ``validation.rules``.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from singlewindow.datamodel.datasets.base import (
    POSITIVE_RATE_VALUE,
    RATE_VALUE,
    Amount,
    Code1,
    Code2,
    Code3,
    Code4,
    Code7,
    Count,
    CurrencyCode,
    DataSet,
    DateOrTime,
    Id4,
    Id17,
    Id35,
    Id70,
    Id512,
    Measure,
    Quantity,
    Sequence,
    Text512,
    UcrId,
)
from singlewindow.datamodel.datasets.common import (
    AdditionalDocument,
    AdditionalInformation,
    Agent,
    AuthorisationHolder,
    BorderTransportMeans,
    Destination,
    ExportCountry,
    GoodsLocation,
    Office,
    Origin,
    Party,
    Pointer,
    PreviousDocument,
    RoleParty,
    Seal,
    TransportEquipment,
    TransportMeans,
)


class Classification(DataSet):
    """A commodity code; IdentificationTypeCode names the nomenclature (HS, national tariff…)."""

    wco_name = "Classification"
    id: Annotated[str, Field(min_length=1, max_length=18, pattern=r"^[A-Za-z0-9][A-Za-z0-9\-]*$")]
    identification_type_code: Code3 | None = None


class Payment(DataSet):
    wco_name = "Payment"
    method_code: Code1 | None = None
    tax_assessed_amount: Amount | None = None
    payment_amount: Amount | None = None


class DutyTaxFee(DataSet):
    """One duty, tax or fee on the item: its type, base, rate and how it is paid."""

    wco_name = "DutyTaxFee"
    ad_valorem_tax_base_amount: Amount | None = None
    deduct_amount: Amount | None = None
    duty_regime_code: Code3 | None = None
    specific_tax_base_quantity: Quantity | None = None
    tax_rate_numeric: Annotated[Decimal, Field(ge=0, max_digits=16), RATE_VALUE] | None = None
    type_code: Code3 | None = None
    quota_order_id: Id17 | None = None
    payment: Payment | None = None


class GoodsMeasure(DataSet):
    wco_name = "GoodsMeasure"
    gross_mass_measure: Measure | None = None
    net_net_weight_measure: Measure | None = None
    tariff_quantity: Quantity | None = None


class InvoiceLine(DataSet):
    wco_name = "InvoiceLine"
    item_charge_amount: Amount | None = None


class ItemTransportEquipment(DataSet):
    """The container an item is packed in, by its sequence on the consignment."""

    wco_name = "TransportEquipment"
    sequence_numeric: Sequence
    id: Id17 | None = None


class Commodity(DataSet):
    wco_name = "Commodity"
    description: Text512 | None = None
    classification: list[Classification] = Field(default_factory=list)
    duty_tax_fee: list[DutyTaxFee] = Field(default_factory=list)
    goods_measure: GoodsMeasure | None = None
    invoice_line: InvoiceLine | None = None
    transport_equipment: list[ItemTransportEquipment] = Field(default_factory=list)


class ChargeDeduction(DataSet):
    wco_name = "ChargeDeduction"
    charges_type_code: Code3 | None = None
    other_charge_deduction_amount: Amount | None = None


class ItemCustomsValuation(DataSet):
    """How the item's customs value was found (WTO valuation method) and what was added."""

    wco_name = "CustomsValuation"
    method_code: Code3 | None = None
    charge_deduction: list[ChargeDeduction] = Field(default_factory=list)


class GovernmentProcedure(DataSet):
    """The customs procedure requested (current) and the one the goods come from (previous)."""

    wco_name = "GovernmentProcedure"
    current_code: Code7 | None = None
    previous_code: Code7 | None = None


class Packaging(DataSet):
    wco_name = "Packaging"
    sequence_numeric: Sequence
    marks_numbers_id: Id512 | None = None
    quantity_quantity: Count | None = None
    type_code: Code2 | None = None


class UCR(DataSet):
    """Unique Consignment Reference: the key of the consignment's timeline."""

    wco_name = "UCR"
    id: UcrId | None = None
    trader_assigned_reference_id: Id35 | None = None


class ValuationAdjustment(DataSet):
    wco_name = "ValuationAdjustment"
    addition_code: Code4 | None = None


class GovernmentAgencyGoodsItem(DataSet):
    """One goods item as declared to customs and the other agencies."""

    wco_name = "GovernmentAgencyGoodsItem"
    customs_value_amount: Amount | None = None
    sequence_numeric: Sequence
    statistical_value_amount: Amount | None = None
    transaction_nature_code: Code2 | None = None
    additional_document: list[AdditionalDocument] = Field(default_factory=list)
    additional_information: list[AdditionalInformation] = Field(default_factory=list)
    aeo_mutual_recognition_party: list[RoleParty] = Field(default_factory=list)
    buyer: Party | None = None
    commodity: Commodity | None = None
    consignee: Party | None = None
    consignor: Party | None = None
    customs_valuation: ItemCustomsValuation | None = None
    destination: Destination | None = None
    domestic_duty_tax_party: list[RoleParty] = Field(default_factory=list)
    export_country: ExportCountry | None = None
    government_procedure: list[GovernmentProcedure] = Field(default_factory=list)
    origin: list[Origin] = Field(default_factory=list)
    packaging: list[Packaging] = Field(default_factory=list)
    previous_document: list[PreviousDocument] = Field(default_factory=list)
    seller: Party | None = None
    ucr: UCR | None = None
    valuation_adjustment: ValuationAdjustment | None = None


class LoadingLocation(DataSet):
    wco_name = "LoadingLocation"
    name: Id35 | None = None
    id: Id17 | None = None


class ShipmentConsignment(DataSet):
    """Transport of the goods shipment: containers, means of transport, where the goods are."""

    wco_name = "Consignment"
    container_code: Code1 | None = None
    arrival_transport_means: TransportMeans | None = None
    departure_transport_means: TransportMeans | None = None
    goods_location: GoodsLocation | None = None
    loading_location: LoadingLocation | None = None
    transport_equipment: list[TransportEquipment] = Field(default_factory=list)


class CustomsValuation(DataSet):
    wco_name = "CustomsValuation"
    freight_charge_amount: Amount | None = None
    charge_deduction: list[ChargeDeduction] = Field(default_factory=list)


class Invoice(DataSet):
    wco_name = "Invoice"
    id: Id70 | None = None
    issue_date_time: DateOrTime | None = None


class TradeTerms(DataSet):
    """Incoterms: the condition (CIF, FOB…) and the named place."""

    wco_name = "TradeTerms"
    condition_code: Annotated[str, Field(pattern=r"^[A-Za-z]{3}$")] | None = None
    country_relationship_code: Code3 | None = None
    description: Text512 | None = None
    location_id: Id17 | None = None
    location_name: Id35 | None = None


class Warehouse(DataSet):
    wco_name = "Warehouse"
    id: Id35 | None = None
    type_code: Code3 | None = None


class GoodsShipment(DataSet):
    wco_name = "GoodsShipment"
    exit_date_time: DateOrTime | None = None
    transaction_nature_code: Code2 | None = None
    aeo_mutual_recognition_party: list[RoleParty] = Field(default_factory=list)
    buyer: Party | None = None
    consignee: Party | None = None
    consignment: ShipmentConsignment | None = None
    consignor: Party | None = None
    customs_valuation: CustomsValuation | None = None
    destination: Destination | None = None
    domestic_duty_tax_party: list[RoleParty] = Field(default_factory=list)
    export_country: ExportCountry | None = None
    government_agency_goods_item: Annotated[list[GovernmentAgencyGoodsItem], Field(max_length=999)] = Field(
        default_factory=list)
    importer: Party | None = None
    invoice: Invoice | None = None
    payer: Party | None = None
    previous_document: list[PreviousDocument] = Field(default_factory=list)
    seller: Party | None = None
    surety: Party | None = None
    trade_terms: TradeTerms | None = None
    ucr: UCR | None = None
    warehouse: Warehouse | None = None


class Amendment(DataSet):
    """Why and where an amending declaration (function code 13) changes the original."""

    wco_name = "Amendment"
    change_reason_code: Code3 | None = None
    pointer: list[Pointer] = Field(default_factory=list)


class Freight(DataSet):
    wco_name = "Freight"
    payment_method_code: Code3 | None = None


class Itinerary(DataSet):
    wco_name = "Itinerary"
    sequence_numeric: Sequence
    routing_country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None


class DeclarationConsignment(DataSet):
    """Declaration-level transport data: carrier, consignor, freight, countries of routing."""

    wco_name = "Consignment"
    carrier: Party | None = None
    consignor: Party | None = None
    freight: Freight | None = None
    itinerary: list[Itinerary] = Field(default_factory=list)


class CurrencyExchange(DataSet):
    wco_name = "CurrencyExchange"
    currency_type_code: CurrencyCode | None = None
    rate_numeric: Annotated[Decimal, Field(gt=0, max_digits=16), POSITIVE_RATE_VALUE] | None = None


class GuaranteeOffice(DataSet):
    wco_name = "GuaranteeOffice"
    id: Id17 | None = None


class ObligationGuarantee(DataSet):
    """A guarantee or deferment account securing the duties (WCO 8/3)."""

    wco_name = "ObligationGuarantee"
    amount_amount: Amount | None = None
    id: Id70 | None = None
    reference_id: Id35 | None = None
    security_details_code: Code3 | None = None
    access_code: Id4 | None = None
    guarantee_office: GuaranteeOffice | None = None


FunctionCode = Literal["9", "13", "1"]
"""9 original, 13 request (amendment), 1 cancellation (UN/EDIFACT 1225)."""


class Declaration(DataSet):
    """A goods declaration: who declares what, where, under which procedure."""

    wco_name = "Declaration"
    acceptance_date_time: DateOrTime | None = None
    function_code: FunctionCode = "9"
    functional_reference_id: Id35 | None = None
    id: Id70 | None = None
    issue_date_time: DateOrTime | None = None
    issue_location_id: Id17 | None = None
    type_code: Code3 | None = None
    goods_item_quantity: Annotated[int, Field(ge=0, le=99999)] | None = None
    declaration_office_id: Id17 | None = None
    invoice_amount: Amount | None = None
    loading_list_quantity: Annotated[int, Field(ge=0, le=99999)] | None = None
    total_gross_mass_measure: Measure | None = None
    total_package_quantity: Count | None = None
    specific_circumstances_code_code: Code3 | None = None
    submitter: Party | None = None
    additional_document: list[AdditionalDocument] = Field(default_factory=list)
    additional_information: list[AdditionalInformation] = Field(default_factory=list)
    agent: Agent | None = None
    amendment: list[Amendment] = Field(default_factory=list)
    authorisation_holder: list[AuthorisationHolder] = Field(default_factory=list)
    border_transport_means: BorderTransportMeans | None = None
    consignment: DeclarationConsignment | None = None
    currency_exchange: list[CurrencyExchange] = Field(default_factory=list)
    declarant: Party | None = None
    exit_office: Office | None = None
    exporter: Party | None = None
    goods_shipment: GoodsShipment | None = None
    obligation_guarantee: list[ObligationGuarantee] = Field(default_factory=list)
    presentation_office: Office | None = None
    supervising_office: Office | None = None

    def consignment_reference(self) -> str | None:
        """The UCR that keys this declaration's timeline, when the declarant gave one."""
        ucr = self.goods_shipment.ucr if self.goods_shipment else None
        return ucr.id if ucr else None

    def named_parties(self) -> list[Party]:
        """Declarant, importer, exporter: the parties entitled to see the consignment."""
        shipment = self.goods_shipment
        candidates = [self.declarant, self.exporter, shipment.importer if shipment else None]
        return [party for party in candidates if party is not None]

    @property
    def items(self) -> list[GovernmentAgencyGoodsItem]:
        return self.goods_shipment.government_agency_goods_item if self.goods_shipment else []


class ImportDeclaration(Declaration):
    """Import declaration (進口報單); TypeCode starts with IM in the WCO/EU coding."""


class ExportDeclaration(Declaration):
    """Export declaration (出口報單); TypeCode starts with EX."""


__all__ = ["Declaration", "ExportDeclaration", "ImportDeclaration", "Seal"]
