"""Intake validates coded values against the loaded lists, and sees a list change at once."""

import pytest

from singlewindow import testing
from singlewindow.codelists import services
from singlewindow.codelists.models import CodeValue

pytestmark = pytest.mark.django_db


def post(client, party, document, reference="c-1"):
    payload = testing.encode(document)
    return client.post("/api/v1/messages", data=payload,
                       **testing.submit_headers(party, payload, client_reference=reference))


def test_a_declaration_with_known_codes_is_received(client, world, all_lists):
    response = post(client, world["trader_a"], testing.declaration())
    assert response.status_code == 201, response.content


def test_a_code_retired_from_its_list_is_refused_with_a_pointer(client, world, all_lists):
    # given the declaration's package type is no longer in the list
    document = testing.declaration()
    code = document["goodsShipment"]["governmentAgencyGoodsItem"][0]["packaging"][0]["typeCode"]
    row = CodeValue.objects.get(code_list__name="package_type", code=code)
    row.delete()
    services.code_values_edited(code_list_ids=[row.code_list_id])
    # when it is submitted
    response = post(client, world["trader_a"], document)
    # then intake refuses it, naming the field
    assert response.status_code == 422
    errors = response.json()["errors"]
    assert [e["code"] for e in errors] == ["codelist.unknown_code"]
    assert errors[0]["pointer"].endswith("/packaging/0/typeCode")
