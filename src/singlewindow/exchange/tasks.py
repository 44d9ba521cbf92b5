"""Background work: each task loads by id and calls one service; all are safe to run twice."""

from __future__ import annotations

from django_tasks import task

from singlewindow.exchange import engines, evidence, webhooks


@task()
def push_delivery_task(delivery_id: int) -> str:
    return webhooks.push_delivery(delivery_id)


@task()
def engine_delivery_task(delivery_id: int) -> bool:
    return engines.process_engine_delivery(delivery_id)


@task()
def checkpoint_task() -> int:
    checkpoint = evidence.create_checkpoint()
    return checkpoint.tree_size if checkpoint else 0
