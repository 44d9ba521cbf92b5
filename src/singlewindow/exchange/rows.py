"""Plain statements for the intake hot path, sent in as few round trips as the driver allows.

The ORM compiles every insert anew, about a quarter of a millisecond of Python each, and
intake writes several rows per message hundreds of times a second, some of them while the
evidence lock is held. Here each statement shape is built once and values are converted with
the fields' own ``get_db_prep_save``, so rows are stored exactly as the ORM would store them.

Each round trip to the database costs both processes a wake-up, a system call pair and the
driver's per-statement bookkeeping. ``Batch`` sends statements that do not depend on each
other's results together: on PostgreSQL in one pipeline (``pgpipeline``: every statement
sent, one sync, every result read), each small statement as a named prepared
statement so the server parses and plans its shape once per connection instead of on every
call (a quarter of the server's work on the intake path); on SQLite, which takes one statement
per call and runs in process, one after the other.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping, Sequence
from functools import cache
from types import SimpleNamespace
from typing import Any, cast

from django.db import DEFAULT_DB_ALIAS, connection, connections, models
from django.db.backends.base.base import BaseDatabaseWrapper

_Fields = list[models.Field[Any, Any]]
_Column = tuple[str, models.Field[Any, Any] | None, tuple[type, ...]]
"""A column's field name, its field (None when an expression takes the value as given) and the value
types it stores unchanged (``_as_given``)."""
_STATEMENTS: dict[tuple[Any, ...], tuple[str, list[_Column]]] = {}

# Field classes whose conversion returns a value of these exact types unchanged, on every database
# (and, flagged, on PostgreSQL only: SQLite stores UUIDs as hex text).
_KEPT: tuple[tuple[type[models.Field[Any, Any]], tuple[type, ...], bool], ...] = (
    (models.CharField, (str,), False), (models.TextField, (str,), False),
    (models.IntegerField, (int,), False), (models.BigAutoField, (int,), False), (models.AutoField, (int,), False),
    (models.BooleanField, (bool,), False), (models.UUIDField, (uuid.UUID,), True),
)
_CONVERSIONS = ("get_prep_value", "get_db_prep_value", "get_db_prep_save", "to_python")


def default_database() -> BaseDatabaseWrapper:
    """The default database's connection object itself: reading attributes through the
    ``django.db.connection`` proxy costs a thread-local look-up each, a dozen per submission."""
    return connections[DEFAULT_DB_ALIAS]


def connected_database() -> BaseDatabaseWrapper:
    """The default database's connection object, checked and opened as Django does before a cursor's first
    query in a request, for code that drives the driver's connection itself: a persistent connection the
    server has ended since is replaced instead of failing the request."""
    db = default_database()
    db.close_if_health_check_failed()
    db.ensure_connection()
    return db


@cache
def database_vendor() -> str:
    """The default database's vendor (``postgresql``, ``sqlite``), which the settings fix: read once."""
    return default_database().vendor


def _as_given(field: models.Field[Any, Any], vendor: str) -> tuple[type, ...]:
    """Value types the field would store unchanged, so converting them can be skipped.

    A row of a hot-path insert holds mostly strings and integers, for which the field's conversion
    (a chain of four method calls) returns its input; only a class that converts exactly as one of
    ``_KEPT`` does (none of the conversion methods overridden) qualifies.
    """
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    kind = type(target)
    for base, types, postgresql_only in _KEPT:
        if issubclass(kind, base) and all(getattr(kind, m) is getattr(base, m) for m in _CONVERSIONS):
            return types if vendor == "postgresql" or not postgresql_only else ()
    return ()


def _statement(model: type[models.Model], names: tuple[str, ...], count: int, ignore_conflicts: bool,
               returning: str | None, expressions: tuple[tuple[str, str], ...],
               unless_null: str | None) -> tuple[str, list[_Column]]:
    vendor = database_vendor()
    key = (model, names, count, ignore_conflicts, returning, expressions, unless_null, vendor)
    found = _STATEMENTS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        fields: _Fields = [model._meta.get_field(name) for name in names]  # type: ignore[misc]
        columns = ", ".join(quote(str(field.column)) for field in fields)
        placeholders = dict(expressions)
        # With ``unless_null`` the rows are a VALUES list to select from, where a parameter has no
        # column to take its type from: on PostgreSQL each is cast to its column's type (unsized, so
        # nothing is cut).
        typed = unless_null is not None and vendor == "postgresql"
        row = "(" + ", ".join(placeholders.get(field.name, f"%s::{_unsized_type(field)}" if typed else "%s")
                              for field in fields) + ")"
        values = ", ".join([row] * count)
        # Identifiers come from model metadata, values only ever travel as parameters.
        table = quote(model._meta.db_table)
        if unless_null is None:
            sql = f"INSERT INTO {table} ({columns}) VALUES {values}"  # noqa: S608
        else:
            sql = (f"INSERT INTO {table} ({columns}) SELECT * FROM (VALUES {values}) AS v "  # noqa: S608
                   f"WHERE v.column{names.index(unless_null) + 1} IS NOT NULL")
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        if returning:
            sql += f" RETURNING {quote(returning)}"
        # A column whose expression takes no parameter sends no value.
        found = _STATEMENTS[key] = (sql, [
            (f.name, None, ()) if f.name in placeholders else (f.name, f, _as_given(f, vendor))
            for f in fields if "%s" in placeholders.get(f.name, "%s")])
    return found


