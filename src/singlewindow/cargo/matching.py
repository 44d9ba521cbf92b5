"""Manifest matching for customs (registered with ``customs.services.register_matcher``), the
release of packages against a bill's balance (``register_entered``), and giving them back when
a declaration is rejected or cancelled (``register_withdrawal``).

The rule: an import declaration cites the bill (house bill when the master has house bills) it
clears as a ``PreviousDocument`` of its goods shipment, with a transport-document type code
(UN/EDIFACT 1001: 705 bill of lading, 704 master B/L, 714 house B/L, 703 house waybill, 740 air
waybill, 741 master air waybill), the bill number as its ID. In the WCO Data Model the previous
document is where a declaration refers to the summary declaration (the manifest) its goods
came under. Its total package quantity (or, failing that, the sum of its items' packages) must
fit within the bill's balance: packages neither matched to another declaration nor released.
Until the manifest arrives, or while a short/over-landed report on the bill is open, the case
waits and is retried when the data arrives.
"""

from __future__ import annotations

import functools
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone

from singlewindow.cargo.models import Allocation, Bill, Conveyance, DiscrepancyReport, MatchingRule, ReportState
from singlewindow.customs.models import Case
from singlewindow.customs.models.cases import CaseState
from singlewindow.customs.services import CaseRun, case_number
from singlewindow.datamodel.datasets import Declaration, ImportDeclaration
from singlewindow.registry.actors import Actor
from singlewindow.registry.cache import TTLCache
from singlewindow.registry.models import Organisation

Problem = tuple[str, str]
TRANSPORT_DOCUMENTS = frozenset({"703", "704", "705", "706", "707", "710", "714", "740", "741"})


def cited_bills(declaration: Declaration) -> list[str]:
    """Bill numbers the declaration cites as previous transport documents, in order, once each."""
    shipment = declaration.goods_shipment
    documents = list(shipment.previous_document) if shipment else []
    for item in declaration.items:
        documents += item.previous_document
    return list(dict.fromkeys(d.id for d in documents if d.id and (d.type_code or "") in TRANSPORT_DOCUMENTS))


def declared_packages(declaration: Declaration) -> int | None:
    if declaration.total_package_quantity is not None:
        return declaration.total_package_quantity
    counts = [p.quantity_quantity for item in declaration.items for p in item.packaging if p.quantity_quantity]
    return sum(counts) if counts else None


_rules: TTLCache[bool] = TTLCache()


def requires_bill(office: Organisation) -> bool:
    """Whether the office requires a bill; kept briefly, as it is asked for every import declaration."""
    return _rules.get(office.pk, lambda: MatchingRule.objects.filter(office=office, require_bill=True).exists())


def _carrier_id(declaration: Declaration) -> str | None:
    carrier = declaration.consignment.carrier if declaration.consignment else None
    return carrier.id if carrier is not None else None


def match_manifest(case: Case, declaration: Declaration) -> list[Problem]:
    """Check the declaration against the manifest and hold its packages on the bill; the problems."""
    if not isinstance(declaration, ImportDeclaration):
        return []
    numbers = cited_bills(declaration)
    if not numbers:
        if requires_bill(case.office):
            return [("Cite the bill of lading or air waybill as a previous document of the goods shipment "
                     "(type 705, 714, 740 or 741, the bill number as its ID).",
                     "請於貨物運送之前序文件欄位填列提單或空運提單號碼（文件種類 705、714、740 或 741）。")]
        return []
    if len(numbers) > 1:
        listed = ", ".join(numbers[:5])
        return [(f"A declaration clears the goods of one bill; this one cites {len(numbers)} ({listed}).",
                 f"一份報單以一份提單為限；本報單列有 {len(numbers)} 份提單。")]
    number = numbers[0]
    packages = declared_packages(declaration)
    if not packages:
        return [("Declare the total package quantity to match it against the bill.", "請申報總件數以便與提單比對。")]
    allocation = Allocation.objects.select_for_update().filter(case_id=case.pk).first()
    bill = _bill_for(case.office, number, _carrier_id(declaration))
    problem: Problem | None = None
    if bill is None:
        problem = (f"Waiting for the manifest carrying bill {number}.", f"等待載有提單 {number} 之艙單。")
    elif bill.houses.exists():
        problem = (f"Bill {number} is a master bill with house bills: cite the house bill.",
                   f"提單 {number} 為主提單且有分提單，請填列分提單號碼。")
    elif DiscrepancyReport.objects.filter(bill=bill, state__in=(ReportState.FILED, ReportState.CONFIRMED)).exists():
        problem = (f"Bill {number} is under a short/over-landed report; waiting for customs to accept it.",
                   f"提單 {number} 之短溢卸報告處理中，等待海關核定。")
    if problem is None:
        assert bill is not None
        problem = _allocate(case, allocation, bill, packages)
        if problem is None:
            return []
    _hold(case, declaration, allocation, number, bill, packages)
    return [problem]


