"""Django's PostgreSQL backend, whose per-request health check asks the socket before the server.

With ``CONN_HEALTH_CHECKS``, Django checks a persistent connection before a request's first
query by running ``SELECT 1``: a round trip on every request, for the rare connection that died
since the last one. A server that ends a connection (a restart, a terminated backend, an idle
timeout) says so on the socket: a closing message, then end of file, which make it readable. A
connection can also die without a word reaching this side, say when the server's host restarts
or its address moves to another host in a failover; only a packet sent gets the answer (a
reset) that shows it, and the ``SELECT 1`` is that packet.

So a connection skips the round trip only when both hold: a request used it without error less
than ``RECENT_SECONDS`` ago, and it is quiet now (idle and good as far as libpq knows, nothing to
read on the socket). Under load, when the round trip costs most, every request finds its
connection recently used; a connection idle for longer gets Django's own check, as before.
"""

from __future__ import annotations

import math
import select
import time

from django.db.backends.postgresql import base
from psycopg import pq

RECENT_SECONDS = 1.0
"""How long after a request used it without error a quiet connection is taken as good without a query."""


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # set by Django's wrapper (missing from its type stubs)
    health_check_done: bool
    used_at = -math.inf
    """When the last request that used the connection (checked it, or opened it) ended without error."""

    def close_if_unusable_or_obsolete(self) -> None:
        """Django's end-of-request (and start-of-request) housekeeping, noting a request that used the
        connection without error first: Django clears ``health_check_done`` here."""
        if self.connection is not None and self.health_check_done and not self.errors_occurred:
            self.used_at = time.monotonic()
        super().close_if_unusable_or_obsolete()

    def close_if_health_check_failed(self) -> None:
        """Django's check, skipped (and counted as done) for a recently used connection that is quiet."""
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and not self.pool and time.monotonic() - self.used_at < RECENT_SECONDS and self.quiet()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def quiet(self) -> bool:
        """Whether the open connection is idle and good as far as libpq knows, with nothing sent by the
        server since its last answer."""
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        if not hasattr(select, "poll"):  # not on every platform: Django's check then
            return False
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
