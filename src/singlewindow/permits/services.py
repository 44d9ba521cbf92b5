"""Writes on the permit register: an agency's decision makes or amends a permit, the agency
suspends or revokes it, and the exemptions are kept. The quantity ledger (write-off, restore)
is in ``ledger``."""

from __future__ import annotations

import uuid
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import transaction
from django.utils import timezone

from singlewindow.codelists.models import PermitType, RegulationCode
from singlewindow.datamodel.datasets.base import Quantity
from singlewindow.datamodel.datasets.common import Party
from singlewindow.datamodel.datasets.permits import GrantedGoodsItem, PermitDecision
from singlewindow.exchange.services import record_state_change
from singlewindow.permits.errors import PermitError, PermitErrorCode
from singlewindow.permits.models import Exemption, Permit, PermitLine, PermitStatus
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.registry.selectors import organisations_by_business_ids
from singlewindow.registry.services import record_audit

TAIPEI = ZoneInfo("Asia/Taipei")
GRANTING = frozenset({"approved", "partially_approved"})


def start_of(moment: date | datetime) -> datetime:
    """A validity start: a date means from its first moment in Taipei."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time.min, tzinfo=TAIPEI)


def end_of(moment: date | datetime) -> datetime:
    """A validity end (inclusive): a date means up to its last moment in Taipei."""
    if isinstance(moment, datetime):
        return moment
    return datetime.combine(moment, time.max, tzinfo=TAIPEI)


def require_agency(agency: Organisation, actor: Actor) -> None:
    """The agency itself (or the Single Window) acts on its permits, and it must be a permit agency."""
    if OrganisationRole.PERMIT_AGENCY not in agency.role_codes:
        raise PermitError(PermitErrorCode.NOT_AGENCY, f"{agency.code} is not a permit agency")
    if not actor.is_system and (actor.organisation is None or actor.organisation.pk != agency.pk):
        raise PermitError(PermitErrorCode.NOT_AGENCY)


def _bad(detail: str) -> PermitError:
    return PermitError(PermitErrorCode.BAD_DECISION, detail)


def _check_lines(items: list[GrantedGoodsItem]) -> None:
    if not items:
        raise _bad("an approval grants at least one goods line")
    sequences = [item.sequence_numeric for item in items]
    if len(set(sequences)) != len(sequences):
        raise _bad("goods line sequence numbers repeat")
    for item in items:
        if not item.quantity.unit_code:
            raise _bad(f"goods line {item.sequence_numeric} gives no unit for its quantity")
        if item.quantity.value <= 0:
            raise _bad(f"goods line {item.sequence_numeric} grants no quantity")


def _regulation(code: str, agency: Organisation) -> RegulationCode:
    regulation = RegulationCode.objects.filter(code=code.strip().upper()).first()
    if regulation is None or (regulation.agency_code and regulation.agency_code != agency.code):
        raise PermitError(PermitErrorCode.UNKNOWN_REGULATION, code[:10])
    if regulation.permit_type == PermitType.PROHIBITION:
        raise _bad(f"regulation {regulation.code} prohibits the goods: no permit can be issued under it")
    return regulation


@transaction.atomic
def record_decision(decision: PermitDecision, *, agency: Organisation, regulation_code: str, actor: Actor,
                    type_code: str = "", message_id: uuid.UUID | None = None) -> Permit | None:
    """Make or amend the permit an agency's decision grants; a rejection or a request for
    information grants nothing and makes none.

    An amended decision (same permit number) replaces the validity and the goods lines: a
    line keeps what declarations already used, so its new granted quantity may not be less
    than that, and a line already used may not be dropped.
    """
    require_agency(agency, actor)
    if decision.decision_code not in GRANTING:
        return None
    if not decision.permit_id:
        raise _bad("an approval names the permit number")
    if not decision.applicant.id:
        raise _bad("the applicant's ID (the permit holder) is missing")
    _check_lines(decision.goods_item)
    regulation = _regulation(regulation_code, agency)
    valid_from = start_of(decision.effective_date_time or decision.issue_date_time)
    valid_to = end_of(decision.expiry_date_time) if decision.expiry_date_time else None
    if valid_to is not None and valid_to < valid_from:
        raise _bad("the permit would expire before it takes effect")
    holders = organisations_by_business_ids([decision.applicant.id])
    now = timezone.now()
    fields: dict[str, Any] = {
        "permit_type": regulation.permit_type, "type_code": type_code.strip().upper()[:3], "regulation": regulation,
        "holder_business_id": decision.applicant.id, "holder_name": decision.applicant.name or "",
        "holder": holders[0] if holders else None, "valid_from": valid_from, "valid_to": valid_to,
        "decision_code": decision.decision_code, "decision_reference": decision.functional_reference_id,
        "application_reference": decision.application_reference_id, "decision_message_id": message_id,
        "ucr": decision.ucr or "", "updated_at": now,
    }
    permit = Permit.objects.select_for_update().filter(agency=agency, number=decision.permit_id).first()
    if permit is None:
        permit = Permit.objects.create(agency=agency, number=decision.permit_id, issued_at=now, **fields)
        PermitLine.objects.bulk_create([
            PermitLine(permit=permit, sequence=item.sequence_numeric, hs_code=item.classification_id,
                       description=item.description or "", unit=(item.quantity.unit_code or "").upper(),
                       granted=item.quantity.value, balance=item.quantity.value)
            for item in decision.goods_item])
        kind, en, zh = "permits.issued", "issued", "核發"
    else:
        for name, value in fields.items():
            setattr(permit, name, value)
        permit.save(update_fields=list(fields))
        _replace_lines(permit, decision.goods_item)
        kind, en, zh = "permits.amended", "amended", "變更"
    record_state_change(
        organisation=agency, kind=kind, ucr=decision.ucr, message_id=message_id,
        fields={"permit": permit.number, "regulation": regulation.code, "holder": permit.holder_business_id,
                "decision": decision.functional_reference_id, "lines": len(decision.goods_item),
                "valid_to": valid_to.isoformat() if valid_to else None, "actor": actor.label[:200]},
        title_en=f"{agency.name_en}: permit {permit.number} {en}",
        title_zh=f"{agency.name_zh or agency.name_en}：許可證 {permit.number} 已{zh}",
    )
    return permit


def _replace_lines(permit: Permit, items: list[GrantedGoodsItem]) -> None:
    """Apply an amended decision's lines, keeping what was used (balance moves with granted)."""
    current = {line.sequence: line for line in PermitLine.objects.select_for_update().filter(
        permit=permit).order_by("pk")}
    wanted = {item.sequence_numeric: item for item in items}
    for sequence, line in current.items():
        if sequence not in wanted and line.write_offs.exists():
            raise PermitError(PermitErrorCode.LINES_IN_USE, f"line {sequence} was written off by declarations")
    for sequence, item in wanted.items():
        unit = (item.quantity.unit_code or "").upper()
        existing = current.get(sequence)
        if existing is None:
            PermitLine.objects.create(permit=permit, sequence=sequence, hs_code=item.classification_id,
                                      description=item.description or "", unit=unit,
                                      granted=item.quantity.value, balance=item.quantity.value)
            continue
        line = existing
        balance = line.balance + (item.quantity.value - line.granted)
        used = line.granted != line.balance
        if balance < 0 or (used and (line.hs_code, line.unit) != (item.classification_id, unit)):
            raise PermitError(PermitErrorCode.LINES_IN_USE,
                              f"line {sequence}: {line.used} {line.unit} already used")
        line.hs_code, line.unit, line.granted, line.balance = item.classification_id, unit, item.quantity.value, balance
        line.description = item.description or line.description
        line.save(update_fields=["hs_code", "unit", "granted", "balance", "description"])
    PermitLine.objects.filter(permit=permit).exclude(sequence__in=list(wanted)).delete()


