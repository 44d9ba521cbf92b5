"""Writes of the warehouse, the carrier and customs on bills: the warehouse's receipt (進倉), the
short/over-landed report (短溢卸) filed by the warehouse, confirmed by the carrier and accepted
by customs (which corrects the bill in a new manifest version), and gate-out (出倉) of released
packages. Every step is one transaction with its evidence entry and, once a declaration cites
the bill, a line on that consignment's timeline.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from singlewindow.cargo import errors
from singlewindow.cargo.models import (
    Allocation,
    Bill,
    DiscrepancyReport,
    GateOut,
    ManifestVersion,
    MatchingRule,
    Receipt,
    ReportState,
    SignOff,
)
from singlewindow.exchange.evidence import AppendedEntry
from singlewindow.exchange.services import record_state_change
from singlewindow.registry import cache
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole

R = OrganisationRole


def _organisation(actor: Actor, role: str, en: str, zh: str) -> Organisation:
    org = actor.organisation
    if org is None or role not in org.role_codes:
        raise errors.not_allowed(en, zh)
    return org


def bill_ucr(bill: Bill) -> str | None:
    """The consignment timeline a bill's steps go on: the latest declaration citing it, if any."""
    ucr = (Allocation.objects.filter(bill=bill).exclude(ucr="").order_by("-pk").values_list("ucr", flat=True).first())
    return ucr or None


def _record(bill: Bill, organisation: Organisation, step: str, actor: Actor, en: str, zh: str, *,
            ucr: str | None = None, **fields: object) -> AppendedEntry:
    return record_state_change(
        organisation=organisation, kind=f"cargo.{step}", ucr=ucr or bill_ucr(bill),
        fields={"bill": bill.number, "carrier": bill.carrier.code, "actor": actor.label[:200], **fields},
        title_en=f"{organisation.name_en}: bill {bill.number} {en}",
        title_zh=f"{organisation.name_zh or organisation.name_en}：提單 {bill.number} {zh}")


def lock_bills(ids: list[int]) -> list[Bill]:
    """Bill rows locked in primary-key order, read afresh."""
    return list(Bill.objects.select_for_update(of=("self",)).select_related("manifest__office", "carrier", "warehouse")
                .filter(pk__in=ids).order_by("pk"))


@transaction.atomic
def record_receipt(*, bill: Bill, packages: int, gross_kg: Decimal, condition: str = Receipt.Condition.GOOD,
                   note: str = "", actor: Actor) -> Receipt:
    """The warehouse tallied what arrived of an import bill; the first warehouse to do so holds it."""
    warehouse = _organisation(actor, R.WAREHOUSE_OPERATOR, "Only a warehouse records what arrived.",
                              "僅貨棧業者得登錄進倉。")
    bill = lock_bills([bill.pk])[0]
    if bill.direction != "IMP" or bill.cancelled or bill.manifest.cancelled:
        raise errors.conflict("cargo.not_receivable", f"Bill {bill.number} is not an open import bill.",
                              f"提單 {bill.number} 非有效之進口提單。")
    if bill.warehouse_id not in (None, warehouse.pk):
        raise errors.not_found()
    if Receipt.objects.filter(bill=bill).exists():
        raise errors.conflict("cargo.already_received", f"Bill {bill.number} was already received.",
                              f"提單 {bill.number} 已登錄進倉。")
    if packages < 0 or gross_kg < 0 or packages > 99_999_999:
        raise errors.invalid("cargo.bad_figures", "Packages and weight cannot be negative.", "件數及重量不得為負數。")
    if condition not in Receipt.Condition.values:
        raise errors.invalid("cargo.bad_condition", "Condition is good or damaged.", "貨況須為良好或破損。")
    now = timezone.now()
    receipt = Receipt.objects.create(bill=bill, warehouse=warehouse, packages=packages, gross_kg=gross_kg,
                                     condition=condition, note=note[:500], actor=actor.label[:200], at=now)
    if bill.warehouse_id is None:
        Bill.objects.filter(pk=bill.pk).update(warehouse=warehouse)
    differs = packages != bill.packages
    _record(bill, warehouse, "received", actor,
            f"received: {packages} of {bill.packages} packages" + (" (differs from the manifest)" if differs else ""),
            f"已進倉：{packages} 件（艙單 {bill.packages} 件）" + ("，與艙單不符" if differs else ""),
            packages=packages, manifest_packages=bill.packages, gross_kg=str(gross_kg), condition=condition)
    return receipt


def _kind(bill: Bill, receipt: Receipt) -> str:
    if receipt.packages < bill.packages:
        return DiscrepancyReport.Kind.SHORT
    if receipt.packages > bill.packages:
        return DiscrepancyReport.Kind.OVER
    if receipt.gross_kg != bill.gross_kg:
        return DiscrepancyReport.Kind.WEIGHT
    return ""


def _sign(report: DiscrepancyReport, organisation: Organisation, action: str, actor: Actor, note: str,
          entry: AppendedEntry) -> None:
    SignOff.objects.create(report=report, organisation=organisation, action=action, actor=actor.label[:200],
                           note=note[:500], at=entry.recorded_at, evidence_seq=entry.seq)


