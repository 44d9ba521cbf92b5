"""The built-in customs engine, first cut: registers each declaration and answers the declarant.

It reads the customs offices' mailboxes like any agency system would and answers through the
exchange with a ``customs_response.notification``. Assessment and risk selection come later.
"""

from __future__ import annotations

from django.utils import timezone

from singlewindow.datamodel.codecs.json_codec import JsonCodec
from singlewindow.datamodel.datasets import CustomsResponse, Declaration
from singlewindow.datamodel.datasets.response import ResponseDeclaration
from singlewindow.exchange.intake import Envelope, submit_message
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.selectors import document_of
from singlewindow.registry.actors import Actor

DECLARATION_TYPES = ("import_declaration.submit", "export_declaration.submit")


def handle_delivery(delivery: Delivery, actor: Actor) -> None:
    message = delivery.message
    if message.message_type not in DECLARATION_TYPES:
        return
    declaration = document_of(message)
    if not isinstance(declaration, Declaration):
        return
    reference = declaration.functional_reference_id or str(message.id)
    response = CustomsResponse(
        function_code="2",  # WCO response function: acceptance / registration
        ucr=declaration.consignment_reference(),
        declaration_message_id=str(message.id),
        status="registered",
        issue_date_time=timezone.now(),
        remarks=f"Declaration {reference} registered by {actor.label}.",
        declaration=ResponseDeclaration(functional_reference_id=declaration.functional_reference_id),
    )
    submit_message(
        envelope=Envelope(
            message_type="customs_response.notification",
            client_reference=f"resp-{message.id}",
            content_type="application/json",
            payload=JsonCodec().encode(response),
        ),
        actor=actor,
    )
