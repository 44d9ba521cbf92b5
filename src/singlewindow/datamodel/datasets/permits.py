"""Permit (LPCO) data sets: the application, the agency's decision and certificates.

WCO calls licences, permits, certificates and other supporting documents "LPCO". An
application names the regulation code (輸出入規定) that requires it and the goods concerned;
the decision grants goods lines with quantity limits that later declarations write off.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from singlewindow.datamodel.datasets.base import (
    Amount,
    Code3,
    DataSet,
    DateOrTime,
    Id17,
    Id35,
    Id70,
    Quantity,
    Sequence,
    Text512,
    UcrId,
)
from singlewindow.datamodel.datasets.common import Office, Origin, Party


class PermitGoodsItem(DataSet):
    """A goods line of an application or a permit: what, how much, from where."""

    wco_name = "GovernmentAgencyGoodsItem"
    sequence_numeric: Sequence
    description: Text512
    classification_id: Annotated[str, Field(pattern=r"^[0-9]{6,10}$")]
    quantity: Quantity
    value_amount: Amount | None = None
    origin: Origin | None = None


class ReferencedDeclaration(DataSet):
    """The declaration an application was derived from, or a certificate supports."""

    wco_name = "Declaration"
    functional_reference_id: Id35 | None = None
    id: Id70 | None = None
    ucr: UcrId | None = None


class PermitApplication(DataSet):
    """Application for an import/export permit, inspection or quarantine (許可證/檢驗/檢疫申請)."""

    wco_name = "LPCOApplication"
    function_code: Literal["9", "1"] = "9"
    functional_reference_id: Id35
    issue_date_time: DateOrTime | None = None
    type_code: Code3
    """Document type of the permit asked for (UN/EDIFACT 1001: 911 import licence, 851 phytosanitary…)."""
    regulation_code: Id17
    """The import/export regulation code that requires it (輸出入規定代碼)."""
    agency: Office
    """The agency deciding, by organisation or office code."""
    applicant: Party
    declaration: ReferencedDeclaration | None = None
    goods_item: Annotated[list[PermitGoodsItem], Field(min_length=1, max_length=999)]
    requested_validity_end: DateOrTime | None = None

    def consignment_reference(self) -> str | None:
        return self.declaration.ucr if self.declaration else None

    def named_parties(self) -> list[Party]:
        return [self.applicant]


class GrantedGoodsItem(DataSet):
    """A goods line as granted: the quantity limit later declarations write off."""

    wco_name = "GovernmentAgencyGoodsItem"
    sequence_numeric: Sequence
    classification_id: Annotated[str, Field(pattern=r"^[0-9]{6,10}$")]
    description: Text512 | None = None
    quantity: Quantity


class DecisionReason(DataSet):
    wco_name = "AdditionalInformation"
    statement_code: Code3 | None = None
    statement_description: Text512


class PermitDecision(DataSet):
    """The agency's decision on an application (核准, 部分核准, 駁回, 補件)."""

    wco_name = "LPCODecision"
    functional_reference_id: Id35
    application_reference_id: Id35
    """The application's functional reference."""
    decision_code: Literal["approved", "partially_approved", "rejected", "information_requested"]
    issue_date_time: DateOrTime
    permit_id: Id35 | None = None
    effective_date_time: DateOrTime | None = None
    expiry_date_time: DateOrTime | None = None
    applicant: Party
    goods_item: Annotated[list[GrantedGoodsItem], Field(max_length=999)] = Field(default_factory=list)
    reason: list[DecisionReason] = Field(default_factory=list)
    ucr: UcrId | None = None

    def consignment_reference(self) -> str | None:
        return self.ucr

    def named_parties(self) -> list[Party]:
        return [self.applicant]


class Certificate(DataSet):
    """A certificate of origin, inspection or quarantine, issued at home or by a foreign single window."""

    wco_name = "Certificate"
    function_code: Literal["9", "1"] = "9"
    id: Id35
    type_code: Literal["861", "851", "853", "BIC", "FIC"]
    """861 origin, 851 phytosanitary, 853 veterinary, BIC commodity inspection, FIC food inspection."""
    issue_date_time: DateOrTime
    expiry_date_time: DateOrTime | None = None
    issuing_authority: Party
    exporter: Party | None = None
    importer: Party | None = None
    export_country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    destination_country_code: Annotated[str, Field(pattern=r"^[A-Z]{2}$")] | None = None
    goods_item: Annotated[list[PermitGoodsItem], Field(min_length=1, max_length=999)]
    declaration: ReferencedDeclaration | None = None

    def consignment_reference(self) -> str | None:
        return self.declaration.ucr if self.declaration else None

    def named_parties(self) -> list[Party]:
        return [p for p in (self.exporter, self.importer) if p is not None]
