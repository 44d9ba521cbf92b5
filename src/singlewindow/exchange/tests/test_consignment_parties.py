"""Who may see a consignment: its senders and recipients (read from messages and deliveries) and the
organisations its messages name (party rows)."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from pydantic import TypeAdapter, ValidationError

from singlewindow import testing
from singlewindow.datamodel.datasets.agency_data import AgencyDataExchange
from singlewindow.datamodel.datasets.declaration import UCR as UCRData
from singlewindow.datamodel.datasets.permits import PermitDecision, ReferencedDeclaration
from singlewindow.datamodel.datasets.release import ReleaseNotice
from singlewindow.datamodel.datasets.response import CustomsResponse
from singlewindow.exchange import intake
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.models import Consignment, ConsignmentParty, EvidenceEntry, Message
from singlewindow.exchange.selectors import consignment_visible_to, consignments_visible_to
from singlewindow.registry import cache
from singlewindow.registry import services as registry
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Mandate

UCR = "6TW30000002-SEEN001"
EVERYONE = ("trader_a", "trader_b", "broker", "customs", "customs_2", "agency", "bank")
BEFORE = ("exchange", "0008_pending_pushes_index")


def _submit(party: testing.Party, reference: str, ucr: str = UCR, **declaration: object) -> Message:
    body = testing.encode(testing.declaration(ucr=ucr, reference=reference, **declaration))
    return testing.submit_signed(party, body, reference).message


def _refused(party: testing.Party, reference: str, ucr: str = UCR, **declaration: object) -> ExchangeError:
    """Submit as ``_submit`` does, expecting the consignment to refuse it; nothing of it is kept but its
    rejection entry."""
    messages, consignments = Message.objects.count(), Consignment.objects.count()
    entries = EvidenceEntry.objects.count()
    body = testing.encode(testing.declaration(ucr=ucr, reference=reference, **declaration))
    with pytest.raises(ExchangeError) as refused:
        testing.submit_signed(party, body, reference)
    assert refused.value.code == ExchangeErrorCode.NOT_A_PARTY and refused.value.status == 403
    assert (Message.objects.count(), Consignment.objects.count()) == (messages, consignments)
    assert [(entry.kind, json.loads(entry.body)["code"]) for entry in EvidenceEntry.objects.filter(seq__gt=entries)
            ] == [("message.rejected", "consignment.not_a_party")]
    return refused.value


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
    # trader B quotes trader A's UCR: refused, so it never becomes a sender on A's consignment
    _refused(world["trader_b"], "seen-4", declarant="30000007", importer="30000007")
    one, listed = _seeing(world)
    assert one == listed == {"trader_a", "customs"}
    assert consignment_visible_to(Actor(organisation=None), UCR) is None
    assert not consignments_visible_to(Actor(organisation=None)).exists()


def test_a_ucr_that_carries_a_business_id_is_started_only_by_that_organisation_or_its_agents(
        world: testing.World) -> None:
    # trader B may not start a consignment on trader A's UCR, even naming itself throughout
    refused = _refused(world["trader_b"], "start-1", declarant="30000007", importer="30000007")
    assert "another organisation's business ID" in refused.detail and "t-trader-a" not in refused.detail
    assert not Consignment.objects.exists()
    # the broker holds trader A's mandate: it starts it, and trader A adds to it
    _submit(world["broker"], "start-2", declarant="30000013")
    _submit(world["trader_a"], "start-3")
    assert Message.objects.filter(consignment__ucr=UCR).count() == 2
    assert _seeing(world) == ({"broker", "trader_a", "customs"},) * 2


def test_an_ended_or_out_of_date_mandate_lets_the_agent_start_nothing(world: testing.World) -> None:
    mandate = Mandate.objects.get(principal=world["trader_a"].organisation, agent=world["broker"].organisation)
    today = timezone.localdate()
    for valid_from, valid_until, active in ((today + timedelta(days=1), None, True),
                                            (date(2020, 1, 1), today - timedelta(days=1), True),
                                            (date(2020, 1, 1), None, False)):
        Mandate.objects.filter(pk=mandate.pk).update(valid_from=valid_from, valid_until=valid_until, is_active=active)
        cache.invalidate()
        _refused(world["broker"], f"ended-{valid_from}-{active}", declarant="30000013")
    registry.grant_mandate(principal=world["trader_a"].organisation, agent=world["broker"].organisation,
                           actor=testing.SYSTEM)
    _submit(world["broker"], "renewed", declarant="30000013")  # renewed today: it holds again


def test_an_outsider_adds_nothing_to_a_consignment_on_a_foreign_ucr(world: testing.World) -> None:
    foreign = "6JP4010001000001-ORD7"  # carries no Taiwan business ID: whoever comes first starts it
    _submit(world["trader_a"], "jp-1", ucr=foreign)
    refused = _refused(world["trader_b"], "jp-2", ucr=foreign, declarant="30000007", importer="30000007")
    assert refused.detail.startswith(f"consignment {foreign} exists")
    # the broker is no party either, but it acts for trader A, who is
    _submit(world["broker"], "jp-3", ucr=foreign, declarant="30000013")
    assert set(Message.objects.filter(consignment__ucr=foreign).values_list("sender__code", flat=True)) == {
        "t-trader-a", "t-broker"}


def test_an_organisation_a_message_named_may_add_to_the_consignment(world: testing.World) -> None:
    foreign = "6JP4010001000001-ORD8"
    Mandate.objects.filter(agent=world["broker"].organisation).update(is_active=False)
    cache.invalidate()
    _submit(world["broker"], "named-1", ucr=foreign, declarant="30000013", importer="30000007")
    _submit(world["trader_b"], "named-2", ucr=foreign, declarant="30000007", importer="30000007")  # named by it
    _refused(world["trader_a"], "named-3", ucr=foreign)  # named by nothing, sent nothing, received nothing


def test_an_agent_gains_nothing_from_what_was_merely_delivered_to_its_principal(world: testing.World) -> None:
    foreign = "6JP4010001000001-ORD10"
    _submit(world["trader_b"], "delivered-1", ucr=foreign, declarant="30000007", importer="30000007")
    # a mandate from the customs office the declaration went to (the registry refuses one; written here as a
    # forged row would be): the office's deliveries give the broker no standing
    Mandate.objects.filter(agent=world["broker"].organisation).update(is_active=False)
    Mandate.objects.bulk_create([Mandate(principal=world["customs"].organisation, agent=world["broker"].organisation,
                                         valid_from=date(2020, 1, 1))])
    cache.invalidate()
    _refused(world["broker"], "delivered-2", ucr=foreign, declarant="30000013")
    # what the principal sent does count
    Mandate.objects.filter(principal=world["trader_b"].organisation).update(is_active=True)
    cache.invalidate()
    _submit(world["broker"], "delivered-3", ucr=foreign, declarant="30000013")


def test_a_consignment_reference_must_be_a_ucr_in_every_data_set(world: testing.World) -> None:
    """Express lines of a bag without a UCR are keyed by its air waybill number: no message may start a
    consignment under such a key, whatever its data set."""
    document = testing.declaration(ucr="297-12345675")
    with pytest.raises(ExchangeError) as refused:
        testing.submit_signed(world["trader_a"], testing.encode(document), "awb-1")
    assert refused.value.code == ExchangeErrorCode.INVALID
    assert [issue.code for issue in refused.value.issues] == ["schema.ucr_shape"]
    assert not Consignment.objects.exists()
    for model, name in ((UCRData, "id"), (ReferencedDeclaration, "ucr"), (PermitDecision, "ucr"),
                        (ReleaseNotice, "ucr"), (CustomsResponse, "ucr"), (AgencyDataExchange, "ucr")):
        field = TypeAdapter(model.model_fields[name].annotation)
        assert field.validate_python("6TW30000002-IMP0001") == "6TW30000002-IMP0001"
        with pytest.raises(ValidationError, match="ucr_shape"):
            field.validate_python("297-12345675")


def test_authorities_and_owners_need_no_look_up(world: testing.World) -> None:
    """Customs, permit agencies, the port and foreign single windows act on any consignment by law; an
    organisation on its own UCR is decided without a query."""
    for name in ("customs", "customs_2", "agency"):
        assert intake._joining(UCR, world[name].organisation) is None
    with CaptureQueriesContext(connection) as queries:
        assert intake._joining(UCR, world["trader_a"].organisation) is None
    assert len(queries) == 0
    outsider = intake._joining(UCR, world["trader_b"].organisation)
    assert outsider is not None and not outsider.may_start
    agent = intake._joining("6JP4010001000001-ORD9", world["broker"].organisation)
    assert agent is not None and agent.may_start


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
