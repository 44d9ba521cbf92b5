"""Customs' messages to a bank through the exchange: a guarantee accepted or closed, and the refusal
of a payment or guarantee message that could not be recorded (in English and Chinese)."""

from __future__ import annotations

from django.utils import timezone

from singlewindow.datamodel.codecs import codec_named
from singlewindow.datamodel.datasets.base import Amount
from singlewindow.datamodel.datasets.common import Party
from singlewindow.datamodel.datasets.payments import ElectronicGuarantee, PaymentError, PaymentResponse
from singlewindow.exchange.intake import Envelope, IntakeResult, submit_message
from singlewindow.exchange.models import Message
from singlewindow.payments.models import Guarantee
from singlewindow.registry.actors import Actor

RESPONSE_TYPE = "payment_response.notification"
ACCEPT_TYPE = "electronic_guarantee.accept"
CLOSE_TYPE = "electronic_guarantee.close"
JSON = "application/json"


def _json(document: ElectronicGuarantee | PaymentResponse, dataset: str) -> bytes:
    codec = codec_named("json")
    assert codec is not None
    return codec.encode(document, dataset)


def refuse_to_bank(message: Message, actor: Actor, code: str, en: str, zh: str, *, reference: str | None = None,
                   transaction_id: str | None = None) -> IntakeResult:
    """Tell the bank that sent ``message`` why it was not recorded (the office sends it, as ``actor``)."""
    response = PaymentResponse(
        issue_date_time=timezone.now(), status="refused", answered_message_id=str(message.id),
        reference_id=(reference or None) and reference[:35], transaction_id=(transaction_id or None)
        and transaction_id[:35], remarks=f"{en} / {zh}"[:512],
        error=[PaymentError(validation_code=code.rsplit(".", 1)[-1][:8].upper(), description=f"{en} / {zh}"[:512])],
    )
    return submit_message(envelope=Envelope(
        message_type=RESPONSE_TYPE, client_reference=f"pay-refused-{message.id}", content_type=JSON,
        payload=_json(response, "payment_response")), actor=actor)


def tell_bank(guarantee: Guarantee, message_type: str, *, actor: Actor, remarks: str = "") -> IntakeResult:
    """The guarantee as customs now holds it, to the guarantor bank (accepted or closed)."""
    document = ElectronicGuarantee(
        id=guarantee.number, issue_date_time=timezone.now(),
        guarantor=Party(id=guarantee.bank.business_id, name=guarantee.bank.name_en[:70]),
        principal=Party(id=guarantee.trader.business_id, name=guarantee.trader.name_en[:70]),
        amount=Amount(value=guarantee.amount, currency_id=guarantee.currency),
        available_amount=Amount(value=guarantee.balance, currency_id=guarantee.currency),
        validity_start_date_time=guarantee.valid_from, validity_end_date_time=guarantee.valid_to,
        purpose_code="general" if guarantee.purpose == "general" else "release_before_payment",
        declaration_office_id=guarantee.office.office_code or None, remarks=remarks or None,
    )
    function = message_type.split(".", 1)[1]
    return submit_message(envelope=Envelope(
        message_type=message_type, client_reference=f"eg-{function}-{guarantee.pk}-{guarantee.entries}",
        content_type=JSON, payload=_json(document, "electronic_guarantee")), actor=actor)
