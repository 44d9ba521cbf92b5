"""``singlewindow customs extract trade-statistics [--date D]``: send a day's extract to the agencies.

Wired into ``singlewindow.cli`` through ``add_parsers``; the handler sets Django up itself, so
``--help`` works without a database. Run it once a day (from cron, say) for the day before.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, timedelta


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    customs = sub.add_parser("customs", help="customs: send the daily extracts to other agencies")
    customs_sub = customs.add_subparsers(dest="customs_command", required=True)
    extract = customs_sub.add_parser("extract", help="send a day's extract through the exchange")
    extract.add_argument("kind", choices=["trade-statistics"],
                         help="trade-statistics: goods items released that day, to the statistics office")
    extract.add_argument("--date", dest="day", type=date.fromisoformat,
                         help="the day, YYYY-MM-DD, Taiwan time (default: yesterday)")
    extract.set_defaults(handler=cmd_customs_extract)


def cmd_customs_extract(options: argparse.Namespace) -> int:
    from singlewindow.cli import _setup_django

    _setup_django()
    from django.utils import timezone

    from singlewindow.customs.extracts import ExtractError, send_trade_statistics
    from singlewindow.exchange.errors import ExchangeError

    day = options.day or timezone.localdate() - timedelta(days=1)
    try:
        sent = send_trade_statistics(day)
    except ExtractError as error:
        print(f"{error.en}\n{error.zh}", file=sys.stderr)
        return 1
    except ExchangeError as error:
        print(f"The exchange refused the extract: {error.problem()}", file=sys.stderr)
        return 1
    message = sent.message
    recipients = ", ".join(sorted(message.deliveries.values_list("recipient__code", flat=True)))
    if sent.unchanged:
        print(f"{day}: already sent as {message.client_reference} ({sent.records} records), nothing changed")
    else:
        replaces = f", replacing {sent.replaced}" if sent.replaced else ""
        print(f"{day}: sent {message.client_reference} with {sent.records} records to {recipients}{replaces}")
    print(f"message {message.id}")
    return 0
