"""The manifest register: a carrier's ``cargo_manifest.submit`` delivered to the customs office it
names is recorded (original, change or cancellation) with its bills and a version that says
what changed, who sent it and when. An inconsistent filing changes nothing and the carrier is
told why, in English and Chinese.

Recording uses bulk inserts and updates: a 5,000-bill air manifest is a handful of statements.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any

from django.db import connection, models, transaction
from django.utils import timezone

from singlewindow.cargo import errors
from singlewindow.cargo.errors import CargoError
from singlewindow.cargo.models import Allocation, Bill, Direction, Manifest, ManifestVersion
from singlewindow.datamodel.datasets import CargoManifest
from singlewindow.datamodel.datasets.base import Measure
from singlewindow.datamodel.datasets.cargo import HouseConsignment, MasterConsignment
from singlewindow.datamodel.identifiers import is_digits
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.selectors import document_of
from singlewindow.exchange.services import record_state_change
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.registry.selectors import organisations_by_business_ids

ORIGINAL, CHANGE, CANCELLATION = "9", "4", "1"
COMPARED = ("type_code", "kind", "master_number", "sequence", "packages", "package_type", "gross_kg", "goods",
            "consignee_name", "consignee_id", "warehouse_id")
MAX_LISTED_CHANGES = 500
BATCH = 1000


@dataclass(frozen=True)
class BillData:
    """A bill as the filing gives it, flattened for comparison and bulk writing."""

    number: str
    type_code: str
    kind: str
    master_number: str
    sequence: int
    packages: int
    package_type: str
    gross_kg: Decimal
    goods: str
    consignee_name: str
    consignee_id: str
    warehouse_id: uuid.UUID | None

    def row(self) -> dict[str, Any]:
        return {"number": self.number, **{name: getattr(self, name) for name in COMPARED if name != "master_number"}}


def as_datetime(value: datetime | date | None) -> datetime | None:
    if value is None:
        return None
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    return datetime.combine(value, time.min, UTC)


def kilograms(measure: Measure | None) -> Decimal:
    """A gross mass in kilograms (tonnes are converted; a measure without unit is taken as kg)."""
    if measure is None:
        return Decimal(0)
    value = measure.value * 1000 if (measure.unit_code or "").upper() == "TNE" else measure.value
    return value.quantize(Decimal("0.001"))


def _packages(consignment: MasterConsignment | HouseConsignment) -> int:
    if consignment.total_package_quantity is not None:
        return consignment.total_package_quantity
    return sum(item.package_quantity or 0 for item in consignment.goods_item)


def _package_type(consignment: MasterConsignment | HouseConsignment) -> str:
    return next((item.package_type_code for item in consignment.goods_item if item.package_type_code), "") or ""


def _goods(consignment: MasterConsignment | HouseConsignment) -> str:
    return "; ".join(item.description for item in consignment.goods_item)[:512]


def _warehouses(document: CargoManifest) -> dict[str, uuid.UUID]:
    """Warehouses named as a master bill's unloading location by business ID (卸存地點)."""
    ids = sorted({m.unloading_location.id for m in document.consignment
                  if m.unloading_location and m.unloading_location.id and is_digits(m.unloading_location.id)})
    found = organisations_by_business_ids(ids) if ids else []
    return {org.business_id or "": org.pk for org in found
            if OrganisationRole.WAREHOUSE_OPERATOR in org.role_codes}


