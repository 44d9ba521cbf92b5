"""POST /api/v1/messages: every way a message is refused, and what a refusal leaves behind.

A refusal answers RFC 9457 ``application/problem+json`` with a stable ``code`` and
``errors: [{code, pointer, message: {en, zh-Hant}}]``, stores no message, delivery or timeline
line, and appends exactly one ``message.rejected`` evidence entry. Authentication failures
happen before intake and leave nothing at all.
"""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization
from django.contrib.auth.models import User
from django.test import Client

from singlewindow import testing
from singlewindow.exchange.models import (
    Consignment,
    ConsignmentParty,
    Delivery,
    EvidenceEntry,
    Message,
    TimelineEvent,
)
from singlewindow.registry import pki, trust
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import ApiToken, Organisation

URL = "/api/v1/messages"
IMPORT = "import_declaration.submit"
EXPORT = "export_declaration.submit"
PROBLEM = "application/problem+json"
CSRF_TOKEN = "abcdefghijklmnopqrstuvwxyzABCDEF"  # a 32-character CSRF secret



# --- helpers ------------------------------------------------------------------------------


def snapshot() -> dict[str, int]:
    return {
        "messages": Message.objects.count(),
        "deliveries": Delivery.objects.count(),
        "timeline": TimelineEvent.objects.count(),
        "consignments": Consignment.objects.count(),
        "parties": ConsignmentParty.objects.count(),
        "evidence": EvidenceEntry.objects.count(),
        "last_seq": EvidenceEntry.objects.order_by("-seq").values_list("seq", flat=True).first() or 0,
    }


def check_problem(response: Any, status: int, code: str) -> dict[str, Any]:
    """The response is problem+json with this status and code and well-formed error items."""
    assert response.status_code == status, response.content
    assert response["Content-Type"] == PROBLEM
    body = json.loads(response.content)
    assert body["status"] == status
    assert body["code"] == code
    assert body["type"] == f"urn:singlewindow:problem:{code}"
    assert body["errors"], "a problem lists at least one error"
    for error in body["errors"]:
        assert isinstance(error["code"], str) and error["code"]
        assert isinstance(error["pointer"], str)
        assert isinstance(error["message"]["en"], str) and error["message"]["en"]
        assert isinstance(error["message"]["zh-Hant"], str) and error["message"]["zh-Hant"]
    return body


def assert_rejected(
    response: Any,
    before: dict[str, int],
    status: int,
    code: str,
    *,
    client_reference: str | None = None,
) -> dict[str, Any]:
    """Problem+json, nothing stored, exactly one new ``message.rejected`` evidence entry."""
    body = check_problem(response, status, code)
    after = snapshot()
    for key in ("messages", "deliveries", "timeline", "consignments", "parties"):
        assert after[key] == before[key], f"{key} changed on a refused message"
    new = list(EvidenceEntry.objects.filter(seq__gt=before["last_seq"]).order_by("seq"))
    assert [e.kind for e in new] == ["message.rejected"]
    assert new[0].message_id is None
    recorded = json.loads(new[0].body)
    assert recorded["code"] == code
    assert recorded["errors"] == sorted({e["code"] for e in body["errors"] if e["code"] != code})
    if client_reference is not None:
        assert recorded["client_reference"] == client_reference
    return body


def assert_nothing_changed(before: dict[str, int]) -> None:
    assert snapshot() == before


def post_bytes(client: Client, party: testing.Party, payload: bytes, **kwargs: Any) -> Any:
    return client.post(URL, data=payload, **testing.submit_headers(party, payload, **kwargs))


def post_doc(client: Client, party: testing.Party, document: dict[str, Any], **kwargs: Any) -> Any:
    return post_bytes(client, party, testing.encode(document), **kwargs)


def export_declaration(**kwargs: Any) -> dict[str, Any]:
    return testing.export_declaration(**kwargs)


def pointers(body: dict[str, Any]) -> dict[str, str]:
    return {e["pointer"]: e["code"] for e in body["errors"]}


