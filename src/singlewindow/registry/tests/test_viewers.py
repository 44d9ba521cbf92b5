"""A viewer looks and does not act, in the portal and through the session API alike."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from singlewindow import testing
from singlewindow.exchange.models import Delivery, WebhookEndpoint
from singlewindow.registry import services
from singlewindow.registry.actors import SYSTEM


@pytest.fixture
def viewer(world: testing.World) -> Client:
    services.add_member(organisation=world["customs"].organisation, username="customs-viewer",
                        password="pw-viewer-12345", role="viewer", actor=SYSTEM)
    client = Client(enforce_csrf_checks=False)
    assert client.login(username="customs-viewer", password="pw-viewer-12345")
    return client


@pytest.fixture
def delivery(world: testing.World) -> Delivery:
    payload = testing.encode(testing.declaration())
    answer = Client().post("/api/v1/messages", data=payload, **testing.submit_headers(world["trader_a"], payload))
    assert answer.status_code == 201
    return Delivery.objects.get()


def test_a_viewer_sees_the_mailbox_but_cannot_acknowledge_in_the_portal(viewer: Client, delivery: Delivery) -> None:
    assert viewer.get("/").status_code == 200
    answer = viewer.post(f"/mailbox/{delivery.pk}/acknowledge/")
    assert answer.status_code == 403
    assert Delivery.objects.get().state != Delivery.State.ACKNOWLEDGED


def test_a_viewer_cannot_act_through_the_session_api(viewer: Client, delivery: Delivery) -> None:
    refused = viewer.put("/api/v1/webhook", data=json.dumps({"url": "https://hooks.example.com/in"}),
                         content_type="application/json")
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "registry.not_permitted"
    assert viewer.post(f"/api/v1/mailbox/{delivery.pk}/ack").status_code == 403
    assert not WebhookEndpoint.objects.exists() and Delivery.objects.get().state != Delivery.State.ACKNOWLEDGED
    assert viewer.get(f"/api/v1/messages/{delivery.message_id}").status_code == 200  # looking is allowed


def test_a_viewer_may_still_switch_language_and_log_out(viewer: Client) -> None:
    assert viewer.post("/i18n/setlang/", {"language": "en", "next": "/"}).status_code == 302
    assert viewer.post("/logout/").status_code == 302


def test_an_operator_of_the_same_organisation_still_acts(world: testing.World, delivery: Delivery) -> None:
    client = Client()
    assert client.login(username=world["customs"].username, password=world["customs"].password)
    assert client.post(f"/mailbox/{delivery.pk}/acknowledge/").status_code in (200, 302)
    assert Delivery.objects.get().state == Delivery.State.ACKNOWLEDGED
