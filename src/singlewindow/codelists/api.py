"""Public, read-only API of the code lists: which lists exist, and their codes page by page."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from singlewindow.codelists import selectors
from singlewindow.codelists.errors import CodeListError, CodeListErrorCode
from singlewindow.codelists.models import CodeList, CodeValue
from singlewindow.problems import ProblemOut

router = Router(auth=None, tags=["code lists"])


class CodeListOut(Schema):
    name: str
    title_en: str
    title_zh: str
    source: str
    version: str
    loaded_at: datetime | None
    count: int


class CodeValueOut(Schema):
    code: str
    name_en: str
    name_zh: str
    parent: str
    valid_from: date | None
    valid_to: date | None
    attributes: dict[str, Any]


class CodeValuePageOut(Schema):
    name: str
    title_en: str
    title_zh: str
    version: str
    query: str
    page: int
    size: int
    pages: int
    total: int
    items: list[CodeValueOut]


class CodeValueFilter(Schema):
    q: str = Field("", max_length=100, description="Code prefix or part of the English or Chinese name")
    page: int = Field(1, ge=1, le=100_000)
    size: int = Field(50, ge=1, le=selectors.MAX_PAGE_SIZE)


def _list_out(code_list: CodeList) -> CodeListOut:
    return CodeListOut(name=code_list.name, title_en=code_list.title_en, title_zh=code_list.title_zh,
                       source=code_list.source, version=code_list.version, loaded_at=code_list.loaded_at,
                       count=getattr(code_list, "value_count", 0))


def _value_out(value: CodeValue) -> CodeValueOut:
    return CodeValueOut(code=value.code, name_en=value.name_en, name_zh=value.name_zh, parent=value.parent_code,
                        valid_from=value.valid_from, valid_to=value.valid_to, attributes=value.attributes)


@router.get("", response=list[CodeListOut], summary="Code lists with their versions and sizes")
def list_code_lists(request: HttpRequest) -> list[CodeListOut]:
    return [_list_out(code_list) for code_list in selectors.code_list_summaries()]


@router.get("/{name}", response={200: CodeValuePageOut, 404: ProblemOut}, summary="Codes of one list")
def list_codes(request: HttpRequest, name: str, filters: Query[CodeValueFilter]) -> CodeValuePageOut:
    """Codes in code order, ``size`` (at most 200) per page; ``q`` searches codes and names."""
    code_list = selectors.code_list_by_name(name)
    if code_list is None:
        raise CodeListError(CodeListErrorCode.UNKNOWN_LIST, f"no code list named {name[:40]!r}")
    page = selectors.search_values(code_list, query=filters.q, page=filters.page, size=filters.size)
    return CodeValuePageOut(name=code_list.name, title_en=code_list.title_en, title_zh=code_list.title_zh,
                            version=code_list.version, query=page.query, page=page.page, size=page.size,
                            pages=page.pages, total=page.total, items=[_value_out(v) for v in page.values])
