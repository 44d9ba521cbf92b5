"""Who may see a consignment: its senders and recipients (read from messages and deliveries) and the
organisations its messages name (party rows)."""

from __future__ import annotations

import pytest

from singlewindow import testing
from singlewindow.exchange.models import Consignment, ConsignmentParty, Message
from singlewindow.exchange.selectors import consignment_visible_to, consignments_visible_to
from singlewindow.registry.actors import Actor

UCR = "6TW30000002-SEEN001"
EVERYONE = ("trader_a", "trader_b", "broker", "customs", "customs_2", "agency", "bank")
BEFORE = ("exchange", "0008_pending_pushes_index")


def _submit(party: testing.Party, reference: str, **declaration: object) -> Message:
    body = testing.encode(testing.declaration(ucr=UCR, reference=reference, **declaration))
    return testing.submit_signed(party, body, reference).message


def _seeing(world: testing.World) -> tuple[set[str], set[str]]:
    """Who finds the consignment by its UCR, and who finds it in their list of consignments."""
    one, listed = set(), set()
    for name in EVERYONE:
        actor = Actor(organisation=world[name].organisation)
        if consignment_visible_to(actor, UCR) is not None:
            one.add(name)
        if consignments_visible_to(actor).filter(ucr=UCR).exists():
            listed.add(name)
    return one, listed


def test_the_sender_and_the_office_see_a_declaration_that_names_no_one_else(world: testing.World) -> None:
    _submit(world["trader_a"], "seen-1")
    assert not ConsignmentParty.objects.exists()  # nothing to store: both are known from the message
    assert _seeing(world) == ({"trader_a", "customs"},) * 2


def test_an_organisation_named_by_a_message_it_neither_sent_nor_received_sees_it(world: testing.World) -> None:
    # the broker declares for trader B, to the other office
    _submit(world["broker"], "seen-2", declarant="30000013", importer="30000007", office="TWKHH")
    assert list(ConsignmentParty.objects.values_list("organisation__code", flat=True)) == ["t-trader-b"]
    assert _seeing(world) == ({"broker", "trader_b", "customs_2"},) * 2


def test_no_organisation_sees_a_consignment_through_another_one(world: testing.World) -> None:
    _submit(world["trader_a"], "seen-3")
    _submit(world["trader_b"], "seen-4", declarant="30000007", importer="30000007")
    assert Consignment.objects.count() == 1
    one, listed = _seeing(world)
    assert one == listed == {"trader_a", "trader_b", "customs"}
    assert consignment_visible_to(Actor(organisation=None), UCR) is None
    assert not consignments_visible_to(Actor(organisation=None)).exists()


def test_a_list_of_consignments_has_each_once(world: testing.World) -> None:
    trader = world["trader_a"]
    for n in range(3):
        _submit(trader, f"seen-list-{n}")
    assert [c.ucr for c in consignments_visible_to(Actor(organisation=trader.organisation))] == [UCR]


@pytest.mark.django_db(transaction=True)
def test_the_migration_drops_sender_and_recipient_rows_and_undoing_it_restores_them() -> None:
    world = testing.build_world()
    _submit(world["broker"], "seen-migrated", declarant="30000013", importer="30000002")
    consignment = Consignment.objects.get()
    with testing.migrated_back(BEFORE) as before:
        rows = before.get_model("exchange", "ConsignmentParty").objects
        assert set(rows.values_list("consignment_id", "organisation__code", "relation")) == {
            (consignment.pk, "t-broker", "sender"), (consignment.pk, "t-customs-kel", "recipient"),
            (consignment.pk, "t-trader-a", "named")}
    assert list(ConsignmentParty.objects.values_list("organisation__code", flat=True)) == ["t-trader-a"]
    assert _seeing(world) == ({"broker", "customs", "trader_a"},) * 2
