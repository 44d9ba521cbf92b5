"""The daily trade-statistics extract: released declarations' goods items go to the agencies the
service names as inter-agency data; a resend of an unchanged day sends nothing, a changed day
goes as a replacement naming the first."""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone

from singlewindow import testing
from singlewindow.customs import command
from singlewindow.customs.extracts import TRADE_STATISTICS, ExtractError, send_trade_statistics
from singlewindow.customs.models import Case, CaseState
from singlewindow.customs.services import record_payment
from singlewindow.customs.tests.clearance import LAPTOP_DUE, channel_chooser, clearance_world, officer, submit
from singlewindow.exchange.models import Delivery, Message
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import AccessGrant, Service


@pytest.fixture
def world(db: None, tmp_path: Path, national_mapping_file: Path, code_lists: None, nz_group: Any) -> testing.World:
    return clearance_world(tmp_path, national_mapping_file)


@pytest.fixture
def statistics(world: testing.World) -> Service:
    service = registry.define_service(code="customs-trade-statistics", name_en="Trade statistics extract",
                                      owner=world["customs"].organisation, message_type=TRADE_STATISTICS,
                                      security=Service.Security.SIMPLE, data_set="agency_data", actor=SYSTEM)
    registry.grant_access(service=service, direction=AccessGrant.Direction.SEND,
                          organisation=world["customs"].organisation, actor=SYSTEM)
    for name in ("agency", "bank"):
        registry.grant_access(service=service, direction=AccessGrant.Direction.RECEIVE,
                              organisation=world[name].organisation, actor=SYSTEM)
    return service


@pytest.fixture
def channel(monkeypatch: pytest.MonkeyPatch) -> Callable[[str], None]:
    return channel_chooser(monkeypatch)


def release(client: Any, world: testing.World, reference: str) -> Case:
    message = submit(client, world["trader_a"], testing.declaration(reference=reference), reference.lower())
    case = Case.objects.get(message_id=message.id)
    record_payment(case, actor=officer(world), amount=LAPTOP_DUE, reference=f"BANK-{reference}")
    case.refresh_from_db()
    assert case.state == CaseState.RELEASED
    return case


def records_of(message: Message) -> list[dict[str, str]]:
    document = json.loads(bytes(message.payload))
    return [{f["name"]: f["value"] for f in record["field"]} for record in document["record"]]


def test_the_days_released_items_go_to_the_named_agencies(client: Any, world: testing.World, statistics: Service,
                                                          channel: Callable[[str], None]) -> None:
    case = release(client, world, "STAT-1")
    submit(client, world["trader_a"], testing.declaration(reference="STAT-2"), "stat-2")  # awaiting payment
    sent = send_trade_statistics(timezone.localdate())
    assert sent.records == 1 and not sent.unchanged and sent.replaced is None
    assert set(Delivery.objects.filter(message=sent.message).values_list("recipient__code", flat=True)) == {
        world["agency"].code, world["bank"].code}
    [record] = records_of(sent.message)
    assert record["flow"] == "import" and record["hsCode"].startswith("847130") and record["item"] == "1"
    assert record["declaration"].startswith("TWKEL") and record["office"] == "TWKEL"
    assert record["customsValueTwd"] == str(case.assessment["items"][0]["customs_value"])
    document = json.loads(bytes(sent.message.payload))
    assert document["functionCode"] == "9" and document["recordQuantity"] == 1


def test_sending_a_day_again_sends_nothing_unless_it_changed(client: Any, world: testing.World,
                                                            statistics: Service,
                                                            channel: Callable[[str], None]) -> None:
    release(client, world, "STAT-3")
    first = send_trade_statistics(timezone.localdate())
    again = send_trade_statistics(timezone.localdate())
    assert again.unchanged and again.message.pk == first.message.pk
    assert Message.objects.filter(message_type=TRADE_STATISTICS).count() == 1
    release(client, world, "STAT-4")
    replacement = send_trade_statistics(timezone.localdate())
    document = json.loads(bytes(replacement.message.payload))
    assert document["functionCode"] == "4" and document["recordQuantity"] == 2
    assert replacement.replaced == document["previousReferenceId"] == json.loads(
        bytes(first.message.payload))["functionalReferenceId"]


def test_a_day_without_releases_is_sent_empty(world: testing.World, statistics: Service) -> None:
    sent = send_trade_statistics(timezone.localdate())
    assert sent.records == 0 and json.loads(bytes(sent.message.payload))["record"] == []


def test_without_the_service_nothing_is_sent(world: testing.World) -> None:
    with pytest.raises(ExtractError):
        send_trade_statistics(timezone.localdate())
    assert not Message.objects.filter(message_type=TRADE_STATISTICS).exists()


def run(*args: str) -> int:
    parser = argparse.ArgumentParser(prog="singlewindow")
    command.add_parsers(parser.add_subparsers(dest="command", required=True))
    options = parser.parse_args(list(args))
    result: int = options.handler(options)
    return result


def test_the_command_reports_what_it_sent(world: testing.World, statistics: Service,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    day = timezone.localdate().isoformat()
    assert run("customs", "extract", "trade-statistics", "--date", day) == 0
    assert "with 0 records to t-agency, t-bank" in capsys.readouterr().out
    assert run("customs", "extract", "trade-statistics", "--date", day) == 0
    assert "nothing changed" in capsys.readouterr().out
    statistics.is_active = False
    statistics.save()
    from singlewindow.registry.cache import invalidate

    invalidate()
    assert run("customs", "extract", "trade-statistics", "--date", day) == 1
    assert "load the catalogue" in capsys.readouterr().err
