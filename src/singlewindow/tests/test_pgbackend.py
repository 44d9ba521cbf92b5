"""The PostgreSQL backend's health check: no round trip on a quiet connection, and a connection the
server ended is replaced before a request uses it, intake's pipelined write included."""

from __future__ import annotations

import math
import select
import time
from typing import Any

import psycopg
import pytest
from django.db import DEFAULT_DB_ALIAS, connection, connections
from django.test import Client

from singlewindow import testing
from singlewindow.exchange.models import Message
from singlewindow.exchange.rows import Batch
from singlewindow.pgbackend import base

pytestmark = [
    pytest.mark.django_db(transaction=True),  # outside a test's transaction, as between requests
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the health check is the PostgreSQL backend's"),
]


def _backend_pid() -> int:
    batch = Batch()
    batch.add("SELECT pg_backend_pid()")
    return int(batch.run()[0][0][0])


def _new_request() -> None:
    """What Django does as a request starts: the next query checks the connection again."""
    connection.close_if_unusable_or_obsolete()
    assert not connection.health_check_done


def _other(sql: str, params: list[Any]) -> None:
    """Run ``sql`` on a connection of its own."""
    settings = connection.get_connection_params()
    with psycopg.connect(**{k: v for k, v in settings.items() if k != "cursor_factory"}, autocommit=True) as other:
        other.execute(sql, params)


def _until_readable() -> None:
    """Wait until what the server sent reaches this side's socket."""
    poller = select.poll()
    poller.register(connection.connection.pgconn.socket, select.POLLIN)
    deadline = time.monotonic() + 30  # milliseconds as a rule; a busy machine may stall for seconds
    while not poller.poll(50):
        assert time.monotonic() < deadline, "nothing from the server reached the socket"


def _end_backend(pid: int) -> None:
    """The server ends the connection (as a restart would), and its closing reaches this side."""
    _other("SELECT pg_terminate_backend(%s)", [pid])
    _until_readable()


def _asked(monkeypatch: pytest.MonkeyPatch) -> list[Any]:
    """The calls of Django's own check (``SELECT 1``) from now on."""
    asked: list[Any] = []
    monkeypatch.setattr(connections[DEFAULT_DB_ALIAS], "is_usable", lambda: asked.append(True) or True)
    return asked


def test_a_quiet_connection_a_request_just_used_passes_without_a_query(monkeypatch: pytest.MonkeyPatch) -> None:
    _backend_pid()
    asked = _asked(monkeypatch)
    _new_request()
    connection.close_if_health_check_failed()
    assert connection.health_check_done and not asked


def test_a_connection_no_request_used_lately_gets_djangos_own_check(monkeypatch: pytest.MonkeyPatch) -> None:
    """One that died without a word (its server's host gone) is quiet too: only a query shows it."""
    _backend_pid()
    _new_request()
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.used_at -= base.RECENT_SECONDS  # type: ignore[attr-defined]
    asked = _asked(monkeypatch)
    connection.close_if_health_check_failed()
    assert asked and connection.health_check_done


def test_a_request_that_failed_does_not_vouch_for_its_connection(monkeypatch: pytest.MonkeyPatch) -> None:
    _backend_pid()  # the request used the connection...
    wrapper = connections[DEFAULT_DB_ALIAS]
    wrapper.used_at = -math.inf  # type: ignore[attr-defined]
    wrapper.errors_occurred = True  # ...and one of its queries failed
    asked = _asked(monkeypatch)
    connection.close_if_unusable_or_obsolete()  # the request's end
    assert asked  # Django checks a connection that saw an error at once
    assert wrapper.used_at == -math.inf  # type: ignore[attr-defined]


def test_a_connection_with_something_to_read_gets_djangos_own_check(monkeypatch: pytest.MonkeyPatch) -> None:
    _backend_pid()
    with connection.cursor() as cursor:
        cursor.execute("LISTEN sw_health_test")
    try:
        _other("NOTIFY sw_health_test", [])  # a notification waits on the socket of a healthy connection
        _until_readable()
        asked = _asked(monkeypatch)
        _new_request()
        connection.close_if_health_check_failed()
        assert asked and connection.health_check_done and connection.connection is not None
    finally:
        with connection.cursor() as cursor:
            cursor.execute("UNLISTEN *")


def test_a_connection_the_server_ended_is_replaced_before_the_next_query() -> None:
    old = _backend_pid()
    _end_backend(old)
    _new_request()
    assert _backend_pid() != old  # the batch found the connection ended and opened another


def test_intake_after_the_server_ended_its_connection_stores_the_message() -> None:
    world = testing.build_world()
    trader, client = world["trader_a"], Client()
    payload = testing.encode(testing.declaration(ucr="6TW30000002-HEALTH01", reference="health-1"))
    first = client.post("/api/v1/messages", data=payload,
                        **testing.submit_headers(trader, payload, client_reference="health-1"))
    assert first.status_code == 201, first.content
    _end_backend(_backend_pid())
    _new_request()  # Django's test client leaves this out; a server's handler does it on every request
    payload = testing.encode(testing.declaration(ucr="6TW30000002-HEALTH02", reference="health-2"))
    second = client.post("/api/v1/messages", data=payload,
                         **testing.submit_headers(trader, payload, client_reference="health-2"))
    assert second.status_code == 201, second.content
    assert Message.objects.filter(client_reference__in=["health-1", "health-2"]).count() == 2
