"""Built-in engines read their organisations' mailboxes through the same deliveries as anyone.

An engine is a handler registered under a name; organisations whose ``engine`` field names it
are served by it. Processing a delivery and acknowledging it happen in one transaction, so a
worker that dies half way leaves the delivery pending for another worker: each delivery is
processed exactly once.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.db import transaction
from django.utils import timezone

from singlewindow.exchange.models import Delivery
from singlewindow.exchange.services import acknowledge_delivery
from singlewindow.registry.actors import Actor

EngineHandler = Callable[[Delivery, Actor], None]
_ENGINES: dict[str, EngineHandler] = {}
_SWEEPS: dict[str, Callable[[], int]] = {}


def register_engine(name: str, handler: EngineHandler, *, sweep: Callable[[], int] | None = None) -> None:
    """``sweep``, if given, runs on every sweeper round (reminders, time limits); it returns a count."""
    _ENGINES[name] = handler
    if sweep is not None:
        _SWEEPS[name] = sweep


def run_sweeps() -> int:
    return sum(sweep() for sweep in _SWEEPS.values())


def engine_names() -> list[str]:
    return sorted(_ENGINES)


@transaction.atomic
def process_engine_delivery(delivery_id: int) -> bool:
    """Run the engine for one delivery; False when already done or taken by another worker."""
    delivery = (
        Delivery.objects.select_for_update(skip_locked=True, of=("self",))
        .select_related("message__sender", "message__consignment", "recipient")
        .filter(pk=delivery_id)
        .first()
    )
    if delivery is None or delivery.state == Delivery.State.ACKNOWLEDGED:
        return False
    handler = _ENGINES.get(delivery.recipient.engine)
    if handler is None:
        return False
    actor = Actor(organisation=delivery.recipient, membership_role="engine")
    handler(delivery, actor)
    acknowledge_delivery(delivery=delivery, actor=actor, locked=True)
    return True


def overdue_engine_deliveries(grace: timedelta, limit: int = 500) -> list[int]:
    """Engine deliveries nobody finished within ``grace``: their task was lost (a worker died)."""
    cutoff = timezone.now() - grace
    return list(
        Delivery.objects.filter(
            recipient__engine__in=engine_names(), message__received_at__lt=cutoff,
        ).exclude(state=Delivery.State.ACKNOWLEDGED).order_by("seq").values_list("pk", flat=True)[:limit]
    )
