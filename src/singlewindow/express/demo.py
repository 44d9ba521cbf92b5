"""Demo data of the express app, loaded by ``singlewindow.demo.seed`` after the organisations exist.

The Taoyuan express terminal opens two lanes and today's and tomorrow's slots; the Harbour
brokerage books four bags (one urgent medical, one perishable); the first is called to lane A1
and is being inspected, and one of its parcels has an open anomaly (a blurred label).
"""

from __future__ import annotations

from datetime import time, timedelta

from django.utils import timezone

from singlewindow.express import selectors, services
from singlewindow.express.awb import make_awb
from singlewindow.express.models import Lane
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation

TERMINAL = "tw-express-taoyuan"
BROKER = "tw-broker-harbour"
MASTER = make_awb("297", 6120034)  # a China Airlines-style prefix; any valid number does
BAGS = (("TPE-0001", "medical", 3), ("TPE-0002", "perishable", 2), ("TPE-0003", "normal", 6),
        ("TPE-0004", "normal", 4))


def load_demo(*, actor: Actor) -> None:
    """Lanes, slots, bookings and one open anomaly; does nothing when the terminal already has lanes."""
    terminal = Organisation.objects.filter(code=TERMINAL).first()
    broker = Organisation.objects.filter(code=BROKER).first()
    if terminal is None or broker is None or Lane.objects.filter(terminal=terminal).exists():
        return
    at_terminal, for_broker = Actor(organisation=terminal), Actor(organisation=broker)
    services.add_lane(code="A1", name_en="Lane A1", name_zh="A1 通關線", actor=at_terminal)
    services.add_lane(code="A2", name_en="Lane A2", name_zh="A2 通關線", actor=at_terminal)
    today = selectors.today()
    for day in (today, today + timedelta(days=1)):
        services.open_slots(day=day, start=time(7), end=time(23), minutes=30, capacity=4, actor=at_terminal)
    slot = services.next_free_slot(terminal, timezone.now() - timedelta(minutes=30))
    assert slot is not None
    booked = []
    for n, (bag, priority, parcels) in enumerate(BAGS):
        houses = [make_awb("297", 7000000 + 10 * n + k) for k in range(parcels)]
        booked.append(services.book_appointment(
            terminal_code=TERMINAL, master_awb=MASTER, bag_number=bag, slot_starts_at=slot.starts_at,
            house_awbs=houses, priority=priority, broker_reference=f"HB-{n + 1:03d}", actor=for_broker))
    first = booked[0]
    for stage in ("called", "at_lane", "inspecting"):
        first = services.advance_appointment(appointment_id=first.pk, to=stage, lane_code="A1", actor=at_terminal)
    services.record_anomaly(master_awb=MASTER, house_awb=first.house_awbs[1], bag_number=first.bag_number,
                            category="label_unreadable", location="A1 inspection table",
                            notes="Consignee label smudged by rain; name unreadable.", actor=at_terminal)