def bills_of(document: CargoManifest) -> list[BillData]:
    """Every master and house bill of a manifest, masters first; refuses a number given twice and
    house bills carrying more packages than their master declares."""
    warehouses = _warehouses(document)
    masters: list[BillData] = []
    houses: list[BillData] = []
    for master in document.consignment:
        location = master.unloading_location.id if master.unloading_location else None
        warehouse = warehouses.get(location or "")
        number = master.transport_contract_document.id
        masters.append(BillData(
            number=number, type_code=master.transport_contract_document.type_code or "", kind=Bill.Kind.MASTER,
            master_number="", sequence=master.sequence_numeric, packages=_packages(master),
            package_type=_package_type(master), gross_kg=kilograms(master.total_gross_mass_measure),
            goods=_goods(master), consignee_name=(master.consignee.name or "") if master.consignee else "",
            consignee_id=(master.consignee.id or "") if master.consignee else "", warehouse_id=warehouse))
        in_houses = 0
        for house in master.consignment_item:
            in_houses += _packages(house)
            houses.append(BillData(
                number=house.transport_contract_document.id, type_code=house.transport_contract_document.type_code
                or "", kind=Bill.Kind.HOUSE, master_number=number, sequence=house.sequence_numeric,
                packages=_packages(house), package_type=_package_type(house),
                gross_kg=kilograms(house.total_gross_mass_measure), goods=_goods(house),
                consignee_name=(house.consignee.name or "") if house.consignee else "",
                consignee_id=(house.consignee.id or "") if house.consignee else "", warehouse_id=warehouse))
        if master.consignment_item and master.total_package_quantity is not None \
                and in_houses > master.total_package_quantity:
            raise errors.invalid(
                "cargo.houses_exceed_master",
                f"The house bills of {number} carry {in_houses} packages, more than the "
                f"{master.total_package_quantity} the master bill declares.",
                f"主提單 {number} 之分提單件數合計 {in_houses} 件，超過主提單申報之 "
                f"{master.total_package_quantity} 件。")
    seen: set[str] = set()
    for bill in (*masters, *houses):
        if bill.number in seen:
            raise errors.invalid("cargo.duplicate_bill", f"Bill {bill.number} appears twice in the manifest.",
                                 f"提單號碼 {bill.number} 於艙單中重複。")
        seen.add(bill.number)
    return masters + houses


@dataclass(frozen=True)
class Recorded:
    manifest: Manifest
    version: ManifestVersion
    bill_numbers: list[str]


def handle_manifest_delivery(delivery: Delivery, actor: Actor) -> None:
    """The customs engine's handler for ``cargo_manifest.submit`` (in the delivery's transaction)."""
    message = delivery.message
    document = document_of(message)
    if not isinstance(document, CargoManifest):
        return
    try:
        recorded = record_manifest(document, carrier=message.sender, office=delivery.recipient,
                                   message_id=message.id, actor=actor)
    except CargoError as error:
        from singlewindow.cargo.answers import refuse_manifest

        refuse_manifest(message, actor, error.en, error.zh, code=error.code)
        return
    from singlewindow.cargo.matching import retry_cases_citing

    retry_cases_citing(delivery.recipient, recorded.bill_numbers, actor)


@transaction.atomic
def record_manifest(document: CargoManifest, *, carrier: Organisation, office: Organisation,
                    message_id: uuid.UUID | None, actor: Actor, sent_by: str = "") -> Recorded:
    """Record an original, a change or a cancellation; ``CargoError`` (nothing written) when inconsistent."""
    sent_by = sent_by or carrier.code
    direction = document.type_code
    existing = (Manifest.objects.select_for_update().filter(
        carrier=carrier, direction=direction, reference=document.functional_reference_id).first())
    ref = document.functional_reference_id
    if document.function_code == ORIGINAL:
        if existing is not None:
            raise errors.conflict("cargo.manifest_exists",
                                  f"Manifest {ref} was already filed; send a change (function code 4).",
                                  f"艙單 {ref} 已申報；如需更正請以功能碼 4 傳送。")
        return _record_original(document, carrier, office, message_id, actor, sent_by)
    if existing is None or existing.cancelled:
        raise errors.conflict("cargo.no_manifest", f"There is no open manifest {ref} to change or cancel.",
                              f"查無可更正或撤銷之艙單 {ref}。")
    if existing.office_id != office.pk:
        raise errors.conflict("cargo.other_office", f"Manifest {ref} was filed with another customs office.",
                              f"艙單 {ref} 係向其他關區申報。")
    if document.function_code == CANCELLATION:
        return _cancel(existing, message_id, actor, sent_by)
    return _change(existing, document, message_id, actor, sent_by)


def _manifest_fields(document: CargoManifest) -> dict[str, Any]:
    means = document.border_transport_means
    return {
        "conveyance_reference": document.conveyance_reference_id or "",
        "transport_means": (means.name or means.id or "")[:70], "mode": means.mode_code or "",
        "arrival_at": as_datetime(document.arrival_date_time),
        "departure_at": as_datetime(document.departure_date_time),
    }


