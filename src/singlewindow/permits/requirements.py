"""What permits a declaration needs: for each item, the regulation codes its tariff line carries
for the declaration's direction, each naming the agency and the kind of permit, less those an
exemption (data, kept in ``Exemption``) waives for the item's CIF value or procedure.

The tariff is customs' reference data, read through its public selectors; the CIF value is the
assessment's own (``customs.assessment``), so a value exemption uses exactly the value duty is
computed on. When the value cannot be computed (an export, a missing exchange rate), value
exemptions do not apply and the permit is needed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from singlewindow.codelists.models import Direction, PermitType, RegulationCode
from singlewindow.customs import selectors as customs_selectors
from singlewindow.customs.assessment.errors import AssessmentError
from singlewindow.customs.assessment.service import assess_declaration, assessment_date
from singlewindow.datamodel.codelists import normalise_hs
from singlewindow.datamodel.datasets import Declaration, ExportDeclaration
from singlewindow.datamodel.datasets.declaration import GovernmentAgencyGoodsItem
from singlewindow.datamodel.identifiers import is_digits
from singlewindow.permits.models import Exemption
from singlewindow.registry.models import Organisation


@dataclass(frozen=True)
class Need:
    """One regulation an item falls under: who decides, what kind of permit, and any exemption."""

    regulation: str
    name_en: str
    name_zh: str
    permit_type: str
    agency_code: str
    agency: Organisation | None
    """The agency's registered organisation; None when it is not connected to the Single Window."""
    exemption: Exemption | None = None

    @property
    def needs_permit(self) -> bool:
        """A permit must be shown: not exempt, and not a prohibition (which no permit lifts)."""
        return self.exemption is None and self.permit_type != PermitType.PROHIBITION

    @property
    def verifiable(self) -> bool:
        """The agency keeps its permits here, so the permit can be verified and written off."""
        return self.needs_permit and self.agency is not None and self.agency.is_active


@dataclass(frozen=True)
class ItemRequirements:
    sequence: int
    tariff_code: str | None
    needs: tuple[Need, ...]
    cif_value_twd: Decimal | None = None


def national_code(item: GovernmentAgencyGoodsItem) -> str | None:
    """The item's national tariff code (8 or 10 digits), as the assessment reads it."""
    classifications = item.commodity.classification if item.commodity else []
    for classification in classifications:
        code = normalise_hs(classification.id)
        if len(code) >= 8 and is_digits(code[:8]):
            return code[:10] if len(code) >= 10 and is_digits(code[:10]) else code[:8]
    return None


def _regulations(code: str | None, on: date) -> list[RegulationCode]:
    schedule = customs_selectors.schedule_by_name(None)
    if schedule is None or code is None:
        return []
    for candidate in dict.fromkeys((code, code[:8])):
        line = customs_selectors.tariff_line(schedule, candidate, on=on)
        if line is not None:
            return [regulation for regulation in line.regulation_codes.all() if regulation.is_active]
    return []


def _values(declaration: Declaration, on: date) -> dict[int, Decimal]:
    """CIF value in NT$ per item sequence, when the assessment can compute it."""
    if isinstance(declaration, ExportDeclaration):
        return {}
    try:
        assessed = assess_declaration(declaration, on=on)
    except AssessmentError:
        return {}
    return {item.sequence: item.customs_value for item in assessed.items}


def _exempting(exemptions: Iterable[Exemption], value: Decimal | None, procedures: set[str]) -> Exemption | None:
    for exemption in exemptions:
        by_value = exemption.max_cif_value_twd is None or (value is not None and value <= exemption.max_cif_value_twd)
        by_procedure = not exemption.procedures or bool(exemption.procedures & procedures)
        if by_value and by_procedure:
            return exemption
    return None


def requirements_for(declaration: Declaration, *, on: date | None = None) -> list[ItemRequirements]:
    """Per item, the regulations that apply and whether each needs a permit (see the module text)."""
    day = on or assessment_date(declaration)
    direction = Direction.EXPORT if isinstance(declaration, ExportDeclaration) else Direction.IMPORT
    found = []
    for item in declaration.items:
        code = national_code(item)
        regulations = [r for r in _regulations(code, day) if r.applies_to(direction)]
        found.append((item, code, regulations))
    codes = {regulation.pk for _, _, regulations in found for regulation in regulations}
    if not codes:
        return [ItemRequirements(item.sequence_numeric, code, ()) for item, code, _ in found]
    exemptions: dict[int, list[Exemption]] = {}
    for exemption in Exemption.objects.filter(regulation_id__in=codes, is_active=True).order_by("pk"):
        if exemption.valid_on(day):
            exemptions.setdefault(exemption.regulation_id, []).append(exemption)
    by_value = any(e.max_cif_value_twd is not None for listed in exemptions.values() for e in listed)
    values = _values(declaration, day) if by_value else {}
    agency_ids = {r.agency_id for _, _, regulations in found for r in regulations if r.agency_id is not None}
    agencies = {org.pk: org for org in Organisation.objects.filter(pk__in=agency_ids)}
    result = []
    for item, code, regulations in found:
        procedures = {p.current_code.upper() for p in item.government_procedure if p.current_code}
        if declaration.type_code:
            procedures.add(declaration.type_code.upper())
        value = values.get(item.sequence_numeric)
        needs = tuple(Need(
            regulation=r.code, name_en=r.name_en, name_zh=r.name_zh, permit_type=r.permit_type,
            agency_code=r.agency_code, agency=agencies.get(r.agency_id) if r.agency_id else None,
            exemption=_exempting(exemptions.get(r.pk, ()), value, procedures),
        ) for r in regulations)
        result.append(ItemRequirements(item.sequence_numeric, code, needs, value))
    return result