def _unsized_type(field: models.Field[Any, Any]) -> str:
    """The column's type for an explicit cast, without a length: casting to ``varchar(n)`` would cut
    a longer value silently, where storing it fails."""
    target = field.target_field if isinstance(field, models.ForeignKey) else field
    if isinstance(target, models.CharField):
        return str(connection.ops.cast_char_field_without_max_length)
    return str(field.cast_db_type(connection))


def insert_statement(model: type[models.Model], rows: Sequence[Mapping[str, Any]], *,
                     ignore_conflicts: bool = False, returning: str | None = None,
                     expressions: Mapping[str, str] | None = None,
                     unless_null: str | None = None) -> tuple[str, list[Any]]:
    """The INSERT of rows given as {field name: value} (foreign keys by primary key; all rows share keys).

    ``expressions`` maps a field to an SQL expression with one ``%s`` that takes the row's value
    as given (say, a sub-select finding a foreign key by a natural key), or with none, and then
    the row's value is not sent (say, a sub-select of a common table expression the statement is
    part of). ``unless_null`` names a
    field whose value, once evaluated, leaves its row out when NULL (a row whose sub-select finds
    nothing), instead of failing the statement.
    """
    given = tuple(sorted((expressions or {}).items()))
    sql, columns = _statement(model, tuple(rows[0]), len(rows), ignore_conflicts, returning, given, unless_null)
    # The connection itself, not the ``django.db.connection`` proxy: every field conversion
    # looks it up, and through the proxy each lookup costs a thread-local search.
    db = default_database()
    params = []
    for row in rows:
        for name, field, kept in columns:
            value = row[name]
            if field is not None and type(value) not in kept:
                value = field.get_db_prep_save(value, db)
            params.append(value)
    return sql, params


def with_statements(named: Sequence[tuple[str, tuple[str, Sequence[Any]]]],
                    final: tuple[str, Sequence[Any]]) -> tuple[str, list[Any]]:
    """One PostgreSQL statement: the ``named`` data-modifying statements as common table expressions, then ``final``.

    One statement instead of several saves the server a statement's start-up and the client its
    bookkeeping each. They all run on one snapshot: none sees the rows another writes, so one may
    only use another's rows through its name (``SELECT id FROM name``, given its RETURNING).
    """
    parts: list[str] = []
    params: list[Any] = []
    for name, (sql, values) in named:
        parts.append(f"{name} AS ({sql})")
        params += values
    # Statements built from model metadata, values as parameters.
    return f"WITH {', '.join(parts)} {final[0]}", [*params, *final[1]]


_UPDATES: dict[tuple[Any, ...], tuple[str, _Fields, models.Field[Any, Any]]] = {}


def update_statement(model: type[models.Model], pk: Any, values: Mapping[str, Any]) -> tuple[str, list[Any]]:
    """The UPDATE of one row by primary key, setting {field name: value} (foreign keys by primary key)."""
    names = tuple(values)
    key = (model, names, database_vendor())
    found = _UPDATES.get(key)
    if found is None:
        quote = connection.ops.quote_name
        fields: _Fields = [model._meta.get_field(name) for name in names]  # type: ignore[misc]
        primary = model._meta.pk
        assert primary is not None
        assignments = ", ".join(f"{quote(str(field.column))} = %s" for field in fields)
        # Identifiers come from model metadata, values only ever travel as parameters.
        sql = f"UPDATE {quote(model._meta.db_table)} SET {assignments} WHERE {quote(str(primary.column))} = %s"  # noqa: S608
        found = _UPDATES[key] = (sql, fields, primary)
    sql, fields, primary = found
    db = default_database()
    params = [field.get_db_prep_save(values[field.name], db) for field in fields]
    return sql, [*params, primary.get_db_prep_save(pk, db)]


def next_id_statement(model: type[models.Model]) -> tuple[str, list[Any]] | None:
    """A SELECT that reserves the model's next primary key, for a row whose id must be known before
    it can be written (a row an evidence entry names, inserted once the entry exists).

    PostgreSQL draws it from the column's sequence, so it rides along with other statements in one
    round trip and never repeats; None on databases without sequences (SQLite: insert the row first).
    """
    if database_vendor() != "postgresql":
        return None
    primary = model._meta.pk
    assert primary is not None
    return ("SELECT nextval(pg_get_serial_sequence(%s, %s))",
            [connection.ops.quote_name(model._meta.db_table), str(primary.column)])


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]], *,
                ignore_conflicts: bool = False, returning: str | None = None) -> list[Any]:
    """Insert rows now; the ``returning`` column of each inserted row."""
    if not rows:
        return []
    batch = Batch()
    batch.add(*insert_statement(model, rows, ignore_conflicts=ignore_conflicts, returning=returning))
    return [r[0] for r in batch.run()[0]]


