"""``singlewindow cargo bill|matching-rule|send-notices``: look at a bill's balance, make citing a
manifest bill compulsory at a customs office, send release notices still waiting.

Wired into ``singlewindow.cli`` through ``add_parsers``; each handler sets Django up itself, so
``--help`` works without a database.
"""

from __future__ import annotations

import argparse
import sys


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cargo = sub.add_parser("cargo", help="cargo register: bills, matching rule, release notices")
    cargo_sub = cargo.add_subparsers(dest="cargo_command", required=True)
    bill = cargo_sub.add_parser("bill", help="print the bills with this number: manifest, arrival, balance")
    bill.add_argument("number", help="the B/L or air waybill number")
    bill.set_defaults(handler=cmd_cargo_bill)
    rule = cargo_sub.add_parser("matching-rule", help="whether import declarations at an office must cite a bill")
    rule.add_argument("office_code", help="the customs office code named in declarations, e.g. TWKEL")
    choice = rule.add_mutually_exclusive_group(required=True)
    choice.add_argument("--require", dest="require", action="store_true", help="every import declaration cites one")
    choice.add_argument("--optional", dest="require", action="store_false", help="a bill is matched only if cited")
    rule.set_defaults(handler=cmd_cargo_matching_rule)
    notices = cargo_sub.add_parser("send-notices", help="send the release notices not sent yet (after a refusal)")
    notices.set_defaults(handler=cmd_cargo_send_notices)


def _setup() -> None:
    from singlewindow.cli import _setup_django

    _setup_django()


def _fail(message: str) -> int:
    print(f"singlewindow cargo: {message}", file=sys.stderr)
    return 2


def cmd_cargo_bill(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.cargo.models import Bill

    bills = list(Bill.objects.filter(number=options.number[:35]).select_related(
        "manifest__office", "carrier", "warehouse", "receipt"))
    if not bills:
        return _fail(f"no bill {options.number!r} / 查無此提單")
    for bill in bills:
        receipt = getattr(bill, "receipt", None)
        print(f"{bill.number}  {bill.kind}  {bill.carrier.code}  manifest {bill.manifest.reference} "
              f"v{bill.manifest.version} ({bill.manifest.direction}, {bill.manifest.office.code})")
        print(f"  manifested {bill.packages} pkgs {bill.gross_kg} kg; arrived "
              f"{receipt.packages if receipt else '-'}; warehouse {bill.warehouse.code if bill.warehouse else '-'}")
        print(f"  matched {bill.allocated}  released {bill.released}  gated out {bill.gated_out}  "
              f"balance {bill.balance}")
    return 0


def cmd_cargo_matching_rule(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.cargo.services import set_matching_rule
    from singlewindow.registry.actors import SYSTEM
    from singlewindow.registry.selectors import customs_offices

    offices = customs_offices(options.office_code[:17])
    if not offices:
        return _fail(f"no customs office {options.office_code!r} / 查無此關區")
    for office in offices:
        set_matching_rule(office=office, require_bill=options.require, actor=SYSTEM)
        print(f"{office.code}: import declarations {'must' if options.require else 'need not'} cite a manifest bill")
    return 0


def cmd_cargo_send_notices(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.cargo.notices import send_pending_release_notices

    print(f"{send_pending_release_notices()} release notice(s) sent")
    return 0
