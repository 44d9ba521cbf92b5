"""The reference-data cache: answers kept while nothing changes, a change seen by every process."""

from __future__ import annotations

import pytest
from django.db import transaction

from singlewindow.registry import cache, services
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import CacheStamp
from singlewindow.testing import CacheClock

pytestmark = pytest.mark.django_db


class Loads:
    """A load function counting its calls."""

    def __init__(self) -> None:
        self.count = 0

    def __call__(self) -> int:
        self.count += 1
        return self.count


def stamp() -> object:
    return CacheStamp.objects.filter(pk=1).values_list("value", flat=True).first()


def test_an_answer_is_kept_while_nothing_changes_for_one_query_per_check(monkeypatch, django_assert_num_queries):
    clock, load, answers = CacheClock(monkeypatch), Loads(), cache.TTLCache[int]()
    assert answers.get("key", load) == 1
    with django_assert_num_queries(0):
        clock.advance(cache.CHECK_SECONDS - 1)
        assert answers.get("key", load) == 1
    with django_assert_num_queries(1):  # the stamp, not the answer
        clock.advance(2)
        assert answers.get("key", load) == 1
        assert answers.get("key", load) == 1
    assert load.count == 1


def test_a_change_committed_by_another_process_is_seen_at_the_next_check(monkeypatch):
    clock, load, answers = CacheClock(monkeypatch), Loads(), cache.TTLCache[int]()
    answers.get("key", load)
    cache.publish_change()  # as another process's commit would: nothing forgotten here yet
    clock.advance(cache.CHECK_SECONDS - 1)
    assert answers.get("key", load) == 1
    clock.advance(2)
    assert answers.get("key", load) == 2
    clock.advance(cache.CHECK_SECONDS + 1)  # the stamp read again, unchanged
    assert answers.get("key", load) == 2


def test_an_answer_is_read_again_when_it_reaches_its_age_limit(monkeypatch):
    clock, load = CacheClock(monkeypatch), Loads()
    answers = cache.TTLCache[int](ttl=30)
    answers.get("key", load)
    clock.advance(29)
    assert answers.get("key", load) == 1
    clock.advance(2)
    assert answers.get("key", load) == 2
    default = cache.TTLCache[int]()
    default.get("key", load)
    clock.advance(cache.MAX_AGE_SECONDS + 1)
    assert default.get("key", load) == 4


def test_a_write_is_forgotten_here_at_once_and_published_only_once_committed(
        monkeypatch, django_capture_on_commit_callbacks):
    CacheClock(monkeypatch)
    load, answers = Loads(), cache.TTLCache[int]()
    answers.get("key", load)
    before = stamp()
    with django_capture_on_commit_callbacks() as committed:
        cache.changed()
        assert answers.get("key", load) == 2  # this process: at once
        assert stamp() == before  # the others: not before the commit
    for callback in committed:
        callback()
    assert stamp() not in (before, None)
    assert answers.get("key", load) == 3


def test_a_rolled_back_write_publishes_nothing(django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as committed, pytest.raises(RuntimeError), transaction.atomic():
        cache.changed()
        raise RuntimeError("rolled back")
    assert committed == []


def test_a_registry_write_moves_the_shared_stamp(django_capture_on_commit_callbacks):
    before = stamp()
    with django_capture_on_commit_callbacks(execute=True):
        services.create_organisation(code="CACHETEST", name_en="Cache test", roles=["trader"], actor=SYSTEM)
    assert stamp() not in (before, None)


@pytest.mark.django_db(transaction=True)
def test_the_stamp_moves_when_the_write_commits():
    before = stamp()
    with transaction.atomic():
        cache.changed()
        assert stamp() == before
    assert stamp() not in (before, None)


def test_answers_read_in_a_transaction_that_changed_them_are_forgotten_if_it_rolls_back(monkeypatch):
    CacheClock(monkeypatch)
    load, answers = Loads(), cache.TTLCache[int]()
    with pytest.raises(RuntimeError), transaction.atomic():
        cache.changed()
        assert answers.get("key", load) == 1  # may hold the transaction's own writes
        raise RuntimeError("rolled back")
    assert answers.get("key", load) == 2
    assert answers.get("key", load) == 2
    assert cache._pending == []


def test_a_savepoint_rolled_back_inside_a_transaction_that_goes_on_is_seen_too(monkeypatch):
    CacheClock(monkeypatch)
    load, answers = Loads(), cache.TTLCache[int]()
    with transaction.atomic():
        try:
            with transaction.atomic():
                cache.changed()
                answers.get("key", load)
                raise RuntimeError("savepoint rolled back")
        except RuntimeError:
            pass
        assert answers.get("key", load) == 2


@pytest.mark.django_db(transaction=True)
def test_a_committed_change_leaves_nothing_pending(monkeypatch):
    CacheClock(monkeypatch)
    load, answers = Loads(), cache.TTLCache[int]()
    with transaction.atomic():
        cache.changed()
        answers.get("key", load)
    assert cache._pending == []
    assert answers.get("key", load) == 2  # the commit forgot it
    assert answers.get("key", load) == 2
