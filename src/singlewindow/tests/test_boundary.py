"""What every request meets at the door (``singlewindow.boundary``): NUL characters refused before they
reach PostgreSQL, and every refusal under /api/ answered as problem+json, Django's and ninja's own too."""

from __future__ import annotations

import json

import pytest
from django.test import Client

from singlewindow import testing
from singlewindow.exchange.models import EvidenceEntry, Message, WebhookEndpoint

PROBLEM = "application/problem+json"


def _problem(answer, status: int, code: str) -> dict:
    assert answer.status_code == status, answer.content[:300]
    assert answer["Content-Type"] == PROBLEM
    body = answer.json()
    assert body["code"] == code and body["status"] == status
    assert body["errors"][0]["message"]["en"] and body["errors"][0]["message"]["zh-Hant"]
    return body


def test_a_nul_in_the_path_or_query_is_refused_before_any_query(world):
    """On PostgreSQL the timeline's look-up of a UCR holding a NUL failed as a server error."""
    client = Client(headers={"Authorization": f"Bearer {world['trader_a'].token}"})
    _problem(client.get("/api/v1/consignments/ab%00cd/timeline"), 400, "request.malformed")
    _problem(client.get("/api/v1/mailbox?after=1%00"), 400, "request.malformed")
    page = Client().get("/login/%00")
    assert page.status_code == 400 and page["Content-Type"].startswith("text/plain")


def test_a_json_body_with_a_nul_changes_nothing(world):
    client = Client(headers={"Authorization": f"Bearer {world['customs'].token}"})
    answer = client.put("/api/v1/webhook", data='{"url": "https://agency.example.org/in\\u0000x"}',
                        content_type="application/json")
    _problem(answer, 400, "http.error")
    assert not WebhookEndpoint.objects.exists()


def test_unknown_paths_and_methods_under_the_api_are_problems(world):
    client = Client(headers={"Authorization": f"Bearer {world['trader_a'].token}"})
    _problem(client.get("/api/v1/no-such-thing"), 404, "not_found")
    _problem(client.get("/api/v1/consignments/a%2Fb/timeline"), 404, "not_found")
    refused = client.delete("/api/v1/messages")
    _problem(refused, 405, "request.method_not_allowed")
    assert "POST" in refused["Allow"]
    _problem(client.get("/api/v1/mailbox/1/ack"), 405, "request.method_not_allowed")
    # the portal keeps its own pages
    assert Client().get("/no-such-page/").status_code == 404


def test_a_body_over_django_s_upload_limit_is_a_problem(world, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 10_000
    client = Client(headers={"Authorization": f"Bearer {world['customs'].token}"})
    answer = client.put("/api/v1/webhook", data=json.dumps({"url": "https://a.example/" + "x" * 20_000}),
                        content_type="application/json")
    _problem(answer, 400, "request.malformed")
    assert not WebhookEndpoint.objects.exists()


@pytest.mark.parametrize("length", ["abc", "1e3", "-5", "12 34", "\u00b2"])
def test_a_content_length_that_is_not_a_number_is_refused_and_changes_nothing(world, length):
    party = world["trader_a"]
    entries = EvidenceEntry.objects.count()
    answer = Client().post("/api/v1/messages", data=testing.encode(testing.declaration()),
                           content_type="application/json", CONTENT_LENGTH=length,
                           headers={"Authorization": f"Bearer {party.token}",
                                    "X-SW-Message-Type": "import_declaration.submit",
                                    "X-SW-Client-Reference": "c-length"})
    _problem(answer, 400, "request.malformed")
    assert not Message.objects.exists() and EvidenceEntry.objects.count() == entries
