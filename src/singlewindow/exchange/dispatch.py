"""What happens right after a message commits: queue pushes, engine work and checkpoints."""

from __future__ import annotations

from django.conf import settings

from singlewindow.exchange.models import Delivery
from singlewindow.registry.models import Organisation


def after_intake(deliveries: list[Delivery], recipients: list[Organisation], seq: int) -> None:
    from singlewindow.exchange import engines, tasks

    served = {o.pk for o in recipients if o.engine in engines.engine_names()}
    for delivery in deliveries:
        if delivery.push_state == Delivery.PushState.PENDING:
            tasks.push_delivery_task.enqueue(delivery.pk)
        if delivery.recipient_id in served:
            tasks.engine_delivery_task.enqueue(delivery.pk)
    if seq % settings.SW_CHECKPOINT_INTERVAL == 0:
        tasks.checkpoint_task.enqueue()
