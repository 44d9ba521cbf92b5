"""``singlewindow permits show|exemptions|exempt``: look at a permit's ledger, list and add exemptions.

Wired into ``singlewindow.cli`` through ``add_parsers``; each handler sets Django up itself, so
``--help`` works without a database.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from decimal import Decimal, InvalidOperation


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    permits = sub.add_parser("permits", help="permit register: show a permit's ledger, keep exemptions")
    permits_sub = permits.add_subparsers(dest="permits_command", required=True)
    show = permits_sub.add_parser("show", help="print a permit, its lines and balances, and its write-offs")
    show.add_argument("agency", help="the issuing agency's organisation code")
    show.add_argument("number", help="the permit number")
    show.set_defaults(handler=cmd_permits_show)
    listing = permits_sub.add_parser("exemptions", help="list the exemptions (regulations waived by value/procedure)")
    listing.set_defaults(handler=cmd_permits_exemptions)
    exempt = permits_sub.add_parser("exempt", help="add an exemption: a regulation waived up to a value and/or "
                                                   "under procedures")
    exempt.add_argument("regulation", help="the regulation code, e.g. C02")
    exempt.add_argument("--max-value", help="exempt up to this CIF value per item, whole NT$")
    exempt.add_argument("--procedures", default="", help="space-separated procedure or declaration type codes")
    exempt.add_argument("--from", dest="valid_from", help="valid from YYYY-MM-DD")
    exempt.add_argument("--to", dest="valid_to", help="valid to YYYY-MM-DD (inclusive)")
    exempt.add_argument("--basis-en", required=True, help="the legal basis, in English")
    exempt.add_argument("--basis-zh", default="", help="the legal basis, in Chinese")
    exempt.set_defaults(handler=cmd_permits_exempt)


def _setup() -> None:
    from singlewindow.cli import _setup_django

    _setup_django()


def _fail(message: str) -> int:
    print(f"singlewindow permits: {message}", file=sys.stderr)
    return 2


def cmd_permits_show(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.permits.ledger import plain
    from singlewindow.permits.selectors import permit_by_number, write_offs_of

    permit = permit_by_number(options.agency, options.number)
    if permit is None:
        return _fail(f"no permit {options.number!r} of {options.agency!r} / 查無此許可證")
    valid_to = permit.valid_to.isoformat() if permit.valid_to else "-"
    print(f"{permit.number}  {permit.agency.code}  {permit.regulation.code} {permit.permit_type}  {permit.status}")
    print(f"holder {permit.holder_business_id} {permit.holder_name}  "
          f"valid {permit.valid_from.isoformat()} .. {valid_to}")
    for line in permit.lines.order_by("sequence"):
        print(f"  line {line.sequence:>3}  {line.hs_code:<10} {plain(line.balance):>14} / {plain(line.granted):<14} "
              f"{line.unit}  {line.description}")
    for row in write_offs_of(permit):
        print(f"  {row.at:%Y-%m-%d %H:%M}  {row.office.code}  {row.declaration_ref} #{row.item_sequence}  "
              f"line {row.line.sequence}  {plain(row.quantity)} {row.unit}  {row.state}")
    return 0


def cmd_permits_exemptions(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.permits.selectors import exemptions

    for exemption in exemptions():
        value = f"<= NT${exemption.max_cif_value_twd:,}" if exemption.max_cif_value_twd is not None else "-"
        validity = f"{exemption.valid_from or '…'}..{exemption.valid_to or '…'}"
        state = "" if exemption.is_active else "  (inactive)"
        print(f"{exemption.regulation.code:<6} {value:<16} {exemption.procedure_codes or '-':<12} {validity:<24} "
              f"{exemption.basis_en}{state}")
    return 0


def cmd_permits_exempt(options: argparse.Namespace) -> int:
    try:
        value = Decimal(options.max_value) if options.max_value is not None else None
        valid_from = date.fromisoformat(options.valid_from) if options.valid_from else None
        valid_to = date.fromisoformat(options.valid_to) if options.valid_to else None
    except (InvalidOperation, ValueError) as error:
        return _fail(f"bad value or date: {error} / 金額或日期格式錯誤")
    _setup()
    from singlewindow.permits.errors import MESSAGES, PermitError
    from singlewindow.permits.services import define_exemption
    from singlewindow.registry.actors import SYSTEM

    try:
        exemption = define_exemption(regulation_code=options.regulation, actor=SYSTEM, basis_en=options.basis_en,
                                     basis_zh=options.basis_zh, max_cif_value_twd=value,
                                     procedure_codes=options.procedures, valid_from=valid_from, valid_to=valid_to)
    except PermitError as error:
        en, zh = MESSAGES[error.code]
        return _fail(f"{en} {zh} {error.detail}".strip())
    print(f"exemption {exemption.pk} for {exemption.regulation.code} recorded / 已新增免簽審規定")
    return 0