def _bill_for(office: Organisation, number: str, carrier_id: str | None) -> Bill | None:
    bills = list(Bill.objects.filter(number=number, direction="IMP", cancelled=False, manifest__office=office,
                                     manifest__cancelled=False).select_related("carrier")[:5])
    if len(bills) > 1 and carrier_id:
        bills = [bill for bill in bills if bill.carrier.business_id == carrier_id] or bills
    return bills[0] if bills else None


def _hold(case: Case, declaration: Declaration, allocation: Allocation | None, number: str, bill: Bill | None,
          packages: int) -> None:
    """The case waits: keep (or make) its claim in the waiting state, giving back anything it held."""
    if allocation is not None and allocation.state == Allocation.State.ALLOCATED and allocation.bill_id:
        Bill.objects.filter(pk=allocation.bill_id).update(allocated=F("allocated") - allocation.packages)
    Allocation.objects.update_or_create(case_id=case.pk, defaults={
        "office": case.office, "declaration": case_number(case), "ucr": case.ucr, "declarant": case.declarant,
        "bill_number": number, "bill": bill, "packages": packages, "state": Allocation.State.WAITING,
        "updated_at": timezone.now()})


def _allocate(case: Case, allocation: Allocation | None, bill: Bill, packages: int) -> Problem | None:
    """Hold ``packages`` of the bill for the case (moving what it held before); the problem if they do not fit."""
    held = allocation.packages if allocation is not None and allocation.state == Allocation.State.ALLOCATED else 0
    if held and allocation is not None and allocation.bill_id is not None and allocation.bill_id != bill.pk:
        # The declaration now cites another bill: what it held on the old one goes back first.
        Bill.objects.filter(pk=allocation.bill_id).update(allocated=F("allocated") - held)
        allocation.state = Allocation.State.WAITING  # in memory: nothing held any more
        held = 0
    delta = packages - held
    fits = Bill.objects.filter(pk=bill.pk, allocated__lte=F("packages") - delta).update(
        allocated=F("allocated") + delta)
    if not fits:
        # ``_hold`` gives back what the case still holds on this bill: it keeps nothing while it waits.
        bill.refresh_from_db(fields=["packages", "allocated"])
        left = bill.packages - bill.allocated + held
        return (f"The declaration declares {packages} packages; bill {bill.number} has {max(left, 0)} left to release.",
                f"報單申報 {packages} 件，提單 {bill.number} 尚可放行 {max(left, 0)} 件。")
    Allocation.objects.update_or_create(case_id=case.pk, defaults={
        "office": case.office, "declaration": case_number(case), "ucr": case.ucr, "declarant": case.declarant,
        "bill_number": bill.number, "bill": bill, "packages": packages, "state": Allocation.State.ALLOCATED,
        "updated_at": timezone.now()})
    return None


_RELEASE_SQL: dict[str, tuple[str, str]] = {}


