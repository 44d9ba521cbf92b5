"""The customs engine's permit check (registered with ``customs.services.register_matcher``).

For every item that needs a permit from an agency connected to the Single Window, the
declaration must cite the permit: an AdditionalDocument (on the item, or on the declaration)
whose id is the permit number, and whose type code, when given, is the permit's. The item is
then verified and written off under customs' declaration number; a retry (an amendment, the
engine running again) finds the first answer. An item with no permit that covers it gets one
derived application per regulation and agency (``derivation``); once the agency grants it, the
permit it grants is written off as if cited. Every problem comes back in English and Chinese
and the case waits. Items needing nothing, or only permits of agencies not connected (checked
on paper by the officer), pass.
"""

from __future__ import annotations

from decimal import Decimal
from zoneinfo import ZoneInfo

from singlewindow.customs.models import Case
from singlewindow.customs.services import case_number
from singlewindow.datamodel.datasets import Declaration, ExportDeclaration
from singlewindow.datamodel.datasets.common import AdditionalDocument
from singlewindow.datamodel.datasets.declaration import GovernmentAgencyGoodsItem
from singlewindow.permits import selectors
from singlewindow.permits.derivation import NotDerived, Uncovered, derive_application
from singlewindow.permits.errors import PermitError
from singlewindow.permits.ledger import restore, verify_and_write_off
from singlewindow.permits.models import Application, ApplicationStatus
from singlewindow.permits.requirements import ItemRequirements, Need, requirements_for
from singlewindow.registry.actors import Actor

Problem = tuple[str, str]
TAIPEI = ZoneInfo("Asia/Taipei")


def holder_of(declaration: Declaration) -> str | None:
    """Whose permit it must be: the importer (the exporter for exports), else the declarant."""
    shipment = declaration.goods_shipment
    party = declaration.exporter if isinstance(declaration, ExportDeclaration) else (
        shipment.importer if shipment else None)
    for candidate in (party, declaration.declarant):
        if candidate is not None and candidate.id:
            return candidate.id
    return None


def _cited(need: Need, documents: list[AdditionalDocument]) -> AdditionalDocument | None:
    """The document citing one of the agency's permits under this regulation (or, failing that, any)."""
    assert need.agency is not None
    permits = {p.number: p for p in selectors.permits_numbered(need.agency, [d.id for d in documents if d.id])}
    fitting = [d for d in documents if d.id in permits
               and (not d.type_code or not permits[d.id].type_code or d.type_code.upper() == permits[d.id].type_code)]
    same_regulation = [d for d in fitting if d.id is not None and permits[d.id].regulation.code == need.regulation]
    chosen = same_regulation or fitting
    return chosen[0] if chosen else None


def _quantity(document: AdditionalDocument | None, item: GovernmentAgencyGoodsItem) -> tuple[Decimal, str] | None:
    """The quantity the document writes off, else the item's tariff quantity; with its unit."""
    written = document.write_off.quantity_quantity if document is not None and document.write_off else None
    measure = item.commodity.goods_measure if item.commodity else None
    quantity = written or (measure.tariff_quantity if measure else None)
    if quantity is None or not quantity.unit_code:
        return None
    return quantity.value, quantity.unit_code


def match_permits(case: Case, declaration: Declaration) -> list[Problem]:
    """Verify and write off the permits the declaration's items need; derive the applications missing;
    the problems found."""
    wanted = [r for r in requirements_for(declaration) if any(need.verifiable for need in r.needs)]
    if not wanted:
        return []
    actor = Actor(organisation=case.office, membership_role="engine")
    reference = case_number(case)
    holder = holder_of(declaration)
    items = {item.sequence_numeric: item for item in declaration.items}
    derived: dict[tuple[object, str], Application] = {
        (a.agency_id, a.regulation_code): a for a in selectors.derived_applications(case.office, reference)}
    used = selectors.permits_written_off(case.office, reference)
    problems: list[Problem] = []
    uncovered: dict[tuple[object, str], list[Uncovered]] = {}
    for requirement in wanted:
        item = items[requirement.sequence]
        documents = [d for d in (*item.additional_document, *declaration.additional_document) if d.id]
        for need in (n for n in requirement.needs if n.verifiable):
            assert need.agency is not None
            agency_en, agency_zh = need.agency.name_en, need.agency.name_zh or need.agency.name_en
            where = (f"Item {requirement.sequence}, {need.regulation} ({agency_en})",
                     f"第 {requirement.sequence} 項，{need.regulation}（{agency_zh}）")
            document = _cited(need, documents)
            application = derived.get((need.agency.pk, need.regulation))
            quantity = _quantity(document, item)
            candidates = [document.id] if document is not None and document.id else []
            if application is not None and application.permit is not None:
                candidates.append(application.permit.number)
            candidates = sorted(dict.fromkeys(candidates), key=lambda n: n not in used.get(requirement.sequence, ()))
            key = (need.agency.pk, need.regulation)
            if not candidates:
                uncovered.setdefault(key, []).append(Uncovered(
                    requirement, need, item, quantity, cited=False, problem=(
                        f"{where[0]}: cite the agency's permit (additional document with its number).",
                        f"{where[1]}：請於其他文件欄位填列該機關核發之許可證號碼。")))
                continue
            if quantity is None or holder is None or requirement.tariff_code is None:
                problems.append((f"{where[0]}: the quantity with its unit, the tariff code and the importer's "
                                 "ID are needed to write off the permit.",
                                 f"{where[1]}：扣帳須有數量及單位、稅則號別及進口人統一編號。"))
                continue
            refused = None
            for number in candidates:
                refused = _write_off(number, need, requirement, quantity, holder, where, case, reference, actor)
                if refused is None:
                    break
            if refused is not None:
                uncovered.setdefault(key, []).append(Uncovered(requirement, need, item, quantity, refused, cited=True))
    for (agency_id, regulation), rows in uncovered.items():
        problems.extend(_apply_or_explain(case, declaration, rows, derived.get((agency_id, regulation))))
    return problems