# PostgreSQL's protocol numbers a statement's parameters in 16 bits; larger statements (bulk
# inserts of thousands of rows) go as one multi-statement query with client-side binding.
_MAX_BOUND_PARAMETERS = 65_535


def _pipelined(statements: Sequence[tuple[str, Sequence[Any]]]) -> bool:
    """Whether the statements can travel in one pipeline (none too large to bind)."""
    return all(len(p) <= _MAX_BOUND_PARAMETERS for _, p in statements)


class _Pipeline:
    """The driver-side cursor Django's wrapper drives for a pipelined batch.

    Django's cursor wrapper runs ``execute`` inside the connection's execute wrappers, turns
    driver errors into Django's and, when queries are logged, logs the batch as one query (one
    round trip), as it did the multi-statement query.
    """

    def __init__(self, raw: Any, statements: Sequence[tuple[str, Sequence[Any]]], text: str) -> None:
        self.raw = raw
        self.statements = statements
        self.results: list[list[tuple[Any, ...]]] = []
        self._query = SimpleNamespace(query=text.encode())  # what Django's query log reads

    def execute(self, sql: str, params: Sequence[Any] = ()) -> None:
        from singlewindow.exchange import pgpipeline

        self.results = pgpipeline.run(self.raw, self.statements)

    def close(self) -> None:
        """Nothing to release: the statements ran without a cursor."""


def wrap_driver_cursor(cursor: Any, db: BaseDatabaseWrapper) -> Any:
    """Django's wrapper around a driver-level cursor: error translation, execute wrappers, query log."""
    wrap = db.make_debug_cursor if db.queries_logged else db.make_cursor
    return wrap(cast(Any, cursor))


class Batch:
    """Statements run in order; ``run`` gives each statement's rows (empty when it returns none)."""

    def __init__(self) -> None:
        self.statements: list[tuple[str, Sequence[Any]]] = []

    def add(self, sql: str, params: Sequence[Any] = ()) -> int:
        """Queue a statement; its index in the list ``run`` returns."""
        self.statements.append((sql, params))
        return len(self.statements) - 1

    def insert(self, model: type[models.Model], rows: Sequence[Mapping[str, Any]], *,
               ignore_conflicts: bool = False, returning: str | None = None,
               expressions: Mapping[str, str] | None = None, unless_null: str | None = None) -> int | None:
        """Queue an INSERT of rows (nothing when there are none); its index, or None (see ``insert_statement``)."""
        if not rows:
            return None
        return self.add(*insert_statement(model, rows, ignore_conflicts=ignore_conflicts, returning=returning,
                                          expressions=expressions, unless_null=unless_null))

    def split(self, at: int) -> tuple[Batch, Batch]:
        """The statements before ``at`` and those from it, as two batches (to run with work between)."""
        before, after = Batch(), Batch()
        before.statements, after.statements = self.statements[:at], self.statements[at:]
        return before, after

    def run(self) -> list[list[tuple[Any, ...]]]:
        if not self.statements:
            return []
        if database_vendor() == "postgresql":
            return self._run_together()
        results = []
        with connection.cursor() as cursor:  # SQLite: one statement per call, in process
            for sql, params in self.statements:
                cursor.execute(sql, params)
                results.append(list(cursor.fetchall()) if cursor.description else [])
        return results

    def _text(self) -> str:
        return ";\n".join(sql for sql, _ in self.statements)

    def _flat(self) -> list[Any]:
        return [p for _, params in self.statements for p in params]

    def _run_together(self) -> list[list[tuple[Any, ...]]]:
        """PostgreSQL: one pipeline, or one multi-statement query when a statement is too large to bind."""
        db = connected_database()
        if _pipelined(self.statements):
            # The text and the flat parameters are for Django's query log and execute wrappers only.
            described = db.queries_logged or bool(db.execute_wrappers)
            text, flat = (self._text(), self._flat()) if described else ("", [])
            pipeline = _Pipeline(db.connection, self.statements, text)
            with wrap_driver_cursor(pipeline, db) as cursor:
                cursor.execute(text, flat)
            return pipeline.results
        import psycopg

        results: list[list[tuple[Any, ...]]] = []
        # Several statements in one query need client-side binding, whatever the ORM's cursors use.
        with wrap_driver_cursor(psycopg.ClientCursor(db.connection), db) as cursor:
            cursor.execute(self._text(), self._flat())
            while True:
                results.append(list(cursor.fetchall()) if cursor.description else [])
                if not cursor.nextset():
                    break
        if len(results) != len(self.statements):
            raise RuntimeError(f"{len(self.statements)} statements gave {len(results)} results")
        return results
