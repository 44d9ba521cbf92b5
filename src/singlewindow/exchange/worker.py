"""``singlewindow worker``: the django-tasks database worker, the engine pump and a sweeper thread.

The engine pump (``exchange.pump``) runs the built-in engines on their deliveries. The sweeper
re-queues pushes whose task was lost (a worker killed mid-task leaves its task row claimed
forever), signs checkpoints on a timer and runs the engines' sweeps (reminders, time limits).
Everything it queues is idempotent, so a duplicate enqueue costs one no-op run.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from datetime import timedelta

from django.conf import settings
from django.db import close_old_connections, connection

logger = logging.getLogger(__name__)


def sweep_once() -> dict[str, int]:
    from singlewindow.exchange import engines, evidence, tasks, webhooks
    from singlewindow.exchange.errors import ExchangeError
    from singlewindow.exchange.models import Checkpoint, EvidenceHead

    grace = timedelta(seconds=settings.SW_SWEEP_GRACE_SECONDS)
    pushes = webhooks.due_pushes(grace)
    for delivery_id in pushes:
        tasks.push_delivery_task.enqueue(delivery_id)
    head = EvidenceHead.objects.filter(pk=1).values_list("seq", flat=True).first() or 0
    latest = Checkpoint.objects.order_by("-tree_size").values_list("tree_size", flat=True).first() or 0
    signed = 0
    if head > latest:
        try:
            evidence.create_checkpoint()
            signed = 1
        except ExchangeError as refused:  # a forged checkpoint: say so each round, and sweep on
            logger.error("no checkpoint signed: %s", refused.detail)
    reminders = engines.run_sweeps()
    return {"pushes": len(pushes), "checkpoints": signed, "engine_sweeps": reminders}


def _sweeper(stop: threading.Event, every: float) -> None:
    while not stop.wait(every):
        try:
            counts = sweep_once()
            if any(counts.values()):
                logger.info("sweeper: %s", counts)
        except Exception:  # keep sweeping; the next round retries
            logger.exception("sweeper round failed")
        finally:
            close_old_connections()
            connection.close()


def run_worker(*, interval: float, sweep_every: float, engine_poll: float = 1.0) -> None:
    """``engine_poll``: longest the engine pump sleeps without a wake-up (the only wake-up on SQLite)."""
    from django_tasks_db.management.commands.db_worker import Worker

    from singlewindow.exchange.pump import start_pump

    stop = threading.Event()
    sweeper = threading.Thread(target=_sweeper, args=(stop, sweep_every), daemon=True, name="sweeper")
    sweeper.start()
    start_pump(stop, poll=engine_poll if connection.vendor == "postgresql" else min(engine_poll, 0.2))
    worker = Worker(
        queue_names=["default"], interval=interval, batch=False, backend_name="default",
        startup_delay=True, max_tasks=None, excluded_queue_names=[],
        worker_id=f"{socket.gethostname()}-{os.getpid()}"[:64],
    )
    worker.configure_signals()
    try:
        worker.run()
    finally:
        stop.set()
