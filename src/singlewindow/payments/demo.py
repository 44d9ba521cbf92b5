"""Demo data of the payments app, loaded by ``singlewindow.demo.seed`` after the organisations exist:
Bank of Taiwan's electronic guarantee for Formosa Electronics, accepted by Keelung Customs, so
the demo trader's declarations are released before payment (先放後稅)."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from singlewindow.datamodel.datasets.payments import ElectronicGuarantee
from singlewindow.payments.guarantees import accept_guarantee, request_guarantee
from singlewindow.payments.models import Guarantee
from singlewindow.registry.actors import Actor
from singlewindow.registry.selectors import organisation_by_code

NUMBER = "BOT-EG-2026-0001"
AMOUNT = 2_000_000


def load_demo(*, actor: Actor) -> None:
    """An accepted NT$2,000,000 guarantee for a year; nothing when it is there already or an org is missing."""
    bank = organisation_by_code("tw-bank-taiwan")
    trader = organisation_by_code("tw-trader-formosa")
    office = organisation_by_code("tw-customs-keelung")
    if bank is None or trader is None or office is None or Guarantee.objects.filter(bank=bank, number=NUMBER).exists():
        return
    today = timezone.localdate()
    document = ElectronicGuarantee.model_validate({
        "id": NUMBER, "issueDateTime": today.isoformat(),
        "guarantor": {"id": bank.business_id, "name": bank.name_en[:70]},
        "principal": {"id": trader.business_id, "name": trader.name_en[:70]},
        "amount": {"value": str(AMOUNT), "currencyId": "TWD"},
        "validityStartDateTime": today.isoformat(), "validityEndDateTime": (today + timedelta(days=365)).isoformat(),
        "purposeCode": "release_before_payment", "declarationOfficeId": office.office_code,
    })
    guarantee = request_guarantee(document, bank=bank, office=office, actor=Actor(organisation=bank))
    accept_guarantee(guarantee, actor=Actor(organisation=office, membership_role="officer"))