def _release_statements() -> tuple[str, str]:
    """(the bill's released count up by the case's allocated packages, the allocation marked released
    giving its id), built once per database vendor. Plain SQL that needs no answer first: it rides
    with the release's records (``CaseRun.queue``) instead of costing the payment's transaction two
    round trips of its own."""
    found = _RELEASE_SQL.get(connection.vendor)
    if found is None:
        quote = connection.ops.quote_name
        allocations, bills = quote(Allocation._meta.db_table), quote(Bill._meta.db_table)
        # Identifiers come from model metadata, values only ever travel as parameters.
        found = _RELEASE_SQL[connection.vendor] = (
            f"UPDATE {bills} SET released = {bills}.released + a.packages FROM {allocations} a "  # noqa: S608
            f"WHERE a.bill_id = {bills}.id AND a.case_id = %s AND a.state = %s",
            f"UPDATE {allocations} SET state = %s, released_at = %s, updated_at = %s "  # noqa: S608
            "WHERE case_id = %s AND state = %s AND bill_id IS NOT NULL RETURNING id")
    return found


def record_release(case: Case, previous_state: str, actor: Actor, run: CaseRun) -> None:
    """Customs released the case: its packages leave the bill's balance and the warehouse is told after commit.

    Both updates go with the release's records. The case is locked, and every change to its
    allocation happens under that lock, so the allocation these statements find is the one the
    release sees; the bill's count is raised by one statement, as matching raises it.
    """
    if case.state != CaseState.RELEASED:
        return
    to_bill, to_allocation = _release_statements()
    allocated = str(Allocation.State.ALLOCATED)
    now = Allocation._meta.get_field("updated_at").get_db_prep_save(timezone.now(), connection)
    run.queue(to_bill, [case.pk, allocated])
    run.queue(to_allocation, [str(Allocation.State.RELEASED), now, now, case.pk, allocated], then=_notify_warehouse)


def _notify_warehouse(released: list[tuple[Any, ...]]) -> None:
    """After commit, the release notice to the warehouse of each allocation just released (most
    releases have none: no manifest matching, nothing allocated)."""
    from singlewindow.cargo.notices import send_release_notice

    for (pk,) in released:
        transaction.on_commit(functools.partial(send_release_notice, int(pk)))


def give_back(case: Case, actor: Actor) -> None:
    """A rejected or cancelled declaration gives its packages back to the bill (idempotent)."""
    allocation = Allocation.objects.select_for_update().filter(case_id=case.pk).exclude(
        state__in=(Allocation.State.WITHDRAWN, Allocation.State.RELEASED)).first()
    if allocation is None:
        return
    if allocation.state == Allocation.State.ALLOCATED and allocation.bill_id:
        Bill.objects.filter(pk=allocation.bill_id).update(allocated=F("allocated") - allocation.packages)
    allocation.state, allocation.updated_at = Allocation.State.WITHDRAWN, timezone.now()
    allocation.save(update_fields=["state", "updated_at"])


def retry_cases_citing(office: Organisation, numbers: list[str], actor: Actor) -> None:
    """Cases at ``office`` waiting for one of these bills try matching again (in the caller's transaction)."""
    from singlewindow.cargo.manifests import waiting_allocations
    from singlewindow.customs.engine import retry_waiting

    case_ids = waiting_allocations(office, numbers)
    if case_ids:
        retry_waiting(Case.objects.filter(pk__in=case_ids), actor)


def arrivals(case_ids: Iterable[int]) -> dict[int, datetime]:
    """When the conveyance carrying each case's bill actually arrived (for the time release study)."""
    ids = list(case_ids)
    found: dict[int, datetime] = {}
    rows = (Allocation.objects.filter(case_id__in=ids, bill__isnull=False)
            .values_list("case_id", "bill__manifest__carrier_id", "bill__manifest__conveyance_reference"))
    wanted = {(carrier, voyage) for _, carrier, voyage in rows if voyage}
    if not wanted:
        return found
    times: dict[tuple[object, str], datetime] = {}
    for carrier, voyage, actual in Conveyance.objects.filter(
            kind="ARR", cancelled=False, actual_at__isnull=False,
            conveyance_reference__in=sorted({v for _, v in wanted})).values_list(
            "carrier_id", "conveyance_reference", "actual_at"):
        if actual is not None:
            times.setdefault((carrier, voyage), actual)
    for case_id, carrier, voyage in rows:
        if (carrier, voyage) in times:
            found[case_id] = times[(carrier, voyage)]
    return found