def extra_certificate(
    world: testing.World,
    name: str,
    *,
    issuer: pki.KeyPair | None = None,
    register: bool = True,
    **kwargs: Any,
) -> pki.KeyPair:
    """Issue another certificate naming ``name``'s organisation and (by default) register it."""
    party = world[name]
    key = pki.issue_organisation_certificate(
        issuer or world.root, org_code=party.code, organisation_name=f"Org {name}", **kwargs
    )
    if register:
        registry.register_certificate(
            organisation=party.organisation,
            pem=pki.certificate_to_pem(key.certificate),
            actor=SYSTEM,
        )
    return key


def signed_headers(
    party: testing.Party,
    payload: bytes,
    key: pki.KeyPair,
    *,
    chain: list[Any] | None = None,
    message_type: str = IMPORT,
    client_reference: str = "c-1",
) -> dict[str, Any]:
    headers = testing.submit_headers(
        party, payload, message_type=message_type, client_reference=client_reference, signed=False
    )
    headers["HTTP_X_SW_SIGNATURE"] = testing.sign(
        party,
        payload,
        message_type=message_type,
        client_reference=client_reference,
        key=key,
        chain=chain,
    )
    return headers


# --- the happy path these refusals are measured against ------------------------------------


def test_control_a_valid_signed_declaration_is_accepted(client: Client, world: testing.World) -> None:
    before = snapshot()
    response = post_doc(client, world["trader_a"], testing.declaration())
    assert response.status_code == 201, response.content
    after = snapshot()
    assert after["messages"] == before["messages"] + 1
    assert after["deliveries"] == before["deliveries"] + 1
    assert [e.kind for e in EvidenceEntry.objects.filter(seq__gt=before["last_seq"])] == ["message.received"]


# --- syntax ---------------------------------------------------------------------------------


def test_malformed_json_names_line_and_column(client: Client, world: testing.World) -> None:
    before = snapshot()
    payload = b'{\n  "functionCode": "9",\n  "ucr": }\n'
    body = assert_rejected(
        post_bytes(client, world["trader_a"], payload),
        before,
        422,
        "message.invalid",
        client_reference="c-1",
    )
    [error] = body["errors"]
    assert error["code"] == "syntax.json"
    assert error["pointer"] == ""
    assert "line 3 column 10" in error["message"]["en"]
    assert "第 3 行第 10 欄" in error["message"]["zh-Hant"]


@pytest.mark.parametrize(
    "payload",
    [b"[1, 2, 3]", b'"a string"', b"42", b"null"],
    ids=["array", "string", "number", "null"],
)
def test_json_that_is_not_an_object(client: Client, world: testing.World, payload: bytes) -> None:
    before = snapshot()
    body = assert_rejected(post_bytes(client, world["trader_a"], payload), before, 422, "message.invalid")
    assert [e["code"] for e in body["errors"]] == ["syntax.not_object"]


def test_duplicate_keys_are_refused_not_last_one_wins(client: Client, world: testing.World) -> None:
    document = testing.encode(testing.declaration())
    # the same valid declaration with "invoiceAmount" given twice
    payload = document[:-1] + b', "invoiceAmount": "1.00"}'
    assert json.loads(payload)["invoiceAmount"] == "1.00"  # a lax parser would take the last one
    before = snapshot()
    body = assert_rejected(post_bytes(client, world["trader_a"], payload), before, 422, "message.invalid")
    [error] = body["errors"]
    assert error["code"] == "syntax.duplicate_key"
    assert "invoiceAmount" in error["message"]["en"]


@pytest.mark.parametrize("depth", [33, 100, 100_000], ids=["33-deep", "100-deep", "100000-deep"])
def test_deep_nesting_is_refused(client: Client, world: testing.World, depth: int) -> None:
    payload = b'{"a":' * depth + b"1" + b"}" * depth
    before = snapshot()
    body = assert_rejected(post_bytes(client, world["trader_a"], payload), before, 422, "message.invalid")
    assert [e["code"] for e in body["errors"]] == ["syntax.too_deep"]