@transaction.atomic
def change_permit_status(permit: Permit, *, status: str, actor: Actor, reason: str = "") -> Permit:
    """The agency suspends, reinstates or revokes a permit; a revoked permit stays revoked."""
    if status not in PermitStatus.values:
        raise PermitError(PermitErrorCode.BAD_REQUEST, f"unknown status {status[:20]!r}")
    permit = Permit.objects.select_for_update().select_related("agency").get(pk=permit.pk)
    require_agency(permit.agency, actor)
    if permit.status == status:
        return permit
    if permit.status == PermitStatus.REVOKED:
        raise PermitError(PermitErrorCode.BAD_REQUEST, "a revoked permit cannot be used again")
    previous = permit.status
    permit.status, permit.status_reason, permit.updated_at = status, reason[:500], timezone.now()
    permit.save(update_fields=["status", "status_reason", "updated_at"])
    agency = permit.agency
    record_state_change(
        organisation=agency, kind=f"permits.{status}", ucr=None,
        fields={"permit": permit.number, "from": previous, "to": status, "reason": reason[:500],
                "actor": actor.label[:200]},
        title_en=f"{agency.name_en}: permit {permit.number} {PermitStatus(status).label}",
        title_zh=f"{agency.name_zh or agency.name_en}：許可證 {permit.number} 狀態改為 {status}",
    )
    return permit


