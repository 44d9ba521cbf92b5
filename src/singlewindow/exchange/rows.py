"""Plain INSERT statements for the intake hot path.

The ORM compiles every insert anew, about a quarter of a millisecond of Python each, and
intake writes several rows per message hundreds of times a second, some of them while the
evidence lock is held. Here each statement shape is built once and values are converted with
the fields' own ``get_db_prep_save``, so rows are stored exactly as the ORM would store them.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from django.db import connection, models

_STATEMENTS: dict[tuple[Any, ...], tuple[str, list[models.Field[Any, Any]]]] = {}


def _statement(model: type[models.Model], names: tuple[str, ...], count: int, ignore_conflicts: bool,
               returning: str | None) -> tuple[str, list[models.Field[Any, Any]]]:
    key = (model, names, count, ignore_conflicts, returning, connection.vendor)
    found = _STATEMENTS.get(key)
    if found is None:
        quote = connection.ops.quote_name
        fields: list[models.Field[Any, Any]] = [model._meta.get_field(name) for name in names]  # type: ignore[misc]
        columns = ", ".join(quote(str(field.column)) for field in fields)
        row = "(" + ", ".join(["%s"] * len(fields)) + ")"
        # Identifiers come from model metadata, values only ever travel as parameters.
        table = quote(model._meta.db_table)
        sql = f"INSERT INTO {table} ({columns}) VALUES " + ", ".join([row] * count)  # noqa: S608
        if ignore_conflicts:
            sql += " ON CONFLICT DO NOTHING"
        if returning:
            sql += f" RETURNING {quote(returning)}"
        found = _STATEMENTS[key] = (sql, fields)
    return found


def insert_rows(model: type[models.Model], rows: Sequence[Mapping[str, Any]], *,
                ignore_conflicts: bool = False, returning: str | None = None) -> list[Any]:
    """Insert rows given as {field name: value} (foreign keys by primary key); all rows share keys."""
    if not rows:
        return []
    sql, fields = _statement(model, tuple(rows[0]), len(rows), ignore_conflicts, returning)
    params = [field.get_db_prep_save(row[field.name], connection) for row in rows for field in fields]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [r[0] for r in cursor.fetchall()] if returning else []
