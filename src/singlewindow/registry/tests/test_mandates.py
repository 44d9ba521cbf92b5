"""Mandates (報關委任): a manager appoints an agent in the portal or the API, withdraws it, and intake
follows at once; everyone else is refused and nothing changes."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone

from singlewindow import testing
from singlewindow.exchange.errors import ExchangeError
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import AuditRecord, Mandate

MANDATES = "/api/v1/registry/mandates"


@pytest.fixture
def trader_b_alone(world: testing.World) -> testing.World:
    """Trader B has given no mandate yet."""
    Mandate.objects.filter(principal=world["trader_b"].organisation).delete()
    return world


def _logged_in(party: testing.Party, role: str = "manager") -> Client:
    client = Client()
    if role == "manager":
        assert client.login(username=party.username, password=party.password)
    else:
        registry.add_member(organisation=party.organisation, username=f"{party.username}-{role}",
                            password="pw-12345-abcde", role=role, actor=SYSTEM)
        assert client.login(username=f"{party.username}-{role}", password="pw-12345-abcde")
    return client


def _state() -> tuple[Any, ...]:
    return (tuple(Mandate.objects.order_by("pk").values_list("principal_id", "agent_id", "valid_from", "valid_until",
                                                             "is_active")), AuditRecord.objects.count())


def _declare(party: testing.Party, reference: str, ucr: str = "6TW30000007-MAND01") -> Any:
    body = testing.encode(testing.declaration(ucr=ucr, reference=reference, declarant=party.organisation.business_id,
                                              importer="30000007"))
    return testing.submit_signed(party, body, reference)


def test_a_manager_gives_a_mandate_in_the_portal_and_the_agent_may_then_declare(trader_b_alone: testing.World
                                                                                ) -> None:
    world = trader_b_alone
    with pytest.raises(ExchangeError):
        _declare(world["broker"], "before")
    client = _logged_in(world["trader_b"])
    page = client.get("/mandates/")
    assert page.status_code == 200 and "新增委任" in page.content.decode()  # Chinese by default
    answer = client.post("/mandates/give/", {"agent": "30000013", "valid_from": "", "valid_until": ""})
    assert answer.status_code == 302 and answer["Location"] == "/mandates/"
    mandate = Mandate.objects.get(principal=world["trader_b"].organisation)
    assert (mandate.agent, mandate.valid_from, mandate.valid_until) == (world["broker"].organisation,
                                                                         timezone.localdate(), None)
    assert AuditRecord.objects.filter(action="grant_mandate", object_id=str(mandate.pk)).exists()
    assert _declare(world["broker"], "after").created
    # the broker sees whom it acts for, and may not withdraw what it did not give
    broker = _logged_in(world["broker"])
    held = broker.get("/mandates/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f'data-mandate="{mandate.pk}"' in held and "In force" in held
    assert broker.post(f"/mandates/{mandate.pk}/end/").status_code == 404
    # withdrawn, the broker may not start another consignment of trader B's
    assert client.post(f"/mandates/{mandate.pk}/end/").status_code == 302
    assert not Mandate.objects.get(pk=mandate.pk).is_active
    with pytest.raises(ExchangeError):
        _declare(world["broker"], "withdrawn", ucr="6TW30000007-MAND02")


@pytest.mark.parametrize(("form", "status", "says"), [
    ({"agent": "12345678"}, 422, "No active organisation has that business ID."),
    ({"agent": "30000002"}, 422, "Only another organisation that is a customs broker"),  # a trader
    ({"agent": "30000007"}, 422, "Only another organisation that is a customs broker"),  # itself
    ({"agent": "30000013", "valid_from": "2026-13-01"}, 422, "Write dates as YYYY-MM-DD."),
    ({"agent": "30000013", "valid_from": "2027-01-02", "valid_until": "2027-01-01"}, 422,
     "The last day comes before the first."),
    ({"agent": "<script>"}, 422, "No active organisation has that business ID."),
])
def test_a_mandate_that_cannot_be_given_is_refused_and_changes_nothing(
        trader_b_alone: testing.World, form: dict[str, str], status: int, says: str) -> None:
    client = _logged_in(trader_b_alone["trader_b"])
    before = _state()
    answer = client.post("/mandates/give/", form, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == status and says in answer.content.decode()
    assert "<script>" not in answer.content.decode()
    assert _state() == before


def test_only_a_manager_gives_or_withdraws_mandates(world: testing.World) -> None:
    mandate = Mandate.objects.get(principal=world["trader_b"].organisation)
    operator, viewer = _logged_in(world["trader_b"], "operator"), _logged_in(world["trader_b"], "viewer")
    before = _state()
    page = operator.get("/mandates/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Only a manager of your organisation" in page and 'id="give-mandate"' not in page
    assert operator.post("/mandates/give/", {"agent": "30000013"}).status_code == 403
    assert operator.post(f"/mandates/{mandate.pk}/end/").status_code == 403
    assert viewer.post(f"/mandates/{mandate.pk}/end/").status_code == 403
    assert Client().post(f"/mandates/{mandate.pk}/end/").status_code == 302  # to the login page
    assert _state() == before


def test_the_api_lists_gives_and_withdraws_for_a_manager_only(trader_b_alone: testing.World) -> None:
    world = trader_b_alone
    before = _state()
    by_token = Client().post(MANDATES, data=json.dumps({"agent_business_id": "30000013"}),
                             content_type="application/json", **world["trader_b"].auth())
    assert by_token.status_code == 403 and by_token.json()["code"] == "registry.not_permitted"
    assert _state() == before
    client = _logged_in(world["trader_b"])
    until = timezone.localdate() + timedelta(days=30)
    given = client.post(MANDATES, data=json.dumps({"agent_business_id": "30000013", "valid_until": str(until)}),
                        content_type="application/json")
    assert given.status_code == 201, given.content
    assert given.json()["agent"] == "t-broker" and given.json()["valid_until"] == str(until)
    listed = Client().get(MANDATES, **world["broker"].auth()).json()
    assert sorted(m["principal"] for m in listed["held"]) == ["t-trader-a", "t-trader-b"]
    assert listed["given"] == []
    other = Client().post(f"{MANDATES}/{given.json()['id']}/end", **world["trader_a"].auth())
    assert other.status_code == 403  # a token never withdraws
    assert _logged_in(world["trader_a"]).post(f"{MANDATES}/{given.json()['id']}/end").status_code == 404
    ended = client.post(f"{MANDATES}/{given.json()['id']}/end")
    assert ended.status_code == 200 and ended.json()["is_active"] is False
    oversize = client.post(MANDATES, data=json.dumps({"agent_business_id": "3" * 9}), content_type="application/json")
    assert oversize.status_code == 422


def test_the_back_office_refuses_a_mandate_to_a_trader(world: testing.World) -> None:
    admin = User.objects.create_superuser("root-admin", "", "pw-root-12345")
    client = Client()
    client.force_login(admin)
    before = _state()
    answer = client.post("/admin/registry/mandate/add/", {
        "principal": world["trader_a"].organisation.pk, "agent": world["trader_b"].organisation.pk,
        "valid_from": "2026-01-01", "is_active": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200 and "Only a customs broker, forwarder or express operator" in (
        answer.content.decode())
    assert _state() == before


def test_only_traders_and_forwarders_give_mandates(world: testing.World) -> None:
    """An authority's or a bank's reach (everything delivered to it) must never pass to an agent."""
    before = _state()
    for name in ("customs", "agency", "bank"):
        answer = _logged_in(world[name]).post("/mandates/give/", {"agent": "30000013"}, HTTP_ACCEPT_LANGUAGE="en")
        assert answer.status_code == 403 and "Only a trader or a forwarder gives mandates." in answer.content.decode()
    admin = User.objects.create_superuser("root-admin-2", "", "pw-root-12345")
    client = Client()
    client.force_login(admin)
    answer = client.post("/admin/registry/mandate/add/", {
        "principal": world["customs"].organisation.pk, "agent": world["broker"].organisation.pk,
        "valid_from": "2026-01-01", "is_active": "on"}, HTTP_ACCEPT_LANGUAGE="en")
    assert answer.status_code == 200 and "Only a trader or a forwarder gives mandates." in answer.content.decode()
    assert _state()[0] == before[0]


def test_two_gives_of_one_mandate_update_one_row(trader_b_alone: testing.World) -> None:
    world = trader_b_alone
    first = registry.grant_mandate(principal=world["trader_b"].organisation, agent=world["broker"].organisation,
                                   actor=SYSTEM)
    registry.end_mandate(mandate=first, actor=SYSTEM)
    again = registry.grant_mandate(principal=world["trader_b"].organisation, agent=world["broker"].organisation,
                                   valid_until=timezone.localdate() + timedelta(days=5), actor=SYSTEM)
    assert again.pk == first.pk and again.is_active
    assert Mandate.objects.filter(principal=world["trader_b"].organisation).count() == 1
