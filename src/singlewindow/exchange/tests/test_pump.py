"""The engine pump takes engine deliveries straight from the table: oldest first, each once, a
failing one left waiting and retried later without holding up the rest; intake wakes it."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import connection
from django_tasks_db.models import DBTaskResult

from singlewindow import testing
from singlewindow.exchange import engines
from singlewindow.exchange.models import Delivery, EvidenceHead, Message
from singlewindow.exchange.pump import EnginePump
from singlewindow.registry.actors import Actor

URL = "/api/v1/messages"
ENGINE = "test_recorder"


class Recorder:
    def __init__(self) -> None:
        self.seen: list[str] = []
        self.broken: set[str] = set()

    def __call__(self, delivery: Delivery, actor: Actor) -> None:
        reference = delivery.message.client_reference
        if reference in self.broken:
            raise RuntimeError(f"cannot handle {reference}")
        self.seen.append(reference)


@pytest.fixture
def recorder() -> Iterator[Recorder]:
    handler = Recorder()
    engines.register_engine(ENGINE, handler)
    yield handler
    engines._ENGINES.pop(ENGINE, None)


@pytest.fixture
def world(db: None, recorder: Recorder) -> testing.World:
    return testing.build_world(engine=ENGINE)


def _submit(client: Any, world: testing.World, reference: str) -> Message:
    body = testing.encode(testing.declaration(reference=reference))
    response = client.post(URL, data=body, **testing.submit_headers(world["trader_a"], body,
                                                                     client_reference=reference))
    assert response.status_code == 201, response.content
    return Message.objects.get(pk=response.json()["receipt"]["message_id"])


def _waiting() -> int:
    return Delivery.objects.filter(recipient__engine=ENGINE).exclude(state=Delivery.State.ACKNOWLEDGED).count()


def test_the_pump_takes_the_oldest_first_and_each_once(client: Any, world: testing.World,
                                                       recorder: Recorder) -> None:
    for reference in ("q-1", "q-2", "q-3"):
        _submit(client, world, reference)
    assert _waiting() == 3
    pump = EnginePump(threading.Event(), poll=0.01)
    assert pump.drain() == 3
    assert recorder.seen == ["q-1", "q-2", "q-3"]
    assert _waiting() == 0
    assert pump.drain() == 0
    assert recorder.seen == ["q-1", "q-2", "q-3"]


def test_a_failing_delivery_waits_and_does_not_hold_up_the_rest(client: Any, world: testing.World,
                                                                recorder: Recorder) -> None:
    for reference in ("f-1", "f-2", "f-3"):
        _submit(client, world, reference)
    recorder.broken.add("f-2")
    head = EvidenceHead.objects.get(pk=1).seq
    pump = EnginePump(threading.Event(), poll=0.01, retry_after=3600)
    assert pump.drain() == 2
    assert recorder.seen == ["f-1", "f-3"]
    failed = Delivery.objects.get(message__client_reference="f-2", recipient__engine=ENGINE)
    assert failed.state == Delivery.State.PENDING
    # two acknowledgements (delivered + acknowledged entries each), nothing of the failed run
    assert EvidenceHead.objects.get(pk=1).seq == head + 4
    assert pump.drain() == 0  # not retried before its pause is over
    recorder.broken.clear()
    pump._failed = {failed.pk: time.monotonic() - 1}
    assert pump.drain() == 1
    assert recorder.seen == ["f-1", "f-3", "f-2"]


def test_intake_queues_no_task_for_engine_deliveries(client: Any, world: testing.World,
                                                      django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        _submit(client, world, "t-1")
    assert not DBTaskResult.objects.filter(task_path__endswith="engine_delivery_task").exists()
    assert _waiting() == 1


def test_other_organisations_deliveries_are_not_taken(client: Any, world: testing.World,
                                                      recorder: Recorder) -> None:
    _submit(client, world, "o-1")
    assert engines.process_next_engine_delivery([world["trader_b"].organisation.pk]) is None
    assert recorder.seen == []


@pytest.mark.django_db(transaction=True)
def test_intake_wakes_a_sleeping_pump_on_postgresql(client: Any, recorder: Recorder) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("wake-ups are PostgreSQL notifications; SQLite pumps poll")
    world = testing.build_world(engine=ENGINE)
    stop = threading.Event()
    pump = EnginePump(stop, poll=60)
    thread = threading.Thread(target=pump.run, daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while pump._listener is None and time.monotonic() < deadline:  # let it reach its sleep
            time.sleep(0.02)
        submitted = time.monotonic()
        _submit(client, world, "w-1")
        # Woken, it answers in milliseconds; half the 60 s poll leaves a busy machine room to stall.
        while "w-1" not in recorder.seen and time.monotonic() < submitted + 30:
            time.sleep(0.01)
        assert "w-1" in recorder.seen
        assert time.monotonic() - submitted < 30
    finally:
        stop.set()
        thread.join(timeout=10)
    assert not thread.is_alive()