@transaction.atomic
def define_exemption(*, regulation_code: str, actor: Actor, basis_en: str, basis_zh: str = "",
                     max_cif_value_twd: Decimal | None = None, procedure_codes: str = "",
                     valid_from: date | None = None, valid_to: date | None = None) -> Exemption:
    """Record an exemption (data an officer keeps): a regulation waived up to a value and/or under procedures."""
    regulation = RegulationCode.objects.filter(code=regulation_code.strip().upper()).first()
    if regulation is None:
        raise PermitError(PermitErrorCode.UNKNOWN_REGULATION, regulation_code[:10])
    codes = " ".join(dict.fromkeys(procedure_codes.upper().split()))
    if max_cif_value_twd is None and not codes:
        raise PermitError(PermitErrorCode.BAD_REQUEST, "give a maximum value, procedure codes, or both")
    if max_cif_value_twd is not None and (not max_cif_value_twd.is_finite() or max_cif_value_twd < 0
                                          or max_cif_value_twd >= Decimal(10) ** 16):
        raise PermitError(PermitErrorCode.BAD_REQUEST, "the maximum value must be a whole NT$ amount from 0")
    if len(codes) > 200 or any(not code.isalnum() or len(code) > 7 for code in codes.split()):
        raise PermitError(PermitErrorCode.BAD_REQUEST, "procedure codes are letters and digits, up to 7 each")
    if valid_from and valid_to and valid_to < valid_from:
        raise PermitError(PermitErrorCode.BAD_REQUEST, "the validity cannot end before it starts")
    if not basis_en.strip():
        raise PermitError(PermitErrorCode.BAD_REQUEST, "give the legal basis")
    exemption = Exemption.objects.create(
        regulation=regulation, max_cif_value_twd=max_cif_value_twd.quantize(Decimal(1))
        if max_cif_value_twd is not None else None, procedure_codes=codes, valid_from=valid_from,
        valid_to=valid_to, basis_en=basis_en.strip()[:300], basis_zh=basis_zh.strip()[:300])
    record_audit(actor_user=actor.user, action="create", obj=exemption, changes={
        "regulation": regulation.code, "max_cif_value_twd": str(exemption.max_cif_value_twd),
        "procedure_codes": codes, "valid_from": str(valid_from), "valid_to": str(valid_to)})
    return exemption


DEMO_PERMIT = "BSMI-DEMO-0001"


@transaction.atomic
def load_demo_permits(*, actor: Actor) -> Permit | None:
    """Demo data: the demo trader's commodity-inspection clearance (C02, BSMI) for portable
    computers and battery packs, which the example declaration cites, so the tour shows a permit
    verified and written off. Safe to run again; nothing without the demo's BSMI."""
    agency = Organisation.objects.filter(code="tw-bsmi").first()
    if agency is None or Permit.objects.filter(agency=agency, number=DEMO_PERMIT).exists():
        return None
    now = timezone.now()
    decision = PermitDecision(
        functional_reference_id="BSMI-DEC-DEMO-1", application_reference_id="BSMI-APP-DEMO-1",
        decision_code="approved", issue_date_time=now, permit_id=DEMO_PERMIT,
        expiry_date_time=now + timedelta(days=366),
        applicant=Party(id="30000002", name="Formosa Electronics Co., Ltd."),
        goods_item=[
            GrantedGoodsItem(sequence_numeric=n, classification_id=hs, description=text,
                             quantity=Quantity(value=Decimal(100_000), unit_code="PCE"))
            for n, hs, text in ((1, "84713000", "Portable computers (demo)"),
                                (2, "85076000", "Lithium-ion battery packs (demo)"))],
    )
    return record_decision(decision, agency=agency, regulation_code="C02", actor=actor)
