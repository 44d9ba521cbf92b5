"""What happens when a message commits: wake the engines, queue pushes, checkpoints."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.conf import settings

from singlewindow.registry.models import Organisation

WAKE_CHANNEL = "sw_engine"
WAKE_ENGINES = ("SELECT pg_notify(%s, '')", (WAKE_CHANNEL,))
"""The statement that wakes the engine pumps (``exchange.pump``) once its transaction commits: PostgreSQL
delivers a notification at the commit, and drops it with a rollback. Sent with the message's own writes,
it costs no round trip of its own. SQLite pumps poll."""


def wakes_engines(recipients: Iterable[Organisation]) -> bool:
    """Whether a built-in engine serves one of ``recipients``."""
    from singlewindow.exchange import engines

    served = engines.engine_names()
    return any(o.engine in served for o in recipients)


def after_intake(work: list[tuple[int, Any, bool]], seq: int) -> None:
    """``work`` holds (delivery id, recipient id, to be pushed) for each new delivery."""
    from singlewindow.exchange import tasks

    for delivery_id, _, push in work:
        if push:
            tasks.push_delivery_task.enqueue(delivery_id)
    if seq % settings.SW_CHECKPOINT_INTERVAL == 0:
        tasks.checkpoint_task.enqueue()
