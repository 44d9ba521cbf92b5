"""Django's PostgreSQL backend, whose per-request health check asks the socket before the server.

With ``CONN_HEALTH_CHECKS``, Django checks a persistent connection before a request's first
query by running ``SELECT 1``: a round trip on every request, for the rare connection the server
has closed since the last one. A server that ends a connection (a restart, a terminated backend,
an idle timeout) says so on the socket: a closing message, then end of file, which make it
readable. A healthy idle connection has nothing to read. So the check first asks the socket,
without waiting: nothing to read on a connection libpq holds as good and idle, and the connection
passes; anything else (data waiting, or a state other than idle) gets Django's own check.
A connection cut without a word (a network gone dead) is not seen either way until a query waits
on it, as before.
"""

from __future__ import annotations

import select

from django.db.backends.postgresql import base
from psycopg import pq


class DatabaseWrapper(base.DatabaseWrapper):
    health_check_enabled: bool  # set by Django's wrapper (missing from its type stubs)
    health_check_done: bool

    def close_if_health_check_failed(self) -> None:
        """Django's check, skipped (and counted as done) while the connection is quiet."""
        if (self.connection is not None and self.health_check_enabled and not self.health_check_done
                and not self.pool and self.quiet()):
            self.health_check_done = True
            return
        super().close_if_health_check_failed()

    def quiet(self) -> bool:
        """Whether the open connection is idle and good as far as libpq knows, with nothing sent by the
        server since its last answer."""
        pgconn = self.connection.pgconn
        if pgconn.status != pq.ConnStatus.OK or pgconn.transaction_status != pq.TransactionStatus.IDLE:
            return False
        poller = select.poll()
        poller.register(pgconn.socket, select.POLLIN)
        return not poller.poll(0)
