"""The permit quantity ledger: verify a declaration item against a permit and write it off, or
restore a cancelled declaration's write-offs.

Concurrency: the first round trip locks every line of the permit (``SELECT … FOR UPDATE``, in
primary-key order like every other lock on lines) and reads their balances, then reads this
item's earlier write-off in a statement of its own, so with a fresh snapshot taken after the
locks. Any other write-off of the permit holds one of those locks until it commits, so what this
transaction reads is final: two declarations racing for the last balance are served one after
the other and exactly one wins, and a retry that arrives while the first request is still
running waits and then finds the first answer. The write-off row's unique key (permit, office,
declaration, item) is the last line of defence. Every write-off, restore and refusal is an
evidence entry written in the same transaction; the evidence lock is taken last, so it is held
for as short a time as possible.

Round trips of a write-off on PostgreSQL: BEGIN with the locked lines, the earlier write-off and
a reserved write-off id; the new balance and the write-off row, then the evidence entry with the
row's answer, which cites it; COMMIT.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, models, transaction
from django.utils import timezone

from singlewindow.datamodel.codelists import normalise_hs
from singlewindow.datamodel.identifiers import is_digits
from singlewindow.exchange.evidence import AppendedEntry, seq_param, seq_sql
from singlewindow.exchange.rows import Batch, insert_rows, next_id_statement, update_statement
from singlewindow.exchange.services import StateChange, record_state_changes
from singlewindow.permits.errors import REFUSALS, PermitError, PermitErrorCode, Refusal
from singlewindow.permits.models import (
    QUANTITY_DIGITS,
    QUANTITY_PLACES,
    Permit,
    PermitLine,
    PermitStatus,
    WriteOff,
    WriteOffState,
)
from singlewindow.registry.actors import Actor
from singlewindow.registry.cache import TTLCache
from singlewindow.registry.models import Organisation, OrganisationRole

OK, REFUSED = "ok", "refused"
_UNIT = re.compile(r"^[A-Z0-9]{1,3}(#[A-Z0-9])?\Z")
_MAX_QUANTITY = Decimal(10) ** (QUANTITY_DIGITS - QUANTITY_PLACES)


@dataclass(frozen=True)
class Verification:
    """The authoritative answer (``result``, JSON-ready: what the Single Window signs) and
    whether it is the earlier answer to the same request, given again."""

    result: dict[str, Any]
    replayed: bool = False

    @property
    def ok(self) -> bool:
        return bool(self.result["outcome"] == OK)

    @property
    def code(self) -> str | None:
        code = self.result["code"]
        return str(code) if code is not None else None


@dataclass(frozen=True)
class _Request:
    permit_number: str
    agency: str
    holder: str
    hs_code: str
    quantity: Decimal
    unit: str
    declaration_ref: str
    item_sequence: int
    on: datetime

    def echo(self, office: Organisation) -> dict[str, Any]:
        return {"permit_number": self.permit_number, "agency": self.agency, "holder": self.holder,
                "hs_code": self.hs_code, "quantity": plain(self.quantity), "unit": self.unit,
                "declaration_reference": self.declaration_ref, "item_sequence": self.item_sequence,
                "office": office.code, "on": self.on.isoformat()}


def plain(value: Decimal) -> str:
    """A quantity as plain text without trailing zeros (``10``, ``2.5``)."""
    text = format(value, "f")
    return text.rstrip("0").rstrip(".") if "." in text else text


_offices: TTLCache[bool] = TTLCache()


def customs_office_of(actor: Actor) -> Organisation:
    """The customs office acting; anyone else is refused (roles read through the registry's short cache)."""
    office = actor.organisation
    if office is None or not _offices.get(office.pk, lambda: OrganisationRole.CUSTOMS_OFFICE in office.role_codes):
        raise PermitError(PermitErrorCode.NOT_CUSTOMS_OFFICE)
    return office


def _bad(detail: str) -> PermitError:
    return PermitError(PermitErrorCode.BAD_REQUEST, detail)


def _text(value: str, name: str, longest: int) -> str:
    text = value.strip() if isinstance(value, str) else ""
    if not 1 <= len(text) <= longest:
        raise _bad(f"{name} must be 1 to {longest} characters")
    return text


def _request(*, permit_number: str, agency: str, holder: str, hs_code: str, quantity: Decimal, unit: str,
             declaration_ref: str, item_seq: int, on: datetime | None) -> _Request:
    """The request checked for shape; a malformed one is refused before anything is read."""
    code = normalise_hs(hs_code) if isinstance(hs_code, str) else ""
    if not (is_digits(code) and 6 <= len(code) <= 10):
        raise _bad("the HS code must have 6 to 10 digits")
    try:
        amount = Decimal(quantity)
    except (InvalidOperation, TypeError, ValueError):
        raise _bad("the quantity is not a number") from None
    if not amount.is_finite() or amount <= 0 or amount >= _MAX_QUANTITY \
            or amount != amount.quantize(Decimal(1).scaleb(-QUANTITY_PLACES), rounding="ROUND_DOWN"):
        raise _bad(f"the quantity must be above 0, below {_MAX_QUANTITY:,}, with at most {QUANTITY_PLACES} decimals")
    unit_code = unit.strip().upper() if isinstance(unit, str) else ""
    if not _UNIT.match(unit_code):
        raise _bad("the unit must be a UN/ECE Rec 20 code")
    if isinstance(item_seq, bool) or not isinstance(item_seq, int) or not 0 <= item_seq <= 99999:
        raise _bad("the item sequence must be a whole number from 0 to 99999")
    moment = on or timezone.now()
    if timezone.is_naive(moment):
        raise _bad("the time must carry its time zone")
    return _Request(permit_number=_text(permit_number, "the permit number", 35), agency=_text(agency, "agency", 40),
                    holder=_text(holder, "the holder", 17), hs_code=code, quantity=amount, unit=unit_code,
                    declaration_ref=_text(declaration_ref, "the declaration reference", 70),
                    item_sequence=item_seq, on=moment)


@transaction.atomic
def verify_and_write_off(*, permit_number: str, agency: str, holder: str, hs_code: str, quantity: Decimal,
                         unit: str, declaration_ref: str, item_seq: int, actor: Actor, on: datetime | None = None,
                         ucr: str | None = None, message_id: uuid.UUID | None = None) -> Verification:
    """Is permit ``permit_number`` of ``agency`` valid for this item and quantity? If so, write it off.

    ``agency`` is the agency's organisation code, ``holder`` the importer's or exporter's
    business ID, ``on`` the moment that counts for validity (default: now). The actor must be
    a customs office; ``declaration_ref`` is its reference for the declaration. The answer is
    ``ok`` with the line and its new balance, or ``refused`` with a stable code; asking again
    for the same declaration item gives the first answer again.
    """
    office = customs_office_of(actor)
    request = _request(permit_number=permit_number, agency=agency, holder=holder, hs_code=hs_code,
                       quantity=quantity, unit=unit, declaration_ref=declaration_ref, item_seq=item_seq, on=on)
    loaded = _load(request, office)
    lines, earlier = loaded.lines, loaded.earlier
    if not lines:
        return _refuse(request, office, actor, Refusal.UNKNOWN_PERMIT, None, ucr, message_id)
    permit = lines[0].permit
    if earlier is not None:
        return _answer_again(earlier, request, office, actor, ucr, message_id)
    refusal = _permit_refusal(permit, request)
    if refusal is None:
        lines = _covering(lines, request.hs_code)
        refusal = Refusal.WRONG_HS_CODE if not lines else None
    if refusal is None:
        lines = [line for line in lines if line.unit == request.unit]
        refusal = Refusal.UNIT_MISMATCH if not lines else None
    if refusal is not None:
        return _refuse(request, office, actor, refusal, permit, ucr, message_id)
    for line in lines:
        if line.balance >= request.quantity:
            return _write_off(line, request, office, actor, ucr, message_id, loaded.reserved_id)
    return _refuse(request, office, actor, Refusal.OVER_QUANTITY, permit, ucr, message_id,
                   detail={"balance": plain(max(line.balance for line in lines))})


_LINE = ("id", "permit", "sequence", "hs_code", "description", "unit", "granted", "balance")
_PERMIT = ("id", "agency", "number", "holder_business_id", "status", "valid_from", "valid_to")
_AGENCY = ("id", "code", "name_en", "name_zh")
_WRITE_OFF = ("id", "permit", "line", "office", "declaration_ref", "item_sequence", "quantity", "unit", "state",
              "result")


@dataclass(frozen=True)
class _Part:
    """One model's columns in a read, in the model's field order as ``Model.from_db`` expects
    them: their attribute names and each column's converters."""

    model: type[models.Model]
    attnames: list[str]
    columns: list[tuple[Any, list[Any]]]

    def instance(self, values: Sequence[Any]) -> Any:
        converted = []
        for (col, converters), value in zip(self.columns, values, strict=True):
            for converter in converters:
                value = converter(value, col, connection)
            converted.append(value)
        return self.model.from_db(DEFAULT_DB_ALIAS, self.attnames, converted)


@dataclass(frozen=True)
class _Reads:
    lines: str
    earlier: str
    line: _Part
    permit: _Part
    agency: _Part
    write_off: _Part


_READS: dict[str, _Reads] = {}


def _reads() -> _Reads:
    """The reads of a verification as SQL built once per database vendor, with each column's converters.

    The ORM would compile the queries anew on every call, a large share of a verification's
    CPU time; the values are converted exactly as the ORM converts them.
    """
    found = _READS.get(connection.vendor)
    if found is not None:
        return found
    quote = connection.ops.quote_name
    parts: list[_Part] = []
    selected = []
    for model, wanted, alias in ((PermitLine, _LINE, "l"), (Permit, _PERMIT, "p"), (Organisation, _AGENCY, "a"),
                                 (WriteOff, _WRITE_OFF, "w")):
        fields = [f for f in model._meta.concrete_fields if f.name in wanted]
        columns = []
        for field in fields:
            col = field.get_col(alias)
            columns.append((col, connection.ops.get_db_converters(col) + col.get_db_converters(connection)))
            selected.append(f"{alias}.{quote(str(field.column))}")
        parts.append(_Part(model, [f.attname for f in fields], columns))
    line_t, permit_t, org_t, wo_t = (quote(m._meta.db_table) for m in (PermitLine, Permit, Organisation, WriteOff))
    pk, permit_id, agency_id = quote("id"), quote("permit_id"), quote("agency_id")
    of_permit = f"JOIN {org_t} a ON a.{pk} = p.{agency_id} WHERE a.{quote('code')} = %s AND p.{quote('number')} = %s"
    head = len(_LINE) + len(_PERMIT) + len(_AGENCY)
    # Every line of the permit is locked, in primary-key order as every lock on lines is taken.
    lock = " FOR UPDATE OF l" if connection.features.has_select_for_update_of else ""
    # Identifiers come from model metadata, values only ever travel as parameters.
    lines = (f"SELECT {', '.join(selected[:head])} FROM {line_t} l JOIN {permit_t} p ON p.{pk} = l.{permit_id} "  # noqa: S608
             f"{of_permit} ORDER BY l.{pk}{lock}")
    earlier = (f"SELECT {', '.join(selected[head:])} FROM {wo_t} w JOIN {permit_t} p ON p.{pk} = w.{permit_id} "  # noqa: S608
               f"{of_permit} AND w.{quote('office_id')} = %s AND w.{quote('declaration_ref')} = %s "
               f"AND w.{quote('item_sequence')} = %s")
    found = _READS[connection.vendor] = _Reads(lines, earlier, *parts)
    return found


@dataclass(frozen=True)
class _Loaded:
    lines: list[PermitLine]
    earlier: WriteOff | None
    reserved_id: int | None


def _load(request: _Request, office: Organisation) -> _Loaded:
    """In one round trip: the permit's lines, locked, with their permit and agency (by line sequence);
    this item's earlier write-off, read after the locks are held; and, where the database has
    sequences, the id a new write-off row will take (a refusal leaves it unused: ids may skip)."""
    reads = _reads()
    batch = Batch()
    key = [request.agency, request.permit_number]
    batch.add(reads.lines, key)
    office_id = WriteOff._meta.get_field("office").get_db_prep_value(office.pk, connection)
    batch.add(reads.earlier, [*key, office_id, request.declaration_ref, request.item_sequence])
    reserve = next_id_statement(WriteOff)
    if reserve is not None:
        batch.add(*reserve)
    results = batch.run()
    line_rows, earlier_rows = results[0], results[1]
    reserved_id = int(results[2][0][0]) if reserve is not None else None
    if not line_rows:
        return _Loaded([], None, reserved_id)
    first, to_agency, to_line = line_rows[0], len(_LINE) + len(_PERMIT), len(_LINE)
    permit = reads.permit.instance(first[to_line:to_agency])
    permit.agency = reads.agency.instance(first[to_agency:])
    lines = []
    for row in line_rows:
        line = reads.line.instance(row[:to_line])
        line.permit = permit
        lines.append(line)
    lines.sort(key=lambda line: line.sequence)
    earlier = None
    if earlier_rows:
        earlier = reads.write_off.instance(earlier_rows[0])
        earlier.permit = permit
    return _Loaded(lines, earlier, reserved_id)


def _permit_refusal(permit: Permit, request: _Request) -> Refusal | None:
    if permit.holder_business_id != request.holder:
        return Refusal.NOT_HOLDER
    if permit.status == PermitStatus.REVOKED:
        return Refusal.REVOKED
    if permit.status == PermitStatus.SUSPENDED:
        return Refusal.SUSPENDED
    if request.on < permit.valid_from:
        return Refusal.NOT_YET_VALID
    if permit.valid_to is not None and request.on > permit.valid_to:
        return Refusal.EXPIRED
    return None


def _covering(lines: list[PermitLine], hs_code: str) -> list[PermitLine]:
    """The lines whose HS code the declared code starts with, the most specific first."""
    found = [line for line in lines if hs_code.startswith(line.hs_code)]
    longest = max((len(line.hs_code) for line in found), default=0)
    return [line for line in found if len(line.hs_code) == longest]


def _write_off(line: PermitLine, request: _Request, office: Organisation, actor: Actor, ucr: str | None,
               message_id: uuid.UUID | None, reserved_id: int | None) -> Verification:
    """Write the quantity off ``line`` (locked, its balance enough) with its evidence entry.

    The new balance and the write-off row ride with the evidence head update, before it, so the
    row's indexes are written before the lock is taken; the answer citing the entry is set with
    the entry (an update of unindexed columns). Without a reserved id (SQLite, where a round trip
    is a call within the process) the row is inserted on its own first.
    """
    after = line.balance - request.quantity
    now = timezone.now()
    first = Batch()
    first.add(*update_statement(PermitLine, line.pk, {"balance": after}))
    row: dict[str, Any] = {
        "permit": line.permit_id, "line": line.pk, "office": office.pk, "declaration_ref": request.declaration_ref,
        "item_sequence": request.item_sequence, "quantity": request.quantity, "unit": request.unit,
        "state": WriteOffState.WRITTEN_OFF, "at": now, "by": actor.label[:200], "message_id": message_id,
        "ucr": ucr or "", "result": {}, "evidence_seq": None, "restored_at": None, "restored_by": "",
    }
    if reserved_id is not None:
        write_off_id = reserved_id
        first.insert(WriteOff, [{"id": reserved_id, **row}])
    else:
        write_off_id = insert_rows(WriteOff, [row], returning="id")[0]
    permit, agency = line.permit, line.permit.agency
    result: dict[str, Any] = {
        **_base(request, office, OK, None), "line": line.sequence, "granted": plain(line.granted),
        "balance": plain(after), "write_off": write_off_id, "at": now.isoformat(),
    }
    change = StateChange(
        organisation=agency, kind="permits.written_off", ucr=ucr, message_id=message_id, at=now,
        fields={"permit": permit.number, "line": line.sequence, "office": office.code,
                "declaration": request.declaration_ref, "item": request.item_sequence,
                "quantity": plain(request.quantity), "unit": request.unit, "balance": plain(after),
                "write_off": write_off_id, "actor": actor.label[:200]},
        title_en=f"{agency.name_en}: permit {permit.number} line {line.sequence}: {plain(request.quantity)} "
                 f"{request.unit} written off for declaration {request.declaration_ref} item "
                 f"{request.item_sequence}, {plain(after)} left",
        title_zh=f"{agency.name_zh or agency.name_en}：許可證 {permit.number} 第 {line.sequence} 項扣帳 "
                 f"{plain(request.quantity)} {request.unit}（報單 {request.declaration_ref} 第 "
                 f"{request.item_sequence} 項），餘 {plain(after)}",
    )

    def then(entries: list[AppendedEntry], batch: Batch) -> None:
        batch.add(*_cite_entry(write_off_id, result, entries[0]))

    entries, _ = record_state_changes([change], first=first, then=then)
    result["evidence_seq"] = entries[0].seq
    return Verification(result)


def _cite_entry(write_off_id: int, result: dict[str, Any], entry: AppendedEntry) -> tuple[str, list[Any]]:
    """The update storing the answer and the entry it cites, queued with the entry: its sequence
    number is known only to the database then, which writes it into the answer too."""
    quote = connection.ops.quote_name
    table = quote(WriteOff._meta.db_table)
    cited = ("jsonb_set(%s::jsonb, '{evidence_seq}', to_jsonb(seq))" if connection.vendor == "postgresql"
             else "json_set(%s, '$.evidence_seq', seq)")
    # Identifiers come from model metadata; the values travel as parameters.
    sql = (f"UPDATE {table} SET result = {cited}, evidence_seq = seq "  # noqa: S608
           f"FROM (SELECT {seq_sql()} AS seq) AS entry WHERE id = %s")
    stored = WriteOff._meta.get_field("result").get_db_prep_save(result, connection)
    return sql, [stored, seq_param(entry), write_off_id]


def _record(change: StateChange, result: dict[str, Any]) -> None:
    """A refusal's evidence entry; the answer cites it."""
    entries, _ = record_state_changes([change])
    result["evidence_seq"] = entries[0].seq


def _base(request: _Request, office: Organisation, outcome: str, refusal: Refusal | None) -> dict[str, Any]:
    en, zh = REFUSALS[refusal] if refusal is not None else ("The permit covers this item; written off.",
                                                            "許可證涵蓋本項貨物，已扣帳。")
    return {"outcome": outcome, "code": str(refusal) if refusal is not None else None,
            "message": {"en": en, "zh-Hant": zh}, "request": request.echo(office), "line": None,
            "granted": None, "balance": None, "write_off": None}


def _refuse(request: _Request, office: Organisation, actor: Actor, refusal: Refusal, permit: Permit | None,
            ucr: str | None, message_id: uuid.UUID | None, detail: dict[str, Any] | None = None) -> Verification:
    now = timezone.now()
    result = {**_base(request, office, REFUSED, refusal), "at": now.isoformat(), **(detail or {})}
    organisation = permit.agency if permit is not None else office
    en, zh = REFUSALS[refusal]
    _record(StateChange(
        organisation=organisation, kind="permits.refused", ucr=ucr, message_id=message_id, at=now,
        fields={"permit": request.permit_number, "agency": request.agency, "office": office.code,
                "declaration": request.declaration_ref, "item": request.item_sequence, "code": str(refusal),
                "quantity": plain(request.quantity), "unit": request.unit, "actor": actor.label[:200]},
        title_en=f"Permit {request.permit_number} refused for declaration {request.declaration_ref} item "
                 f"{request.item_sequence}: {en}",
        title_zh=f"許可證 {request.permit_number} 不適用於報單 {request.declaration_ref} 第 {request.item_sequence} "
                 f"項：{zh}",
    ), result)
    return Verification(result)


def _answer_again(earlier: WriteOff, request: _Request, office: Organisation, actor: Actor, ucr: str | None,
                  message_id: uuid.UUID | None) -> Verification:
    """A retry gets the first answer; a different request for the same item is refused."""
    asked = earlier.result.get("request", {})
    same = (earlier.state == WriteOffState.WRITTEN_OFF and earlier.quantity == request.quantity
            and earlier.unit == request.unit and asked.get("hs_code") == request.hs_code
            and asked.get("holder") == request.holder)
    if same:
        return Verification(earlier.result, replayed=True)
    return _refuse(request, office, actor, Refusal.ALREADY_WRITTEN_OFF, earlier.permit, ucr, message_id,
                   detail={"earlier": {"quantity": plain(earlier.quantity), "unit": earlier.unit,
                                       "state": earlier.state, "write_off": earlier.pk}})


@transaction.atomic
def restore(declaration_ref: str, *, actor: Actor, ucr: str | None = None,
            message_id: uuid.UUID | None = None) -> list[WriteOff]:
    """Give back every quantity a cancelled declaration wrote off; again, it restores nothing more."""
    office = customs_office_of(actor)
    reference = _text(declaration_ref, "the declaration reference", 70)
    rows = list(WriteOff.objects.select_for_update(of=("self",)).select_related("permit__agency").filter(
        office=office, declaration_ref=reference, state=WriteOffState.WRITTEN_OFF).order_by("pk"))
    if not rows:
        return []
    lines = {line.pk: line for line in PermitLine.objects.select_for_update().filter(
        pk__in=sorted({row.line_id for row in rows})).order_by("pk")}
    now = timezone.now()
    first = Batch()
    changes = []
    for row in rows:
        line = lines[row.line_id]
        line.balance += row.quantity
        row.state, row.restored_at, row.restored_by = WriteOffState.RESTORED, now, actor.label[:200]
        first.add(*update_statement(WriteOff, row.pk, {"state": row.state, "restored_at": now,
                                                        "restored_by": row.restored_by}))
        agency = row.permit.agency
        changes.append(StateChange(
            organisation=agency, kind="permits.restored", ucr=ucr or row.ucr or None, message_id=message_id, at=now,
            fields={"permit": row.permit.number, "line": line.sequence, "office": office.code,
                    "declaration": reference, "item": row.item_sequence, "quantity": plain(row.quantity),
                    "unit": row.unit, "balance": plain(line.balance), "write_off": row.pk,
                    "actor": actor.label[:200]},
            title_en=f"{agency.name_en}: permit {row.permit.number} line {line.sequence}: {plain(row.quantity)} "
                     f"{row.unit} restored (declaration {reference} cancelled)",
            title_zh=f"{agency.name_zh or agency.name_en}：許可證 {row.permit.number} 第 {line.sequence} 項回沖 "
                     f"{plain(row.quantity)} {row.unit}（報單 {reference} 已撤銷）",
        ))
    for line in lines.values():
        first.add(*update_statement(PermitLine, line.pk, {"balance": line.balance}))
    record_state_changes(changes, first=first)
    return rows

