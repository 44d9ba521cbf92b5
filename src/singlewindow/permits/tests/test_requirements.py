"""Which permits a declaration needs: the tariff line's regulations, less the exemptions kept as data."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from singlewindow import testing
from singlewindow.datamodel.datasets import ExportDeclaration, ImportDeclaration
from singlewindow.permits import services
from singlewindow.permits.errors import PermitError
from singlewindow.permits.models import Exemption
from singlewindow.permits.requirements import requirements_for
from singlewindow.permits.tests.conftest import G2G
from singlewindow.registry.actors import SYSTEM

CODES = ("84713000", "85171300", "22030000", "94036000")


def declaration(*codes: str, export: bool = False) -> ImportDeclaration | ExportDeclaration:
    document = (testing.export_declaration if export else testing.declaration)(items=len(codes))
    for item, code in zip(document["goodsShipment"]["governmentAgencyGoodsItem"], codes, strict=True):
        item["commodity"]["classification"][0]["id"] = code
    return (ExportDeclaration if export else ImportDeclaration).model_validate(document)


def needs(found: Any) -> list[list[tuple[str, str, bool, bool]]]:
    return [[(n.regulation, n.permit_type, n.needs_permit, n.verifiable) for n in item.needs] for item in found]


def test_each_item_needs_what_its_tariff_line_names(g2g: G2G) -> None:
    found = requirements_for(declaration(*CODES))
    assert [item.sequence for item in found] == [1, 2, 3, 4]
    assert [item.tariff_code for item in found] == list(CODES)
    assert needs(found) == [
        [("TP1", "permit", True, True)],
        [("TI1", "inspection", True, True), ("TP1", "permit", True, True)],  # in code order
        [("TX1", "permit", True, False)],  # its agency is not connected: checked on paper
        [],
    ]
    assert found[0].needs[0].agency == g2g.world["agency"].organisation


def test_import_regulations_do_not_apply_to_exports(g2g: G2G) -> None:
    assert needs(requirements_for(declaration("84713000", export=True))) == [[]]


def test_an_item_without_a_known_tariff_line_needs_nothing_here(g2g: G2G) -> None:
    # customs' assessment rejects the declaration for the unknown code; no permit check is invented
    assert needs(requirements_for(declaration("01012100"))) == [[]]


@pytest.mark.parametrize(("limit", "exempt"), [("36000", True), ("40000", True), ("35999", False)])
def test_a_value_exemption_waives_items_up_to_its_cif_value(g2g: G2G, limit: str, exempt: bool) -> None:
    # the sample item is USD 1,200 CIF at 30: NT$36,000
    services.define_exemption(regulation_code="TP1", max_cif_value_twd=Decimal(limit), basis_en="Samples",
                              basis_zh="樣品", actor=SYSTEM)
    item = requirements_for(declaration("84713000"))[0]
    assert item.cif_value_twd == Decimal(36000)
    assert (item.needs[0].exemption is not None) is exempt and item.needs[0].needs_permit is not exempt


def test_a_procedure_exemption_needs_the_procedure_and_the_value_when_both_are_set(g2g: G2G) -> None:
    services.define_exemption(regulation_code="TI1", procedure_codes="ima g5", basis_en="Procedure", actor=SYSTEM)
    services.define_exemption(regulation_code="TP1", procedure_codes="IMA", max_cif_value_twd=Decimal(100),
                              basis_en="Both", actor=SYSTEM)
    assert needs(requirements_for(declaration("85171300"))) == [
        [("TI1", "inspection", False, False), ("TP1", "permit", True, True)]]


def test_exemptions_out_of_validity_or_inactive_do_not_apply(g2g: G2G) -> None:
    today = timezone.localdate()
    services.define_exemption(regulation_code="TP1", procedure_codes="IMA", basis_en="Old", actor=SYSTEM,
                              valid_from=today - timedelta(days=30), valid_to=today - timedelta(days=1))
    services.define_exemption(regulation_code="TP1", procedure_codes="IMA", basis_en="Future", actor=SYSTEM,
                              valid_from=today + timedelta(days=1))
    retired = services.define_exemption(regulation_code="TP1", procedure_codes="IMA", basis_en="Retired",
                                        actor=SYSTEM)
    Exemption.objects.filter(pk=retired.pk).update(is_active=False)
    assert needs(requirements_for(declaration("84713000"))) == [[("TP1", "permit", True, True)]]


@pytest.mark.parametrize("options", [
    {"regulation_code": "NOPE"},
    {"max_cif_value_twd": None, "procedure_codes": "  "},
    {"max_cif_value_twd": Decimal(-1)},
    {"max_cif_value_twd": Decimal("NaN")},
    {"max_cif_value_twd": Decimal("1E+20")},
    {"procedure_codes": "G1 <script>"},
    {"procedure_codes": "TOOLONGCODE"},
    {"basis_en": "  "},
    {"valid_from": timezone.localdate(), "valid_to": timezone.localdate() - timedelta(days=1)},
])
def test_a_malformed_exemption_is_refused_and_nothing_is_stored(g2g: G2G, options: dict[str, Any]) -> None:
    given: dict[str, Any] = {"regulation_code": "TP1", "max_cif_value_twd": Decimal(1000), "basis_en": "Basis",
                             **options}
    with pytest.raises(PermitError):
        services.define_exemption(actor=SYSTEM, **given)
    assert not Exemption.objects.exists()
