"""Support for the clearance tests: a world with a customs engine and a one-line tariff, signed
declarations through the API with the engine run, and what reached the declarant's mailbox."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from singlewindow import testing
from singlewindow.customs import engine
from singlewindow.customs.models import Case, CaseEvent
from singlewindow.customs.tariff import services as tariff_services
from singlewindow.customs.tariff.mapping import load_mapping
from singlewindow.exchange.engines import process_engine_delivery
from singlewindow.exchange.models import Delivery, Message
from singlewindow.exchange.selectors import document_of
from singlewindow.registry.actors import SYSTEM, Actor

URL = "/api/v1/messages"
HEADER = "code,en,zh,unit,from,to,regs,col1,col2_nz"
# 1,200 USD at 30 = NT$36,000 CIF; duty 5 % = 1,800; business tax 5 % of 37,800 = 1,890;
# trade promotion fee 0.04 % of 36,000 = 14.40 -> 14. Total 3,704.
LAPTOP_DUE = Decimal(3704)


def clearance_world(tmp_path: Path, national_mapping_file: Path) -> testing.World:
    """The test world with the customs engine, a one-line tariff (laptops at 5 %) and a USD rate."""
    built = testing.build_world(engine="customs")
    source = tmp_path / "schedule.csv"
    source.write_text(f"{HEADER}\n84713000,Portable computers,手提電腦,NAR,2022-01-01,,,5%,\n")
    summary = tariff_services.import_schedule(source=source, mapping=load_mapping(str(national_mapping_file)),
                                              actor=SYSTEM)
    tariff_services.set_default_schedule(name=summary.schedule, actor=SYSTEM)
    today = timezone.localdate()
    tariff_services.record_exchange_rate(currency="USD", valid_from=today - timedelta(days=5),
                                         valid_to=today + timedelta(days=5), import_rate=Decimal("30"), actor=SYSTEM)
    return built


def channel_chooser(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    """Choose the channel the selection step gives (the rules and the model are tested elsewhere)."""
    def choose(name: str) -> None:
        monkeypatch.setattr(engine, "SELECTOR", [lambda case, declaration, assessment: (
            name, 0.5, {"reasons": [{"en": f"test selects {name}", "zh": f"測試選取 {name}"}]})])
    choose("C1")
    return choose


def run_engine() -> None:
    for delivery in Delivery.objects.filter(recipient__engine="customs").exclude(state=Delivery.State.ACKNOWLEDGED):
        process_engine_delivery(delivery.pk)


def submit(client: Any, party: testing.Party, document: dict[str, Any], reference: str,
           content_type: str = "application/json", payload: bytes | None = None) -> Message:
    body = payload if payload is not None else testing.encode(document)
    headers = testing.submit_headers(party, body, client_reference=reference, content_type=content_type)
    response = client.post(URL, data=body, **headers)
    assert response.status_code == 201, response.content
    run_engine()
    return Message.objects.get(pk=response.json()["receipt"]["message_id"])


def notices(party: testing.Party) -> list[tuple[str, str]]:
    """(function code, status) of every customs response in the party's mailbox, in order."""
    found = []
    for delivery in Delivery.objects.filter(recipient=party.organisation,
                                            message__message_type="customs_response.notification").order_by("seq"):
        document = document_of(delivery.message)
        found.append((document.function_code, document.status))  # type: ignore[attr-defined]
    return found


def officer(world: testing.World) -> Actor:
    return Actor(organisation=world["customs"].organisation, membership_role="officer")


def states(case: Case) -> list[str]:
    return list(CaseEvent.objects.filter(case=case).values_list("to_state", flat=True))


