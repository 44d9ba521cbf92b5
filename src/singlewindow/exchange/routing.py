"""Routing: which organisations receive a message, from its type and content.

Rules register per data set. A domain app adds its rules (permit agencies, port, banks) in
its ``AppConfig.ready`` without the exchange knowing about it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from singlewindow.datamodel.datasets import Document
from singlewindow.registry import selectors
from singlewindow.registry.models import Organisation


@dataclass(frozen=True)
class RoutingContext:
    message_type: str
    document: Any  # the validated data set
    sender: Organisation


RouteRule = Callable[[RoutingContext], list[Organisation]]
_RULES: dict[str, list[RouteRule]] = {}


def register_route(dataset: str) -> Callable[[RouteRule], RouteRule]:
    def decorator(rule: RouteRule) -> RouteRule:
        _RULES.setdefault(dataset, []).append(rule)
        return rule

    return decorator


def route(context: RoutingContext) -> list[Organisation]:
    """Every recipient the rules give, once each, never the sender itself."""
    dataset = context.message_type.split(".", 1)[0]
    seen: dict[Any, Organisation] = {}
    for rule in _RULES.get(dataset, []):
        for organisation in rule(context):
            if organisation.pk != context.sender.pk:
                seen.setdefault(organisation.pk, organisation)
    return list(seen.values())


def named_business_ids(document: Document) -> list[str]:
    """Business IDs of the parties a document names (declarant, importer, exporter…)."""
    return [party.id for party in document.named_parties() if party.id and party.id.isdigit()]


@register_route("import_declaration")
@register_route("export_declaration")
def _declaration_office(context: RoutingContext) -> list[Organisation]:
    """A declaration goes to the customs office it names."""
    return selectors.customs_offices(context.document.declaration_office_id or "")


@register_route("customs_response")
def _response_to_declarant(context: RoutingContext) -> list[Organisation]:
    """A customs response goes back to whoever sent the declaration it answers."""
    from singlewindow.exchange.models import Delivery

    delivery = (
        Delivery.objects.select_related("message__sender")
        .filter(message_id=_uuid_or_none(context.document.declaration_message_id),
                recipient=context.sender)
        .first()
    )
    return [delivery.message.sender] if delivery else []


def _uuid_or_none(value: str) -> Any:
    import uuid

    try:
        return uuid.UUID(value)
    except ValueError:
        return None
