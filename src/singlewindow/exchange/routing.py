"""Routing: which organisations receive a message, from its type and content.

Rules register per data set. A domain app adds its rules (permit agencies, port, banks) in
its ``AppConfig.ready`` without the exchange knowing about it.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db import connection

from singlewindow.datamodel.datasets import Document
from singlewindow.datamodel.identifiers import is_digits
from singlewindow.registry import selectors
from singlewindow.registry.cache import TTLCache
from singlewindow.registry.models import Organisation


@dataclass(frozen=True)
class RoutingContext:
    message_type: str
    document: Any  # the validated data set
    sender: Organisation
    dataset: str  # the data set the message type's service carries
    asker: Organisation | None = None  # an inter-agency answer's asker (``asker_of``), found by intake


RouteRule = Callable[[RoutingContext], list[Organisation]]
_RULES: dict[str, list[RouteRule]] = {}


def register_route(dataset: str) -> Callable[[RouteRule], RouteRule]:
    def decorator(rule: RouteRule) -> RouteRule:
        _RULES.setdefault(dataset, []).append(rule)
        return rule

    return decorator


def route(context: RoutingContext) -> list[Organisation]:
    """Every recipient the rules give, once each, never the sender itself."""
    seen: dict[Any, Organisation] = {}
    for rule in _RULES.get(context.dataset, []):
        for organisation in rule(context):
            if organisation.pk != context.sender.pk:
                seen.setdefault(organisation.pk, organisation)
    return list(seen.values())


def named_business_ids(document: Document) -> list[str]:
    """Business IDs of the parties a document names (declarant, importer, exporter…)."""
    return [party.id for party in document.named_parties() if party.id and is_digits(party.id)]


@register_route("import_declaration")
@register_route("export_declaration")
def _declaration_office(context: RoutingContext) -> list[Organisation]:
    """A declaration goes to the customs office it names."""
    return selectors.customs_offices(context.document.declaration_office_id or "")


_declarants: TTLCache[Organisation] = TTLCache()


@register_route("customs_response")
def _response_to_declarant(context: RoutingContext) -> list[Organisation]:
    """A customs response goes back to whoever sent the declaration it answers.

    An office answers one declaration several times in a row (received, selected, amount due):
    the declarant found is kept briefly, like other registry look-ups. Only a found one is
    kept, so a response that raced ahead of its declaration's delivery is asked again.
    """
    message_id = _uuid_or_none(context.document.declaration_message_id)
    if message_id is None:
        return []
    sender = context.sender

    def load() -> Organisation:
        found = _sender_of(message_id, delivered_to=sender)
        if found is None:
            raise _NoDeclarant
        return found

    try:
        return [_declarants.get((message_id, sender.pk), load)]
    except _NoDeclarant:
        return []


def remember_declarant(declaration_message_id: uuid.UUID, *, responder: Organisation,
                       declarant: Organisation) -> None:
    """Note who declared a declaration ``responder`` holds, from the responder's own records.

    The customs engine opens a case from the declaration delivered to its office, with the
    sender as declarant, and takes every later version from that declarant: so its case says
    whom the office's responses go to, and routing then need not ask the database.
    """
    _declarants.get((declaration_message_id, responder.pk), lambda: declarant)


@register_route("agency_data")
def _addressed_agencies(context: RoutingContext) -> list[Organisation]:
    """Inter-agency data goes to the agencies it addresses; addressing none, to those the service names;
    an answer, to whoever asked the question.

    Intake then keeps only recipients holding a receive grant (or the asker of an answer), so
    addressing an agency the service does not serve sends it nothing (and a message left with
    no recipient is refused).
    """
    if context.asker is not None:
        return [context.asker]
    addressed = [party.id for party in context.document.recipient if party.id]
    if addressed:
        return selectors.organisations_by_business_ids(addressed)
    service = selectors.service_for_message_type(context.message_type)
    return selectors.named_receivers(service) if service is not None else []


def asker_of(message_type: str, document: Any, responder: Organisation) -> Organisation | None:
    """Who asked the question an inter-agency answer names: its sender, if the question went out on
    this message type and was delivered to ``responder``; otherwise None (not an answer, or not
    one ``responder`` may give)."""
    question = _uuid_or_none(getattr(document, "question_message_id", None) or "")
    if question is None:
        return None
    return _sender_of(question, delivered_to=responder, message_type=message_type)


def _sender_of(message_id: uuid.UUID, *, delivered_to: Organisation,
               message_type: str | None = None) -> Organisation | None:
    """The sender of a message delivered to ``delivered_to`` (and, given, of this message type).

    Plain SQL reading only the sender's id, the organisation then coming from the registry's
    cache: this runs for every response an agency sends.
    """
    from singlewindow.exchange.models import Delivery, Message
    from singlewindow.exchange.rows import Batch

    quote = connection.ops.quote_name
    messages, deliveries = quote(Message._meta.db_table), quote(Delivery._meta.db_table)
    params: list[Any] = [Message._meta.get_field("id").get_db_prep_value(message_id, connection),
                         Organisation._meta.get_field("id").get_db_prep_value(delivered_to.pk, connection)]
    # Identifiers come from model metadata; the values travel as parameters.
    sql = (f"SELECT m.sender_id FROM {messages} m JOIN {deliveries} d ON d.message_id = m.id "  # noqa: S608
           "WHERE m.id = %s AND d.recipient_id = %s")
    if message_type is not None:
        sql += " AND m.message_type = %s"
        params.append(message_type)
    batch = Batch()
    batch.add(sql + " LIMIT 1", params)
    rows = batch.run()[0]
    return selectors.organisation_by_id(rows[0][0]) if rows else None


class _NoDeclarant(Exception):
    """No declaration with that id was delivered to the responder (not cached: it may yet arrive)."""


def _uuid_or_none(value: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(value)
    except ValueError:
        return None
