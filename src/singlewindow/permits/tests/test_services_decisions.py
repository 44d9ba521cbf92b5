"""An agency's decision makes or amends a permit; rejections make none; bad decisions change nothing."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.utils import timezone

from singlewindow.exchange.models import EvidenceEntry
from singlewindow.permits import services
from singlewindow.permits.errors import PermitError
from singlewindow.permits.models import Permit, PermitLine
from singlewindow.permits.tests.conftest import G2G, decision
from singlewindow.registry.actors import SYSTEM, Actor


def lines(permit: Permit) -> list[tuple[int, str, str, Decimal, Decimal]]:
    return [(line.sequence, line.hs_code, line.unit, line.granted, line.balance)
            for line in PermitLine.objects.filter(permit=permit).order_by("sequence")]


def test_an_approval_makes_a_permit_with_full_balances(g2g: G2G) -> None:
    permit = g2g.issue(lines=((1, "847130", "pce", "25"), (2, "851713", "NAR", "4.5")))
    assert (permit.number, permit.agency.code, permit.regulation.code, permit.permit_type, permit.type_code) == (
        "TP-0001", "t-agency", "TP1", "permit", "911")
    assert permit.holder == g2g.world["trader_a"].organisation and permit.status == "active"
    assert lines(permit) == [(1, "847130", "PCE", 25, 25), (2, "851713", "NAR", Decimal("4.5"), Decimal("4.5"))]
    # a date-only validity runs from the first to the last moment of those days in Taipei
    expiry = timezone.localtime(permit.valid_to, timezone.get_fixed_timezone(480))
    assert (expiry.date(), expiry.hour, expiry.minute) == (timezone.localdate() + timedelta(days=30), 23, 59)
    assert EvidenceEntry.objects.filter(kind="permits.issued").count() == 1


def test_a_partial_approval_grants_its_lines(g2g: G2G) -> None:
    assert lines(g2g.issue(code="partially_approved", lines=((2, "847130", "PCE", "7"),)))[0][3] == 7


@pytest.mark.parametrize("code", ["rejected", "information_requested"])
def test_a_rejection_or_a_request_for_information_makes_no_permit(g2g: G2G, code: str) -> None:
    made = services.record_decision(decision(code=code, lines=()), agency=g2g.world["agency"].organisation,
                                    regulation_code="TP1", actor=g2g.agency)
    assert made is None and not Permit.objects.exists()


def test_an_amended_decision_keeps_what_declarations_used(g2g: G2G) -> None:
    permit = g2g.issue()
    g2g.verify(quantity=Decimal(10))
    amended = g2g.issue(lines=((1, "847130", "PCE", "40"), (2, "851713", "PCE", "3")), expiry_days=90)
    assert amended.pk == permit.pk
    assert lines(amended) == [(1, "847130", "PCE", 40, 30), (2, "851713", "PCE", 3, 3)]
    assert EvidenceEntry.objects.filter(kind="permits.amended").count() == 1


@pytest.mark.parametrize("new_lines", [
    ((1, "847130", "PCE", "9"),),  # less than the 10 used
    ((1, "847130", "KGM", "25"),),  # another unit for a used line
    ((2, "851713", "PCE", "25"),),  # drops the used line
])
def test_an_amendment_may_not_take_away_what_was_used(g2g: G2G, new_lines: Any) -> None:
    permit = g2g.issue()
    g2g.verify(quantity=Decimal(10))
    with pytest.raises(PermitError, match="lines_in_use"):
        g2g.issue(lines=new_lines)
    assert lines(permit) == [(1, "847130", "PCE", 25, 15)]


def test_only_the_agency_itself_records_its_decisions(g2g: G2G) -> None:
    agency = g2g.world["agency"].organisation
    for actor in (g2g.officer, Actor(organisation=g2g.world["trader_a"].organisation)):
        with pytest.raises(PermitError, match="not_agency"):
            services.record_decision(decision(), agency=agency, regulation_code="TP1", actor=actor)
    with pytest.raises(PermitError, match="not_agency"):  # a customs office is not a permit agency
        services.record_decision(decision(), agency=g2g.world["customs"].organisation, regulation_code="TP1",
                                 actor=SYSTEM)
    assert not Permit.objects.exists()


@pytest.mark.parametrize(("options", "regulation", "code"), [
    ({"lines": ()}, "TP1", "bad_decision"),
    ({"lines": ((1, "847130", "PCE", "1"), (1, "851713", "PCE", "1"))}, "TP1", "bad_decision"),
    ({"lines": ((1, "847130", "PCE", "0"),)}, "TP1", "bad_decision"),
    ({"expiry_days": -5}, "TP1", "bad_decision"),
    ({}, "TX1", "unknown_regulation"),  # another agency's regulation
    ({}, "ZZZ", "unknown_regulation"),
])
def test_a_decision_that_cannot_make_a_permit_changes_nothing(g2g: G2G, options: dict[str, Any], regulation: str,
                                                              code: str) -> None:
    with pytest.raises(PermitError, match=code):
        services.record_decision(decision(**options), agency=g2g.world["agency"].organisation,
                                 regulation_code=regulation, actor=g2g.agency)
    assert not Permit.objects.exists() and not EvidenceEntry.objects.filter(kind__startswith="permits.").exists()


def test_a_line_without_a_unit_is_refused(g2g: G2G) -> None:
    document = decision().model_dump(by_alias=True, exclude_none=True)
    del document["goodsItem"][0]["quantity"]["unitCode"]
    with pytest.raises(PermitError, match="bad_decision"):
        services.record_decision(type(decision()).model_validate(document), agency=g2g.world["agency"].organisation,
                                 regulation_code="TP1", actor=g2g.agency)