def test_nesting_up_to_the_limit_reaches_schema_validation(client: Client, world: testing.World) -> None:
    document = testing.declaration()
    nested: Any = 1
    for _ in range(31):  # 32 levels with the top-level object
        nested = {"a": nested}
    document["extra"] = nested
    before = snapshot()
    body = assert_rejected(post_doc(client, world["trader_a"], document), before, 422, "message.invalid")
    assert pointers(body) == {"/extra": "schema.extra_forbidden"}


def test_invalid_utf8_names_the_byte(client: Client, world: testing.World) -> None:
    payload = b'{"name": "caf\xe9"}'
    before = snapshot()
    body = assert_rejected(post_bytes(client, world["trader_a"], payload), before, 422, "message.invalid")
    [error] = body["errors"]
    assert error["code"] == "syntax.encoding"
    assert "byte 13" in error["message"]["en"]


# --- envelope -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/edi-x12",
        "application/x-www-form-urlencoded",
        "application/problem+json",
    ],
)
def test_unsupported_content_type(client: Client, world: testing.World, content_type: str) -> None:
    before = snapshot()
    response = post_doc(client, world["trader_a"], testing.declaration(), content_type=content_type)
    body = assert_rejected(response, before, 415, "envelope.unsupported_content_type")
    assert content_type in body["detail"]


def test_json_content_type_with_charset_parameter_is_accepted(client: Client, world: testing.World) -> None:
    response = post_doc(
        client,
        world["trader_a"],
        testing.declaration(),
        content_type="application/json; charset=utf-8",
    )
    assert response.status_code == 201, response.content


def test_oversize_body(client: Client, world: testing.World, settings: Any) -> None:
    payload = testing.encode(testing.declaration())
    settings.SW_MAX_MESSAGE_BYTES = len(payload) - 1
    before = snapshot()
    body = assert_rejected(
        post_bytes(client, world["trader_a"], payload),
        before,
        413,
        "envelope.too_large",
        client_reference="c-1",
    )
    assert str(len(payload)) in body["detail"]


def test_body_of_exactly_the_limit_is_accepted(client: Client, world: testing.World, settings: Any) -> None:
    payload = testing.encode(testing.declaration())
    settings.SW_MAX_MESSAGE_BYTES = len(payload)
    assert post_bytes(client, world["trader_a"], payload).status_code == 201


def test_unknown_message_type(client: Client, world: testing.World) -> None:
    before = snapshot()
    response = post_doc(client, world["trader_a"], testing.declaration(), message_type="import_declaration.amend")
    body = assert_rejected(response, before, 422, "envelope.unknown_message_type")
    assert "import_declaration.amend" in body["detail"]


@pytest.mark.parametrize(
    ("drop", "expected"),
    [
        (["HTTP_X_SW_MESSAGE_TYPE"], {"header:X-SW-Message-Type": "envelope.message_type"}),
        (
            ["HTTP_X_SW_CLIENT_REFERENCE"],
            {"header:X-SW-Client-Reference": "envelope.client_reference"},
        ),
        (
            ["HTTP_X_SW_MESSAGE_TYPE", "HTTP_X_SW_CLIENT_REFERENCE"],
            {
                "header:X-SW-Message-Type": "envelope.message_type",
                "header:X-SW-Client-Reference": "envelope.client_reference",
            },
        ),
    ],
    ids=["no-message-type", "no-client-reference", "neither"],
)
def test_missing_envelope_headers(
    client: Client, world: testing.World, drop: list[str], expected: dict[str, str]
) -> None:
    payload = testing.encode(testing.declaration())
    headers = testing.submit_headers(world["trader_a"], payload)
    for name in drop:
        del headers[name]
    before = snapshot()
    body = assert_rejected(client.post(URL, data=payload, **headers), before, 400, "envelope.missing_header")
    assert pointers(body) == expected


