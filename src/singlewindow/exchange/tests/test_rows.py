"""Batches of hot-path statements: results in order, errors as Django's, one round trip."""

from __future__ import annotations

import pytest
from django.db import DataError, IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from singlewindow.exchange.intake import consignment_by_ucr
from singlewindow.exchange.models import Consignment, TimelineEvent
from singlewindow.exchange.rows import Batch

pytestmark = pytest.mark.django_db
on_postgresql = pytest.mark.skipif(connection.vendor != "postgresql", reason="pipelines are PostgreSQL's")


def test_each_statement_gives_its_own_rows_in_order() -> None:
    batch = Batch()
    inserted = batch.insert(Consignment, [{"ucr": "ROWS-1", "created_at": timezone.now()},
                                          {"ucr": "ROWS-2", "created_at": timezone.now()}], returning="ucr")
    counted = batch.add("SELECT COUNT(*) FROM exchange_consignment WHERE ucr LIKE %s", ["ROWS-%"])
    nothing = batch.add("UPDATE exchange_consignment SET ucr = ucr WHERE ucr = %s", ["ROWS-1"])
    results = batch.run()
    assert sorted(r[0] for r in results[inserted]) == ["ROWS-1", "ROWS-2"]
    assert results[counted] == [(2,)]  # later statements see the earlier ones' rows
    assert results[nothing] == []


def test_a_failing_statement_raises_djangos_error_and_writes_nothing() -> None:
    Consignment.objects.create(ucr="ROWS-TAKEN")
    batch = Batch()
    batch.insert(Consignment, [{"ucr": "ROWS-NEW", "created_at": timezone.now()}])
    batch.insert(Consignment, [{"ucr": "ROWS-TAKEN", "created_at": timezone.now()}])
    with pytest.raises(IntegrityError), transaction.atomic():
        batch.run()
    assert not Consignment.objects.filter(ucr="ROWS-NEW").exists()
    again = Batch()
    again.add("SELECT %s", [7])
    assert again.run() == [[(7,)]]  # the connection is usable afterwards


def _lines(*ucrs: str, title: str = "a line", message: object = None) -> Batch:
    batch = Batch()
    batch.insert(TimelineEvent, [{"consignment": ucr, "at": timezone.now(), "kind": "test.line", "message": message,
                                  "organisation": None, "title_en": f"{title} {n}", "title_zh": title,
                                  "evidence_seq": None} for n, ucr in enumerate(ucrs)],
                 expressions=consignment_by_ucr(), unless_null="consignment")
    return batch


def test_rows_whose_sub_select_finds_nothing_are_left_out_and_the_others_kept_in_order() -> None:
    known = Consignment.objects.create(ucr="ROWS-KNOWN")
    # every typed column takes NULL too: the row's values are cast to their columns' types
    _lines("ROWS-UNKNOWN", "ROWS-KNOWN", "ROWS-UNKNOWN", "ROWS-KNOWN").run()
    stored = list(TimelineEvent.objects.filter(kind="test.line").order_by("id"))
    assert [(e.consignment_id, e.title_en, e.message_id, e.organisation_id) for e in stored] == [
        (known.pk, "a line 1", None, None), (known.pk, "a line 3", None, None)]


def test_an_expression_without_a_parameter_takes_no_value_from_the_row() -> None:
    known = Consignment.objects.create(ucr="ROWS-EXPR")
    batch = Batch()
    batch.insert(TimelineEvent, [{"consignment": "not sent", "at": timezone.now(), "kind": "test.expr",
                                  "organisation": None, "title_en": "a line", "title_zh": "a line"}],
                 expressions={"consignment": "(SELECT MAX(id) FROM exchange_consignment WHERE ucr = 'ROWS-EXPR')"})
    assert [len(params) for _, params in batch.statements] == [5]
    batch.run()
    assert TimelineEvent.objects.get(kind="test.expr").consignment_id == known.pk


@pytest.mark.skipif(connection.vendor != "postgresql", reason="SQLite does not enforce column lengths")
def test_a_value_too_long_for_its_column_fails_rather_than_being_cut() -> None:
    Consignment.objects.create(ucr="ROWS-LONG")
    with pytest.raises(DataError), transaction.atomic():
        _lines("ROWS-LONG", title="x" * 301).run()
    assert not TimelineEvent.objects.filter(kind="test.line").exists()


@on_postgresql
def test_a_batch_is_one_round_trip_with_its_small_statements_prepared() -> None:
    batch = Batch()
    batch.add("SELECT %s::int + 1", [1])
    batch.add("SELECT %s::text || 'b'", ["a"])
    with CaptureQueriesContext(connection) as queries:
        assert batch.run() == [[(2,)], [("ab",)]]
    assert len(queries.captured_queries) == 1
    logged = queries.captured_queries[0]["sql"]  # with server-side binding, Django logs the values in
    assert "::int + 1;\nSELECT " in logged and "::text || 'b'" in logged
    with connection.cursor() as cursor:
        cursor.execute("SELECT statement FROM pg_prepared_statements")
        prepared = [row[0] for row in cursor.fetchall()]
    assert any("$1::int + 1" in text for text in prepared)


@on_postgresql
def test_a_statement_too_large_to_bind_still_runs() -> None:
    count = 70_000  # beyond the protocol's 65,535 parameters per statement
    batch = Batch()
    batch.add("SELECT array_length(ARRAY[" + ", ".join(["%s"] * count) + "]::int[], 1)", list(range(count)))
    batch.add("SELECT %s", [1])
    assert batch.run() == [[(count,)], [(1,)]]
