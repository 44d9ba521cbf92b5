"""The built-in customs engine, first cut: registers each declaration and answers the declarant.

It reads the customs offices' mailboxes like any agency system would and answers through the
exchange with a ``customs_response.notification``. Assessment and risk selection come later.
"""

from __future__ import annotations

import json

from django.utils import timezone

from singlewindow.datamodel.codecs.json_codec import JsonCodec
from singlewindow.exchange.intake import Envelope, submit_message
from singlewindow.exchange.models import Delivery
from singlewindow.registry.actors import Actor

DECLARATION_TYPES = ("import_declaration.submit", "export_declaration.submit")


def handle_delivery(delivery: Delivery, actor: Actor) -> None:
    message = delivery.message
    if message.message_type not in DECLARATION_TYPES:
        return
    declaration = json.loads(bytes(message.payload))
    response = {
        "functionCode": "2",  # WCO response function: acceptance / registration
        "ucr": declaration["ucr"],
        "declarationMessageId": str(message.id),
        "status": "registered",
        "issueDateTime": timezone.now().isoformat(),
        "remarks": f"Declaration {declaration['functionalReferenceId']} registered by {actor.label}.",
    }
    submit_message(
        envelope=Envelope(
            message_type="customs_response.notification",
            client_reference=f"resp-{message.id}",
            content_type="application/json",
            payload=JsonCodec().encode(response),
        ),
        actor=actor,
    )
