"""The engine pump: a worker thread that takes engine-served deliveries straight from the table.

Engine work used to go through one queued task per delivery, and the task queue's own claim,
bookkeeping and polling cost a worker about as much CPU as half the customs engine's work on a
declaration. The deliveries already are a durable queue, ordered and claimable
(``SELECT … FOR UPDATE SKIP LOCKED``), so the pump reads them directly: it drains every waiting
delivery, then sleeps until intake says there is more (a PostgreSQL notification, sent with the
message's writes and delivered once they commit: ``dispatch.WAKE_ENGINES``) or a poll interval
passes (the only wake-up on SQLite, and a safety net for a lost notification). A delivery whose
engine fails is left waiting and retried after a pause, so one bad message cannot spin the worker.
Nothing is lost when a worker dies: what it had not acknowledged is still waiting, and any other
pump takes it.
"""

from __future__ import annotations

import logging
import select
import threading
import time
from typing import Any

from django.db import close_old_connections, connection

from singlewindow.exchange import engines
from singlewindow.exchange.dispatch import WAKE_CHANNEL

logger = logging.getLogger(__name__)


class EnginePump:
    """Drains engine deliveries until told to stop; run ``run`` in its own thread."""

    def __init__(self, stop: threading.Event, *, poll: float, retry_after: float = 30.0) -> None:
        self.stop = stop
        self.poll = poll
        self.retry_after = retry_after
        self._failed: dict[int, float] = {}  # delivery id -> monotonic time it may be tried again
        self._listener: Any = None

    def drain(self) -> int:
        """Process every waiting delivery no other worker holds; how many were processed."""
        organisations = engines.served_organisations()
        if not organisations:
            return 0
        done = 0
        while not self.stop.is_set():
            now = time.monotonic()
            self._failed = {pk: at for pk, at in self._failed.items() if at > now}
            try:
                taken = engines.process_next_engine_delivery(organisations, skip=self._failed)
            except engines.EngineFailed as failure:
                logger.exception("engine failed on delivery %s; retrying in %.0f s", failure.delivery_id,
                                 self.retry_after)
                self._failed[failure.delivery_id] = now + self.retry_after
                continue
            if taken is None:
                break
            done += 1
        return done

    def run(self) -> None:
        while not self.stop.is_set():
            try:
                self.drain()
                self._wait()
            except Exception:  # the database went away, say: start again after a pause
                logger.exception("engine pump round failed")
                self._close_listener()
                self.stop.wait(min(self.poll, 5.0))
            finally:
                close_old_connections()
        self._close_listener()
        connection.close()

    def _wait(self) -> None:
        """Until a wake-up notification, the poll interval or a stop; never longer than the interval."""
        listener = self._listen()
        if listener is None:
            self.stop.wait(self.poll)
            return
        deadline = time.monotonic() + self.poll
        while not self.stop.is_set():
            if sum(1 for _ in listener.notifies(timeout=0, stop_after=10_000)):
                return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            select.select([listener.fileno()], [], [], min(left, 0.5))

    def _listen(self) -> Any:
        """A connection of its own listening for wake-ups (PostgreSQL only)."""
        if self._listener is not None or connection.vendor != "postgresql":
            return self._listener
        import psycopg

        params = connection.get_connection_params()
        self._listener = psycopg.connect(**params, autocommit=True)
        self._listener.execute(f"LISTEN {WAKE_CHANNEL}")
        return self._listener

    def _close_listener(self) -> None:
        if self._listener is not None:
            try:
                self._listener.close()
            finally:
                self._listener = None


def start_pump(stop: threading.Event, *, poll: float) -> threading.Thread:
    pump = EnginePump(stop, poll=poll)
    thread = threading.Thread(target=pump.run, daemon=True, name="engine-pump")
    thread.start()
    return thread
