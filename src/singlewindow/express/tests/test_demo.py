"""The demo: the Taoyuan terminal has two lanes and today's slots, Harbour's bags are queued in
the rule's order, one is under inspection at lane A1 and one of its parcels has an open anomaly."""

from __future__ import annotations

from singlewindow.express import demo, selectors
from singlewindow.express.models import Anomaly, Appointment, Lane, Slot
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM, Actor
from singlewindow.registry.models import OrganisationRole as R


def test_the_demo_terminal_has_lanes_slots_bookings_and_an_open_anomaly(db: None) -> None:
    terminal = registry.create_organisation(code=demo.TERMINAL, name_en="Taoyuan", roles=(
        R.WAREHOUSE_OPERATOR, R.EXPRESS_OPERATOR), actor=SYSTEM)
    broker = registry.create_organisation(code=demo.BROKER, name_en="Harbour", roles=(R.CUSTOMS_BROKER,),
                                          actor=SYSTEM)
    demo.load_demo(actor=SYSTEM)
    demo.load_demo(actor=SYSTEM)  # a second run adds nothing
    assert sorted(Lane.objects.filter(terminal=terminal).values_list("code", flat=True)) == ["A1", "A2"]
    assert Slot.objects.filter(terminal=terminal, starts_at__date__gte=selectors.today()).count() == 64
    rows = list(Appointment.objects.filter(broker=broker))
    assert len(rows) == 4 and [a.priority for a in rows][:2] == ["medical", "perishable"]
    inspecting = Appointment.objects.get(stage="inspecting")
    assert inspecting.lane is not None and inspecting.lane.code == "A1"
    anomaly = Anomaly.objects.get()
    assert anomaly.status == "open" and anomaly.broker == broker and anomaly.house_awb in inspecting.house_awbs
    assert [a.pk for a in selectors.anomaly_list(Actor(organisation=broker))] == [anomaly.pk]
