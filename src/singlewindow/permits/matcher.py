"""The customs engine's permit check (registered with ``customs.services.register_matcher``).

For every item that needs a permit from an agency connected to the Single Window, the
declaration must cite the permit: an AdditionalDocument (on the item, or on the declaration)
whose id is the permit number, and whose type code, when given, is the permit's. The item is
then verified and written off under customs' declaration number; a retry (an amendment, the
engine running again) finds the first answer. Every problem comes back in English and Chinese
and the case waits. Items needing nothing, or only permits of agencies not connected (checked
on paper by the officer), pass.
"""

from __future__ import annotations

from decimal import Decimal

from singlewindow.customs.models import Case
from singlewindow.customs.services import case_number
from singlewindow.datamodel.datasets import Declaration, ExportDeclaration
from singlewindow.datamodel.datasets.common import AdditionalDocument
from singlewindow.datamodel.datasets.declaration import GovernmentAgencyGoodsItem
from singlewindow.permits import selectors
from singlewindow.permits.errors import PermitError
from singlewindow.permits.ledger import verify_and_write_off
from singlewindow.permits.requirements import Need, requirements_for
from singlewindow.registry.actors import Actor

Problem = tuple[str, str]


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


def _quantity(document: AdditionalDocument, item: GovernmentAgencyGoodsItem) -> tuple[Decimal, str] | None:
    """The quantity the document writes off, else the item's tariff quantity; with its unit."""
    written = document.write_off.quantity_quantity if document.write_off else None
    measure = item.commodity.goods_measure if item.commodity else None
    quantity = written or (measure.tariff_quantity if measure else None)
    if quantity is None or not quantity.unit_code:
        return None
    return quantity.value, quantity.unit_code


def match_permits(case: Case, declaration: Declaration) -> list[Problem]:
    """Verify and write off the permits the declaration's items need; the problems found."""
    wanted = [r for r in requirements_for(declaration) if any(need.verifiable for need in r.needs)]
    if not wanted:
        return []
    actor = Actor(organisation=case.office, membership_role="engine")
    reference = case_number(case)
    holder = holder_of(declaration)
    items = {item.sequence_numeric: item for item in declaration.items}
    problems: list[Problem] = []
    for requirement in wanted:
        item = items[requirement.sequence]
        documents = [d for d in (*item.additional_document, *declaration.additional_document) if d.id]
        for need in (n for n in requirement.needs if n.verifiable):
            assert need.agency is not None
            agency_en, agency_zh = need.agency.name_en, need.agency.name_zh or need.agency.name_en
            where = (f"Item {requirement.sequence}, {need.regulation} ({agency_en})",
                     f"第 {requirement.sequence} 項，{need.regulation}（{agency_zh}）")
            document = _cited(need, documents)
            if document is None or document.id is None:
                problems.append((f"{where[0]}: cite the agency's permit (additional document with its number).",
                                 f"{where[1]}：請於其他文件欄位填列該機關核發之許可證號碼。"))
                continue
            quantity = _quantity(document, item)
            if quantity is None or holder is None or requirement.tariff_code is None:
                problems.append((f"{where[0]}: the quantity with its unit, the tariff code and the importer's "
                                 "ID are needed to write off the permit.",
                                 f"{where[1]}：扣帳須有數量及單位、稅則號別及進口人統一編號。"))
                continue
            try:
                answer = verify_and_write_off(
                    permit_number=document.id, agency=need.agency.code, holder=holder,
                    hs_code=requirement.tariff_code, quantity=quantity[0], unit=quantity[1],
                    declaration_ref=reference, item_seq=requirement.sequence, actor=actor,
                    ucr=case.ucr or None, message_id=case.latest_message_id)
            except PermitError as error:
                problems.append((f"{where[0]}: permit {document.id}: {error.detail or error.code}",
                                 f"{where[1]}：許可證 {document.id} 無法扣帳（{error.detail or error.code}）。"))
                continue
            if not answer.ok:
                message = answer.result["message"]
                problems.append((f"{where[0]}: permit {document.id}: {message['en']}",
                                 f"{where[1]}：許可證 {document.id}：{message['zh-Hant']}"))
    return problems
