"""API of the cargo app under /api/v1/cargo: manifests and bills to read, the warehouse's receipt,
short/over-landed reports (file, confirm, accept, reject) and gate-out of released packages.

Manifests and conveyance reports themselves arrive as messages (``POST /api/v1/messages``).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest
from ninja import Field, Router, Schema
from ninja.responses import Status

from singlewindow.cargo import errors, selectors, services
from singlewindow.cargo.models import Allocation, Bill, DiscrepancyReport, Manifest, Receipt
from singlewindow.problems import ProblemOut
from singlewindow.registry.auth import API_AUTH, actor_of

router = Router(auth=API_AUTH, tags=["cargo"])
ERRORS: dict[int, Any] = {403: ProblemOut, 404: ProblemOut, 409: ProblemOut, 422: ProblemOut}


class ReceiptIn(Schema):
    packages: int = Field(ge=0, le=99_999_999)
    gross_kg: Decimal = Field(ge=0, max_digits=16, decimal_places=3)
    condition: Receipt.Condition = Receipt.Condition.GOOD
    note: str = Field("", max_length=500)


class NoteIn(Schema):
    note: str = Field("", max_length=500)


class GateOutIn(Schema):
    packages: int = Field(gt=0, le=99_999_999)
    vehicle: str = Field("", max_length=35)


class ReceiptOut(Schema):
    packages: int
    gross_kg: str
    condition: str
    at: datetime


class BillOut(Schema):
    id: int
    number: str
    kind: str
    type_code: str
    master: str | None
    carrier: str
    manifest: str
    manifest_version: int
    office: str
    warehouse: str | None
    packages: int
    gross_kg: str
    goods: str
    consignee: str
    allocated: int
    released: int
    gated_out: int
    balance: int = Field(description="Packages not yet matched to a declaration.")
    receipt: ReceiptOut | None


class VersionOut(Schema):
    number: int
    function_code: str
    source: str
    actor: str
    at: datetime
    change_count: int
    changes: list[dict[str, Any]]
    note: str


class ManifestOut(Schema):
    id: int
    carrier: str
    reference: str
    direction: str
    office: str
    conveyance_reference: str
    transport_means: str
    arrival_at: datetime | None
    version: int
    cancelled: bool


class ManifestDetailOut(ManifestOut):
    bills: list[BillOut]
    versions: list[VersionOut]


class SignOffOut(Schema):
    organisation: str
    action: str
    actor: str
    note: str
    at: datetime
    evidence_seq: int | None


class ReportOut(Schema):
    id: int
    bill: str
    kind: str
    state: str
    warehouse: str
    manifest_packages: int
    found_packages: int
    manifest_kg: str
    found_kg: str
    note: str
    filed_at: datetime
    manifest_version: int | None
    sign_offs: list[SignOffOut]


class ReleaseOut(Schema):
    id: int
    bill: str
    declaration: str
    ucr: str
    state: str
    packages: int
    gated_out: int
    released_at: datetime | None
    notice_sent: bool


def bill_out(bill: Bill) -> BillOut:
    receipt = getattr(bill, "receipt", None)
    return BillOut(
        id=bill.pk, number=bill.number, kind=bill.kind, type_code=bill.type_code,
        master=bill.master.number if bill.master else None, carrier=bill.carrier.code,
        manifest=bill.manifest.reference, manifest_version=bill.manifest.version, office=bill.manifest.office.code,
        warehouse=bill.warehouse.code if bill.warehouse else None, packages=bill.packages, gross_kg=str(bill.gross_kg),
        goods=bill.goods, consignee=bill.consignee_name, allocated=bill.allocated, released=bill.released,
        gated_out=bill.gated_out, balance=bill.balance,
        receipt=ReceiptOut(packages=receipt.packages, gross_kg=str(receipt.gross_kg), condition=receipt.condition,
                           at=receipt.at) if receipt is not None else None)


def _manifest_out(manifest: Manifest) -> dict[str, Any]:
    return {"id": manifest.pk, "carrier": manifest.carrier.code, "reference": manifest.reference,
            "direction": manifest.direction, "office": manifest.office.code,
            "conveyance_reference": manifest.conveyance_reference, "transport_means": manifest.transport_means,
            "arrival_at": manifest.arrival_at, "version": manifest.version, "cancelled": manifest.cancelled}


def report_out(report: DiscrepancyReport) -> ReportOut:
    return ReportOut(
        id=report.pk, bill=report.bill.number, kind=report.kind, state=report.state, warehouse=report.warehouse.code,
        manifest_packages=report.manifest_packages, found_packages=report.found_packages,
        manifest_kg=str(report.manifest_kg), found_kg=str(report.found_kg), note=report.note, filed_at=report.filed_at,
        manifest_version=report.version.number if report.version else None,
        sign_offs=[SignOffOut(organisation=s.organisation.code, action=s.action, actor=s.actor, note=s.note, at=s.at,
                              evidence_seq=s.evidence_seq) for s in report.sign_offs.all()])


def release_out(allocation: Allocation) -> ReleaseOut:
    return ReleaseOut(id=allocation.pk, bill=allocation.bill_number, declaration=allocation.declaration,
                      ucr=allocation.ucr, state=allocation.state, packages=allocation.packages,
                      gated_out=allocation.gated_out, released_at=allocation.released_at,
                      notice_sent=allocation.notice_message_id is not None)


def _bill(request: HttpRequest, bill_id: int) -> Bill:
    bill = selectors.bills_visible_to(actor_of(request)).filter(pk=bill_id).first()
    if bill is None:
        raise errors.not_found()
    return bill


def _report(request: HttpRequest, report_id: int) -> DiscrepancyReport:
    report = selectors.reports_visible_to(actor_of(request)).filter(pk=report_id).first()
    if report is None:
        raise errors.not_found()
    return report


@router.get("/manifests", response={200: list[ManifestOut], **ERRORS}, summary="Manifests (carrier's own, office's)")
def list_manifests(request: HttpRequest, limit: int = 50) -> list[dict[str, Any]]:
    limit = min(max(limit, 1), 200)
    return [_manifest_out(m) for m in selectors.manifests_visible_to(actor_of(request)).order_by("-created_at")[:limit]]


@router.get("/manifests/{manifest_id}", response={200: ManifestDetailOut, **ERRORS},
            summary="A manifest with its bills (first 500) and every version")
def get_manifest(request: HttpRequest, manifest_id: int) -> dict[str, Any]:
    manifest = selectors.manifest_detail(actor_of(request), manifest_id)
    if manifest is None:
        raise errors.not_found()
    return {**_manifest_out(manifest), "bills": [bill_out(b) for b in selectors.bills_of_manifest(manifest)],
            "versions": [VersionOut(number=v.number, function_code=v.function_code, source=v.source, actor=v.actor,
                                    at=v.at, change_count=v.change_count, changes=v.changes, note=v.note)
                         for v in manifest.versions.all()]}


@router.get("/bills", response={200: list[BillOut], **ERRORS}, summary="Bills by number (status and balance)")
def find_bills(request: HttpRequest, number: str) -> list[BillOut]:
    if not 1 <= len(number) <= 35:
        raise errors.invalid("cargo.bad_number", "A bill number has 1 to 35 characters.", "提單號碼為 1 至 35 個字元。")
    return [bill_out(b) for b in selectors.bills_visible_to(actor_of(request)).filter(number=number)[:20]]


@router.get("/bills/{bill_id}", response={200: BillOut, **ERRORS}, summary="A bill's status and balance")
def get_bill(request: HttpRequest, bill_id: int) -> BillOut:
    return bill_out(_bill(request, bill_id))


@router.post("/bills/{bill_id}/receipt", response={201: BillOut, **ERRORS},
             summary="The warehouse records what arrived of a bill")
def post_receipt(request: HttpRequest, bill_id: int, body: ReceiptIn) -> Status[BillOut]:
    bill = _bill(request, bill_id)
    services.record_receipt(bill=bill, packages=body.packages, gross_kg=body.gross_kg, condition=body.condition,
                            note=body.note, actor=actor_of(request))
    return Status(201, bill_out(_bill(request, bill_id)))


@router.post("/bills/{bill_id}/reports", response={201: ReportOut, **ERRORS},
             summary="The warehouse files a short/over-landed report from its receipt")
def post_report(request: HttpRequest, bill_id: int, body: NoteIn) -> Status[ReportOut]:
    report = services.file_report(bill=_bill(request, bill_id), actor=actor_of(request), note=body.note)
    return Status(201, report_out(_report(request, report.pk)))


@router.get("/reports", response={200: list[ReportOut], **ERRORS}, summary="Short/over-landed reports")
def list_reports(request: HttpRequest, state: str = "", limit: int = 50) -> list[ReportOut]:
    limit = min(max(limit, 1), 200)
    reports = selectors.reports_visible_to(actor_of(request))
    if state:
        reports = reports.filter(state=state[:10])
    return [report_out(r) for r in reports[:limit]]


@router.post("/reports/{report_id}/confirm", response={200: ReportOut, **ERRORS}, summary="The carrier co-signs")
def confirm(request: HttpRequest, report_id: int, body: NoteIn) -> ReportOut:
    services.confirm_report(report=_report(request, report_id), actor=actor_of(request), note=body.note)
    return report_out(_report(request, report_id))


@router.post("/reports/{report_id}/accept", response={200: ReportOut, **ERRORS},
             summary="Customs accepts: the bill is corrected in a new manifest version")
def accept(request: HttpRequest, report_id: int, body: NoteIn) -> ReportOut:
    services.accept_report(report=_report(request, report_id), actor=actor_of(request), note=body.note)
    return report_out(_report(request, report_id))


@router.post("/reports/{report_id}/reject", response={200: ReportOut, **ERRORS}, summary="Turn a report down")
def reject(request: HttpRequest, report_id: int, body: NoteIn) -> ReportOut:
    services.reject_report(report=_report(request, report_id), actor=actor_of(request), note=body.note)
    return report_out(_report(request, report_id))


@router.get("/releases", response={200: list[ReleaseOut], **ERRORS},
            summary="Releases (the warehouse's to gate out; customs' and declarants' claims)")
def list_releases(request: HttpRequest, limit: int = 100) -> list[ReleaseOut]:
    limit = min(max(limit, 1), 500)
    return [release_out(a) for a in selectors.releases_visible_to(actor_of(request))[:limit]]


@router.post("/releases/{release_id}/gate-out", response={201: ReleaseOut, **ERRORS},
             summary="The warehouse confirms released packages left")
def post_gate_out(request: HttpRequest, release_id: int, body: GateOutIn) -> Status[ReleaseOut]:
    actor = actor_of(request)
    allocation = selectors.releases_visible_to(actor).filter(pk=release_id).first()
    if allocation is None:
        raise errors.not_found()
    services.gate_out(allocation=allocation, packages=body.packages, vehicle=body.vehicle, actor=actor)
    allocation.refresh_from_db()
    return Status(201, release_out(allocation))
