"""What happens right after a message commits: queue pushes, wake the engines, checkpoints."""

from __future__ import annotations

from typing import Any

from django.conf import settings

from singlewindow.registry.models import Organisation


def after_intake(work: list[tuple[int, Any, bool]], recipients: list[Organisation], seq: int) -> None:
    """``work`` holds (delivery id, recipient id, to be pushed) for each new delivery."""
    from singlewindow.exchange import engines, pump, tasks

    for delivery_id, _, push in work:
        if push:
            tasks.push_delivery_task.enqueue(delivery_id)
    if any(o.engine in engines.engine_names() for o in recipients):
        pump.wake_engines()
    if seq % settings.SW_CHECKPOINT_INTERVAL == 0:
        tasks.checkpoint_task.enqueue()
