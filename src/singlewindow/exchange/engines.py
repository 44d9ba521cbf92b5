"""Built-in engines read their organisations' mailboxes through the same deliveries as anyone.

An engine is a handler registered under a name; organisations whose ``engine`` field names it
are served by it. Processing a delivery and acknowledging it happen in one transaction, so a
worker that dies half way leaves the delivery pending for another worker: each delivery is
processed exactly once. The deliveries themselves are the queue: workers take the oldest
unacknowledged one (``process_next_engine_delivery``, see ``exchange.pump``).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Collection

from django.db import transaction
from django.db.models import QuerySet

from singlewindow.exchange.models import Delivery
from singlewindow.exchange.services import acknowledge_delivery
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation

EngineHandler = Callable[[Delivery, Actor], None]
_ENGINES: dict[str, EngineHandler] = {}
_SWEEPS: dict[str, Callable[[], int]] = {}


def register_engine(name: str, handler: EngineHandler, *, sweep: Callable[[], int] | None = None) -> None:
    """``sweep``, if given, runs on every sweeper round (reminders, time limits); it returns a count."""
    _ENGINES[name] = handler
    if sweep is not None:
        register_sweep(name, sweep)


def register_sweep(name: str, sweep: Callable[[], int]) -> None:
    """Work the sweeper runs every round for an app that is not an engine itself; returns a count."""
    _SWEEPS[name] = sweep


def run_sweeps() -> int:
    return sum(sweep() for sweep in _SWEEPS.values())


def engine_names() -> list[str]:
    return sorted(_ENGINES)


class EngineFailed(Exception):
    """An engine's handler failed on a delivery; its transaction was rolled back, the delivery waits."""

    def __init__(self, delivery_id: int) -> None:
        super().__init__(f"engine failed on delivery {delivery_id}")
        self.delivery_id = delivery_id


def served_organisations() -> list[uuid.UUID]:
    """Ids of the organisations an engine serves, whose deliveries are the engines' queue."""
    return list(Organisation.objects.filter(engine__in=engine_names()).values_list("pk", flat=True))


def _locked_deliveries() -> QuerySet[Delivery]:
    return Delivery.objects.select_for_update(skip_locked=True, of=("self",)).select_related(
        "message__sender", "message__consignment", "recipient")


@transaction.atomic
def process_engine_delivery(delivery_id: int) -> bool:
    """Run the engine for one delivery; False when already done or taken by another worker."""
    delivery = _locked_deliveries().filter(pk=delivery_id).first()
    if delivery is None or delivery.state == Delivery.State.ACKNOWLEDGED:
        return False
    return _run(delivery)


def process_next_engine_delivery(organisations: Collection[uuid.UUID], *, skip: Collection[int] = ()) -> int | None:
    """Take the oldest waiting delivery to ``organisations`` no other worker holds and run its engine.

    Returns its id, or None when nothing waits. ``skip``: deliveries not to take now (they
    failed recently). Raises ``EngineFailed`` when the handler fails; nothing was written then.
    """
    with transaction.atomic():
        waiting = _locked_deliveries().filter(
            recipient_id__in=organisations, state__in=(Delivery.State.PENDING, Delivery.State.DELIVERED))
        if skip:
            waiting = waiting.exclude(pk__in=skip)
        delivery = waiting.order_by("seq").first()
        if delivery is None:
            return None
        try:
            _run(delivery)
        except Exception as error:
            raise EngineFailed(delivery.pk) from error
    return delivery.pk


def _run(delivery: Delivery) -> bool:
    handler = _ENGINES.get(delivery.recipient.engine)
    if handler is None:
        return False
    actor = Actor(organisation=delivery.recipient, membership_role="engine")
    handler(delivery, actor)
    acknowledge_delivery(delivery=delivery, actor=actor, locked=True)
    return True
