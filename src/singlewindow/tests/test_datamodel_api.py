"""The published JSON Schemas: one per data set, public, cacheable, and true to the data sets."""

from __future__ import annotations

import re
from typing import Any

import pytest

from singlewindow.datamodel import samples
from singlewindow.datamodel.datasets import DATA_SET_TITLES, DATA_SETS
from singlewindow.datamodel.guide import section

SCHEMA_MEDIA_TYPE = "application/schema+json"

# ------------------------------------------------------------------ a small JSON Schema checker
# jsonschema is not a dependency; this covers exactly the keywords pydantic writes for our models
# and fails loudly on any other, so a schema keyword it does not understand cannot pass unseen.

_TYPES = {
    "object": lambda v: isinstance(v, dict),
    "array": lambda v: isinstance(v, list),
    "string": lambda v: isinstance(v, str),
    "integer": lambda v: isinstance(v, int) and not isinstance(v, bool),
    "number": lambda v: isinstance(v, int | float) and not isinstance(v, bool),
    "boolean": lambda v: isinstance(v, bool),
    "null": lambda v: v is None,
}
_IGNORED = {"title", "description", "default", "format", "$schema", "$id", "$defs"}


def violations(schema: dict[str, Any], value: Any, root: dict[str, Any], where: str = "") -> list[str]:
    """Every way ``value`` breaks ``schema``, with JSON pointers; empty when it is valid."""
    found: list[str] = []
    for keyword, rule in schema.items():
        if keyword in _IGNORED:
            continue
        if keyword == "$ref":
            found += violations(root["$defs"][rule.removeprefix("#/$defs/")], value, root, where)
        elif keyword == "anyOf":
            found += _any_of(rule, value, root, where)
        elif keyword == "enum":
            if value not in rule:
                found.append(f"{where}: {value!r} not in {rule}")
        elif keyword == "type":
            if not _TYPES[rule](value):
                found.append(f"{where}: not {rule}")
        elif keyword in _CHECKS:
            if _CHECKS[keyword](rule, value):
                found.append(f"{where}: breaks {keyword} {rule}")
        elif keyword in ("properties", "additionalProperties", "required", "items"):
            found += _nested(keyword, schema, value, root, where)
        else:
            raise AssertionError(f"the test checker does not know the keyword {keyword!r}")
    return found


def _any_of(options: list[dict[str, Any]], value: Any, root: dict[str, Any], where: str) -> list[str]:
    """Valid if one option holds; otherwise the faults under the option of the value's own type."""
    faults = [violations(option, value, root, where) for option in options]
    if any(not fault for fault in faults):
        return []
    same_type = [fault for fault in faults if not any(f == f"{where}: not {t}" for f in fault for t in _TYPES)]
    return same_type[0] if same_type else [f"{where}: matches none of anyOf"]


def _nested(keyword: str, schema: dict[str, Any], value: Any, root: dict[str, Any], where: str) -> list[str]:
    rule = schema[keyword]
    if keyword == "items":
        items = value if isinstance(value, list) else []
        return [p for i, item in enumerate(items) for p in violations(rule, item, root, f"{where}/{i}")]
    if not isinstance(value, dict):
        return []
    if keyword == "properties":
        return [p for name, sub in rule.items() if name in value for p in violations(sub, value[name], root,
                                                                                     f"{where}/{name}")]
    if keyword == "additionalProperties":
        allowed = schema.get("properties", {})
        return [f"{where}/{name}: not allowed" for name in value if rule is False and name not in allowed]
    return [f"{where}/{name}: required" for name in rule if name not in value]


def _is_number(value: Any) -> bool:
    return _TYPES["number"](value)