@pytest.mark.parametrize(
    ("header", "value", "pointer"),
    [
        ("HTTP_X_SW_MESSAGE_TYPE", "ImportDeclaration", "header:X-SW-Message-Type"),
        ("HTTP_X_SW_MESSAGE_TYPE", "import_declaration.submit.v2", "header:X-SW-Message-Type"),
        ("HTTP_X_SW_CLIENT_REFERENCE", "has space", "header:X-SW-Client-Reference"),
        ("HTTP_X_SW_CLIENT_REFERENCE", "x" * 65, "header:X-SW-Client-Reference"),
        # A server behind a lenient proxy could see these; ``$`` alone would let them through.
        ("HTTP_X_SW_MESSAGE_TYPE", "import_declaration.submit\n", "header:X-SW-Message-Type"),
        ("HTTP_X_SW_CLIENT_REFERENCE", "ref-1\n", "header:X-SW-Client-Reference"),
    ],
    ids=["type-camel", "type-three-parts", "ref-space", "ref-65-chars", "type-newline", "ref-newline"],
)
def test_malformed_envelope_headers(
    client: Client, world: testing.World, header: str, value: str, pointer: str
) -> None:
    payload = testing.encode(testing.declaration())
    headers = testing.submit_headers(world["trader_a"], payload)
    headers[header] = value
    before = snapshot()
    body = assert_rejected(client.post(URL, data=payload, **headers), before, 400, "envelope.missing_header")
    assert list(pointers(body)) == [pointer]


# --- schema ---------------------------------------------------------------------------------


def test_schema_errors_point_at_each_faulty_element(client: Client, world: testing.World) -> None:
    document = testing.declaration(items=2, declarant="30000003")  # 30000003 fails the check digit
    items = document["goodsShipment"]["governmentAgencyGoodsItem"]
    items[0]["commodity"]["classification"][0]["id"] = "8471 30"
    items[1]["origin"][0]["countryCode"] = "cn"
    del items[1]["sequenceNumeric"]
    document["colour"] = "red"
    before = snapshot()
    body = assert_rejected(post_doc(client, world["trader_a"], document), before, 422, "message.invalid")
    assert pointers(body) == {
        "/goodsShipment/governmentAgencyGoodsItem/0/commodity/classification/0/id": "schema.string_pattern_mismatch",
        "/goodsShipment/governmentAgencyGoodsItem/1/origin/0/countryCode": "schema.string_pattern_mismatch",
        "/goodsShipment/governmentAgencyGoodsItem/1/sequenceNumeric": "schema.missing",
        "/declarant/id": "schema.business_id_check",
        "/colour": "schema.extra_forbidden",
    }
    by_pointer = {e["pointer"]: e["message"] for e in body["errors"]}
    assert by_pointer["/declarant/id"] == {
        "en": "The business ID fails its check rule.",
        "zh-Hant": "統一編號檢查碼錯誤。",
    }


def test_bad_ucr_is_reported_at_its_pointer(client: Client, world: testing.World) -> None:
    before = snapshot()
    response = post_doc(client, world["trader_a"], testing.declaration(ucr="not a ucr"))
    body = assert_rejected(response, before, 422, "message.invalid")
    assert pointers(body) == {"/goodsShipment/ucr/id": "schema.ucr_shape"}


def test_declaration_naming_an_unknown_office_has_no_route(client: Client, world: testing.World) -> None:
    before = snapshot()
    # Taipei Customs is in the office code list, but no organisation with that office has joined.
    response = post_doc(client, world["trader_a"], testing.declaration(office="TWTPE"))
    assert_rejected(response, before, 422, "routing.no_route")


# --- authorisation --------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["bank", "agency", "customs"])
def test_sender_without_a_send_grant_is_refused(client: Client, world: testing.World, name: str) -> None:
    party = world[name]
    before = snapshot()
    body = assert_rejected(post_doc(client, party, testing.declaration()), before, 403, "access.unauthorised_sender")
    assert party.code in body["detail"]


