"""The bill's balance under concurrency: the database refuses to release or gate out more than a
bill carries, and declarations or gate-outs racing for the last packages on PostgreSQL win
exactly as many times as there are packages.

SQLite runs one writer at a time, so the races are PostgreSQL's question; the constraint test
runs on both.
"""

from __future__ import annotations

import uuid

import pytest
from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from singlewindow.cargo import services
from singlewindow.cargo.errors import CargoError
from singlewindow.cargo.manifests import record_manifest
from singlewindow.cargo.matching import match_manifest, record_release
from singlewindow.cargo.models import Allocation, Bill
from singlewindow.cargo.tests.world import manifest, master
from singlewindow.customs.models import Case
from singlewindow.customs.services import CaseRun
from singlewindow.datamodel.datasets import CargoManifest, ImportDeclaration
from singlewindow.datamodel.samples import import_declaration
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM, Actor
from singlewindow.registry.models import Organisation, OrganisationRole
from singlewindow.testing import race

R = OrganisationRole
postgres_only = pytest.mark.skipif(connection.vendor != "postgresql", reason="row-lock races need PostgreSQL")


def _world() -> dict[str, Organisation]:
    made = {}
    for name, code, business_id, roles, office in (
            ("office", "r-customs", "30000018", (R.CUSTOMS_OFFICE,), "TWKEL"),
            ("carrier", "r-carrier", "30000061", (R.CARRIER,), ""),
            ("warehouse", "r-warehouse", "30000066", (R.WAREHOUSE_OPERATOR,), ""),
            ("trader", "r-trader", "30000002", (R.TRADER,), "")):
        made[name] = registry.create_organisation(code=code, name_en=name, roles=roles, business_id=business_id,
                                                  office_code=office, actor=SYSTEM)
    document = CargoManifest.model_validate(manifest("R-1", [master("BL-R", 5)]))
    record_manifest(document, carrier=made["carrier"], office=made["office"], message_id=None,
                    actor=Actor(organisation=made["office"]))
    return made


def _case(world: dict[str, Organisation], n: int) -> Case:
    now = timezone.now()
    return Case.objects.create(message_id=uuid.uuid4(), latest_message_id=uuid.uuid4(), office=world["office"],
                               declarant=world["trader"], kind="import_declaration", reference=f"R-{n}",
                               received_at=now, updated_at=now)


def _declaration(packages: int) -> ImportDeclaration:
    document = import_declaration(reference="R")
    document["goodsShipment"]["previousDocument"] = [{"id": "BL-R", "typeCode": "705"}]
    document["totalPackageQuantity"] = packages
    return ImportDeclaration.model_validate(document)


def test_the_database_refuses_more_than_the_bill_carries(transactional_db: None) -> None:
    _world()
    bill = Bill.objects.get(number="BL-R")
    for change in ({"allocated": F("packages") + 1}, {"released": 1}, {"gated_out": 1}):
        with pytest.raises(IntegrityError), transaction.atomic():
            Bill.objects.filter(pk=bill.pk).update(**change)
    bill.refresh_from_db()
    assert (bill.allocated, bill.released, bill.gated_out) == (0, 0, 0)


@postgres_only
def test_declarations_racing_for_the_last_packages_exactly_enough_are_matched(transactional_db: None) -> None:
    world = _world()
    cases = [_case(world, n) for n in range(8)]
    declaration = _declaration(1)

    def work(i: int) -> list[tuple[str, str]]:
        with transaction.atomic():
            return match_manifest(Case.objects.select_related("office", "declarant").get(pk=cases[i].pk), declaration)

    answers = race(8, work, raise_failures=False)
    assert not [a for a in answers if isinstance(a, BaseException)], answers
    assert sum(1 for a in answers if a == []) == 5
    bill = Bill.objects.get(number="BL-R")
    assert bill.allocated == 5 and Allocation.objects.filter(state="allocated").count() == 5


@postgres_only
def test_gate_outs_racing_never_exceed_the_release(transactional_db: None) -> None:
    world = _world()
    case = _case(world, 1)
    with transaction.atomic():
        assert match_manifest(Case.objects.select_related("office", "declarant").get(pk=case.pk),
                              _declaration(4)) == []
        case.state = "released"
        with CaseRun(case, events=0) as run:  # the release's statements travel with the run's records
            record_release(case, "paid", SYSTEM, run)
    allocation = Allocation.objects.get(case_id=case.pk)
    warehouse = Actor(organisation=world["warehouse"])
    answers = race(6, lambda i: services.gate_out(allocation=allocation, packages=1, actor=warehouse),
                   raise_failures=False)
    assert sum(1 for a in answers if not isinstance(a, BaseException)) == 4
    assert all(isinstance(a, CargoError) and a.code == "cargo.over_release"
               for a in answers if isinstance(a, BaseException))
    bill = Bill.objects.get(number="BL-R")
    assert (bill.released, bill.gated_out) == (4, 4)


def test_a_retry_that_no_longer_fits_gives_back_what_it_held(transactional_db: None) -> None:
    world = _world()
    case = _case(world, 1)
    fresh = Case.objects.select_related("office", "declarant")
    with transaction.atomic():
        assert match_manifest(fresh.get(pk=case.pk), _declaration(4)) == []
    assert Bill.objects.get(number="BL-R").allocated == 4
    # an amendment asks for more than the bill carries: the case waits and holds nothing
    with transaction.atomic():
        problems = match_manifest(fresh.get(pk=case.pk), _declaration(6))
    assert problems and "has 5 left" in problems[0][0]
    assert Bill.objects.get(number="BL-R").allocated == 0
    assert Allocation.objects.get(case_id=case.pk).state == "waiting"
    # and fits again later
    with transaction.atomic():
        assert match_manifest(fresh.get(pk=case.pk), _declaration(5)) == []
    assert Bill.objects.get(number="BL-R").allocated == 5
