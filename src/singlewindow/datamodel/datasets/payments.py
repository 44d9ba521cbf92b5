"""Payment data sets: a bank's duty payment notification, the electronic guarantee messages between
banks and customs, and customs' answer to a bank.

Duties are paid at a bank against the payment reference on customs' payment notice; the bank
confirms each payment (WCO ``DutyTaxFee`` payment, notified by the financial institution). A
bank guarantees a trader's duties so goods are released before payment (先放後稅): the bank
requests and suspends, customs accepts and closes, all with one ``ElectronicGuarantee`` class
(WCO ``ObligationGuarantee``). Which fields a function needs (an amount to issue, the guarantee
number to suspend) is checked by customs, which answers a bank with ``PaymentResponse``.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from singlewindow.datamodel.datasets.base import Amount, DataSet, DateOrTime, Id17, Id35, Text512
from singlewindow.datamodel.datasets.common import Party

PaymentReference = Annotated[str, Field(pattern=r"^[0-9]{6,20}$")]
"""Customs' payment reference (銷帳編號): digits only, the last two a check (ISO 7064 MOD 97-10)."""


class DutyPayment(DataSet):
    """A bank's confirmation that duties and taxes were paid against a payment reference (稅費繳納通知)."""

    wco_name = "DutyTaxFeePayment"
    transaction_id: Id35
    """The bank's own id of the payment: a resend under the same id is recorded once."""
    payment_reference_id: PaymentReference
    payment_amount: Amount
    """Whole New Taiwan dollars (currency TWD)."""
    payment_date_time: DateOrTime
    declaration_office_id: Id17 | None = None
    """The customs office on the payment notice; lets customs answer a reference it cannot find."""
    financial_institution: Party
    """The bank that received the money, by business ID (統一編號)."""
    payer: Party | None = None

    def consignment_reference(self) -> str | None:
        return None

    def named_parties(self) -> list[Party]:
        return [party for party in (self.payer,) if party is not None]


class ElectronicGuarantee(DataSet):
    """An electronic guarantee (電子保證) as the bank issues or suspends it and customs accepts or closes it."""

    wco_name = "ObligationGuarantee"
    id: Id35
    """The guarantor bank's guarantee number."""
    issue_date_time: DateOrTime
    guarantor: Party
    """The bank, by business ID."""
    principal: Party | None = None
    """The trader whose duties are guaranteed, by business ID (needed to issue)."""
    amount: Amount | None = None
    """The guaranteed amount in whole New Taiwan dollars (needed to issue)."""
    validity_start_date_time: DateOrTime | None = None
    validity_end_date_time: DateOrTime | None = None
    purpose_code: Literal["release_before_payment", "general"] | None = None
    """What the guarantee secures: release before payment (先放後稅) or a general guarantee."""
    declaration_office_id: Id17 | None = None
    """The customs office that accepts the guarantee (needed to issue)."""
    available_amount: Amount | None = None
    """In customs' answers: the balance still available."""
    remarks: Text512 | None = None

    def consignment_reference(self) -> str | None:
        return None

    def named_parties(self) -> list[Party]:
        return [party for party in (self.principal,) if party is not None]


class PaymentError(DataSet):
    wco_name = "Error"
    validation_code: Annotated[str, Field(min_length=1, max_length=8)]
    description: Text512 | None = None


class PaymentResponse(DataSet):
    """Customs' answer to a bank's payment or guarantee message it could not record (退回通知)."""

    wco_name = "Response"
    issue_date_time: DateOrTime
    status: Literal["refused", "recorded"]
    answered_message_id: Annotated[str, Field(min_length=1, max_length=64)]
    """The exchange message id of the bank's message answered."""
    reference_id: Id35 | None = None
    """The payment reference or guarantee number the bank sent."""
    transaction_id: Id35 | None = None
    remarks: Text512 | None = None
    error: Annotated[list[PaymentError], Field(max_length=20)] = Field(default_factory=list)

    def consignment_reference(self) -> str | None:
        return None

    def named_parties(self) -> list[Party]:
        return []