def test_logged_in_user_without_an_organisation_is_refused(world: testing.World) -> None:
    client = Client()
    client.force_login(User.objects.create_user(username="loner", password="pw-loner-12345"))
    payload = testing.encode(export_declaration())
    before = snapshot()
    response = client.post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_X_SW_MESSAGE_TYPE=EXPORT,
        HTTP_X_SW_CLIENT_REFERENCE="c-1",
    )
    assert_rejected(response, before, 403, "access.no_organisation")


# --- signatures and certificates ------------------------------------------------------------


def test_certificate_based_service_requires_a_signature(client: Client, world: testing.World) -> None:
    before = snapshot()
    response = post_doc(client, world["trader_a"], testing.declaration(), signed=False)
    assert_rejected(response, before, 401, "signature.required")


def test_signature_over_other_bytes(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    signed_payload = testing.encode(testing.declaration())
    sent_payload = testing.encode(testing.declaration(reference="REF-2"))
    headers = testing.submit_headers(party, signed_payload)
    before = snapshot()
    response = client.post(URL, data=sent_payload, **headers)
    assert_rejected(response, before, 401, "signature.invalid")


@pytest.mark.parametrize("signature", ["garbage", "a.b.c", "e30..AAAA"], ids=["no-dots", "three-parts", "empty-header"])
def test_malformed_signature(client: Client, world: testing.World, signature: str) -> None:
    payload = testing.encode(testing.declaration())
    headers = testing.submit_headers(world["trader_a"], payload, signed=False)
    headers["HTTP_X_SW_SIGNATURE"] = signature
    before = snapshot()
    assert_rejected(client.post(URL, data=payload, **headers), before, 401, "signature.invalid")


def _b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def test_signature_carrying_an_unreadable_certificate(world: testing.World) -> None:
    party = world["trader_a"]
    payload = testing.encode(testing.declaration())
    der = party.key.certificate.public_bytes(serialization.Encoding.DER)
    version = bytes.fromhex("a003020102")  # [0] EXPLICIT INTEGER 2, i.e. X.509 v3
    assert der.count(version) == 1
    bad_der = der.replace(version, bytes.fromhex("a003020107"))  # "v8" does not exist
    header = {
        "alg": "ES256",
        "b64": False,
        "crit": ["b64"],
        "swr": "c-1",
        "swt": IMPORT,
        "x5c": [base64.b64encode(bad_der).decode()],
    }
    signature = _b64url(json.dumps(header).encode()) + ".." + _b64url(bytes(64))
    headers = testing.submit_headers(party, payload, signed=False)
    headers["HTTP_X_SW_SIGNATURE"] = signature
    before = snapshot()
    client = Client(raise_request_exception=False)
    assert_rejected(client.post(URL, data=payload, **headers), before, 401, "signature.invalid")


def test_simple_service_still_checks_a_signature_that_is_present(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    payload = testing.encode(export_declaration())
    headers = testing.submit_headers(party, payload, message_type=EXPORT, signed=False)
    headers["HTTP_X_SW_SIGNATURE"] = testing.sign(party, payload + b" ", message_type=EXPORT, client_reference="c-1")
    before = snapshot()
    assert_rejected(client.post(URL, data=payload, **headers), before, 401, "signature.invalid")


def test_signature_replayed_under_a_new_client_reference(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    payload = testing.encode(testing.declaration())
    headers = testing.submit_headers(party, payload, client_reference="c-1")
    original = client.post(URL, data=payload, **headers)
    assert original.status_code == 201
    # an eavesdropper resends the same signed bytes as a "new" message
    headers["HTTP_X_SW_CLIENT_REFERENCE"] = "c-2"
    before = snapshot()
    response = client.post(URL, data=payload, **headers)
    assert_rejected(response, before, 401, "signature.envelope_mismatch", client_reference="c-2")
    assert list(Message.objects.values_list("client_reference", flat=True)) == ["c-1"]


def test_signature_made_for_another_message_type(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    payload = testing.encode(testing.declaration())
    headers = testing.submit_headers(party, payload, signed=False)
    headers["HTTP_X_SW_SIGNATURE"] = testing.sign(party, payload, message_type=EXPORT, client_reference="c-1")
    before = snapshot()
    assert_rejected(client.post(URL, data=payload, **headers), before, 401, "signature.envelope_mismatch")


def _certificate_refusal(
    client: Client,
    world: testing.World,
    key: pki.KeyPair,
    reason: str,
    chain: list[Any] | None = None,
) -> dict[str, Any]:
    party = world["trader_a"]
    payload = testing.encode(testing.declaration())
    before = snapshot()
    response = client.post(URL, data=payload, **signed_headers(party, payload, key, chain=chain))
    body = assert_rejected(response, before, 401, "signature.certificate_rejected")
    assert [(e["code"], e["pointer"]) for e in body["errors"]] == [(reason, "header:X-SW-Signature")]
    return body


def test_certificate_from_a_foreign_ca(client: Client, world: testing.World) -> None:
    foreign = pki.create_root_ca("Foreign Root CA")
    key = extra_certificate(world, "trader_a", issuer=foreign)
    body = _certificate_refusal(
        client,
        world,
        key,
        "signature.certificate_untrusted",
        chain=[key.certificate, foreign.certificate],
    )
    assert body["errors"][0]["message"]["zh-Hant"] == "憑證不是由受信任的憑證機構簽發。"


def test_certificate_from_an_impostor_root_with_the_trusted_name(client: Client, world: testing.World) -> None:
    trusted_name = world.root.certificate.subject.rfc4514_string().removeprefix("CN=")
    impostor = pki.create_root_ca(trusted_name)
    assert impostor.certificate.subject == world.root.certificate.subject
    key = extra_certificate(world, "trader_a", issuer=impostor)
    _certificate_refusal(client, world, key, "signature.certificate_untrusted")


def test_expired_certificate(client: Client, world: testing.World) -> None:
    key = extra_certificate(world, "trader_a", not_before=datetime.now(UTC) - timedelta(days=3), valid_days=1)
    _certificate_refusal(client, world, key, "signature.certificate_expired")


def test_not_yet_valid_certificate(client: Client, world: testing.World) -> None:
    key = extra_certificate(world, "trader_a", not_before=datetime.now(UTC) + timedelta(days=2))
    _certificate_refusal(client, world, key, "signature.certificate_not_yet_valid")


def test_encipherment_only_certificate(client: Client, world: testing.World) -> None:
    key = extra_certificate(world, "trader_a", key_usage="encipherment")
    _certificate_refusal(client, world, key, "signature.certificate_key_usage")


def test_revoked_certificate(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    first = testing.encode(testing.declaration())
    assert post_bytes(client, party, first, client_reference="before-revocation").status_code == 201
    registry.revoke_certificate(
        serial=pki.serial_hex(party.key.certificate).upper(), reason="key compromise", actor=SYSTEM
    )
    trust.invalidate()
    payload = testing.encode(testing.declaration(reference="REF-2"))
    before = snapshot()
    response = post_bytes(client, party, payload, client_reference="after-revocation")
    assert_rejected(response, before, 401, "signature.certificate_rejected")
    assert json.loads(response.content)["errors"][0]["code"] == "signature.certificate_revoked"


def test_valid_certificate_of_another_organisation(client: Client, world: testing.World) -> None:
    """trader_b signs with its own valid certificate but authenticates as trader_a."""
    trader_a, trader_b = world["trader_a"], world["trader_b"]
    payload = testing.encode(testing.declaration())
    headers = signed_headers(trader_a, payload, trader_b.key)
    before = snapshot()
    body = assert_rejected(
        client.post(URL, data=payload, **headers),
        before,
        401,
        "signature.certificate_not_registered",
    )
    assert trader_a.code in body["detail"]


def test_valid_but_unregistered_certificate(client: Client, world: testing.World) -> None:
    key = extra_certificate(world, "trader_a", register=False)
    payload = testing.encode(testing.declaration())
    before = snapshot()
    response = client.post(URL, data=payload, **signed_headers(world["trader_a"], payload, key))
    assert_rejected(response, before, 401, "signature.certificate_not_registered")


# --- idempotency ----------------------------------------------------------------------------


def test_client_reference_reused_for_other_content(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    original_payload = testing.encode(testing.declaration())
    first = post_bytes(client, party, original_payload, client_reference="c-1")
    assert first.status_code == 201
    original = Message.objects.get()
    original_state = (
        bytes(original.payload),
        original.payload_sha256,
        original.received_at,
        original.evidence_seq,
    )
    altered = testing.encode(testing.declaration(reference="REF-ALTERED"))
    before = snapshot()
    response = post_bytes(client, party, altered, client_reference="c-1")
    body = assert_rejected(response, before, 409, "envelope.client_reference_reused", client_reference="c-1")
    assert str(original.id) in body["detail"]
    original.refresh_from_db()
    assert (
        bytes(original.payload),
        original.payload_sha256,
        original.received_at,
        original.evidence_seq,
    ) == original_state
    # the original bytes under the same reference still answer with the original receipt
    again = post_bytes(client, party, original_payload, client_reference="c-1")
    assert again.status_code == 200
    assert again.json() == first.json()


def test_client_reference_reused_for_another_message_type(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    payload = testing.encode(testing.declaration())
    assert post_bytes(client, party, payload, client_reference="c-1").status_code == 201
    before = snapshot()
    # the same bytes, same reference, but now declared (and validly signed) as an export
    response = post_bytes(client, party, payload, client_reference="c-1", message_type=EXPORT)
    assert_rejected(response, before, 409, "envelope.client_reference_reused")


def test_client_references_are_per_sender(client: Client, world: testing.World) -> None:
    assert post_doc(client, world["trader_a"], testing.declaration(), client_reference="shared").status_code == 201
    document = testing.declaration(ucr="6TW30000007-IMP0001", declarant="30000007", importer="30000007")
    assert post_doc(client, world["trader_b"], document, client_reference="shared").status_code == 201
    assert Message.objects.filter(client_reference="shared").count() == 2


# --- consignments -------------------------------------------------------------------------


def test_a_message_on_another_organisations_consignment(client: Client, world: testing.World) -> None:
    assert post_doc(client, world["trader_a"], testing.declaration(), client_reference="mine").status_code == 201
    before = snapshot()
    document = testing.declaration(declarant="30000007", importer="30000007")  # trader A's UCR
    body = assert_rejected(post_doc(client, world["trader_b"], document, client_reference="theirs"), before, 403,
                           "consignment.not_a_party", client_reference="theirs")
    assert "6TW30000002-IMP0001 carries another organisation's business ID" in body["detail"]
    assert "t-trader-a" not in json.dumps(body)
    assert client.get("/api/v1/consignments/6TW30000002-IMP0001/timeline", **world["trader_b"].auth()
                      ).status_code == 404


# --- authentication -------------------------------------------------------------------------


def _auth_refused(response: Any, before: dict[str, int]) -> None:
    body = check_problem(response, 401, "auth.required")
    assert body["errors"][0]["pointer"] == "header:Authorization"
    assert_nothing_changed(before)


@pytest.mark.parametrize(
    "authorization",
    [None, "Bearer sw_not-a-real-token", "Bearer ", "Basic dXNlcjpwYXNz", "Bearer " + "x" * 500],
    ids=["none", "unknown", "empty", "basic", "overlong"],
)
def test_missing_or_invalid_token(client: Client, world: testing.World, authorization: str | None) -> None:
    payload = testing.encode(testing.declaration())
    headers = testing.submit_headers(world["trader_a"], payload)
    del headers["HTTP_AUTHORIZATION"]
    if authorization is not None:
        headers["HTTP_AUTHORIZATION"] = authorization
    before = snapshot()
    _auth_refused(client.post(URL, data=payload, **headers), before)


def test_deactivated_token(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    ApiToken.objects.filter(organisation=party.organisation).update(is_active=False)
    before = snapshot()
    _auth_refused(post_doc(client, party, testing.declaration()), before)
    _auth_refused(client.get("/api/v1/mailbox", **party.auth()), before)


def test_token_of_a_deactivated_organisation(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    Organisation.objects.filter(pk=party.organisation.pk).update(is_active=False)
    before = snapshot()
    _auth_refused(post_doc(client, party, testing.declaration()), before)


def test_bad_token_on_post_from_a_csrf_enforcing_client_is_401(world: testing.World) -> None:
    """A system without cookies that sends a wrong token gets 401, not a CSRF complaint."""
    client = Client(enforce_csrf_checks=True)  # like any real HTTP client
    payload = testing.encode(testing.declaration())
    headers = testing.submit_headers(world["trader_a"], payload)
    headers["HTTP_AUTHORIZATION"] = "Bearer sw_revoked-or-mistyped"
    before = snapshot()
    _auth_refused(client.post(URL, data=payload, **headers), before)


# --- the simple service, by token and by session ---------------------------------------------


def test_simple_service_accepts_an_unsigned_message_by_token(client: Client, world: testing.World) -> None:
    party = world["trader_a"]
    response = post_doc(client, party, export_declaration(), message_type=EXPORT, signed=False)
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["receipt"]["message_id"])
    assert message.signature == "" and message.signer_fingerprint == ""
    assert message.sent_by.startswith(f"{party.code} token:")
    assert [d.recipient.code for d in message.deliveries.all()] == ["t-customs-kel"]
    shown = client.get(f"/api/v1/messages/{message.id}", **party.auth()).json()
    assert shown["signed"] is False


def _session_client(world: testing.World, name: str) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(User.objects.get(username=world[name].username))
    return client


def test_simple_service_accepts_an_unsigned_message_from_a_logged_in_user(
    world: testing.World,
) -> None:
    client = _session_client(world, "trader_a")
    client.cookies["csrftoken"] = CSRF_TOKEN
    payload = testing.encode(export_declaration())
    response = client.post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_X_SW_MESSAGE_TYPE=EXPORT,
        HTTP_X_SW_CLIENT_REFERENCE="portal-1",
        HTTP_X_CSRFTOKEN=CSRF_TOKEN,
    )
    assert response.status_code == 201, response.content
    message = Message.objects.get(pk=response.json()["receipt"]["message_id"])
    assert message.sender == world["trader_a"].organisation
    assert message.sent_by == "t-trader-a user:trader_a"


def test_logged_in_user_may_not_skip_the_signature_of_a_certificate_based_service(
    world: testing.World,
) -> None:
    client = _session_client(world, "trader_a")
    client.cookies["csrftoken"] = CSRF_TOKEN
    payload = testing.encode(testing.declaration())
    before = snapshot()
    response = client.post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_X_SW_MESSAGE_TYPE=IMPORT,
        HTTP_X_SW_CLIENT_REFERENCE="portal-1",
        HTTP_X_CSRFTOKEN=CSRF_TOKEN,
    )
    assert_rejected(response, before, 401, "signature.required")


@pytest.mark.parametrize("csrf", ["none", "cookie-only", "wrong-header"])
def test_session_post_without_a_valid_csrf_token_is_refused(world: testing.World, csrf: str) -> None:
    client = _session_client(world, "trader_a")
    extra: dict[str, str] = {}
    if csrf != "none":
        client.cookies["csrftoken"] = CSRF_TOKEN
    if csrf == "wrong-header":
        extra["HTTP_X_CSRFTOKEN"] = CSRF_TOKEN[::-1]
    payload = testing.encode(export_declaration())
    before = snapshot()
    response = client.post(
        URL,
        data=payload,
        content_type="application/json",
        HTTP_X_SW_MESSAGE_TYPE=EXPORT,
        HTTP_X_SW_CLIENT_REFERENCE="portal-1",
        **extra,
    )
    check_problem(response, 403, "http.error")
    assert "CSRF" in json.loads(response.content)["detail"]
    assert_nothing_changed(before)
