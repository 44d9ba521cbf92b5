"""The harmonised data sets: one model inside, whatever format a party speaks at the edge.

Six WCO-aligned data sets (import and export declaration, cargo manifest, conveyance report,
permit application and decision, certificate) plus the customs response. Each is a tree of
pydantic classes named after WCO Data Model classes; JSON field names are lower camel case.
"""

from __future__ import annotations

from typing import Protocol

from singlewindow.datamodel.datasets.agency_data import AgencyDataExchange
from singlewindow.datamodel.datasets.base import DataSet
from singlewindow.datamodel.datasets.cargo import CargoManifest, ConveyanceReport
from singlewindow.datamodel.datasets.common import Party
from singlewindow.datamodel.datasets.declaration import Declaration, ExportDeclaration, ImportDeclaration
from singlewindow.datamodel.datasets.payments import DutyPayment, ElectronicGuarantee, PaymentResponse
from singlewindow.datamodel.datasets.permits import Certificate, PermitApplication, PermitDecision
from singlewindow.datamodel.datasets.release import ReleaseNotice
from singlewindow.datamodel.datasets.response import CustomsResponse


class Document(Protocol):
    """What the exchange asks of every validated data set."""

    def consignment_reference(self) -> str | None:
        """The UCR of the consignment timeline this document belongs on, if any."""

    def named_parties(self) -> list[Party]:
        """Parties the document names, who may see the consignment it belongs to."""


DATA_SETS: dict[str, type[DataSet]] = {
    "import_declaration": ImportDeclaration,
    "export_declaration": ExportDeclaration,
    "cargo_manifest": CargoManifest,
    "conveyance_report": ConveyanceReport,
    "permit_application": PermitApplication,
    "permit_decision": PermitDecision,
    "certificate": Certificate,
    "customs_response": CustomsResponse,
    "agency_data": AgencyDataExchange,
    "duty_payment": DutyPayment,
    "electronic_guarantee": ElectronicGuarantee,
    "payment_response": PaymentResponse,
    "release_notice": ReleaseNotice,
}

DATA_SET_TITLES: dict[str, tuple[str, str]] = {
    "import_declaration": ("Import declaration", "進口報單"),
    "export_declaration": ("Export declaration", "出口報單"),
    "cargo_manifest": ("Cargo manifest", "艙單"),
    "conveyance_report": ("Conveyance arrival/departure report", "船舶航機進出港報告"),
    "permit_application": ("Permit application", "許可證申請書"),
    "permit_decision": ("Permit decision", "許可證核定通知"),
    "certificate": ("Certificate (origin, inspection, quarantine)", "證明書（產地、檢驗、檢疫）"),
    "customs_response": ("Customs response", "海關回應訊息"),
    "agency_data": ("Inter-agency data exchange", "機關間資料交換"),
    "duty_payment": ("Duty payment notification", "稅費繳納通知"),
    "electronic_guarantee": ("Electronic guarantee", "電子保證"),
    "payment_response": ("Customs answer to a bank", "海關回復銀行訊息"),
    "release_notice": ("Release notice", "放行通知"),
}

__all__ = [
    "DATA_SETS",
    "DATA_SET_TITLES",
    "AgencyDataExchange",
    "CargoManifest",
    "Certificate",
    "ConveyanceReport",
    "CustomsResponse",
    "DataSet",
    "Declaration",
    "Document",
    "DutyPayment",
    "ElectronicGuarantee",
    "ExportDeclaration",
    "ImportDeclaration",
    "PaymentResponse",
    "PermitApplication",
    "PermitDecision",
    "ReleaseNotice",
]
