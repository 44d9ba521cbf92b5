"""The message implementation guide on the portal: public, bilingual, the same rows as the docs."""

from __future__ import annotations

import html

import pytest
from django.test import Client

from singlewindow.datamodel.datasets import DATA_SET_TITLES, DATA_SETS
from singlewindow.datamodel.guide import section
from singlewindow.datamodel.validation.catalogue import CATALOGUE
from singlewindow.exchange.errors import ExchangeErrorCode

pytestmark = pytest.mark.django_db


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def page(client: Client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def test_the_index_lists_every_data_set_in_both_languages_with_its_schema(client):
    body = page(client, "/guide/")
    assert "<h1>訊息建置指引</h1>" in body
    for name, (title_en, title_zh) in DATA_SET_TITLES.items():
        assert f'href="/guide/{name}/"' in body and f'href="/api/v1/schemas/{name}"' in body
        assert title_en in body and title_zh in body
    assert 'href="/guide/errors/"' in body and 'href="/api/v1/schemas"' in body
    assert f"{len(section('import_declaration').rows)} 個欄位" in body


def test_the_index_in_english(client):
    body = page(english(client), "/guide/")
    assert "<h1>Message implementation guide</h1>" in body and 'lang="en"' in body
    assert f"{len(section('cargo_manifest').rows)} elements" in body
    assert "Error codes" in body and "訊息建置指引" not in body.split("<main", 1)[1]


def test_a_data_set_page_shows_every_element_with_its_paths(client):
    body = page(client, "/guide/import_declaration/")
    assert "進口報單" in body and "Import declaration" in body
    assert "<th scope=\"col\">JSON 路徑</th>" in body and "<th scope=\"col\">出現次數</th>" in body
    rows = section("import_declaration").rows
    assert body.count('<tr data-depth="') == len(rows)
    # paths may wrap after a slash on wide screens, and nowhere else
    assert "<code>/<wbr>goodsShipment/<wbr>governmentAgencyGoodsItem/<wbr>*/<wbr>commodity/<wbr>" in body
    flat = body.replace("<wbr>", "")
    assert "<code>/goodsShipment/governmentAgencyGoodsItem/*/commodity/classification/*/id</code>" in flat
    xml_path = "/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem/Commodity/Classification/ID"
    assert f"<code>{xml_path}</code>" in flat
    assert 'href="/api/v1/codelists/hs2022">hs2022</a>' in body
    assert "code: <code>9</code>, <code>13</code>, <code>1</code>" in body
    assert 'href="/api/v1/schemas/import_declaration"' in body


def test_a_data_set_page_in_english(client):
    body = page(english(client), "/guide/cargo_manifest/")
    assert '<th scope="col">JSON path</th>' in body and '<th scope="col">Card.</th>' in body
    assert "Cargo manifest" in body and "艙單" in body  # both titles, the page language first
    assert body.index("Cargo manifest") < body.index("艙單")


def test_a_data_set_the_xml_codec_does_not_carry_says_so(client):
    carried = {name for name in DATA_SETS if section(name).xml_root}
    assert "import_declaration" in carried and "customs_response" in carried
    not_carried = sorted(set(DATA_SETS) - carried)
    assert not_carried, "every data set has an XML root: drop this test's premise"
    assert "請以 JSON 傳送" in page(client, f"/guide/{not_carried[0]}/")


def test_an_unknown_data_set_is_the_portal_404(client):
    response = client.get("/guide/import_declarations/")
    assert response.status_code == 404 and "找不到" in response.content.decode()


def test_the_error_catalogue_lists_every_code_in_both_languages(client):
    body = page(client, "/guide/errors/")
    for code, (_, en, zh) in CATALOGUE.items():
        assert f'data-code="{code}"' in body and en in body and zh in body
    assert f'data-code="{ExchangeErrorCode.SIGNATURE_INVALID}"' in body and "電子簽章驗證失敗" in body
    assert "<span>邏輯</span>" in body  # the layer, in the page language
    assert "<span>Business rule</span>" in page(english(client), "/guide/errors/")


def test_the_guide_is_public_and_linked_from_every_page(client, world):
    assert 'href="/guide/"' in page(client, "/")
    assert client.login(username="trader_a", password="pw-trader_a-12345")
    assert 'href="/guide/"' in page(client, "/consignments/")
    client.logout()
    for url in ("/guide/", "/guide/errors/", "/guide/permit_decision/"):
        assert client.get(url).status_code == 200, url
