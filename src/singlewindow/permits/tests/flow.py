"""The co-processing test world: the shared test world with the customs engine, a second agency on
the hosted desk (``t-desk``), the permit application and decision services as the catalogue
defines them, laptops needing a permit of each agency (TP1 of ``t-agency``, TQ1 of ``t-desk``),
a USD rate, and helpers to declare, decide and run the engines."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from django.utils import timezone

from singlewindow import testing
from singlewindow.codelists.services import load_regulations
from singlewindow.codelists.sources.regulations import Regulation
from singlewindow.customs.models import Case, CaseEvent
from singlewindow.customs.services import case_number
from singlewindow.customs.tariff import services as tariff_services
from singlewindow.customs.tariff.mapping import load_mapping
from singlewindow.customs.tests.clearance import submit
from singlewindow.exchange.engines import process_engine_delivery
from singlewindow.exchange.models import Delivery
from singlewindow.permits.models import Application
from singlewindow.permits.tests.conftest import MAPPING
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM, Actor
from singlewindow.registry.models import AccessGrant, Organisation, OrganisationRole, Service

R = OrganisationRole
REGULATIONS = (
    Regulation("TP1", "Test import permit", "測試輸入許可", "import", "permit", "t-agency"),
    Regulation("TQ1", "Test quarantine", "測試檢疫", "import", "quarantine", "t-desk"),
)
TARIFF = ("code,en,zh,unit,from,to,regs,col1\n"
          "84713000,Portable computers,手提電腦,NAR,2022-01-01,,TP1 TQ1,5%\n")
DESK_PASSWORD = "pw-desk-12345"


@dataclass
class Flow:
    world: testing.World
    desk: Organisation
    desk_token: str

    @property
    def agency(self) -> Organisation:
        return self.world["agency"].organisation

    def desk_actor(self) -> Actor:
        return Actor(organisation=self.desk)

    def declare(self, client: Any, reference: str, *, cite: dict[str, Any] | None = None) -> Case:
        document = testing.declaration(reference=reference, ucr=ucr_of(reference))
        if cite is not None:
            document["goodsShipment"]["governmentAgencyGoodsItem"][0]["additionalDocument"] = [cite]
        message = submit(client, self.world["trader_a"], document, reference)
        run_engines()
        return Case.objects.get(message_id=message.id)

    def application(self, case: Case, regulation: str) -> Application:
        return Application.objects.get(office=case.office, regulation_code=regulation,
                                       declaration_ref=case_number(case))


def ucr_of(reference: str) -> str:
    return f"6TW30000002-{reference}"


def run_engines() -> None:
    """Every engine delivery not yet processed (customs, the desk), until none is left."""
    for _ in range(5):
        pending = list(Delivery.objects.filter(recipient__engine__in=("customs", "permit_desk")).exclude(
            state=Delivery.State.ACKNOWLEDGED).order_by("seq").values_list("pk", flat=True))
        if not pending:
            return
        for delivery_id in pending:
            process_engine_delivery(delivery_id)


def waiting_reasons(case: Case) -> list[str]:
    """The English reasons of the case's latest waiting event."""
    event = CaseEvent.objects.filter(case=case, from_state="validated", to_state="validated").order_by("-pk").first()
    return [reason["en"] for reason in (event.data.get("reasons", []) if event else [])]


def decision_payload(application: Application, *, code: str = "approved", number: str | None = "TP-9001",
                     quantity: str = "10", hs: str = "847130", expiry_days: int = 90,
                     reasons: tuple[str, ...] = ()) -> bytes:
    today = timezone.localdate()
    granting = code in ("approved", "partially_approved")
    return json.dumps({
        "functionalReferenceId": f"DEC-{application.pk}-{code[:3]}", "applicationReferenceId": application.reference,
        "decisionCode": code, "issueDateTime": today.isoformat(), "permitId": number if granting else None,
        "effectiveDateTime": today.isoformat(),
        "expiryDateTime": (today + timedelta(days=expiry_days)).isoformat() if granting else None,
        "applicant": {"id": application.applicant_business_id, "name": application.applicant_name},
        "ucr": application.ucr or None,
        "goodsItem": [{"sequenceNumeric": 1, "classificationId": hs,
                       "quantity": {"value": quantity, "unitCode": "PCE"}}] if granting else [],
        "reason": [{"statementDescription": text} for text in reasons],
    }).encode()


def post_decision(client: Any, token: str, payload: bytes, reference: str, **query: str) -> Any:
    suffix = "?" + "&".join(f"{k}={v}" for k, v in query.items()) if query else ""
    return client.post(f"/api/v1/permits/decisions{suffix}", data=payload, content_type="application/json",
                       HTTP_AUTHORIZATION=f"Bearer {token}", HTTP_X_SW_CLIENT_REFERENCE=reference)


def _service(code: str, message_type: str, senders: tuple[str, ...], receivers: tuple[str, ...],
             owner: Organisation, processing: timedelta) -> None:
    service = registry.define_service(code=code, name_en=code, owner=owner, message_type=message_type,
                                      security=Service.Security.SIMPLE, processing_time=processing, actor=SYSTEM)
    for role in senders:
        registry.grant_access(service=service, direction=AccessGrant.Direction.SEND, role=role, actor=SYSTEM)
    for role in receivers:
        registry.grant_access(service=service, direction=AccessGrant.Direction.RECEIVE, role=role, actor=SYSTEM)


def build_flow(tmp_path: Path) -> Flow:
    world = testing.build_world(engine="customs")
    desk = registry.create_organisation(code="t-desk", name_en="Org desk agency", name_zh="機構檢疫機關",
                                        roles=(R.PERMIT_AGENCY,), business_id="30000040", engine="permit_desk",
                                        actor=SYSTEM)
    registry.add_member(organisation=desk, username="desk", password=DESK_PASSWORD, role="manager", actor=SYSTEM)
    _, token = registry.issue_api_token(organisation=desk, name="test", actor=SYSTEM)
    owner = world["customs"].organisation
    _service("sw-permit-application", "permit_application.submit", (R.TRADER, R.CUSTOMS_BROKER),
             (R.PERMIT_AGENCY,), owner, timedelta(days=3))
    _service("sw-permit-decision", "permit_decision.notification", (R.PERMIT_AGENCY,),
             (R.TRADER, R.CUSTOMS_BROKER, R.CUSTOMS_OFFICE), owner, timedelta(hours=1))
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
    return Flow(world, desk, token)
