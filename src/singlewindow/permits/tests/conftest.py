"""The permits test world: the shared test world, two regulations of the test agency (an import
permit TP1 and an inspection TI1) and one of an agency not connected (TX1), a small default
tariff whose lines carry them, a USD rate, and a permit for trader_a."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from singlewindow import testing
from singlewindow.codelists.services import load_regulations
from singlewindow.codelists.sources.regulations import Regulation
from singlewindow.customs.tariff import services as tariff_services
from singlewindow.customs.tariff.mapping import load_mapping
from singlewindow.datamodel.datasets.permits import PermitDecision
from singlewindow.permits import ledger, services
from singlewindow.permits.models import Permit
from singlewindow.registry.actors import SYSTEM, Actor

REGULATIONS = (
    Regulation("TP1", "Test import permit", "測試輸入許可", "import", "permit", "t-agency"),
    Regulation("TI1", "Test import inspection", "測試輸入檢驗", "import", "inspection", "t-agency"),
    Regulation("TX1", "Test permit of an agency not connected", "測試未連線機關許可", "import", "permit",
               "t-elsewhere"),
)
MAPPING = {
    "name": "test-permits", "title_en": "Permits test tariff", "title_zh": "簽審測試稅則", "code": "code",
    "description_en": "en", "description_zh": "zh", "unit": "unit", "valid_from": "from", "valid_to": "to",
    "regulations": "regs", "rates": [{"field": "col1", "column": "general"}],
}
TARIFF = (
    "code,en,zh,unit,from,to,regs,col1\n"
    "84713000,Portable computers,手提電腦,NAR,2022-01-01,,TP1,5%\n"
    "85171300,Smartphones,智慧型手機,NAR,2022-01-01,,TP1 TI1,5%\n"
    "22030000,Beer,啤酒,LTR,2022-01-01,,TX1,5%\n"
    "94036000,Wooden furniture,木製家具,NAR,2022-01-01,,,5%\n"
)
NUMBER = "TP-0001"



def decision(*, number: str = NUMBER, holder: str = "30000002", code: str = "approved",
             lines: tuple[tuple[int, str, str, str], ...] = ((1, "847130", "PCE", "25"),),
             effective_days: int = -1, expiry_days: int | None = 30, ucr: str | None = None) -> PermitDecision:
    """A decision of the test agency; ``lines`` are (sequence, HS code, unit, quantity)."""
    today = timezone.localdate()
    return PermitDecision.model_validate({
        "functionalReferenceId": f"D-{number}", "applicationReferenceId": f"A-{number}", "decisionCode": code,
        "issueDateTime": today.isoformat(), "permitId": number if code in ("approved", "partially_approved") else None,
        "effectiveDateTime": (today + timedelta(days=effective_days)).isoformat(),
        "expiryDateTime": (today + timedelta(days=expiry_days)).isoformat() if expiry_days is not None else None,
        "applicant": {"id": holder, "name": "Importer Co."}, "ucr": ucr,
        "goodsItem": [{"sequenceNumeric": seq, "classificationId": hs, "description": f"goods {seq}",
                       "quantity": {"value": quantity, "unitCode": unit}} for seq, hs, unit, quantity in lines],
    })


@dataclass
class G2G:
    world: testing.World

    @property
    def agency(self) -> Actor:
        return Actor(organisation=self.world["agency"].organisation)

    @property
    def officer(self) -> Actor:
        return Actor(organisation=self.world["customs"].organisation, membership_role="officer")

    def issue(self, **options: Any) -> Permit:
        permit = services.record_decision(decision(**options), agency=self.world["agency"].organisation,
                                          regulation_code="TP1", type_code="911", actor=self.agency)
        assert permit is not None
        return permit

    def verify(self, *, actor: Actor | None = None, **overrides: Any) -> ledger.Verification:
        request: dict[str, Any] = {
            "permit_number": NUMBER, "agency": "t-agency", "holder": "30000002", "hs_code": "8471300000",
            "quantity": Decimal(10), "unit": "PCE", "declaration_ref": "TWKEL2600000001", "item_seq": 1}
        return ledger.verify_and_write_off(**{**request, **overrides}, actor=actor or self.officer)


def build_reference_data(tmp_path: Path) -> None:
    """The regulations, the default tariff and a USD rate (through their own services)."""
    load_regulations(actor=SYSTEM, regulations=REGULATIONS)
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(MAPPING))
    source = tmp_path / "tariff.csv"
    source.write_text(TARIFF)
    summary = tariff_services.import_schedule(source=source, mapping=load_mapping(str(mapping)), actor=SYSTEM)
    tariff_services.set_default_schedule(name=summary.schedule, actor=SYSTEM)
    today = timezone.localdate()
    tariff_services.record_exchange_rate(currency="USD", valid_from=today - timedelta(days=5),
                                         valid_to=today + timedelta(days=5), import_rate=Decimal("30"), actor=SYSTEM)


@pytest.fixture
def g2g(db: None, tmp_path: Path) -> G2G:
    world = testing.build_world(engine="customs")
    build_reference_data(tmp_path)
    return G2G(world)


@pytest.fixture
def permit(g2g: G2G) -> Permit:
    return g2g.issue()
