"""Statements pipelined through libpq: placeholders, prepared shapes kept with psycopg's, errors, transactions."""

from __future__ import annotations

import socket
import threading
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import IntegrityError, connection, transaction

from singlewindow.exchange import pgpipeline
from singlewindow.exchange.models import Consignment
from singlewindow.exchange.rows import Batch

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pipelines are PostgreSQL's")


def test_placeholders_are_numbered_and_a_doubled_percent_is_one() -> None:
    assert pgpipeline.numbered("SELECT %s, %s || '%%'") == b"SELECT $1, $2 || '%'"
    with pytest.raises(ValueError, match="lone %"):
        pgpipeline.numbered("SELECT %d")


def _server_prepared() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT name FROM pg_prepared_statements")
        return {row[0] for row in cursor.fetchall()}


def _book() -> Any:
    connection.ensure_connection()
    return connection.connection._prepared


@on_postgresql
def test_shapes_are_prepared_once_in_psycopgs_book() -> None:
    sql = "SELECT %s::int * 3"
    for value in (1, 2):
        batch = Batch()
        batch.add(sql, [value])
        assert batch.run() == [[(value * 3,)]]
    names = [name.decode() for (text, _), name in _book()._names.items() if text == b"SELECT $1::int * 3"]
    assert len(names) == 1 and names[0] in _server_prepared()


@on_postgresql
def test_after_psycopg_forgets_its_statements_they_are_prepared_again() -> None:
    batch = Batch()
    batch.add("SELECT %s::text || 'x'", ["a"])
    batch.run()
    with transaction.atomic():
        sid = transaction.savepoint()
        batch.run()
        transaction.savepoint_rollback(sid)  # psycopg deallocates everything after a rollback
        assert not _book()._names
        again = Batch()
        again.add("SELECT %s::text || 'x'", ["b"])
        assert again.run() == [[("bx",)]]
        assert again.run() == [[("bx",)]]


@on_postgresql
def test_a_failure_reports_the_first_error_and_keeps_no_name_for_what_never_ran() -> None:
    Consignment.objects.create(ucr="PIPE-TAKEN")
    batch = Batch()
    batch.add("INSERT INTO exchange_consignment (ucr, created_at) VALUES (%s, now())", ["PIPE-TAKEN"])
    batch.add("SELECT %s::int + 40", [2])  # aborted by the failure before it
    with pytest.raises(IntegrityError, match="duplicate key"), transaction.atomic():
        batch.run()
    assert not [key for key in _book()._names if key[0] == b"SELECT $1::int + 40"]
    later = Batch()
    later.add("SELECT %s::int + 40", [2])
    assert later.run() == [[(42,)]]


@on_postgresql
def test_a_statement_that_does_not_parse_is_a_clear_error_and_the_connection_goes_on() -> None:
    batch = Batch()
    batch.add("SELEC %s", [1])
    with pytest.raises(Exception, match="syntax error"), transaction.atomic():
        batch.run()
    again = Batch()
    again.add("SELECT %s::int", [5])
    assert again.run() == [[(5,)]]


@on_postgresql
@pytest.mark.django_db(transaction=True)
def test_begin_rides_with_the_first_statements_of_a_transaction() -> None:
    from psycopg import pq

    with transaction.atomic():
        raw = connection.connection
        assert raw.pgconn.transaction_status == pq.TransactionStatus.IDLE  # nothing sent yet
        batch = Batch()
        batch.add("INSERT INTO exchange_consignment (ucr, created_at) VALUES (%s, now())", ["PIPE-TX"])
        batch.run()
        assert raw.pgconn.transaction_status == pq.TransactionStatus.INTRANS
        transaction.set_rollback(True)
    assert not Consignment.objects.filter(ucr="PIPE-TX").exists()  # the insert was in the transaction


@on_postgresql
def test_without_prepared_statements_the_shapes_go_unnamed() -> None:
    raw = (connection.ensure_connection(), connection.connection)[1]
    threshold = raw.prepare_threshold
    raw.prepare_threshold = None  # as SW_DATABASE_PREPARE=false leaves it
    try:
        before = _server_prepared()
        batch = Batch()
        batch.add("SELECT %s::int - 1", [8])
        assert batch.run() == [[(7,)]]
        assert _server_prepared() == before
    finally:
        raw.prepare_threshold = threshold


class _CountingProxy:
    """A loopback TCP relay to PostgreSQL that keeps the size of every chunk the client sent."""

    def __init__(self, host: str, port: int) -> None:
        self.target = (host, port)
        self.chunks: list[int] = []
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        threading.Thread(target=self._serve, daemon=True).start()

    def _serve(self) -> None:
        client, _ = self.listener.accept()
        server = socket.create_connection(self.target)
        threading.Thread(target=self._relay, args=(server, client, None), daemon=True).start()
        self._relay(client, server, self.chunks)

    @staticmethod
    def _relay(source: socket.socket, sink: socket.socket, sizes: list[int] | None) -> None:
        try:
            while chunk := source.recv(65536):
                if sizes is not None:
                    sizes.append(len(chunk))
                sink.sendall(chunk)
        except OSError:  # the other direction ended first and closed this one's socket: nothing left to relay
            pass
        finally:
            sink.close()


@pytest.fixture
def relayed() -> Iterator[tuple[Any, _CountingProxy]]:
    """A psycopg connection of its own that reaches the test database through ``_CountingProxy``."""
    import psycopg

    params = connection.get_connection_params()
    if not params.get("host", "").startswith(("127.", "::1", "localhost")):
        pytest.skip("the relay reaches PostgreSQL over loopback TCP only")
    proxy = _CountingProxy(params.pop("host"), int(params.pop("port", 5432)))
    raw = psycopg.connect(**params, host="127.0.0.1", port=proxy.port, autocommit=True)
    try:
        yield raw, proxy
    finally:
        raw.close()


@on_postgresql
def test_a_pipeline_reaches_the_server_in_one_write(relayed: tuple[Any, _CountingProxy]) -> None:
    raw, proxy = relayed
    statements = [("SELECT %s::int + %s::int", [n, 1]) for n in range(20)]
    pgpipeline.run(raw, statements)  # the first run also prepares the shape
    for _ in range(5):  # several, as a relay that wakes late sees separate writes as one
        before = len(proxy.chunks)
        assert pgpipeline.run(raw, statements) == [[(n + 1,)] for n in range(20)]
        assert len(proxy.chunks) - before == 1  # flushed after each statement, they arrive in several


@on_postgresql
def test_a_connection_keeps_one_converter_and_it_dumps_each_value_by_its_own_type() -> None:
    connection.ensure_connection()
    raw = connection.connection
    results = []
    for value in ("text", 7, None, 2.5):  # one position, four types, one kept converter
        batch = Batch()
        batch.add("SELECT %s::text IS NULL, %s::text", [value, value])
        results += batch.run()[0]
    assert results == [(False, "text"), (False, "7"), (True, None), (False, "2.5")]
    assert pgpipeline._transformer(raw) is pgpipeline._transformer(raw)
    other = type(raw).connect(raw.info.dsn, password=connection.settings_dict["PASSWORD"])
    try:
        assert pgpipeline._transformer(other) is not pgpipeline._transformer(raw)
    finally:
        other.close()
