"""Intake in every format: a WCO DEC XML declaration is accepted, routed and answered like JSON.

JSON is validated straight from the payload text; what the JSON parse refuses is still refused.
"""

from __future__ import annotations

import pytest

from singlewindow import testing
from singlewindow.datamodel.codecs import codec_named
from singlewindow.datamodel.codecs.wco_dec import WcoDecXmlCodec
from singlewindow.datamodel.validation import validate_document
from singlewindow.exchange.engines import process_engine_delivery
from singlewindow.exchange.intake import decode_and_validate
from singlewindow.exchange.models import Delivery, Message
from singlewindow.exchange.selectors import document_of

URL = "/api/v1/messages"
XML = WcoDecXmlCodec()


def xml_declaration(**options) -> bytes:
    model = validate_document("import_declaration", testing.declaration(**options))
    return XML.encode(model, "import_declaration")


def post_xml(client, party, payload: bytes, **kwargs):
    headers = testing.submit_headers(party, payload, content_type="application/xml", **kwargs)
    return client.post(URL, data=payload, **headers)


@pytest.fixture
def customs_world(db) -> testing.World:
    return testing.build_world(engine="customs")


def test_signed_wco_dec_xml_declaration_is_received_and_routed(client, world) -> None:
    payload = xml_declaration(reference="XML-1")
    response = post_xml(client, world["trader_a"], payload)
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["receipt"]["message_id"])
    assert message.format == "wco-dec-xml" and bytes(message.payload) == payload  # stored as sent
    assert [d.recipient.code for d in Delivery.objects.filter(message=message)] == ["t-customs-kel"]
    assert message.consignment.ucr == "6TW30000002-IMP0001"
    assert document_of(message).functional_reference_id == "XML-1"


def test_xml_faults_point_at_the_xml_element(client, world) -> None:
    payload = xml_declaration(items=2).replace(b"<SequenceNumeric>2</SequenceNumeric>",
                                               b"<SequenceNumeric>two</SequenceNumeric>", 1)
    response = post_xml(client, world["trader_a"], payload)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["pointer"] == "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/SequenceNumeric"
    assert error["message"]["zh-Hant"]


def test_code_list_faults_in_xml_point_at_the_element(client, world) -> None:
    payload = xml_declaration().replace(b"<CountryCode>CN</CountryCode>", b"<CountryCode>QQ</CountryCode>", 1)
    response = post_xml(client, world["trader_a"], payload)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "codelist.unknown_code"
    assert error["pointer"] == "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem/Origin/CountryCode"


def post_json(client, party, payload: bytes, **kwargs):
    return client.post(URL, data=payload, **testing.submit_headers(party, payload, **kwargs))


def test_json_figures_intake_checked_are_the_figures_read_back_from_the_stored_message(client, world) -> None:
    # given figures written as JSON numbers, one with a trailing ".0"
    text = testing.encode(testing.declaration(reference="NUM-1")).decode()
    payload = text.replace('"value": "1200.00"', '"value": 1200.0', 1).encode()
    assert b'"value": 1200.0' in payload
    # when intake validates the payload and stores it
    at_intake = decode_and_validate(codec_named("json"), "import_declaration", payload)
    response = post_json(client, world["trader_a"], payload)
    assert response.status_code == 201, response.content
    # then the figure is the same Decimal, to the exponent, as when the stored message is read again
    stored = document_of(Message.objects.get(pk=response.json()["receipt"]["message_id"]))
    assert str(at_intake.invoice_amount.value) == str(stored.invoice_amount.value) == "1200.0"  # type: ignore[attr-defined]


def test_a_json_key_given_twice_is_refused_even_when_both_values_are_valid(client, world) -> None:
    payload = testing.encode(testing.declaration(reference="DUP-1"))[:-1] + b', "functionalReferenceId": "DUP-2"}'
    messages = Message.objects.count()
    response = post_json(client, world["trader_a"], payload)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "syntax.duplicate_key" and "functionalReferenceId" in error["message"]["en"]
    assert error["message"]["zh-Hant"]
    assert Message.objects.count() == messages


def test_hostile_xml_is_refused_before_anything_is_stored(client, world) -> None:
    payload = (b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;">]>'
               b"<d>&b;</d>")
    messages = Message.objects.count()
    response = post_xml(client, world["trader_a"], payload)
    assert response.status_code == 422
    assert response.json()["errors"][0]["code"] == "syntax.xml.doctype"
    assert Message.objects.count() == messages


def test_a_json_only_data_set_in_xml_is_refused_as_unsupported(client, world) -> None:
    payload = xml_declaration()
    response = post_xml(client, world["trader_a"], payload, message_type="cargo_manifest.submit")
    assert response.status_code in (404, 415, 422)
    assert Message.objects.count() == 0


def test_customs_engine_answers_an_xml_declaration(client, customs_world) -> None:
    world = customs_world
    response = post_xml(client, world["trader_a"], xml_declaration(reference="XML-ENGINE"))
    assert response.status_code == 201, response.content
    delivery = Delivery.objects.get(message_id=response.json()["receipt"]["message_id"])
    assert process_engine_delivery(delivery.pk)
    answer = Message.objects.filter(message_type="customs_response.notification").order_by("evidence_seq").first()
    assert answer is not None and answer.format == "wco-dec-xml"  # answered in the declarant's format
    response_document = document_of(answer)
    assert response_document.status == "received"
    assert response_document.declaration_message_id == str(delivery.message_id)
    assert response_document.declaration.functional_reference_id == "XML-ENGINE"
    assert answer.consignment.ucr == "6TW30000002-IMP0001"


def test_signed_edifact_cusdec_is_received_and_routed(client, world) -> None:
    from singlewindow.datamodel.codecs.edifact import EdifactCodec

    model = validate_document("import_declaration", testing.declaration(reference="EDI-1", items=2))
    payload = EdifactCodec().encode(model, "import_declaration")
    headers = testing.submit_headers(world["trader_a"], payload, content_type="application/edifact")
    response = client.post(URL, data=payload, **headers)
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["receipt"]["message_id"])
    assert message.format == "edifact"
    assert document_of(message) == model
    assert [d.recipient.code for d in Delivery.objects.filter(message=message)] == ["t-customs-kel"]


def test_edifact_faults_point_at_the_segment(client, world) -> None:
    from singlewindow.datamodel.codecs.edifact import EdifactCodec

    model = validate_document("import_declaration", testing.declaration())
    payload = EdifactCodec().encode(model, "import_declaration").replace(b"+CN'", b"+QQ'", 1)
    assert b"+QQ'" in payload
    headers = testing.submit_headers(world["trader_a"], payload, content_type="application/edifact")
    response = client.post(URL, data=payload, **headers)
    assert response.status_code == 422
    [error] = response.json()["errors"]
    assert error["code"] == "codelist.unknown_code"
    assert error["pointer"].startswith("segment ") and "(LOC)" in error["pointer"]