@transaction.atomic
def file_report(*, bill: Bill, actor: Actor, note: str = "") -> DiscrepancyReport:
    """The warehouse files the short/over-landed report of what its receipt found against the manifest."""
    warehouse = _organisation(actor, R.WAREHOUSE_OPERATOR, "Only the warehouse files a short/over-landed report.",
                              "短溢卸報告應由貨棧業者申報。")
    bill = lock_bills([bill.pk])[0]
    receipt = Receipt.objects.filter(bill=bill, warehouse=warehouse).first()
    if receipt is None:
        raise errors.conflict("cargo.not_received", f"Record the receipt of bill {bill.number} first.",
                              f"請先登錄提單 {bill.number} 之進倉資料。")
    kind = _kind(bill, receipt)
    if not kind:
        raise errors.conflict("cargo.no_discrepancy", f"What arrived of bill {bill.number} matches the manifest.",
                              f"提單 {bill.number} 進倉件數及重量與艙單相符。")
    if DiscrepancyReport.objects.filter(bill=bill, state__in=(ReportState.FILED, ReportState.CONFIRMED)).exists():
        raise errors.conflict("cargo.report_open", f"A report on bill {bill.number} is already open.",
                              f"提單 {bill.number} 已有處理中之短溢卸報告。")
    report = DiscrepancyReport.objects.create(
        bill=bill, warehouse=warehouse, kind=kind, manifest_packages=bill.packages, found_packages=receipt.packages,
        manifest_kg=bill.gross_kg, found_kg=receipt.gross_kg, note=note[:500], filed_at=timezone.now())
    entry = _record(bill, warehouse, "report_filed", actor,
                    f"{kind}-landed report filed: {receipt.packages} found, {bill.packages} manifested",
                    f"短溢卸報告已申報：實到 {receipt.packages} 件，艙單 {bill.packages} 件",
                    report=report.pk, discrepancy=kind, found=receipt.packages, manifested=bill.packages)
    _sign(report, warehouse, ReportState.FILED, actor, note, entry)
    return report


def _lock_report(report: DiscrepancyReport) -> DiscrepancyReport:
    return DiscrepancyReport.objects.select_for_update(of=("self",)).select_related(
        "bill__manifest__office", "bill__carrier").get(pk=report.pk)


@transaction.atomic
def confirm_report(*, report: DiscrepancyReport, actor: Actor, note: str = "") -> DiscrepancyReport:
    """The carrier co-signs the warehouse's report."""
    report = _lock_report(report)
    carrier = actor.organisation
    if carrier is None or carrier.pk != report.bill.carrier_id:
        raise errors.not_allowed("Only the bill's carrier confirms the report.", "僅該提單之運輸業者得會簽本報告。")
    if report.state != ReportState.FILED:
        raise errors.conflict("cargo.report_state", "The report is not waiting for the carrier.",
                              "本報告非待運輸業者會簽狀態。")
    report.state = ReportState.CONFIRMED
    report.save(update_fields=["state"])
    entry = _record(report.bill, carrier, "report_confirmed", actor,
                    "short/over-landed report confirmed by the carrier",
                    "短溢卸報告經運輸業者會簽", report=report.pk)
    _sign(report, carrier, ReportState.CONFIRMED, actor, note, entry)
    return report


@transaction.atomic
def reject_report(*, report: DiscrepancyReport, actor: Actor, note: str) -> DiscrepancyReport:
    """The carrier (before confirming) or customs (after) turns the report down, saying why."""
    report = _lock_report(report)
    org = actor.organisation
    bill = report.bill
    allowed = org is not None and (
        (report.state == ReportState.FILED and org.pk == bill.carrier_id)
        or (report.state == ReportState.CONFIRMED and org.pk == bill.manifest.office_id))
    if org is None or not allowed:
        raise errors.not_allowed("Only the carrier (filed report) or customs (confirmed report) may reject it.",
                                 "僅運輸業者（待會簽）或海關（待核定）得退回本報告。")
    if not note.strip():
        raise errors.invalid("cargo.no_reason", "Say why the report is rejected.", "請說明退回理由。")
    report.state = ReportState.REJECTED
    report.save(update_fields=["state"])
    entry = _record(bill, org, "report_rejected", actor, f"short/over-landed report rejected: {note}"[:200],
                    f"短溢卸報告經退回：{note}"[:200], report=report.pk)
    _sign(report, org, ReportState.REJECTED, actor, note, entry)
    _retry(bill, actor)
    return report