def _check_numbers_free(carrier: Organisation, direction: str, numbers: list[str], manifest: Manifest | None) -> None:
    taken = Bill.objects.filter(carrier=carrier, direction=direction)
    if manifest is not None:
        taken = taken.exclude(manifest=manifest)
    clash: list[str] = []
    for start in range(0, len(numbers), BATCH):
        clash += list(taken.filter(number__in=numbers[start:start + BATCH]).values_list("number", flat=True)[:5])
        if clash:
            break
    if clash:
        raise errors.conflict("cargo.bill_taken", f"Bill {clash[0]} is already on another of your manifests.",
                              f"提單號碼 {clash[0]} 已列於貴公司其他艙單。", detail=", ".join(clash[:5]))


def _insert_bills(manifest: Manifest, bills: list[BillData]) -> None:
    """Masters first (their ids are needed), then houses pointing at them: bulk inserts."""
    common = {"manifest": manifest, "carrier_id": manifest.carrier_id, "direction": manifest.direction}
    masters = [Bill(**common, **bill.row()) for bill in bills if bill.kind == Bill.Kind.MASTER]
    Bill.objects.bulk_create(masters, batch_size=BATCH)
    master_ids = dict(Bill.objects.filter(manifest=manifest, kind=Bill.Kind.MASTER).values_list("number", "pk"))
    _insert_plain([{"manifest": manifest.pk, "carrier": manifest.carrier_id, "direction": manifest.direction,
                    "master": master_ids[bill.master_number], "cancelled": False, "allocated": 0, "released": 0,
                    "gated_out": 0, **bill.row(), "kind": str(bill.kind)}
                   for bill in bills if bill.kind == Bill.Kind.HOUSE])


def _insert_plain(rows: list[dict[str, Any]]) -> None:
    """Insert bill rows in bulk: COPY on PostgreSQL, one prepared INSERT run for every row on SQLite.

    The ORM's ``bulk_create`` prepares every value of every row through its field, and a multi-row
    INSERT makes the driver parse tens of thousands of placeholders (together over a second for
    5,000 house bills); here only UUID keys are converted (on databases without a UUID type) and
    the rest are plain values both drivers take as they are.
    """
    if not rows:
        return
    names = tuple(rows[0])
    fields: list[models.Field[Any, Any]] = [Bill._meta.get_field(name) for name in names]  # type: ignore[misc]
    convert = [index for index, field in enumerate(fields)
               if isinstance(getattr(field, "target_field", field), models.UUIDField)]
    sql_rows = [[row[name] for name in names] for row in rows]
    if convert and not connection.features.has_native_uuid_field:
        for values in sql_rows:
            for index in convert:
                value = values[index]
                values[index] = value.hex if isinstance(value, uuid.UUID) else value
    quote = connection.ops.quote_name
    table = quote(Bill._meta.db_table)
    columns = ", ".join(quote(str(field.column)) for field in fields)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # COPY: no statement text to build or parse for thousands of placeholders.
            with cursor.cursor.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
                for values in sql_rows:
                    copy.write_row(values)
            return
        # Identifiers come from model metadata; values only travel as parameters.
        cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(['%s'] * len(names))})",  # noqa: S608
                           sql_rows)


def _record_original(document: CargoManifest, carrier: Organisation, office: Organisation,
                     message_id: uuid.UUID | None, actor: Actor, sent_by: str) -> Recorded:
    bills = bills_of(document)
    numbers = [bill.number for bill in bills]
    _check_numbers_free(carrier, document.type_code, numbers, None)
    now = timezone.now()
    manifest = Manifest.objects.create(
        carrier=carrier, reference=document.functional_reference_id, direction=document.type_code, office=office,
        message_id=message_id or uuid.uuid4(), created_at=now, updated_at=now, **_manifest_fields(document))
    _insert_bills(manifest, bills)
    version = ManifestVersion.objects.create(
        manifest=manifest, number=1, function_code=ORIGINAL, message_id=message_id, actor=sent_by[:200], at=now,
        changes=[{"bill": b.number, "field": "added", "old": None, "new": b.packages}
                 for b in bills[:MAX_LISTED_CHANGES]], change_count=len(bills),
        note=f"{len(bills)} bills")
    _evidence(manifest, "cargo.manifest_recorded", actor, message_id, version,
              ("recorded", "已登錄"), bills=len(bills))
    return Recorded(manifest, version, numbers)


