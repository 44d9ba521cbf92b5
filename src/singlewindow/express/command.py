"""``singlewindow express lane|slots|queue|overdue``: an operator sets a terminal up and looks at
its queue and overdue anomalies from the shell.

Wired into ``singlewindow.cli`` through ``add_parsers``; each handler sets Django up itself, so
``--help`` works without a database. The terminal's own organisation is the actor.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date, time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from singlewindow.registry.actors import Actor


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    express = sub.add_parser("express", help="express terminal: lanes, slots, the queue, overdue anomalies")
    express_sub = express.add_subparsers(dest="express_command", required=True)
    lane = express_sub.add_parser("lane", help="open a clearance lane at a terminal")
    lane.add_argument("terminal", help="the terminal's organisation code")
    lane.add_argument("code", help="the lane code, e.g. A1")
    lane.add_argument("--name-en", default="")
    lane.add_argument("--name-zh", default="")
    lane.set_defaults(handler=cmd_express_lane)
    slots = express_sub.add_parser("slots", help="open a day's bookable slots (Taipei time)")
    slots.add_argument("terminal")
    slots.add_argument("--day", help="YYYY-MM-DD (default: today in Taipei)")
    slots.add_argument("--start", default="08:00", help="first slot's start, HH:MM")
    slots.add_argument("--end", default="20:00", help="last slot's end, HH:MM")
    slots.add_argument("--minutes", type=int, default=30, help="slot length")
    slots.add_argument("--capacity", type=int, required=True, help="bags per slot")
    slots.set_defaults(handler=cmd_express_slots)
    queue = express_sub.add_parser("queue", help="print a day's queue in the queue rule's order")
    queue.add_argument("terminal")
    queue.add_argument("--day", help="YYYY-MM-DD (default: today in Taipei)")
    queue.set_defaults(handler=cmd_express_queue)
    overdue = express_sub.add_parser("overdue", help="list anomalies past their correction due time")
    overdue.add_argument("terminal")
    overdue.set_defaults(handler=cmd_express_overdue)


def _setup() -> None:
    from singlewindow.cli import _setup_django

    _setup_django()


def _fail(message: str) -> int:
    print(f"singlewindow express: {message}", file=sys.stderr)
    return 2


def _day(value: str | None) -> date:
    from singlewindow.express.selectors import today

    return date.fromisoformat(value) if value else today()


def _terminal_actor(code: str) -> Actor:
    from singlewindow.express.services import find_terminal
    from singlewindow.registry.actors import Actor as Acting

    return Acting(organisation=find_terminal(code))


def cmd_express_lane(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.express import services
    from singlewindow.express.errors import ExpressError

    try:
        lane = services.add_lane(code=options.code, name_en=options.name_en, name_zh=options.name_zh,
                                 actor=_terminal_actor(options.terminal))
    except ExpressError as error:
        return _fail(f"{error.en} / {error.zh}")
    print(f"lane {lane.code} open at {options.terminal}")
    return 0


def cmd_express_slots(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.express import services
    from singlewindow.express.errors import ExpressError

    try:
        day, start, end = _day(options.day), time.fromisoformat(options.start), time.fromisoformat(options.end)
    except ValueError as error:
        return _fail(f"bad day or time: {error} / 日期或時間格式錯誤")
    try:
        slots = services.open_slots(day=day, start=start, end=end, minutes=options.minutes,
                                    capacity=options.capacity,
                                    actor=_terminal_actor(options.terminal))
    except ExpressError as error:
        return _fail(f"{error.en} / {error.zh}")
    print(f"{len(slots)} slots on {day} at {options.terminal}, {options.capacity} bags each")
    return 0


def cmd_express_queue(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.express import selectors
    from singlewindow.express.errors import ExpressError
    from singlewindow.express.services import TAIPEI

    try:
        actor = _terminal_actor(options.terminal)
        day = _day(options.day)
    except (ExpressError, ValueError) as error:
        return _fail(str(error))
    for a in selectors.terminal_queue(actor, day):
        print(f"{a.slot_starts_at.astimezone(TAIPEI):%H:%M}  {a.priority:<10} {a.master_awb}  {a.bag_number:<12} "
              f"{a.stage:<10} {a.lane.code if a.lane else '-':<5} {a.broker.code}")
    return 0


def cmd_express_overdue(options: argparse.Namespace) -> int:
    _setup()
    from django.utils import timezone

    from singlewindow.express import selectors
    from singlewindow.express.errors import ExpressError

    try:
        actor = _terminal_actor(options.terminal)
    except ExpressError as error:
        return _fail(f"{error.en} / {error.zh}")
    now = timezone.now()
    for a in selectors.anomaly_list(actor, overdue=True, now=now):
        age = selectors.age(a, now)
        print(f"{a.reference}  {a.category:<22} {a.master_awb} {a.house_awb or '-':<12} {a.status:<16} "
              f"{age.days}d{age.seconds // 3600:02d}h  {a.broker.code}")
    return 0
