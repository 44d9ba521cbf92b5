"""Statements sent to PostgreSQL in one pipeline, straight through libpq.

psycopg's pipeline mode sends every statement before reading any result, but each statement
still goes through a cursor of its own: query parsing, result description and bookkeeping,
about 26 µs of Python per statement and 30 µs more per pipeline on this project's hot paths.
Here the statements go to the connection's libpq handle directly: each shape is converted to
``$n`` placeholders once and its values dumped by the connection's own adapters, so they reach
the server exactly as through a cursor (measured: 8 µs of Python per statement, and less of
the server's time). And the whole pipeline leaves in one write, where psycopg's sends each
statement as it is queued.

Prepared statements are kept in psycopg's own book for the connection, so the two never
disagree: a shape psycopg prepared is used here under its name and the other way round, and
when psycopg forgets them all (it deallocates every prepared statement after a rollback or a
DROP, as objects they name may have changed) statements sent here are prepared again.

The caller holds no cursor: results come back as lists of tuples, errors as the psycopg
exception of the first failing statement (so Django's wrapper translates them as usual). On a
connection outside autocommit with no transaction open, ``BEGIN`` rides in the same pipeline,
as psycopg would send it first.
"""

from __future__ import annotations

import contextlib
import re
import weakref
from collections.abc import Callable, Sequence
from functools import partial
from types import SimpleNamespace
from typing import Any

from psycopg import Connection, errors, pq
from psycopg._preparing import Prepare
from psycopg.abc import PQGen
from psycopg.abc import Transformer as ValueConverter
from psycopg.adapt import PyFormat, Transformer
from psycopg.waiting import Ready, Wait

Rows = list[tuple[Any, ...]]

# Statements with more parameters than this are one-off bulk shapes: bound, not kept prepared.
MAX_PREPARED_PARAMETERS = 256

_PLACEHOLDER = re.compile(r"%%|%s|%")
_numbered: dict[str, bytes] = {}


def numbered(sql: str) -> bytes:
    """``sql`` with its ``%s`` placeholders numbered as PostgreSQL's ``$1, $2…`` (``%%`` is a percent sign)."""
    found = _numbered.get(sql)
    if found is None:
        count = 0

        def number(match: re.Match[str]) -> str:
            nonlocal count
            if match.group() == "%%":
                return "%"
            if match.group() == "%":
                raise ValueError(f"a lone % in a statement: {sql[:200]!r}")
            count += 1
            return f"${count}"

        found = _numbered[sql] = _PLACEHOLDER.sub(number, sql).encode()
    return found


def run(raw: Connection[Any], statements: Sequence[tuple[str, Sequence[Any]]]) -> list[Rows]:
    """Run ``statements`` in one pipeline on ``raw``; each statement's rows (empty when it returns none)."""
    with raw.lock:
        pgconn = raw.pgconn
        if pgconn.pipeline_status != pq.PipelineStatus.OFF:
            raise errors.ProgrammingError("the connection is already in pipeline mode")
        book = raw._prepared
        if book._to_flush:  # deallocations psycopg owes the server: first, or they would undo ours
            raw.wait(book.maintain_gen(raw))
        transformer = _transformer(raw)
        commands: list[Callable[[], None]] = []  # run in pipeline mode only, once all are built
        expected: list[Any] = []  # per result: None (BEGIN, PREPARE) or the statement's (key, prep, name)
        begin = _begin_command(raw)
        if begin is not None:
            commands.append(partial(pgconn.send_query_params, begin, None))
            expected.append(None)
        for sql, params in statements:
            query: Any = SimpleNamespace(query=numbered(sql), types=())  # what the book reads of a query
            values = transformer.dump_sequence(params, [PyFormat.AUTO] * len(params))
            query.types, formats = tuple(transformer.types or ()), list(transformer.formats or ())
            prep, name = book.get(query, prepare=len(params) <= MAX_PREPARED_PARAMETERS)
            key = book.maybe_add_to_cache(query, prep, name)
            if prep is Prepare.SHOULD:
                commands.append(partial(pgconn.send_prepare, name, query.query, param_types=query.types))
                expected.append(None)
            if prep is Prepare.NO:
                commands.append(partial(pgconn.send_query_params, query.query, values, param_types=query.types,
                                        param_formats=formats))
            else:
                commands.append(partial(pgconn.send_query_prepared, name, values, param_formats=formats))
            expected.append((key, prep, name))
        commands.append(pgconn.pipeline_sync)
        results = _exchange(raw, commands)
        rows: list[Rows] = []
        failure = None
        for statement, result in zip(expected, results, strict=True):
            status = result.status
            if status == pq.ExecStatus.FATAL_ERROR and failure is None:
                failure = result
            if statement is None:
                continue
            key, prep, name = statement
            if key is not None:  # a failed or skipped statement leaves its shape unprepared
                book.validate(key, prep, name, [result])
            if status == pq.ExecStatus.TUPLES_OK:
                transformer.set_pgresult(result)
                rows.append(transformer.load_rows(0, result.ntuples, tuple))
            else:
                rows.append([])
        if failure is not None:
            raise errors.error_from_result(failure, encoding=raw.info.encoding)
        return rows