def _locked_bills(manifest: Manifest) -> dict[str, Bill]:
    return {bill.number: bill for bill in Bill.objects.select_for_update(of=("self",)).filter(manifest=manifest)
            .select_related("master").prefetch_related("receipt").order_by("pk")}


def _in_use(bill: Bill) -> bool:
    return bill.allocated > 0 or hasattr(bill, "receipt") or bill.reports.filter(
        state__in=("filed", "confirmed")).exists()


def _cancel(manifest: Manifest, message_id: uuid.UUID | None, actor: Actor, sent_by: str) -> Recorded:
    bills = _locked_bills(manifest)
    used = [bill.number for bill in bills.values() if bill.allocated > 0 or hasattr(bill, "receipt")]
    if used:
        raise errors.conflict("cargo.bill_in_use",
                              f"Manifest {manifest.reference} cannot be cancelled: bill {used[0]} has arrived or "
                              "is matched to a declaration.",
                              f"艙單 {manifest.reference} 不得撤銷：提單 {used[0]} 已進倉或已與報單比對。")
    now = timezone.now()
    _release_waiting(list(bills.values()))
    Bill.objects.filter(manifest=manifest).delete()
    manifest.cancelled, manifest.version, manifest.updated_at = True, manifest.version + 1, now
    manifest.message_id = message_id or manifest.message_id
    manifest.save(update_fields=["cancelled", "version", "updated_at", "message_id"])
    version = ManifestVersion.objects.create(
        manifest=manifest, number=manifest.version, function_code=CANCELLATION, message_id=message_id,
        actor=sent_by[:200], at=now, changes=[{"bill": n, "field": "removed", "old": b.packages, "new": None}
                                             for n, b in list(bills.items())[:MAX_LISTED_CHANGES]],
        change_count=len(bills), note="cancelled")
    _evidence(manifest, "cargo.manifest_cancelled", actor, message_id, version, ("cancelled", "已撤銷"))
    return Recorded(manifest, version, [])


def _release_waiting(bills: list[Bill]) -> None:
    """Declarations waiting on bills about to go keep waiting for the bill number alone."""
    Allocation.objects.filter(bill__in=[b.pk for b in bills], state=Allocation.State.WAITING).update(bill=None)


def _current(bill: Bill) -> dict[str, Any]:
    return {"type_code": bill.type_code, "kind": bill.kind, "master_number": bill.master.number if bill.master else "",
            "sequence": bill.sequence, "packages": bill.packages, "package_type": bill.package_type,
            "gross_kg": bill.gross_kg, "goods": bill.goods, "consignee_name": bill.consignee_name,
            "consignee_id": bill.consignee_id, "warehouse_id": bill.warehouse_id}


def _plain(value: object) -> object:
    return str(value) if isinstance(value, Decimal | uuid.UUID) else value


