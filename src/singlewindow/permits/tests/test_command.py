"""``singlewindow permits ...`` as an operator runs it: output, exit codes, nothing written on failure."""

from __future__ import annotations

import argparse
from decimal import Decimal

import pytest

from singlewindow.permits import command
from singlewindow.permits.models import Exemption, Permit
from singlewindow.permits.tests.conftest import G2G


def run(*args: str) -> int:
    parser = argparse.ArgumentParser(prog="singlewindow")
    command.add_parsers(parser.add_subparsers(dest="command", required=True))
    options = parser.parse_args(list(args))
    result: int = options.handler(options)
    return result


def test_show_prints_the_lines_balances_and_write_offs(g2g: G2G, permit: Permit,
                                                       capsys: pytest.CaptureFixture[str]) -> None:
    g2g.verify(quantity=Decimal("2.5"))
    assert run("permits", "show", "t-agency", "TP-0001") == 0
    out = capsys.readouterr().out
    assert "TP-0001  t-agency  TP1 permit  active" in out
    assert "847130" in out and "22.5 / 25" in out and "TWKEL2600000001 #1  line 1  2.5 PCE  written_off" in out
    assert run("permits", "show", "t-agency", "NOPE") == 2
    assert "查無此許可證" in capsys.readouterr().err


def test_exempt_records_an_exemption_that_the_list_shows(g2g: G2G, capsys: pytest.CaptureFixture[str]) -> None:
    assert run("permits", "exempt", "TP1", "--max-value", "20000", "--procedures", "g5 d8", "--from", "2026-01-01",
               "--basis-en", "Low value", "--basis-zh", "低價") == 0
    assert run("permits", "exemptions") == 0
    out = capsys.readouterr().out
    assert "TP1" in out and "<= NT$20,000" in out and "G5 D8" in out and "2026-01-01.." in out


@pytest.mark.parametrize("args", [
    ("NOPE", "--max-value", "1"),
    ("TP1",),  # neither value nor procedures
    ("TP1", "--max-value", "lots"),
    ("TP1", "--max-value", "-5"),
    ("TP1", "--max-value", "1", "--from", "2026-13-01"),
    ("TP1", "--max-value", "1", "--from", "2026-02-01", "--to", "2026-01-01"),
    ("TP1", "--procedures", "'; DROP TABLE"),
])
def test_a_bad_exemption_exits_2_and_writes_nothing(g2g: G2G, capsys: pytest.CaptureFixture[str],
                                                     args: tuple[str, ...]) -> None:
    assert run("permits", "exempt", *args, "--basis-en", "x") == 2
    assert capsys.readouterr().err.startswith("singlewindow permits: ")
    assert not Exemption.objects.exists()
