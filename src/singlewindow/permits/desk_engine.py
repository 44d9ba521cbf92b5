"""The hosted permit desk as an engine: it reads the mailbox of every agency whose ``engine`` is
``permit_desk`` (agencies without a system of their own), like an agency's system would over
the API. Applications delivered there enter the desk's inbox; the sweeper reminds overdue ones.
"""

from __future__ import annotations

from singlewindow.datamodel.datasets.permits import PermitApplication
from singlewindow.exchange.models import Delivery
from singlewindow.exchange.selectors import document_of
from singlewindow.permits.applications import record_delivered_application
from singlewindow.registry.actors import Actor
from singlewindow.registry.selectors import data_set_for

ENGINE = "permit_desk"


def handle_delivery(delivery: Delivery, actor: Actor) -> None:
    """An application enters the agency's desk inbox (a derived one is there already); the rest is read on screen."""
    message = delivery.message
    if data_set_for(message.message_type) != "permit_application":  # the Single Window's or the agency's own service
        return
    document = document_of(message)
    if isinstance(document, PermitApplication):
        record_delivered_application(message, document, delivery.recipient)
