"""The database-backed lookup: answers from memory, and sees reloads and back-office edits."""

import dataclasses
from datetime import date

import pytest
from django.db.models import F

from singlewindow.codelists import selectors, services
from singlewindow.codelists.lookup import DatabaseCodeLists
from singlewindow.codelists.models import CodeList, CodeValue
from singlewindow.codelists.sources import SOURCES
from singlewindow.datamodel.codelists import CodeEntry, CodeLists, ListName
from singlewindow.registry import cache
from singlewindow.registry.actors import SYSTEM
from singlewindow.testing import CacheClock

pytestmark = pytest.mark.django_db


def test_the_selector_gives_a_code_lists_lookup_over_the_database(all_lists):
    lookup = selectors.code_lists()
    assert isinstance(lookup, CodeLists)
    assert lookup.contains(ListName.HS2022, "851090")
    assert not lookup.contains(ListName.HS2022, "851099")
    assert lookup.name(ListName.COUNTRY, "TW") == ("Taiwan", "臺灣")
    assert lookup.contains(ListName.CUSTOMS_OFFICE, "TWKEL")
    assert not lookup.contains("no_such_list", "TWKEL")


def test_a_list_is_read_once_then_answered_from_memory(small_lists, django_assert_num_queries):
    lookup = DatabaseCodeLists(check_seconds=60)
    assert lookup.contains(ListName.UNIT, "KGM")
    with django_assert_num_queries(0):
        for code in ("KGM", "GRM", "XYZ", "TNE") * 50:
            lookup.contains(ListName.UNIT, code)
        assert lookup.name(ListName.UNIT, "LTR") == ("litre", "公升")


def test_a_reload_is_seen_without_restarting(small_lists):
    lookup = DatabaseCodeLists(check_seconds=60)
    assert not lookup.contains(ListName.UNIT, "KTN")
    units = SOURCES[ListName.UNIT]()
    services.load_code_list(data=dataclasses.replace(
        units, entries=(*units.entries, CodeEntry("KTN", "kilotonne", "千公噸"))), actor=SYSTEM)
    assert lookup.contains(ListName.UNIT, "KTN")
    assert lookup.name(ListName.UNIT, "KTN") == ("kilotonne", "千公噸")


def test_another_process_change_is_seen_at_the_next_check_of_the_cache_stamp(small_lists, monkeypatch):
    clock = CacheClock(monkeypatch)
    lookup = DatabaseCodeLists(check_seconds=600)
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "公斤")
    # a write made elsewhere: the code and its list's revision move, then (after that commit) the cache stamp
    CodeValue.objects.filter(code_list__name=ListName.UNIT, code="KGM").update(name_zh="千克")
    CodeList.objects.filter(name=ListName.UNIT).update(revision=F("revision") + 1)
    cache.publish_change()
    clock.advance(cache.CHECK_SECONDS - 1)
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "公斤")  # not checked again yet
    clock.advance(2)
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "千克")


def test_a_revision_moved_by_hand_is_seen_once_the_check_seconds_pass(small_lists, monkeypatch):
    clock = CacheClock(monkeypatch)
    lookup = DatabaseCodeLists(check_seconds=60)
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "公斤")
    CodeValue.objects.filter(code_list__name=ListName.UNIT, code="KGM").update(name_zh="千克")
    CodeList.objects.filter(name=ListName.UNIT).update(revision=F("revision") + 1)  # no stamp moved
    clock.advance(30)
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "公斤")
    clock.advance(31)
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "千克")


def test_a_retired_code_is_still_known_but_not_valid_after_its_end_date(small_lists):
    CodeValue.objects.filter(code_list__name=ListName.UNIT, code="PCE").update(valid_to=date(2025, 12, 31))
    services.code_values_edited(code_list_ids=CodeValue.objects.filter(code="PCE").values_list("code_list_id",
                                                                                              flat=True))
    lookup = DatabaseCodeLists(check_seconds=0)
    assert lookup.contains(ListName.UNIT, "PCE")
    assert lookup.contains(ListName.UNIT, "PCE", on=date(2025, 6, 1))
    assert not lookup.contains(ListName.UNIT, "PCE", on=date(2026, 1, 1))


def test_a_list_not_loaded_yet_contains_nothing_until_it_is(db):
    lookup = DatabaseCodeLists(check_seconds=60)
    assert not lookup.contains(ListName.TRANSPORT_MODE, "1")
    services.load_code_lists(actor=SYSTEM, only=[ListName.TRANSPORT_MODE])
    assert lookup.contains(ListName.TRANSPORT_MODE, "1")