@transaction.atomic
def accept_report(*, report: DiscrepancyReport, actor: Actor, note: str = "") -> DiscrepancyReport:
    """Customs accepts the confirmed report: the bill takes the figures found, in a new manifest version."""
    report = _lock_report(report)
    office = actor.organisation
    bill = lock_bills([report.bill_id])[0]
    if office is None or office.pk != bill.manifest.office_id:
        raise errors.not_allowed("Only the customs office of the manifest accepts the report.",
                                 "僅受理該艙單之海關得核定本報告。")
    if report.state != ReportState.CONFIRMED:
        raise errors.conflict("cargo.report_state", "Only a report the carrier confirmed can be accepted.",
                              "僅經運輸業者會簽之報告得核定。")
    if report.found_packages < bill.allocated:
        raise errors.conflict("cargo.below_allocated",
                              f"{bill.allocated} packages of bill {bill.number} are already matched to declarations, "
                              f"more than the {report.found_packages} found.",
                              f"提單 {bill.number} 已有 {bill.allocated} 件與報單比對，"
                              f"多於實到之 {report.found_packages} 件。")
    manifest = bill.manifest
    now = timezone.now()
    changes: list[dict[str, object]] = [
        {"bill": bill.number, "field": "packages", "old": bill.packages, "new": report.found_packages},
               {"bill": bill.number, "field": "gross_kg", "old": str(bill.gross_kg), "new": str(report.found_kg)}]
    changes = [c for c in changes if c["old"] != c["new"]]
    Bill.objects.filter(pk=bill.pk).update(packages=report.found_packages, gross_kg=report.found_kg)
    manifest.version = F("version") + 1
    manifest.updated_at = now
    manifest.save(update_fields=["version", "updated_at"])
    manifest.refresh_from_db(fields=["version"])
    version = ManifestVersion.objects.create(
        manifest=manifest, number=manifest.version, function_code="4", source=ManifestVersion.Source.DISCREPANCY,
        actor=actor.label[:200], at=now, changes=changes, change_count=len(changes),
        note=f"short/over-landed report {report.pk}")
    report.state, report.version = ReportState.ACCEPTED, version
    report.save(update_fields=["state", "version"])
    entry = _record(bill, office, "report_accepted", actor,
                    f"corrected to {report.found_packages} packages (manifest version {version.number})",
                    f"更正為 {report.found_packages} 件（艙單第 {version.number} 版）",
                    report=report.pk, packages=report.found_packages, version=version.number)
    _sign(report, office, ReportState.ACCEPTED, actor, note, entry)
    _retry(bill, actor)
    return report


def _retry(bill: Bill, actor: Actor) -> None:
    from singlewindow.cargo.matching import retry_cases_citing

    office = bill.manifest.office
    retry_cases_citing(office, [bill.number], actor)


@transaction.atomic
def gate_out(*, allocation: Allocation, packages: int, actor: Actor, vehicle: str = "") -> GateOut:
    """The warehouse lets released packages leave; never more than were released."""
    warehouse = _organisation(actor, R.WAREHOUSE_OPERATOR, "Only the warehouse confirms gate-out.",
                              "僅貨棧業者得確認出倉。")
    allocation = Allocation.objects.select_for_update(of=("self",)).select_related("bill").get(pk=allocation.pk)
    bill = allocation.bill
    if bill is None or bill.warehouse_id != warehouse.pk:
        raise errors.not_found()
    if allocation.state != Allocation.State.RELEASED:
        raise errors.conflict("cargo.not_released", "These packages are not released.", "此批貨物尚未放行。")
    if packages <= 0:
        raise errors.invalid("cargo.bad_figures", "Give the number of packages leaving.", "請填寫出倉件數。")
    moved = Allocation.objects.filter(pk=allocation.pk, gated_out__lte=F("packages") - packages).update(
        gated_out=F("gated_out") + packages)
    if not moved:
        left = allocation.packages - allocation.gated_out
        raise errors.conflict("cargo.over_release",
                              f"Only {left} released packages of bill {bill.number} are left to gate out.",
                              f"提單 {bill.number} 已放行尚未出倉者僅 {left} 件。")
    Bill.objects.filter(pk=bill.pk).update(gated_out=F("gated_out") + packages)
    row = GateOut.objects.create(allocation=allocation, warehouse=warehouse, packages=packages, vehicle=vehicle[:35],
                                 actor=actor.label[:200], at=timezone.now())
    _record(bill, warehouse, "gated_out", actor,
            f"{packages} packages gated out (declaration {allocation.declaration})",
            f"出倉 {packages} 件（報單 {allocation.declaration}）", ucr=allocation.ucr or None, packages=packages,
            declaration=allocation.declaration)
    return row


@transaction.atomic
def set_matching_rule(*, office: Organisation, require_bill: bool, actor: Actor) -> MatchingRule:
    """Make citing a manifest bill compulsory (or not) for import declarations at ``office``."""
    if R.CUSTOMS_OFFICE not in office.role_codes:
        raise errors.invalid("cargo.not_office", "Matching rules apply to customs offices.", "比對規則僅適用於海關。")
    rule, _ = MatchingRule.objects.update_or_create(office=office, defaults={"require_bill": require_bill})
    cache.changed()
    record_state_change(
        organisation=office, kind="cargo.matching_rule", ucr=None,
        fields={"require_bill": require_bill, "actor": actor.label[:200]},
        title_en=f"{office.name_en}: import declarations {'must' if require_bill else 'need not'} cite a manifest bill",
        title_zh=f"{office.name_zh or office.name_en}：進口報單{'應' if require_bill else '得免'}填列艙單提單號碼")
    return rule
