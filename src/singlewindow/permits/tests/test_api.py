"""The G2G API: who may verify, restore, read and change a permit; the signed answer; bad input."""

from __future__ import annotations

import json
from decimal import Decimal
from typing import Any

import pytest
from cryptography.hazmat.primitives import serialization

from singlewindow.exchange import jws
from singlewindow.exchange.canonical import canonical_json
from singlewindow.exchange.identity import signing_identity
from singlewindow.permits.models import Permit, PermitLine, WriteOff
from singlewindow.permits.tests.conftest import G2G

API = "/api/v1/permits"
REQUEST = {"permit_number": "TP-0001", "agency": "t-agency", "holder": "30000002", "hs_code": "84713000",
           "quantity": "10", "unit": "PCE", "declaration_reference": "TWKEL2600000009", "item_sequence": 1}
# who may read a permit of t-agency held by trader_a
READERS = {"agency": 200, "trader_a": 200, "customs": 200, "customs_2": 200, "trader_b": 404, "broker": 404,
           "bank": 404}


def post(client: Any, path: str, body: Any, **auth: str) -> Any:
    return client.post(f"{API}{path}", data=json.dumps(body), content_type="application/json", **auth)


def balance(permit: Permit) -> Decimal:
    return PermitLine.objects.get(permit=permit, sequence=1).balance


def der(certificate: Any) -> bytes:
    return bytes(certificate.public_bytes(serialization.Encoding.DER))


def test_customs_gets_an_answer_signed_by_the_single_window(client: Any, g2g: G2G, permit: Permit) -> None:
    response = post(client, "/verify", REQUEST, **g2g.world["customs"].auth())
    assert response.status_code == 200
    body = response.json()
    assert body["result"]["outcome"] == "ok" and body["result"]["balance"] == "15" and body["replayed"] is False
    verified = jws.verify_detached(body["signature"], canonical_json(body["result"]))
    assert der(verified.chain[0]) == der(signing_identity().certificate)
    tampered = {**body["result"], "balance": "25"}
    with pytest.raises(jws.SignatureError):
        jws.verify_detached(body["signature"], canonical_json(tampered))


def test_a_retry_over_http_is_the_same_signed_answer(client: Any, g2g: G2G, permit: Permit) -> None:
    first = post(client, "/verify", REQUEST, **g2g.world["customs"].auth()).json()
    again = post(client, "/verify", REQUEST, **g2g.world["customs"].auth()).json()
    assert again["replayed"] is True and (again["result"], again["signature"]) == (first["result"], first["signature"])
    assert balance(permit) == 15


def test_a_refusal_is_a_signed_answer_too(client: Any, g2g: G2G, permit: Permit) -> None:
    body = post(client, "/verify", {**REQUEST, "quantity": "26"}, **g2g.world["customs"].auth()).json()
    assert (body["result"]["outcome"], body["result"]["code"]) == ("refused", "permit.over_quantity")
    jws.verify_detached(body["signature"], canonical_json(body["result"]))


@pytest.mark.parametrize("party", ["trader_a", "agency", "broker", "bank"])
def test_only_customs_offices_verify_and_restore(client: Any, g2g: G2G, permit: Permit, party: str) -> None:
    auth = g2g.world[party].auth()
    refused = post(client, "/verify", REQUEST, **auth)
    assert refused.status_code == 403 and refused["Content-Type"] == "application/problem+json"
    assert refused.json()["code"] == "permits.not_customs_office"
    assert post(client, "/restore", {"declaration_reference": "X"}, **auth).status_code == 403
    assert balance(permit) == 25 and not WriteOff.objects.exists()


def test_without_credentials_nothing_is_answered(client: Any, g2g: G2G, permit: Permit) -> None:
    assert post(client, "/verify", REQUEST).status_code == 401
    assert client.get(f"{API}/t-agency/TP-0001").status_code == 401


@pytest.mark.parametrize("change", [
    {"hs_code": "8471ab00"}, {"hs_code": "8471"}, {"quantity": "-1"}, {"quantity": "0"}, {"quantity": "abc"},
    {"quantity": "1.0000001"}, {"quantity": "1" * 17}, {"unit": "PIECES"}, {"item_sequence": 100000},
    {"permit_number": ""}, {"declaration_reference": "x" * 71}, {"holder": "1" * 18}, {"on": "yesterday"},
    {"on": "2026-01-01T00:00:00"},  # a time without its zone
    {"extra": 1, "permit_number": None},
])
def test_bad_input_is_422_and_changes_nothing(client: Any, g2g: G2G, permit: Permit, change: dict[str, Any]) -> None:
    response = post(client, "/verify", {**REQUEST, **change}, **g2g.world["customs"].auth())
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert balance(permit) == 25 and not WriteOff.objects.exists()


def test_a_body_that_is_not_json_is_422(client: Any, g2g: G2G, permit: Permit) -> None:
    response = client.post(f"{API}/verify", data=b"\xff{", content_type="application/json",
                           **g2g.world["customs"].auth())
    assert response.status_code in (400, 422) and balance(permit) == 25


@pytest.mark.parametrize(("party", "status"), sorted(READERS.items()))
def test_who_reads_a_permit(client: Any, g2g: G2G, permit: Permit, party: str, status: int) -> None:
    post(client, "/verify", REQUEST, **g2g.world["customs"].auth())
    response = client.get(f"{API}/t-agency/TP-0001", **g2g.world[party].auth())
    assert response.status_code == status
    if status == 200:
        body = response.json()
        assert body["lines"] == [{"sequence": 1, "hs_code": "847130", "description": "goods 1", "unit": "PCE",
                                  "granted": "25", "balance": "15"}]
        assert [(w["declaration_reference"], w["quantity"], w["state"]) for w in body["write_offs"]] == [
            ("TWKEL2600000009", "10", "written_off")]
    else:
        assert response.json()["code"] == "permits.not_found"


def test_an_unknown_permit_is_404(client: Any, g2g: G2G, permit: Permit) -> None:
    assert client.get(f"{API}/t-agency/NOPE", **g2g.world["agency"].auth()).status_code == 404


def test_customs_restores_a_cancelled_declaration(client: Any, g2g: G2G, permit: Permit) -> None:
    auth = g2g.world["customs"].auth()
    post(client, "/verify", REQUEST, **auth)
    restored = post(client, "/restore", {"declaration_reference": "TWKEL2600000009"}, **auth).json()
    assert restored == [{"permit": "TP-0001", "agency": "t-agency", "line": 1, "item_sequence": 1, "quantity": "10",
                         "unit": "PCE"}]
    assert post(client, "/restore", {"declaration_reference": "TWKEL2600000009"}, **auth).json() == []
    assert balance(permit) == 25


def test_the_agency_suspends_its_permit_and_customs_is_refused(client: Any, g2g: G2G, permit: Permit) -> None:
    suspended = post(client, "/t-agency/TP-0001/status", {"status": "suspended", "reason": "audit"},
                     **g2g.world["agency"].auth())
    assert suspended.status_code == 200 and suspended.json()["status"] == "suspended"
    body = post(client, "/verify", REQUEST, **g2g.world["customs"].auth()).json()
    assert body["result"]["code"] == "permit.suspended"


@pytest.mark.parametrize(("party", "status"), [("trader_a", 403), ("customs", 403), ("trader_b", 404)])
def test_nobody_else_changes_a_permits_status(client: Any, g2g: G2G, permit: Permit, party: str, status: int) -> None:
    response = post(client, "/t-agency/TP-0001/status", {"status": "revoked"}, **g2g.world[party].auth())
    assert response.status_code == status
    permit.refresh_from_db()
    assert permit.status == "active"
