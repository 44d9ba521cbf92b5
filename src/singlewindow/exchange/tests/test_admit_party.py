"""The service desk admits an organisation to a consignment: the remedy for a foreign UCR someone else used first."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.exceptions import ValidationError
from django.test import Client

from singlewindow import testing
from singlewindow.exchange import services
from singlewindow.exchange.errors import ExchangeError, ExchangeErrorCode
from singlewindow.exchange.evidence import verify_evidence
from singlewindow.exchange.models import Consignment, ConsignmentParty, EvidenceEntry, TimelineEvent
from singlewindow.exchange.selectors import consignment_timeline, consignment_visible_to
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import AuditRecord

FOREIGN = "6JP4010001000001-DESK1"  # carries no Taiwan business ID: whoever comes first starts it
REASON = "Importer of record per the bill of lading; consignment started by another trader"


def _declare(party: testing.Party, reference: str, business_id: str) -> None:
    body = testing.encode(testing.declaration(ucr=FOREIGN, reference=reference, declarant=business_id,
                                              importer=business_id))
    testing.submit_signed(party, body, reference)


def _squatted(world: testing.World) -> Consignment:
    """Trader A uses the foreign UCR first; trader B, its importer, is refused."""
    _declare(world["trader_a"], "desk-1", world["trader_a"].organisation.business_id or "")
    with pytest.raises(ExchangeError) as refused:
        _declare(world["trader_b"], "desk-2", world["trader_b"].organisation.business_id or "")
    assert refused.value.code == ExchangeErrorCode.NOT_A_PARTY
    return Consignment.objects.get(ucr=FOREIGN)


def _desk_user(username: str = "desk", *, may_admit: bool = True) -> Any:
    user = get_user_model().objects.create_user(username, password="pw-desk-12345", is_staff=True)
    codenames = ["view_consignment", *(["admit_party"] if may_admit else [])]
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="exchange", codename__in=codenames))
    return user


def _written() -> tuple[int, int, int, int]:
    return (ConsignmentParty.objects.count(), EvidenceEntry.objects.count(), TimelineEvent.objects.count(),
            AuditRecord.objects.count())


def test_an_admitted_importer_sees_the_consignment_and_adds_to_it(world: testing.World) -> None:
    consignment = _squatted(world)
    trader_b = world["trader_b"].organisation
    entry = services.admit_party(consignment=consignment, organisation=trader_b, reason=f"  {REASON}\n",
                                 user=_desk_user())

    body = json.loads(EvidenceEntry.objects.get(seq=entry.seq).body)
    assert (body["kind"], body["organisation"], body["ucr"], body["admitted_by"], body["reason"]) == (
        "consignment.party_admitted", trader_b.code, FOREIGN, "desk", REASON)
    audit = AuditRecord.objects.get(action="admit")
    assert audit.changes == {"consignment": FOREIGN, "organisation": trader_b.code, "reason": REASON}
    assert audit.object_repr == f"{trader_b.code} on {FOREIGN}" and audit.actor.get_username() == "desk"

    _declare(world["trader_b"], "desk-3", trader_b.business_id or "")  # no longer refused
    for name in ("trader_a", "trader_b"):  # every party sees the admission and its reason
        found = consignment_timeline(Actor(organisation=world[name].organisation), FOREIGN)
        assert found is not None
        admitted = [line for line in found[1] if line.kind == "consignment.party_admitted"]
        assert len(admitted) == 1 and REASON in admitted[0].title_en and admitted[0].evidence_seq == entry.seq
    assert verify_evidence().ok


@pytest.mark.parametrize("reason", ["too short", " " * 40, "x" * 201])
def test_a_reason_too_short_or_too_long_is_refused_and_nothing_written(world: testing.World, reason: str) -> None:
    consignment = _squatted(world)
    before = _written()
    with pytest.raises(ValidationError) as refused:
        services.admit_party(consignment=consignment, organisation=world["trader_b"].organisation, reason=reason,
                             user=_desk_user())
    assert refused.value.code == "reason"
    assert _written() == before


@pytest.mark.parametrize("name_en", ["Trader B", "Trader B " + "of a very long registered name " * 6])
def test_the_timeline_line_shows_the_whole_reason(world: testing.World, name_en: str) -> None:
    consignment = _squatted(world)
    trader_b = world["trader_b"].organisation
    trader_b.name_en = name_en
    trader_b.save(update_fields=["name_en"])
    longest = "because " + "the bill of lading names trader B " * 6
    longest = longest[:200]
    services.admit_party(consignment=consignment, organisation=trader_b, reason=longest, user=_desk_user())
    line = TimelineEvent.objects.get(kind="consignment.party_admitted")
    assert line.title_en.endswith(longest) and line.title_zh.endswith(longest)
    assert (name_en if len(name_en) < 60 else trader_b.code) in line.title_en


def test_a_party_already_or_an_inactive_organisation_is_refused(world: testing.World) -> None:
    consignment = _squatted(world)
    desk = _desk_user()
    before = _written()
    for name in ("trader_a", "customs"):  # the sender, and the office the declaration went to
        with pytest.raises(ValidationError) as refused:
            services.admit_party(consignment=consignment, organisation=world[name].organisation, reason=REASON,
                                 user=desk)
        assert refused.value.code == "party"
    trader_b = world["trader_b"].organisation
    trader_b.is_active = False
    trader_b.save(update_fields=["is_active"])
    with pytest.raises(ValidationError) as refused:
        services.admit_party(consignment=consignment, organisation=trader_b, reason=REASON, user=desk)
    assert refused.value.code == "inactive"
    assert _written() == before


def test_the_back_office_form_admits_with_the_permission_only(world: testing.World) -> None:
    consignment = _squatted(world)
    trader_b = world["trader_b"].organisation
    url = f"/admin/exchange/consignment/{consignment.pk}/admit/"
    change = f"/admin/exchange/consignment/{consignment.pk}/change/"

    assert Client().get(url).status_code == 302  # not logged in: to the login page

    viewer = Client()
    viewer.force_login(_desk_user("looker", may_admit=False))
    assert url not in viewer.get(change).content.decode()  # no way offered
    assert viewer.get(url).status_code == 403
    assert viewer.post(url, {"organisation": trader_b.pk, "reason": REASON}).status_code == 403
    assert not ConsignmentParty.objects.exists()

    desk = Client()
    desk.force_login(_desk_user())
    assert f'href="{url}"' in desk.get(change).content.decode()
    form = desk.get(url)
    assert form.status_code == 200 and "列入當事人" in form.content.decode()  # zh-Hant by default
    assert "Admit a party" in desk.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert desk.get("/admin/exchange/consignment/999999/admit/").status_code == 404
    before = _written()
    for bad in ({"organisation": trader_b.pk, "reason": "short"}, {"organisation": 999999, "reason": REASON},
                {"organisation": trader_b.pk, "reason": "x" * 100_000}, {"reason": REASON}):
        answer = desk.post(url, bad)
        assert answer.status_code == 200 and "errorlist" in answer.content.decode()
    sender = world["trader_a"].organisation
    answer = desk.post(url, {"organisation": sender.pk, "reason": REASON}, HTTP_ACCEPT_LANGUAGE="en")
    assert f"{sender.code} is already a party to {FOREIGN}" in answer.content.decode()
    assert _written() == before

    hostile = "<script>alert(1)</script> named importer on the bill of lading"
    answer = desk.post(url, {"organisation": trader_b.pk, "reason": hostile})
    assert answer.status_code == 302 and answer["Location"] == change
    assert consignment_visible_to(Actor(organisation=trader_b), FOREIGN) is not None
    portal = Client()
    assert portal.login(username=world["trader_b"].username, password=world["trader_b"].password)
    page = portal.get(f"/consignments/{FOREIGN}/").content.decode()  # the admitted importer's timeline
    assert "&lt;script&gt;alert(1)&lt;/script&gt; named importer" in page  # shown as text, never as markup
    assert "<script>alert(1)</script>" not in page


def test_the_form_needs_the_view_permission_too(world: testing.World) -> None:
    consignment = _squatted(world)
    user = _desk_user("admit-only")
    user.user_permissions.remove(Permission.objects.get(content_type__app_label="exchange",
                                                        codename="view_consignment"))
    client = Client()
    client.force_login(get_user_model().objects.get(pk=user.pk))  # permissions read afresh
    assert client.get(f"/admin/exchange/consignment/{consignment.pk}/admit/").status_code == 403
