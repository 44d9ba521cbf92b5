"""The demo's payments: Formosa Electronics holds Bank of Taiwan's accepted guarantee, and the bank was told."""

from __future__ import annotations

from singlewindow.exchange.models import Delivery
from singlewindow.payments.demo import load_demo
from singlewindow.payments.ledger import verify_ledger
from singlewindow.payments.models import Guarantee
from singlewindow.payments.tests.conftest import Pay
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import OrganisationRole as R


def test_the_demo_trader_holds_an_accepted_guarantee_once(pay: Pay) -> None:
    # given the demo's bank, trader and office (the rest of the demo is tested with the demo itself)
    for code, roles, business_id, office in (("tw-bank-taiwan", (R.BANK,), "30000055", ""),
                                             ("tw-trader-formosa", (R.TRADER,), "30000061", ""),
                                             ("tw-customs-keelung", (R.CUSTOMS_OFFICE,), "30000066", "TWKLG")):
        registry.create_organisation(code=code, name_en=code, roles=roles, business_id=business_id,
                                     office_code=office, actor=SYSTEM)
    load_demo(actor=SYSTEM)
    load_demo(actor=SYSTEM)  # seeding again adds nothing
    guarantee = Guarantee.objects.get(trader__code="tw-trader-formosa")
    assert guarantee.bank.code == "tw-bank-taiwan" and guarantee.state == "accepted"
    assert guarantee.balance == guarantee.amount == 2_000_000 and guarantee.entries == 2
    told = Delivery.objects.filter(recipient=guarantee.bank, message__message_type="electronic_guarantee.accept")
    assert told.count() == 1
    assert verify_ledger().ok
