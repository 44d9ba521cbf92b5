"""Background work of the payments app: each task loads by id and calls one service; safe to run twice."""

from __future__ import annotations

from django_tasks import task

from singlewindow.payments import services


@task()
def cover_task(order_id: int) -> bool:
    """Release the order's case against a guarantee if one covers it (a no-op once the order moved on)."""
    return services.cover_with_guarantee(order_id) is not None
