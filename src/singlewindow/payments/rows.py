"""Plain statements on a bank confirmation's hot path.

Recording a confirmation runs hundreds of times a second; the ORM compiles each query anew
(a few tenths of a millisecond of Python each, a millisecond and more for a join of four
tables). These statements are built once, from the models' metadata, and rows come back as
the ORM would load them (the fields' own database converters, ``Model.from_db``).
"""

from __future__ import annotations

from typing import Any

from django.db import DEFAULT_DB_ALIAS, connection, models

from singlewindow.customs.models.cases import Case, CaseEvent
from singlewindow.exchange.rows import Batch
from singlewindow.payments.models import PaymentOrder
from singlewindow.registry.selectors import organisation_by_id

_COUNTS: dict[str, str] = {}


def count_events_statement(case_id: int) -> tuple[str, list[Any]]:
    """How many events the case has (for ``Batch.add``), built once per database vendor."""
    sql = _COUNTS.get(connection.vendor)
    if sql is None:
        quote, meta = connection.ops.quote_name, CaseEvent._meta
        # Identifiers come from model metadata, values only ever travel as parameters.
        sql = _COUNTS[connection.vendor] = (
            f"SELECT COUNT(*) FROM {quote(meta.db_table)} "  # noqa: S608
            f"WHERE {quote(str(meta.get_field('case').column))} = %s")
    return sql, [CaseEvent._meta.get_field("case").get_db_prep_value(case_id, connection)]


def values_of(instance: models.Model) -> dict[str, Any]:
    """An unsaved row's fields as ``Batch.insert`` takes them (foreign keys by primary key; no primary key)."""
    return {field.name: getattr(instance, field.attname) for field in instance._meta.concrete_fields
            if not field.primary_key}


def stored(instance: models.Model, pk: Any) -> None:
    """Mark ``instance`` as the row just inserted with primary key ``pk``."""
    instance.pk = pk
    instance._state.adding = False
    instance._state.db = DEFAULT_DB_ALIAS


class _Loader:
    """One model's columns in a hand-written SELECT: the column list and how to turn a row slice into an instance."""

    def __init__(self, model: type[models.Model], alias: str) -> None:
        quote = connection.ops.quote_name
        self.model = model
        fields = list(model._meta.concrete_fields)
        self.names = [field.attname for field in fields]
        self.columns = ", ".join(f"{alias}.{quote(str(field.column))}" for field in fields)
        self.width = len(fields)
        self.converters: list[tuple[int, list[Any], Any]] = []
        for position, field in enumerate(fields):
            column = field.get_col(alias)
            found = connection.ops.get_db_converters(column) + column.get_db_converters(connection)
            if found:
                self.converters.append((position, found, column))

    def load(self, row: tuple[Any, ...], start: int) -> models.Model:
        values = list(row[start:start + self.width])
        for position, converters, column in self.converters:
            for converter in converters:
                values[position] = converter(values[position], column, connection)
        return self.model.from_db(DEFAULT_DB_ALIAS, self.names, values)


_ORDER_LOCKS: dict[str, tuple[str, list[_Loader]]] = {}


def _order_lock() -> tuple[str, list[_Loader]]:
    """The SELECT of ``lock_order``, built once per database vendor."""
    found = _ORDER_LOCKS.get(connection.vendor)
    if found is None:
        quote = connection.ops.quote_name
        loaders = [_Loader(PaymentOrder, "o"), _Loader(Case, "c")]
        order, case = PaymentOrder._meta, Case._meta
        lock = " FOR UPDATE OF o, c" if connection.features.has_select_for_update_of else ""
        # Identifiers come from model metadata, values only ever travel as parameters.
        sql = (f"SELECT {', '.join(loader.columns for loader in loaders)} "  # noqa: S608
               f"FROM {quote(order.db_table)} o JOIN {quote(case.db_table)} c "
               f"ON c.{quote(str(case.get_field('id').column))} = o.{quote(str(order.get_field('case').column))} "
               f"WHERE o.{quote(str(order.get_field('reference').column))} = %s{lock}")
        found = _ORDER_LOCKS[connection.vendor] = (sql, loaders)
    return found


def lock_order(reference: str) -> PaymentOrder | None:
    """The order with ``reference`` and its case, both rows locked (order first) and read as they now are,
    the case with its office and declarant (those from the registry's short-lived cache), as
    ``customs.services.lock_case`` gives it; None when unknown.

    The ORM would compile this join anew on every confirmation, which costs more Python than
    everything else the payments side does for it.
    """
    sql, loaders = _order_lock()
    lock = Batch()  # on PostgreSQL a pipeline, so the transaction's BEGIN travels with it
    lock.add(sql, [reference])
    found = lock.run()[0]
    if not found:
        return None
    row = found[0]
    instances, start = [], 0
    for loader in loaders:
        instances.append(loader.load(tuple(row), start))
        start += loader.width
    order, case = instances
    assert isinstance(order, PaymentOrder) and isinstance(case, Case)
    # The office and declarant come from the registry's cache: joining them to the locked rows
    # would cost the database more planning than the lock itself.
    office, declarant = organisation_by_id(case.office_id), organisation_by_id(case.declarant_id)
    assert office is not None and declarant is not None  # protected foreign keys
    case.office, case.declarant = office, declarant
    order.case = case
    if order.office_id == case.office_id:
        order.office = case.office
    return order