def _change(manifest: Manifest, document: CargoManifest, message_id: uuid.UUID | None, actor: Actor,
            sent_by: str) -> Recorded:
    if document.type_code != manifest.direction:
        raise errors.invalid("cargo.direction_changed", "A change cannot turn an import manifest into an export "
                             "one (or back).", "更正不得變更進出口別。")
    wanted = {bill.number: bill for bill in bills_of(document)}
    have = _locked_bills(manifest)
    _check_numbers_free(manifest.carrier, manifest.direction, [n for n in wanted if n not in have], manifest)
    changes: list[dict[str, Any]] = []
    removed = [have[n] for n in have if n not in wanted]
    for bill in removed:
        if _in_use(bill):
            raise errors.conflict("cargo.bill_in_use",
                                  f"Bill {bill.number} cannot be removed: it has arrived, is under a short/over-landed"
                                  " report or is matched to a declaration.",
                                  f"提單 {bill.number} 不得刪除：已進倉、短溢卸報告處理中或已與報單比對。")
        changes.append({"bill": bill.number, "field": "removed", "old": bill.packages, "new": None})
    updated: list[Bill] = []
    for number, data in wanted.items():
        found = have.get(number)
        if found is None:
            changes.append({"bill": number, "field": "added", "old": None, "new": data.packages})
            continue
        bill = found
        before = _current(bill)
        diff = {name: getattr(data, name) for name in COMPARED if before[name] != getattr(data, name)}
        if not diff:
            continue
        if data.packages < bill.allocated:
            raise errors.conflict("cargo.below_allocated",
                                  f"Bill {number} cannot carry {data.packages} packages: {bill.allocated} are already "
                                  "matched to declarations.",
                                  f"提單 {number} 件數不得改為 {data.packages} 件："
                                  f"已有 {bill.allocated} 件與報單比對。")
        if "master_number" in diff or "kind" in diff:
            raise errors.invalid("cargo.bill_moved", f"Bill {number} cannot change its master bill or kind; remove "
                                 "it and file it again.", f"提單 {number} 不得變更主提單或種類；請刪除後重新申報。")
        changes += [{"bill": number, "field": name, "old": _plain(before[name]), "new": _plain(value)}
                    for name, value in diff.items()]
        for name, value in diff.items():
            setattr(bill, name, value)
        updated.append(bill)
    now = timezone.now()
    if removed:
        _release_waiting(removed)
        Bill.objects.filter(pk__in=[bill.pk for bill in removed]).delete()
    if updated:
        Bill.objects.bulk_update(updated, [n for n in COMPARED if n != "master_number"], batch_size=BATCH)
    added = [data for number, data in wanted.items() if number not in have]
    if added:
        masters = {n: b.pk for n, b in have.items() if b.kind == Bill.Kind.MASTER}
        common = {"manifest": manifest, "carrier_id": manifest.carrier_id, "direction": manifest.direction}
        new_masters = [Bill(**common, **b.row()) for b in added if b.kind == Bill.Kind.MASTER]
        Bill.objects.bulk_create(new_masters, batch_size=BATCH)
        masters.update(Bill.objects.filter(manifest=manifest, kind=Bill.Kind.MASTER).values_list("number", "pk"))
        Bill.objects.bulk_create([Bill(**common, master_id=masters[b.master_number], **b.row())
                                  for b in added if b.kind == Bill.Kind.HOUSE], batch_size=BATCH)
    for name, value in _manifest_fields(document).items():
        setattr(manifest, name, value)
    manifest.version += 1
    manifest.updated_at = now
    manifest.message_id = message_id or manifest.message_id
    manifest.save()
    version = ManifestVersion.objects.create(
        manifest=manifest, number=manifest.version, function_code=CHANGE, message_id=message_id, actor=sent_by[:200],
        at=now, changes=changes[:MAX_LISTED_CHANGES], change_count=len(changes), note=f"{len(changes)} changes")
    _evidence(manifest, "cargo.manifest_changed", actor, message_id, version, ("changed", "已更正"),
              changes=len(changes))
    return Recorded(manifest, version, [b.number for b in added] + [b.number for b in updated])


def _evidence(manifest: Manifest, kind: str, actor: Actor, message_id: uuid.UUID | None, version: ManifestVersion,
              done: tuple[str, str], **extra: object) -> None:
    office = manifest.office
    record_state_change(
        organisation=office, kind=kind, ucr=None, message_id=message_id,
        fields={"carrier": manifest.carrier.code, "reference": manifest.reference, "direction": manifest.direction,
                "version": version.number, "actor": actor.label[:200], **extra},
        title_en=f"{office.name_en}: manifest {manifest.reference} of {manifest.carrier.name_en} {done[0]} "
                 f"(version {version.number})",
        title_zh=f"{office.name_zh or office.name_en}：{manifest.carrier.name_zh or manifest.carrier.name_en}艙單 "
                 f"{manifest.reference} {done[1]}（第 {version.number} 版）")


def waiting_allocations(office: Organisation, numbers: list[str]) -> list[int]:
    """Customs cases at ``office`` waiting for one of these bills."""
    waiting = Allocation.objects.filter(office=office, state=Allocation.State.WAITING)
    if not numbers or not waiting.exists():
        return []
    found: list[int] = []
    for start in range(0, len(numbers), BATCH):
        found += list(waiting.filter(bill_number__in=numbers[start:start + BATCH]).values_list("case_id", flat=True))
    return found


__all__ = ["Direction", "Recorded", "bills_of", "handle_manifest_delivery", "record_manifest"]
