"""Where payment and guarantee messages go (rules registered with the exchange's router).

A bank's payment confirmation goes to the customs office of the payment order its reference
names; a reference customs cannot find goes to the office the bank names, which answers with a
refusal (with neither, the exchange refuses it at once). A bank's guarantee goes to the office it
names; a suspension to the office that holds the guarantee. Customs' acceptance and closure go
to the guarantor bank, only for a guarantee customs holds from that bank; customs' answers go
back to the bank whose message they answer.
"""

from __future__ import annotations

import uuid

from singlewindow.datamodel.datasets.payments import DutyPayment, ElectronicGuarantee, PaymentResponse
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.routing import RoutingContext, register_route
from singlewindow.payments.models import Guarantee, PaymentOrder
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.registry.selectors import customs_offices


@register_route("duty_payment")
def payment_to_office(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, DutyPayment):
        return []
    order = PaymentOrder.objects.select_related("office").filter(reference=document.payment_reference_id).first()
    if order is not None:
        return [order.office]
    return customs_offices(document.declaration_office_id or "")


@register_route("electronic_guarantee")
def guarantee_messages(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, ElectronicGuarantee):
        return []
    function = context.message_type.split(".", 1)[1]
    if function == "submit":
        return customs_offices(document.declaration_office_id or "")
    if function == "suspend":
        held = Guarantee.objects.select_related("office").filter(bank=context.sender, number=document.id).first()
        return [held.office] if held is not None else customs_offices(document.declaration_office_id or "")
    if OrganisationRole.CUSTOMS_OFFICE not in context.sender.role_codes:
        return []
    held = Guarantee.objects.select_related("bank").filter(
        number=document.id, bank__business_id=document.guarantor.id or "").first()
    return [held.bank] if held is not None else []


@register_route("payment_response")
def response_to_bank(context: RoutingContext) -> list[Organisation]:
    document = context.document
    if not isinstance(document, PaymentResponse):
        return []
    try:
        answered = uuid.UUID(document.answered_message_id)
    except ValueError:
        return []
    delivery = Delivery.objects.select_related("message__sender").filter(
        message_id=answered, recipient=context.sender).first()
    return [delivery.message.sender] if delivery is not None else []
