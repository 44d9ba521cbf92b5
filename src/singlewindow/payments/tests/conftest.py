"""The payments test world: the clearance world (customs engine, laptops at 5 %, NT$3,704 due on
one laptop declaration, channel C1), the catalogue's payment and guarantee services, and helpers
for a bank to confirm payments and issue or suspend guarantees through the exchange."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from singlewindow import testing
from singlewindow.customs.models import Case
from singlewindow.customs.tests.clearance import LAPTOP_DUE, channel_chooser, clearance_world, run_engine, submit
from singlewindow.customs.tests.conftest import NATIONAL_MAPPING
from singlewindow.exchange.intake import Envelope, IntakeResult, submit_message
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.selectors import document_of
from singlewindow.payments import guarantees
from singlewindow.payments.models import Guarantee, PaymentOrder
from singlewindow.registry.actors import Actor

DUE = LAPTOP_DUE



@dataclass
class Pay:
    world: testing.World
    client: Client

    @property
    def bank(self) -> testing.Party:
        return self.world["bank"]

    @property
    def officer(self) -> Actor:
        return Actor(organisation=self.world["customs"].organisation, membership_role="officer")

    def declare(self, reference: str, *, importer: str = "30000002", party: str = "trader_a") -> Case:
        document = testing.declaration(reference=reference, ucr=f"6TW30000002-{reference}", importer=importer)
        message = submit(self.client, self.world[party], document, reference)
        run_engine()
        return Case.objects.get(message_id=message.id)

    def order(self, case: Case) -> PaymentOrder:
        return PaymentOrder.objects.get(case=case, state__in=("open", "part_paid", "guaranteed", "paid"))

    def send(self, message_type: str, document: dict[str, Any], reference: str,
             party: testing.Party | None = None) -> IntakeResult:
        """A signed message from the bank (or ``party``) through intake; the customs engine then runs."""
        sender = party or self.bank
        payload = json.dumps(document).encode()
        signature = testing.sign(sender, payload, message_type=message_type, client_reference=reference)
        result = submit_message(envelope=Envelope(message_type=message_type, client_reference=reference,
                                                  content_type="application/json", payload=payload,
                                                  signature=signature),
                                actor=Actor(organisation=sender.organisation))
        run_engine()
        return result

    def pay(self, reference: str, amount: Decimal | str | int, transaction: str, *, client_reference: str = "",
            bank_id: str | None = None, currency: str = "TWD", office: str | None = None) -> IntakeResult:
        document: dict[str, Any] = {
            "transactionId": transaction, "paymentReferenceId": reference,
            "paymentAmount": {"value": str(amount), "currencyId": currency},
            "paymentDateTime": timezone.now().isoformat(),
            "financialInstitution": {"id": bank_id or self.bank.organisation.business_id, "name": "Test bank"},
        }
        if office:
            document["declarationOfficeId"] = office
        return self.send("duty_payment.notification", document, client_reference or f"pay-{transaction}")

    def guarantee_document(self, number: str, *, amount: int = 10_000, trader: str = "30000002",
                           start: date | None = None, end: date | None = None, **extra: Any) -> dict[str, Any]:
        today = timezone.localdate()
        return {
            "id": number, "issueDateTime": today.isoformat(),
            "guarantor": {"id": self.bank.organisation.business_id, "name": "Test bank"},
            "principal": {"id": trader, "name": "Importer Co."},
            "amount": {"value": str(amount), "currencyId": "TWD"},
            "validityStartDateTime": (start or today - timedelta(days=1)).isoformat(),
            "validityEndDateTime": (end or today + timedelta(days=365)).isoformat(),
            "purposeCode": "release_before_payment", "declarationOfficeId": "TWKEL", **extra,
        }

    def issue(self, number: str = "G-1", **options: Any) -> IntakeResult:
        return self.send("electronic_guarantee.submit", self.guarantee_document(number, **options), f"eg-{number}")

    def accepted(self, number: str = "G-1", **options: Any) -> Guarantee:
        """A guarantee the bank issued through the exchange and the office accepted."""
        self.issue(number, **options)
        guarantee = Guarantee.objects.get(number=number)
        return guarantees.accept_guarantee(guarantee, actor=self.officer)

    def suspend(self, number: str = "G-1") -> IntakeResult:
        document = {"id": number, "issueDateTime": timezone.localdate().isoformat(),
                    "guarantor": {"id": self.bank.organisation.business_id}}
        return self.send("electronic_guarantee.suspend", document, f"eg-suspend-{number}")

    def bank_mailbox(self, message_type: str) -> list[Any]:
        return [document_of(d.message) for d in Delivery.objects.filter(
            recipient=self.bank.organisation, message__message_type=message_type).order_by("seq")]


def build_pay(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pay:
    mapping = tmp_path / "national.json"
    mapping.write_text(json.dumps(NATIONAL_MAPPING))
    world = clearance_world(tmp_path, mapping)
    testing.define_payment_services(world)
    channel_chooser(monkeypatch)
    return Pay(world, Client())


@pytest.fixture
def pay(db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pay:
    return build_pay(tmp_path, monkeypatch)