# keyword -> whether (rule, value) breaks it; values of another type are the "type" keyword's business
_CHECKS: dict[str, Any] = {
    "minLength": lambda rule, v: isinstance(v, str) and len(v) < rule,
    "maxLength": lambda rule, v: isinstance(v, str) and len(v) > rule,
    "pattern": lambda rule, v: isinstance(v, str) and re.search(rule, v) is None,
    "minItems": lambda rule, v: isinstance(v, list) and len(v) < rule,
    "maxItems": lambda rule, v: isinstance(v, list) and len(v) > rule,
    "minimum": lambda rule, v: _is_number(v) and v < rule,
    "maximum": lambda rule, v: _is_number(v) and v > rule,
    "exclusiveMinimum": lambda rule, v: _is_number(v) and v <= rule,
}


# ------------------------------------------------------------------ the API


def test_the_list_names_every_data_set_with_both_titles_and_its_schema_url(client):
    response = client.get("/api/v1/schemas")
    assert response.status_code == 200
    listed = {item["name"]: item for item in response.json()}
    assert set(listed) == set(DATA_SETS)
    assert listed["import_declaration"]["title_zh"] == "進口報單"
    assert listed["cargo_manifest"] == {"name": "cargo_manifest", "title_en": "Cargo manifest", "title_zh": "艙單",
                                        "url": "http://testserver/api/v1/schemas/cargo_manifest"}
    assert "max-age" in response["Cache-Control"]


@pytest.mark.parametrize("name", list(DATA_SETS))
def test_every_data_set_has_a_published_schema(client, name):
    response = client.get(f"/api/v1/schemas/{name}")
    assert response.status_code == 200
    assert response["Content-Type"] == SCHEMA_MEDIA_TYPE
    schema = response.json()
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == f"http://testserver/api/v1/schemas/{name}"
    assert schema["title"] == " / ".join(DATA_SET_TITLES[name])
    assert schema["type"] == "object" and schema["additionalProperties"] is False
    # the schema's elements are the guide's: same JSON names, same order
    top_level = [row.json_path.strip("/").removesuffix("/*") for row in section(name).rows if row.depth == 0]
    assert list(schema["properties"]) == top_level


@pytest.mark.parametrize("name, document", [("import_declaration", samples.import_declaration(items=2)),
                                            ("export_declaration", samples.export_declaration())])
def test_the_sample_declarations_validate_against_their_schema(client, name, document):
    schema = client.get(f"/api/v1/schemas/{name}").json()
    assert violations(schema, document, schema) == []


def test_the_schema_rejects_what_the_data_set_rejects(client):
    schema = client.get("/api/v1/schemas/import_declaration").json()
    document = samples.import_declaration()
    document["functionCode"] = "77"
    document["declarant"]["name"] = "x" * 300
    document["goodsShipment"]["smuggled"] = True
    document["invoiceAmount"]["currencyId"] = "usd"
    assert sorted(p.split(":")[0] for p in violations(schema, document, schema)) == [
        "/declarant/name", "/functionCode", "/goodsShipment/smuggled", "/invoiceAmount/currencyId"]


def test_a_schema_is_cacheable_and_revalidates_with_its_etag(client):
    first = client.get("/api/v1/schemas/permit_application")
    assert first["ETag"].startswith('"') and "public" in first["Cache-Control"]
    again = client.get("/api/v1/schemas/permit_application", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert again["ETag"] == first["ETag"]
    assert client.get("/api/v1/schemas/permit_application", HTTP_IF_NONE_MATCH='"stale"').status_code == 200


def test_an_unknown_data_set_is_a_bilingual_404_problem(client):
    response = client.get("/api/v1/schemas/import_declarations")
    assert response.status_code == 404
    assert response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "dataset.unknown" and problem["status"] == 404
    [error] = problem["errors"]
    assert error["code"] == "dataset.unknown"
    assert "import_declarations" in error["message"]["en"]
    assert "資料集" in error["message"]["zh-Hant"]


def test_no_credentials_are_needed(client):
    """The schemas are published: an anonymous client with no token gets them."""
    assert "Authorization" not in client.defaults
    assert client.get("/api/v1/schemas/certificate").status_code == 200
    assert client.get("/api/v1/schemas").status_code == 200
