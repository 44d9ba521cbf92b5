"""``singlewindow payments verify-ledger|reconcile``: check the guarantee ledger, reconcile a bank's day.

Wired into ``singlewindow.cli`` through ``add_parsers``; each handler sets Django up itself, so
``--help`` works without a database.
"""

from __future__ import annotations

import argparse
import json
import sys
from datetime import date


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    payments = sub.add_parser("payments", help="payments: verify the guarantee ledger, reconcile a bank's day")
    payments_sub = payments.add_subparsers(dest="payments_command", required=True)
    verify = payments_sub.add_parser("verify-ledger", help="re-derive every guarantee ledger hash and balance")
    verify.set_defaults(handler=cmd_payments_verify_ledger)
    reconcile = payments_sub.add_parser("reconcile", help="a bank's confirmations of a day against the orders")
    reconcile.add_argument("--bank", required=True, help="the bank's organisation code, e.g. tw-bank-taiwan")
    reconcile.add_argument("--date", required=True, help="the day (Taipei time), YYYY-MM-DD")
    reconcile.add_argument("--json", action="store_true", help="print the report as JSON")
    reconcile.set_defaults(handler=cmd_payments_reconcile)


def _setup() -> None:
    from singlewindow.cli import _setup_django

    _setup_django()


def _fail(message: str) -> int:
    print(f"singlewindow payments: {message}", file=sys.stderr)
    return 2


def cmd_payments_verify_ledger(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.payments.ledger import verify_ledger

    report = verify_ledger()
    for problem in report.problems:
        print(f"BROKEN {problem}")
    verdict = "ok / 驗證通過" if report.ok else "FAILED / 驗證失敗"
    print(f"{report.guarantees} guarantees, {report.entries} ledger entries: {verdict}")
    return 0 if report.ok else 1


def cmd_payments_reconcile(options: argparse.Namespace) -> int:
    try:
        day = date.fromisoformat(options.date)
    except ValueError:
        return _fail(f"bad date {options.date!r}: use YYYY-MM-DD / 日期格式應為 YYYY-MM-DD")
    _setup()
    from singlewindow.payments.reconciliation import CLASS_TITLES, reconcile
    from singlewindow.registry.models import OrganisationRole
    from singlewindow.registry.selectors import organisation_by_code

    bank = organisation_by_code(options.bank)
    if bank is None or OrganisationRole.BANK not in bank.role_codes:
        return _fail(f"no bank {options.bank!r} / 查無此銀行")
    report = reconcile(bank, day)
    if options.json:
        print(json.dumps(report.as_dict(), ensure_ascii=False, indent=2))
        return 0
    print(f"{bank.code}  {day.isoformat()}  received NT${report.total_received:,.0f}  "
          f"applied NT${report.total_applied:,.0f}")
    for name, count in report.counts.items():
        en, zh = CLASS_TITLES[name]
        print(f"  {en} {zh}: {count}")
    for line in report.exceptions:
        print(f"  ! {line.transaction_id}  {line.reference}  NT${line.amount:,.0f}  {line.category}  "
              f"{line.note_en} / {line.note_zh}")
    return 0
