"""The public code list API: lists with counts, paged and searchable codes, problem+json errors."""

import pytest

from singlewindow.codelists.models import CodeValue

pytestmark = pytest.mark.django_db


def test_the_lists_are_public_and_carry_version_and_size(client, small_lists):
    response = client.get("/api/v1/codelists")
    assert response.status_code == 200
    lists = {item["name"]: item for item in response.json()}
    assert set(lists) == {r.name for r in small_lists}
    assert lists["transport_mode"]["count"] == 10
    assert lists["unit"]["count"] == CodeValue.objects.filter(code_list__name="unit").count()
    assert lists["country"]["title_zh"] and lists["country"]["version"].startswith("pycountry")


def test_the_lists_endpoint_answers_in_constant_queries(client, small_lists, django_assert_max_num_queries):
    with django_assert_max_num_queries(2):
        assert client.get("/api/v1/codelists").status_code == 200


def test_a_page_of_codes_answers_in_constant_queries(client, small_lists, django_assert_max_num_queries):
    with django_assert_max_num_queries(3):
        assert len(client.get("/api/v1/codelists/country", {"size": 200}).json()["items"]) == 200


def test_codes_come_in_pages_in_code_order(client, small_lists):
    first = client.get("/api/v1/codelists/country", {"size": 10}).json()
    total = CodeValue.objects.filter(code_list__name="country").count()
    assert first["total"] == total and first["pages"] == -(-total // 10)
    assert [item["code"] for item in first["items"]] == sorted(item["code"] for item in first["items"])
    second = client.get("/api/v1/codelists/country", {"size": 10, "page": 2}).json()
    assert len(second["items"]) == 10 and second["items"][0]["code"] > first["items"][-1]["code"]
    beyond = client.get("/api/v1/codelists/country", {"size": 10, "page": 999}).json()
    assert beyond["items"] == [] and beyond["total"] == total


def test_search_matches_a_code_prefix_or_either_name(client, small_lists):
    by_prefix = client.get("/api/v1/codelists/customs_office", {"q": "TWK"}).json()
    assert {item["code"] for item in by_prefix["items"]} == {"TWKEL", "TWKHH"}
    by_english = client.get("/api/v1/codelists/currency", {"q": "taiwan"}).json()
    assert [item["code"] for item in by_english["items"]] == ["TWD"]
    by_chinese = client.get("/api/v1/codelists/country", {"q": "臺灣"}).json()
    assert [(item["code"], item["name_zh"]) for item in by_chinese["items"]] == [("TW", "臺灣")]


def test_hs_codes_carry_their_parent(client, all_lists):
    page = client.get("/api/v1/codelists/hs2022", {"q": "851090"}).json()
    assert page["items"][0]["code"] == "851090" and page["items"][0]["parent"] == "8510"
    assert page["items"][0]["attributes"]["level"] == 6


def test_the_page_size_is_bounded(client, small_lists):
    response = client.get("/api/v1/codelists/country", {"size": 5000})
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert client.get("/api/v1/codelists/country", {"size": 200}).json()["size"] == 200


def test_an_unknown_list_is_a_404_problem(client, small_lists):
    response = client.get("/api/v1/codelists/planets")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == "codelist.unknown_list" and body["status"] == 404
    assert body["errors"][0]["message"]["zh-Hant"] == "查無此代碼表"
