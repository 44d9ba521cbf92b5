"""The ``singlewindow cargo`` command: a bill's balance, the office's matching rule, and a release
notice the exchange first refused sent again once it can be."""

from __future__ import annotations

import argparse
from typing import Any

import pytest

from singlewindow.cargo import command
from singlewindow.cargo.models import Allocation, MatchingRule
from singlewindow.cargo.notices import send_pending_release_notices
from singlewindow.cargo.tests.world import CargoWorld, manifest, master, send


def run(*args: str) -> int:
    parser = argparse.ArgumentParser()
    command.add_parsers(parser.add_subparsers(dest="command"))
    options = parser.parse_args(["cargo", *args])
    return int(options.handler(options))


def test_bill_and_matching_rule(client: Any, cargo: CargoWorld, capsys: pytest.CaptureFixture[str]) -> None:
    send(client, cargo["carrier"], manifest("M-C", [master("BL-C1", 7)]), "m-c")
    assert run("bill", "BL-C1") == 0 and "balance 7" in capsys.readouterr().out
    assert run("bill", "NOPE") == 2 and "查無此提單" in capsys.readouterr().err
    assert run("matching-rule", "TWKEL", "--require") == 0
    assert MatchingRule.objects.get(office=cargo.office).require_bill
    assert run("matching-rule", "TWXXX", "--optional") == 2
    assert run("send-notices") == 0 and "0 release notice(s) sent" in capsys.readouterr().out
    assert not Allocation.objects.exists() and send_pending_release_notices() == 0
