"""The express test world: the shared test world plus two express terminals (each with a user,
a token and two lanes), a second broker, and tomorrow's slots at the first terminal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from django.test import Client

from singlewindow import testing
from singlewindow.express import selectors, services
from singlewindow.express.awb import make_awb
from singlewindow.express.models import Appointment
from singlewindow.express.services import TAIPEI
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM, Actor
from singlewindow.registry.models import OrganisationRole as R

MASTER = make_awb("297", 1234567)  # 297-12345675
CAPACITY = 2



def party(code: str, name: str, roles: tuple[str, ...], business_id: str) -> testing.Party:
    org = registry.create_organisation(code=code, name_en=f"Org {name}", name_zh=f"機構{name}", roles=roles,
                                       business_id=business_id, actor=SYSTEM)
    _, token = registry.issue_api_token(organisation=org, name="test", actor=SYSTEM)
    password = f"pw-{name}-12345"
    registry.add_member(organisation=org, username=name, password=password, role="manager", actor=SYSTEM)
    return testing.Party(org, None, token, name, password)  # type: ignore[arg-type]


@dataclass
class Express:
    world: testing.World
    terminal: testing.Party
    terminal_2: testing.Party
    broker: testing.Party
    broker_2: testing.Party
    trader: testing.Party
    day: date

    def actor(self, who: testing.Party) -> Actor:
        return Actor(organisation=who.organisation)

    def slot(self, hour: int, minute: int = 0) -> datetime:
        return datetime.combine(self.day, time(hour, minute), tzinfo=TAIPEI)

    def book(self, bag: str = "B1", *, hour: int = 9, minute: int = 0, master: str = MASTER,
             who: testing.Party | None = None, priority: str = "normal", houses: tuple[str, ...] = (),
             parcels: int | None = 3) -> Appointment:
        return services.book_appointment(
            terminal_code=self.terminal.code, master_awb=master, bag_number=bag,
            slot_starts_at=self.slot(hour, minute), house_awbs=houses, parcel_count=None if houses else parcels,
            priority=priority, actor=self.actor(who or self.broker))

    def api(self, who: testing.Party | None, method: str, path: str, body: dict[str, Any] | None = None) -> Any:
        client = Client()
        headers = who.auth() if who is not None else {}
        call = getattr(client, method)
        if body is None:
            return call(f"/api/v1/express{path}", **headers)
        return call(f"/api/v1/express{path}", data=body, content_type="application/json", **headers)


def build_express() -> Express:
    world = testing.build_world()
    terminal = party("t-express", "express", (R.WAREHOUSE_OPERATOR, R.EXPRESS_OPERATOR), "30000040")
    terminal_2 = party("t-express-2", "express2", (R.EXPRESS_OPERATOR,), "30000045")
    broker_2 = party("t-broker-2", "broker2", (R.CUSTOMS_BROKER,), "30000050")
    day = selectors.today() + timedelta(days=1)
    for who in (terminal, terminal_2):
        actor = Actor(organisation=who.organisation)
        services.add_lane(code="L1", name_en="Lane 1", name_zh="第一線", actor=actor)
        services.add_lane(code="L2", name_en="Lane 2", name_zh="第二線", actor=actor)
        services.open_slots(day=day, start=time(8), end=time(12), minutes=30, capacity=CAPACITY, actor=actor)
    return Express(world, terminal, terminal_2, world["broker"], broker_2, world["trader_a"], day)


@pytest.fixture
def ex(db: None) -> Express:
    return build_express()
