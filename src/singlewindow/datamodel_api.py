"""The data sets' published JSON Schemas, at /api/v1/schemas: public and cacheable.

A party's system can validate a document before sending it, against the very models the
exchange validates with. ``datamodel`` stays free of Django, so its HTTP edge lives here,
beside ``api.py``, which mounts it.
"""

from __future__ import annotations

import hashlib
import json
from enum import StrEnum
from functools import cache
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.urls import reverse
from django.utils.cache import get_conditional_response, patch_cache_control
from ninja import Router, Schema

from singlewindow.datamodel.datasets import DATA_SET_TITLES, DATA_SETS
from singlewindow.datamodel.issues import Issue
from singlewindow.problems import ProblemOut, problem_response

router = Router(auth=None, tags=["data sets"])

DIALECT = "https://json-schema.org/draft/2020-12/schema"
SCHEMA_MEDIA_TYPE = "application/schema+json"
MAX_AGE = 3600
"""Seconds a client or proxy may reuse a schema; they change only with a release, and the ETag revalidates."""


class SchemaErrorCode(StrEnum):
    UNKNOWN_DATA_SET = "dataset.unknown"


class DataSetSchemaLink(Schema):
    name: str
    title_en: str
    title_zh: str
    url: str


@cache
def _model_schema(name: str) -> dict[str, Any]:
    schema: dict[str, Any] = DATA_SETS[name].model_json_schema(by_alias=True)
    return schema


def json_schema(name: str, schema_id: str) -> dict[str, Any]:
    """The data set's schema as published: JSON Schema 2020-12, named by its URL, titled in both languages."""
    title_en, title_zh = DATA_SET_TITLES[name]
    generated = _model_schema(name)
    body = {key: value for key, value in generated.items() if key not in ("title", "$defs")}
    return {"$schema": DIALECT, "$id": schema_id, "title": f"{title_en} / {title_zh}", **body,
            "$defs": generated.get("$defs", {})}


def _schema_url(request: HttpRequest, name: str) -> str:
    return request.build_absolute_uri(reverse("api:data_set_schema", args=[name]))


def _cacheable(request: HttpRequest, response: HttpResponse) -> HttpResponse:
    """Tag the body and answer 304 when the client already holds it."""
    etag = '"' + hashlib.sha256(response.content).hexdigest()[:32] + '"'
    response["ETag"] = etag
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return get_conditional_response(request, etag=etag, response=response) or response


def _unknown(name: str) -> HttpResponse:
    shown = name[:40]
    issue = Issue(str(SchemaErrorCode.UNKNOWN_DATA_SET), "", f"There is no data set named '{shown}'.",
                  f"查無名為「{shown}」的資料集。")
    return problem_response(404, issue.code, "Unknown data set / 查無此資料集", [issue.as_dict()], issue.en)


@router.get("", response=list[DataSetSchemaLink], url_name="data_set_schemas",
            summary="The data sets and where their JSON Schemas are")
def list_schemas(request: HttpRequest, response: HttpResponse) -> list[DataSetSchemaLink]:
    patch_cache_control(response, public=True, max_age=MAX_AGE)
    return [DataSetSchemaLink(name=name, title_en=DATA_SET_TITLES[name][0], title_zh=DATA_SET_TITLES[name][1],
                              url=_schema_url(request, name)) for name in DATA_SETS]


@router.get("/{dataset}", response={200: dict[str, Any], 404: ProblemOut}, url_name="data_set_schema",
            summary="One data set's JSON Schema")
def get_schema(request: HttpRequest, dataset: str) -> HttpResponse:
    """JSON Schema 2020-12 with the JSON (camelCase) element names, served as ``application/schema+json``."""
    if dataset not in DATA_SETS:
        return _unknown(dataset)
    body = json.dumps(json_schema(dataset, _schema_url(request, dataset)), ensure_ascii=False, indent=1)
    return _cacheable(request, HttpResponse(body, content_type=SCHEMA_MEDIA_TYPE))
