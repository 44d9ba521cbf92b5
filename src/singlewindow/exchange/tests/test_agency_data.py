"""Inter-agency data exchange: every catalogue service carries messages; batch and real-time
services carry records between agencies, addressed by name or to those the service names."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import pytest

from singlewindow import testing
from singlewindow.datamodel.datasets import DATA_SETS
from singlewindow.exchange.models import Delivery, EvidenceEntry, Message
from singlewindow.registry import catalogue
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import AccessGrant, OrganisationRole, Service

URL = "/api/v1/messages"
BATCH = "trade_statistics.batch"
QUERY = "business_registration.check"


@pytest.fixture
def world(db: None) -> testing.World:
    built = testing.build_world()
    owner = built["customs"].organisation
    batch = registry.define_service(code="stats", name_en="Trade statistics extract", owner=owner, message_type=BATCH,
                                    security=Service.Security.CERTIFICATE, data_set="agency_data",
                                    processing_time=timedelta(days=1), actor=SYSTEM)
    registry.grant_access(service=batch, direction=AccessGrant.Direction.SEND, organisation=owner, actor=SYSTEM)
    for name in ("agency", "bank"):  # named receivers: the statistics office and another
        registry.grant_access(service=batch, direction=AccessGrant.Direction.RECEIVE,
                              organisation=built[name].organisation, actor=SYSTEM)
    query = registry.define_service(code="bizcheck", name_en="Business registration check", owner=owner,
                                    message_type=QUERY, security=Service.Security.SIMPLE, data_set="agency_data",
                                    actor=SYSTEM)
    registry.grant_access(service=query, direction=AccessGrant.Direction.SEND, organisation=owner, actor=SYSTEM)
    registry.grant_access(service=query, direction=AccessGrant.Direction.RECEIVE,
                          role=OrganisationRole.PERMIT_AGENCY, actor=SYSTEM)
    return built


def exchange_document(records: int = 2, **fields: Any) -> dict[str, Any]:
    document: dict[str, Any] = {
        "functionalReferenceId": "STAT-20261120",
        "subject": "Released imports of 2026-11-20",
        "periodStartDateTime": "2026-11-20T00:00:00Z",
        "periodEndDateTime": "2026-11-21T00:00:00Z",
        "recordQuantity": records,
        "record": [{"sequenceNumeric": n, "field": [
            {"name": "hsCode", "value": "847130"}, {"name": "originCountry", "value": "JP"},
            {"name": "cifValueTwd", "value": str(1000 * n)}]} for n in range(1, records + 1)],
    }
    document.update(fields)
    return document


def send(client: Any, party: testing.Party, document: dict[str, Any], *, message_type: str = BATCH,
         reference: str = "x-1") -> Any:
    body = json.dumps(document).encode()
    return client.post(URL, data=body, **testing.submit_headers(party, body, message_type=message_type,
                                                                client_reference=reference))


def test_a_batch_goes_to_every_agency_the_service_names(client: Any, world: testing.World) -> None:
    response = send(client, world["customs"], exchange_document())
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["receipt"]["message_id"])
    recipients = set(Delivery.objects.filter(message=message).values_list("recipient__code", flat=True))
    assert recipients == {world["agency"].code, world["bank"].code}
    # the receiving agency pulls it from its mailbox like any message
    mailbox = client.get("/api/v1/mailbox", **world["agency"].auth()).json()
    assert [item["message_type"] for item in mailbox["items"]] == [BATCH]


def test_an_addressed_exchange_goes_only_to_the_agencies_it_names(client: Any, world: testing.World) -> None:
    document = exchange_document(recipient=[{"id": world["bank"].organisation.business_id}])
    response = send(client, world["customs"], document)
    assert response.status_code == 201, response.content
    recipients = list(Delivery.objects.values_list("recipient__code", flat=True))
    assert recipients == [world["bank"].code]


def test_a_role_granted_service_needs_an_address(client: Any, world: testing.World) -> None:
    query = exchange_document(records=1, subject="Is 30000007 registered?")
    refused = send(client, world["customs"], query, message_type=QUERY)
    assert refused.status_code == 422
    assert refused.json()["errors"][0]["code"] == "routing.no_route"
    addressed = {**query, "recipient": [{"id": world["agency"].organisation.business_id}]}
    answered = send(client, world["customs"], addressed, message_type=QUERY, reference="x-2")
    assert answered.status_code == 201, answered.content
    assert list(Delivery.objects.values_list("recipient__code", flat=True)) == [world["agency"].code]
    # addressing an organisation the service does not serve sends it nothing
    stray = {**query, "recipient": [{"id": world["trader_b"].organisation.business_id}]}
    assert send(client, world["customs"], stray, message_type=QUERY, reference="x-3").status_code == 422


@pytest.mark.parametrize(("change", "code", "pointer"), [
    ({"recordQuantity": 3}, "rule.record_count", "/recordQuantity"),
    ({"record": [{"sequenceNumeric": 2, "field": [{"name": "a", "value": "1"}]}], "recordQuantity": 1},
     "rule.record_sequence", "/record/0/sequenceNumeric"),
    ({"record": [{"sequenceNumeric": 1, "field": [{"name": "a", "value": "1"}, {"name": "a", "value": "2"}]}],
      "recordQuantity": 1}, "rule.record_field_repeated", "/record/0/field/1/name"),
    ({"record": [{"sequenceNumeric": 1, "field": [{"name": "Bad Name", "value": "1"}]}], "recordQuantity": 1},
     "schema.string_pattern_mismatch", "/record/0/field/0/name"),
    ({"record": [{"sequenceNumeric": 1, "field": []}], "recordQuantity": 1}, "schema.too_short",
     "/record/0/field"),
    ({"recipient": [{"id": "30000003"}]}, "schema.business_id_check", "/recipient/0/id"),
    ({"unexpected": 1}, "schema.extra_forbidden", "/unexpected"),
])
def test_bad_exchanges_are_refused_with_pointers_and_change_nothing(
        client: Any, world: testing.World, change: dict[str, Any], code: str, pointer: str) -> None:
    before = (Message.objects.count(), Delivery.objects.count())
    response = send(client, world["customs"], exchange_document(**change))
    assert response.status_code == 422, response.content
    assert {(e["code"], e["pointer"]) for e in response.json()["errors"]} >= {(code, pointer)}
    assert (Message.objects.count(), Delivery.objects.count()) == before
    assert EvidenceEntry.objects.filter(kind="message.rejected").count() == 1


def test_too_many_records_are_refused(client: Any, world: testing.World) -> None:
    response = send(client, world["customs"], exchange_document(records=10_001))
    assert response.status_code in (413, 422)
    assert not Message.objects.exists()


def test_only_the_services_senders_may_send(client: Any, world: testing.World) -> None:
    response = send(client, world["agency"], exchange_document())
    assert response.status_code == 403
    assert not Message.objects.exists()


def test_every_catalogue_service_carries_a_data_set() -> None:
    for entry in catalogue.SERVICES:
        carried = entry.data_set or entry.message_type.split(".", 1)[0]
        assert carried in DATA_SETS, entry.code
    kinds = {entry.code: entry.data_set for entry in catalogue.SERVICES}
    assert kinds["customs-trade-statistics"] == "agency_data"
    assert kinds["bsmi-import-inspection"] == "permit_application"
    assert kinds["customs-import-declaration"] == ""


def test_loading_the_catalogue_names_the_data_sets_even_of_services_registered_before(db: None) -> None:
    registry.load_catalogue(actor=SYSTEM)
    assert Service.objects.get(code="commerce-business-registration").data_set == "agency_data"
    Service.objects.filter(code="customs-trade-statistics").update(data_set="")
    registry.load_catalogue(actor=SYSTEM)
    assert Service.objects.get(code="customs-trade-statistics").data_set == "agency_data"
    assert Service.objects.get(code="customs-import-declaration").data_set == ""


def test_an_answer_goes_back_to_whoever_asked_on_the_same_service(client: Any, world: testing.World) -> None:
    agency = world["agency"]
    question = {**exchange_document(records=1, subject="Is 30000007 registered?"),
                "recipient": [{"id": agency.organisation.business_id}]}
    asked = send(client, world["customs"], question, message_type=QUERY, reference="q-1")
    assert asked.status_code == 201, asked.content
    question_id = asked.json()["receipt"]["message_id"]
    answer = exchange_document(records=1, functionalReferenceId="ANS-1", questionMessageId=question_id,
                               record=[{"sequenceNumeric": 1, "field": [{"name": "businessId", "value": "30000007"},
                                                                        {"name": "registered", "value": "yes"}]}])
    # the agency holds no send grant on the service: answering the question it received is enough
    answered = send(client, agency, answer, message_type=QUERY, reference="a-1")
    assert answered.status_code == 201, answered.content
    deliveries = Delivery.objects.filter(message_id=answered.json()["receipt"]["message_id"])
    assert list(deliveries.values_list("recipient__code", flat=True)) == [world["customs"].code]


@pytest.mark.parametrize("who", ["bank", "agency_wrong_question", "agency_other_type"])
def test_only_the_agency_asked_may_answer(client: Any, world: testing.World, who: str) -> None:
    agency = world["agency"]
    question = {**exchange_document(records=1), "recipient": [{"id": agency.organisation.business_id}]}
    question_id = send(client, world["customs"], question, message_type=QUERY, reference="q-2").json()[
        "receipt"]["message_id"]
    batch_id = send(client, world["customs"], exchange_document(), reference="b-2").json()["receipt"]["message_id"]
    answerer, answered = {
        "bank": (world["bank"], question_id),  # was not asked
        "agency_wrong_question": (agency, "0190a2b4-0000-7000-8000-000000000000"),  # no such question
        "agency_other_type": (agency, batch_id),  # a batch, not a question of this service
    }[who]
    before = Message.objects.count()
    response = send(client, answerer, exchange_document(records=1, questionMessageId=answered), message_type=QUERY,
                    reference=f"a-{who}")
    assert response.status_code == 403, response.content
    assert response.json()["errors"][0]["code"] == "access.unauthorised_sender"
    assert Message.objects.count() == before
