"""The public service catalogue page: counts, filters, search, both languages, hostile queries."""

from __future__ import annotations

import html
import re
from collections import Counter
from datetime import timedelta

import pytest
from django.test import Client
from django.utils import translation

from singlewindow.portal.templatetags.portal_tags import processing_time
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.catalogue import AGENCIES, SERVICES
from singlewindow.registry.models import Organisation, Service
from singlewindow.registry.services import define_service, load_catalogue

pytestmark = pytest.mark.django_db

CARD = re.compile(r'<li class="card service" data-service="([a-z0-9-]+)" data-kind="([a-z]+)"')


@pytest.fixture
def catalogue_loaded(db: None) -> None:
    load_catalogue(actor=SYSTEM)


def english(client: Client) -> Client:
    client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    return client


def page(client: Client, url: str = "/services/", **headers: str) -> str:
    response = client.get(url, **headers)
    assert response.status_code == 200, url
    return html.unescape(response.content.decode())


def cards(body: str) -> dict[str, str]:
    return dict(CARD.findall(body))


def count(body: str, name: str) -> int:
    found = re.search(rf'data-count="{name}"><dt>[^<]+</dt><dd>(\d+)</dd>', body)
    assert found, name
    return int(found.group(1))


def test_the_counts_are_at_the_top_in_chinese(client, catalogue_loaded):
    body = page(client)
    assert "<h1>服務目錄</h1>" in body
    assert count(body, "agencies") == len(AGENCIES) and count(body, "services") == len(SERVICES)
    certificate = sum(1 for s in SERVICES if s.security == Service.Security.CERTIFICATE)
    assert count(body, "certificate") == certificate and count(body, "simple") == len(SERVICES) - certificate
    assert "<dt>憑證簽章</dt>" in body and "<dt>機關</dt>" in body
    for kind, number in Counter(s.kind for s in SERVICES).items():
        chip = rf'data-kind="{kind}"><a href="\?kind={kind}#results">[^<]+<span class="count">{number}</span>'
        assert re.search(chip, body), kind
    assert len(cards(body)) == len(SERVICES)
    assert f"顯示 {len(SERVICES)} 項服務（共 {len(SERVICES)} 項）" in body


def test_each_service_shows_what_a_caller_needs_to_know(client, catalogue_loaded):
    body = page(client, "/services/?q=business_registration.check")
    assert set(cards(body)) == {"commerce-business-registration", "tfda-food-business-check"}
    card = body.split('data-service="commerce-business-registration"', 1)[1].split("</li>", 1)[0]
    assert "商工登記查詢" in card and "Business registration check (商工登記)" in card  # both names
    assert "<dd>經濟部商業發展署</dd>" in card and "<code>business_registration.check</code>" in card
    assert "查核比對" in card and "一般" in card and "<dd>1 分鐘</dd>" in card
    senders = card.split('data-direction="send">', 1)[1].split("</dd>", 1)[0]
    receivers = card.split('data-direction="receive">', 1)[1].split("</dd>", 1)[0]
    assert "海關" in senders and "簽審機關" in senders and "港務機關" in senders
    assert receivers == "<span>經濟部商業發展署</span>"


def test_the_page_in_english(client, catalogue_loaded):
    body = page(english(client), "/services/?agency=tw-bsmi")
    assert "<h1>Service catalogue</h1>" in body and "<dt>Certificate-based</dt>" in body
    assert "Inspection result lookup" in body and "檢驗結果查核" in body  # the other language beneath
    assert body.index("Inspection result lookup") < body.index("檢驗結果查核")
    assert "<dd>Bureau of Standards, Metrology and Inspection</dd>" in body and "<dd>5 days</dd>" in body
    assert "7 of 131 services shown" in body.replace(str(len(SERVICES)), "131")
    assert "May receive" in body and "Customs office" in body


def test_filter_by_agency_and_by_kind(client, catalogue_loaded):
    tfda = {s.code for s in SERVICES if s.owner == "tw-tfda"}
    body = page(client, "/services/?agency=tw-tfda")
    assert set(cards(body)) == tfda
    assert '<option value="tw-tfda" selected>衛生福利部食品藥物管理署 (9)</option>' in body
    assert count(body, "services") == len(SERVICES)  # the figures stay those of the whole catalogue
    permits = {s.code for s in SERVICES if s.kind == "permit"}
    assert set(cards(page(client, "/services/?kind=permit"))) == permits
    both = page(client, "/services/?agency=tw-tfda&kind=permit")
    assert set(cards(both)) == tfda & permits and set(cards(both).values()) == {"permit"}


