"""``singlewindow payments verify-ledger`` and ``reconcile``."""

from __future__ import annotations

import pytest
from django.utils import timezone

from singlewindow.cli import main
from singlewindow.payments.models import Guarantee
from singlewindow.payments.tests.conftest import DUE, Pay


def test_verify_ledger_passes_then_fails_on_a_tampered_balance(pay: Pay, capsys: pytest.CaptureFixture[str]) -> None:
    pay.accepted()
    assert main(["payments", "verify-ledger"]) == 0
    assert "1 guarantees, 2 ledger entries: ok" in capsys.readouterr().out
    Guarantee.objects.update(balance=5_000)  # lowered outside the services
    assert main(["payments", "verify-ledger"]) == 1
    assert "BROKEN guarantee G-1" in capsys.readouterr().out


def test_reconcile_prints_the_day_and_its_exceptions(pay: Pay, capsys: pytest.CaptureFixture[str]) -> None:
    order = pay.order(pay.declare("CLI-1"))
    pay.pay(order.reference, DUE, "TX-1")
    pay.pay(order.reference, 5, "TX-2")
    day = timezone.localdate().isoformat()
    assert main(["payments", "reconcile", "--bank", pay.bank.code, "--date", day]) == 0
    out = capsys.readouterr().out
    assert "Matched 相符: 1" in out and "Order paid twice 重複繳納: 1" in out and "! TX-2" in out


@pytest.mark.parametrize("args", [["--bank", "t-bank", "--date", "21/11/2026"], ["--bank", "t-trader-a",
                                                                               "--date", "2026-11-21"]])
def test_reconcile_refuses_a_bad_date_or_a_non_bank(pay: Pay, args: list[str],
                                                   capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["payments", "reconcile", *args]) == 2
    assert "singlewindow payments:" in capsys.readouterr().err