_transformers: weakref.WeakKeyDictionary[Connection[Any], ValueConverter] = weakref.WeakKeyDictionary()


def _transformer(raw: Connection[Any]) -> ValueConverter:
    """The connection's value converter, kept while the connection lives: a new one finds each value
    type's dumper afresh (about three times the work of dumping a statement's values), as a cursor
    would once per query. Adapters are registered when a connection opens (Django does so), so the
    dumpers a kept one has found stay the connection's."""
    found = _transformers.get(raw)
    if found is None:
        found = _transformers[raw] = Transformer(raw)
    return found


def _exchange(raw: Connection[Any], commands: list[Callable[[], None]]) -> list[pq.abc.PGresult]:
    """Send ``commands`` (the last a sync) in pipeline mode and read every result up to the sync.

    The commands only fill libpq's output buffer (in pipeline mode it sends nothing before 64 kB
    or the sync), and the sync flushes it all: one write, which the server reads in one go, where
    psycopg's ``pipeline_communicate`` flushes after every command (a system call and a wake-up
    of the server each). Returns one result per command before the sync (the first of each,
    which carries its status). The connection leaves pipeline mode in every case it still can.
    """
    pgconn = raw.pgconn
    pgconn.enter_pipeline_mode()
    try:
        for command in commands:
            command()
        results = raw.wait(_communicate(pgconn))
    except BaseException:
        with contextlib.suppress(Exception):  # the first error is the one to report
            pgconn.exit_pipeline_mode()
        raise
    pgconn.exit_pipeline_mode()
    return results


def _communicate(pgconn: pq.abc.PGconn) -> PQGen[list[pq.abc.PGresult]]:
    """Finish sending what libpq holds, then read each statement's first result up to the sync.

    One generator for the whole exchange, so the connection waits (and psycopg runs its wait loop)
    only when the socket has nothing to read yet, not once per statement.
    """
    while pgconn.flush():  # the socket took only part: wait until it takes more, reading meanwhile
        ready = yield Wait.RW
        if ready & Ready.R:
            pgconn.consume_input()
    firsts: list[pq.abc.PGresult] = []
    first = None  # the current statement's first result
    while True:
        while pgconn.is_busy():
            if (yield Wait.R):
                pgconn.consume_input()
        result = pgconn.get_result()
        if result is None:  # the end of a statement's results
            if first is None:
                raise errors.OperationalError("the server sent fewer results than statements")
            firsts.append(first)
            first = None
        elif result.status == pq.ExecStatus.PIPELINE_SYNC:
            return firsts
        elif first is None:
            first = result


def _begin_command(raw: Connection[Any]) -> bytes | None:
    """The statement opening a transaction (psycopg's own, with its isolation level), when psycopg
    would send one before the first statement."""
    if raw.autocommit or raw.pgconn.transaction_status != pq.TransactionStatus.IDLE:
        return None
    return raw._get_tx_start_command()