def test_search_matches_names_summaries_codes_and_agencies_in_either_language(client, catalogue_loaded):
    assert "commerce-business-registration" in cards(page(client, "/services/?q=商工登記"))
    quarantine = set(cards(page(client, "/services/?q=QUARANTINE")))
    assert {"aphia-import-quarantine", "aphia-quarantine-lookup", "cdc-free-pratique"} <= quarantine
    assert set(cards(page(client, "/services/?q=permit_lookup"))) == {"trade-permit-lookup"}
    assert set(cards(page(client, "/services/?q=漁業署"))) == {s.code for s in SERVICES if s.owner == "tw-fisheries"}
    narrowed = set(cards(page(client, "/services/?q=quarantine+lookup")))  # every word must match
    assert "aphia-quarantine-lookup" in narrowed and "aphia-import-quarantine" not in narrowed


def test_nothing_matching_says_so_and_offers_to_clear(client, catalogue_loaded):
    body = page(client, "/services/?agency=tw-dgbas&kind=permit")
    assert cards(body) == {} and "沒有符合條件的服務。" in body and 'href="/services/">清除篩選</a>' in body


def test_hostile_queries_are_bounded_and_ignored_not_errors(client, catalogue_loaded):
    everything = len(SERVICES)
    assert len(cards(page(client, "/services/?kind=gossip&agency=nowhere"))) == everything
    response = client.get("/services/", {"q": "x" * 100_000, "agency": "<script>alert(1)</script>"})
    assert response.status_code == 200
    raw = response.content.decode()
    assert "<script>alert(1)" not in raw
    search_box = re.search(r'<input type="search" name="q" id="filter-q" value="(x*)"', raw)
    assert search_box and len(search_box.group(1)) == 100
    assert page(client, "/services/?q=%27%22--").count('class="card service"') == 0
    # a NUL character is refused at the door, before any query (``singlewindow.boundary``)
    assert client.get("/services/?q=%00%27%22--").status_code == 400


def test_htmx_gets_only_the_list(client, catalogue_loaded):
    body = page(client, "/services/?kind=batch", HTTP_HX_REQUEST="true")
    assert body.startswith('<section id="results"') and "<html" not in body
    assert set(cards(body).values()) == {"batch"}


def test_the_page_is_public_linked_from_the_nav_and_reads_in_a_fixed_number_of_queries(
        client, catalogue_loaded, django_assert_num_queries):
    assert 'href="/services/">服務目錄</a>' in page(client, "/")
    with django_assert_num_queries(2):  # the services with their owners, then every grant
        client.get("/services/")


def test_a_service_registered_outside_the_catalogue_is_listed_as_other(client, catalogue_loaded):
    owner = Organisation.objects.get(code="tw-bsmi")
    define_service(code="bsmi-pilot", name_en="Pilot exchange", owner=owner, message_type="pilot.exchange",
                   security=Service.Security.SIMPLE, processing_time=timedelta(hours=4), actor=SYSTEM)
    body = page(client, "/services/?kind=other")
    assert cards(body) == {"bsmi-pilot": "other"} and "<dd>4 小時</dd>" in body and "<dd>—</dd>" not in body


def test_an_empty_registry_shows_zeros(client):
    body = page(client)
    assert count(body, "agencies") == 0 and count(body, "services") == 0 and "沒有符合條件的服務。" in body


@pytest.mark.parametrize(("value", "en", "zh"), [
    (timedelta(minutes=5), "5 min", "5 分鐘"), (timedelta(hours=4), "4 h", "4 小時"),
    (timedelta(days=1), "1 day", "1 天"), (timedelta(days=30), "30 days", "30 天"),
    (timedelta(minutes=90), "90 min", "90 分鐘"),
])
def test_processing_times_read_in_their_own_unit(value, en, zh):
    with translation.override("en"):
        assert processing_time(value) == en
    with translation.override("zh-hant"):
        assert processing_time(value) == zh
