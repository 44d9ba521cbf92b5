"""The quantity ledger: write-off arithmetic, every refusal, idempotent retries, restore, bad input."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from singlewindow.exchange.models import EvidenceEntry
from singlewindow.permits import ledger, services
from singlewindow.permits.errors import PermitError
from singlewindow.permits.models import Permit, PermitLine, WriteOff
from singlewindow.permits.tests.conftest import G2G
from singlewindow.registry.actors import Actor


def balance(permit: Permit, sequence: int = 1) -> Decimal:
    return PermitLine.objects.get(permit=permit, sequence=sequence).balance


def kinds() -> list[str]:
    entries = EvidenceEntry.objects.filter(kind__startswith="permits.").order_by("seq")
    return list(entries.values_list("kind", flat=True))


def test_write_offs_move_the_balance_down_to_zero_and_no_further(g2g: G2G, permit: Permit) -> None:
    first = g2g.verify(quantity=Decimal(10), declaration_ref="D-1")
    second = g2g.verify(quantity=Decimal(15), declaration_ref="D-2")
    assert (first.ok, first.result["balance"], second.ok, second.result["balance"]) == (True, "15", True, "0")
    over = g2g.verify(quantity=Decimal("0.5"), declaration_ref="D-3")
    assert (over.ok, over.code, over.result["balance"]) == (False, "permit.over_quantity", "0")
    assert balance(permit) == 0
    assert sum(w.quantity for w in WriteOff.objects.all()) == Decimal(25)
    assert kinds() == ["permits.issued", "permits.written_off", "permits.written_off", "permits.refused"]


def test_fractions_are_exact(g2g: G2G) -> None:
    permit = g2g.issue(lines=((1, "847130", "KGM", "0.3"),))
    for n in range(3):
        assert g2g.verify(quantity=Decimal("0.1"), unit="KGM", declaration_ref=f"F-{n}").ok
    assert balance(permit) == Decimal(0)
    assert g2g.verify(quantity=Decimal("0.000001"), unit="KGM", declaration_ref="F-9").code == "permit.over_quantity"


def test_the_answer_names_the_line_the_request_and_its_evidence_entry(g2g: G2G, permit: Permit) -> None:
    answer = g2g.verify()
    result = answer.result
    assert result["outcome"] == "ok" and result["code"] is None and result["line"] == 1
    assert result["request"] == {"permit_number": "TP-0001", "agency": "t-agency", "holder": "30000002",
                                 "hs_code": "8471300000", "quantity": "10", "unit": "PCE",
                                 "declaration_reference": "TWKEL2600000001", "item_sequence": 1,
                                 "office": "t-customs-kel", "on": result["request"]["on"]}
    entry = EvidenceEntry.objects.get(seq=result["evidence_seq"])
    assert entry.kind == "permits.written_off" and '"balance":"15"' in entry.body


def test_the_most_specific_line_is_written_off(g2g: G2G) -> None:
    permit = g2g.issue(lines=((1, "847130", "PCE", "5"), (2, "84713000", "PCE", "5"), (3, "851713", "PCE", "5")))
    assert g2g.verify(quantity=Decimal(2)).result["line"] == 2
    assert [balance(permit, n) for n in (1, 2, 3)] == [5, 3, 5]


def test_lines_are_used_in_sequence_order_and_a_short_one_is_passed_over(g2g: G2G) -> None:
    # given two lines for the same goods, the second stored first
    permit = g2g.issue(lines=((2, "847130", "PCE", "5"), (1, "847130", "PCE", "3")))
    assert g2g.verify(quantity=Decimal(2), declaration_ref="S-1").result["line"] == 1
    # when line 1 has too little left, line 2 serves the item
    assert g2g.verify(quantity=Decimal(2), declaration_ref="S-2").result["line"] == 2
    refused = g2g.verify(quantity=Decimal(4), declaration_ref="S-3")
    assert refused.code == "permit.over_quantity" and refused.result["balance"] == "3"
    assert [balance(permit, n) for n in (1, 2)] == [1, 3]


def round_trips(call: Callable[[], ledger.Verification]) -> tuple[ledger.Verification, int]:
    """The answer and the calls to the database it took (the test's savepoints aside)."""
    with CaptureQueriesContext(connection) as queries:
        answer = call()
    return answer, sum(1 for q in queries.captured_queries if "SAVEPOINT" not in q["sql"])


@pytest.mark.skipif(connection.vendor != "postgresql", reason="statements travel together on PostgreSQL only")
def test_a_write_off_or_a_refusal_takes_two_round_trips_besides_begin_and_commit(g2g: G2G, permit: Permit) -> None:
    g2g.verify(quantity=Decimal(1), declaration_ref="WARM")  # the office's roles are cached from here on
    # the locked lines with the earlier write-off; the balance, the row and the entry with the answer citing it
    written, trips = round_trips(lambda: g2g.verify(quantity=Decimal(1), declaration_ref="RT-1"))
    assert written.ok and trips == 2
    # a refusal: the locked lines; its entry
    refused, trips = round_trips(lambda: g2g.verify(quantity=Decimal(1), unit="KGM", declaration_ref="RT-2"))
    assert refused.code == "permit.unit_mismatch" and trips == 2
    again, trips = round_trips(lambda: g2g.verify(quantity=Decimal(1), declaration_ref="RT-1"))
    assert again.replayed and again.result == written.result and trips == 1
    assert WriteOff.objects.get(declaration_ref="RT-1").result == written.result


@pytest.mark.parametrize(("change", "code"), [
    ({"permit_number": "NOPE-1"}, "permit.unknown"),
    ({"agency": "t-customs-kel"}, "permit.unknown"),
    ({"holder": "30000007"}, "permit.not_holder"),
    ({"on": timezone.now() + timedelta(days=60)}, "permit.expired"),
    ({"on": timezone.now() - timedelta(days=3)}, "permit.not_yet_valid"),
    ({"hs_code": "85171300"}, "permit.wrong_hs_code"),
    ({"hs_code": "847140"}, "permit.wrong_hs_code"),
    ({"unit": "KGM"}, "permit.unit_mismatch"),
    ({"quantity": Decimal("25.000001")}, "permit.over_quantity"),
])
def test_each_refusal_has_its_code_and_changes_no_balance(g2g: G2G, permit: Permit, change: dict[str, Any],
                                                          code: str) -> None:
    answer = g2g.verify(**change)
    assert (answer.ok, answer.code) == (False, code)
    assert answer.result["message"]["en"] and answer.result["message"]["zh-Hant"]
    assert balance(permit) == 25 and not WriteOff.objects.exists()
    assert kinds()[-1] == "permits.refused"


@pytest.mark.parametrize(("status", "code"), [("suspended", "permit.suspended"), ("revoked", "permit.revoked")])
def test_suspended_and_revoked_permits_are_refused(g2g: G2G, permit: Permit, status: str, code: str) -> None:
    services.change_permit_status(permit, status=status, actor=g2g.agency, reason="test")
    assert g2g.verify().code == code


def test_a_reinstated_permit_works_again_but_a_revoked_one_never(g2g: G2G, permit: Permit) -> None:
    services.change_permit_status(permit, status="suspended", actor=g2g.agency)
    services.change_permit_status(permit, status="active", actor=g2g.agency)
    assert g2g.verify().ok
    services.change_permit_status(permit, status="revoked", actor=g2g.agency)
    with pytest.raises(PermitError, match="bad_request"):
        services.change_permit_status(permit, status="active", actor=g2g.agency)


def test_only_the_agency_changes_a_permits_status(g2g: G2G, permit: Permit) -> None:
    with pytest.raises(PermitError, match="not_agency"):
        services.change_permit_status(permit, status="suspended", actor=g2g.officer)
    permit.refresh_from_db()
    assert permit.status == "active"


def test_a_retry_gets_the_first_answer_and_writes_off_once(g2g: G2G, permit: Permit) -> None:
    first = g2g.verify()
    entries = EvidenceEntry.objects.count()
    again = g2g.verify()
    assert again.replayed and not first.replayed and again.result == first.result
    assert balance(permit) == 15 and WriteOff.objects.count() == 1
    assert EvidenceEntry.objects.count() == entries  # nothing changed, nothing recorded


def test_a_retry_after_the_balance_ran_out_still_gets_its_first_answer(g2g: G2G, permit: Permit) -> None:
    first = g2g.verify(quantity=Decimal(10))
    g2g.verify(quantity=Decimal(15), declaration_ref="OTHER")
    assert g2g.verify(quantity=Decimal(10)).result == first.result


def test_the_same_item_asking_for_another_quantity_is_refused(g2g: G2G, permit: Permit) -> None:
    g2g.verify(quantity=Decimal(10))
    answer = g2g.verify(quantity=Decimal(12))
    assert answer.code == "permit.already_written_off" and answer.result["earlier"]["quantity"] == "10"
    assert balance(permit) == 15


def test_another_office_may_use_the_same_declaration_reference(g2g: G2G, permit: Permit) -> None:
    other = Actor(organisation=g2g.world["customs_2"].organisation)
    assert g2g.verify().ok and g2g.verify(actor=other).ok
    assert balance(permit) == 5


def test_restore_gives_the_quantities_back_once(g2g: G2G) -> None:
    permit = g2g.issue(lines=((1, "847130", "PCE", "25"), (2, "851713", "PCE", "4")))
    g2g.verify(quantity=Decimal(10), item_seq=1)
    g2g.verify(quantity=Decimal(4), item_seq=2, hs_code="85171300")
    g2g.verify(quantity=Decimal(5), declaration_ref="KEEP", item_seq=1)
    restored = ledger.restore("TWKEL2600000001", actor=g2g.officer)
    assert sorted(row.item_sequence for row in restored) == [1, 2]
    assert (balance(permit, 1), balance(permit, 2)) == (20, 4)
    assert ledger.restore("TWKEL2600000001", actor=g2g.officer) == []
    assert (balance(permit, 1), balance(permit, 2)) == (20, 4)
    assert kinds().count("permits.restored") == 2
    # a late retry of a restored item does not write off again
    assert g2g.verify(quantity=Decimal(10), item_seq=1).code == "permit.already_written_off"
    assert balance(permit, 1) == 20


def test_only_customs_offices_verify_or_restore(g2g: G2G, permit: Permit) -> None:
    for actor in (g2g.agency, Actor(organisation=g2g.world["trader_a"].organisation), Actor(organisation=None)):
        with pytest.raises(PermitError, match="not_customs_office"):
            g2g.verify(actor=actor)
        with pytest.raises(PermitError, match="not_customs_office"):
            ledger.restore("TWKEL2600000001", actor=actor)
    assert balance(permit) == 25 and kinds() == ["permits.issued"]


@pytest.mark.parametrize("change", [
    {"quantity": Decimal(0)}, {"quantity": Decimal(-1)}, {"quantity": Decimal("NaN")},
    {"quantity": Decimal("Infinity")}, {"quantity": Decimal("1E+12")}, {"quantity": Decimal("0.0000001")},
    {"quantity": "ten"}, {"hs_code": "8471"}, {"hs_code": "84713000001"}, {"hs_code": "8471ab"},
    {"unit": "pieces"}, {"unit": ""}, {"permit_number": ""}, {"permit_number": "x" * 36},
    {"declaration_ref": " "}, {"declaration_ref": "x" * 71}, {"item_seq": -1}, {"item_seq": 100000},
    {"item_seq": True}, {"holder": "x" * 18}, {"on": datetime(2026, 1, 1)},  # noqa: DTZ001 - naive on purpose
])
def test_malformed_requests_are_refused_and_change_nothing(g2g: G2G, permit: Permit, change: dict[str, Any]) -> None:
    with pytest.raises(PermitError, match="bad_request"):
        g2g.verify(**change)
    assert balance(permit) == 25 and not WriteOff.objects.exists() and kinds() == ["permits.issued"]