def _write_off(number: str, need: Need, requirement: ItemRequirements, quantity: tuple[Decimal, str], holder: str,
               where: Problem, case: Case, reference: str, actor: Actor) -> Problem | None:
    """Verify and write off one permit for the item; the problem when it does not cover it."""
    assert need.agency is not None and requirement.tariff_code is not None
    try:
        answer = verify_and_write_off(
            permit_number=number, agency=need.agency.code, holder=holder, hs_code=requirement.tariff_code,
            quantity=quantity[0], unit=quantity[1], declaration_ref=reference, item_seq=requirement.sequence,
            actor=actor, ucr=case.ucr or None, message_id=case.latest_message_id)
    except PermitError as error:
        return (f"{where[0]}: permit {number}: {error.detail or error.code}",
                f"{where[1]}：許可證 {number} 無法扣帳（{error.detail or error.code}）。")
    if answer.ok:
        return None
    message = answer.result["message"]
    return (f"{where[0]}: permit {number}: {message['en']}", f"{where[1]}：許可證 {number}：{message['zh-Hant']}")


def _apply_or_explain(case: Case, declaration: Declaration, rows: list[Uncovered],
                      application: Application | None) -> list[Problem]:
    """Derive the application the rows need (once), and say what the case waits for."""
    if application is None:
        try:
            application = derive_application(case, declaration, rows)
        except NotDerived:
            return [row.problem for row in rows]
    return [row.problem for row in rows if row.cited] + [waiting_for(application, rows[0].need)]


def waiting_for(application: Application, need: Need) -> Problem:
    """What the case waits for on a derived application, in English and Chinese."""
    assert need.agency is not None
    agency_en, agency_zh = need.agency.name_en, need.agency.name_zh or need.agency.name_en
    ref = application.reference
    sent = f"{application.submitted_at.astimezone(TAIPEI):%Y-%m-%d %H:%M}"
    reasons_en = "; ".join(r.get("en", "") for r in application.reasons if isinstance(r, dict))
    reasons_zh = "；".join(r.get("zh", "") for r in application.reasons if isinstance(r, dict))
    status = application.status
    if status == ApplicationStatus.SUBMITTED:
        return (f"{need.regulation}: waiting for {agency_en} to decide on permit application {ref}, derived from "
                f"this declaration and sent {sent}.",
                f"{need.regulation}：已自本報單衍生簽審申請 {ref}（{sent} 送出），等待{agency_zh}核定。")
    if status == ApplicationStatus.INFORMATION_REQUESTED:
        return (f"{need.regulation}: {agency_en} asks for more information on permit application {ref}: "
                f"{reasons_en}", f"{need.regulation}：{agency_zh}就簽審申請 {ref} 通知補件：{reasons_zh}")
    if status == ApplicationStatus.REJECTED:
        return (f"{need.regulation}: {agency_en} rejected permit application {ref}: {reasons_en}. Amend or cancel "
                "the declaration.",
                f"{need.regulation}：{agency_zh}駁回簽審申請 {ref}：{reasons_zh}。請更正或撤銷報單。")
    number = application.permit.number if application.permit is not None else "-"
    return (f"{need.regulation}: permit {number}, granted by {agency_en} on application {ref}, does not cover "
            "every item.", f"{need.regulation}：{agency_zh}依申請 {ref} 核發之許可證 {number} 未涵蓋全部貨品。")


def restore_withdrawn(case: Case, actor: Actor) -> None:
    """A rejected or cancelled declaration gives back every quantity it wrote off (idempotent)."""
    restore(case_number(case), actor=actor, ucr=case.ucr or None)
