"""Reads of the code lists. They are public reference data: nothing here depends on who asks."""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Count, Q, QuerySet

from singlewindow.codelists.lookup import DatabaseCodeLists
from singlewindow.codelists.models import CodeList, CodeValue, Direction, RegulationCode
from singlewindow.datamodel.codelists import CodeLists
from singlewindow.registry import selectors as registry_selectors
from singlewindow.registry.models import Organisation

MAX_PAGE_SIZE = 200

_lookup = DatabaseCodeLists()


def code_lists() -> CodeLists:
    """The process-wide lookup validation uses (in memory, refreshed when a list changes)."""
    return _lookup


def code_list_summaries() -> QuerySet[CodeList]:
    return CodeList.objects.annotate(value_count=Count("values")).order_by("name")


def code_list_by_name(name: str) -> CodeList | None:
    return CodeList.objects.filter(name=name).first()


@dataclass(frozen=True)
class ValuePage:
    code_list: CodeList
    query: str
    page: int
    size: int
    total: int
    values: list[CodeValue]

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.size))


def search_values(code_list: CodeList, *, query: str = "", page: int = 1, size: int = 50) -> ValuePage:
    """One page of a list's codes; ``query`` matches a code prefix or part of either name."""
    size = max(1, min(size, MAX_PAGE_SIZE))
    page = max(1, page)
    values = CodeValue.objects.filter(code_list=code_list)
    query = query.strip()
    if query:
        values = values.filter(Q(code__istartswith=query) | Q(name_en__icontains=query)
                               | Q(name_zh__icontains=query))
    total = values.count()
    start = (page - 1) * size
    return ValuePage(code_list, query, page, size, total, list(values.order_by("code")[start:start + size]))


def regulation_by_code(code: str) -> RegulationCode | None:
    return RegulationCode.objects.filter(code=code, is_active=True).select_related("agency").first()


def regulation_agency(code: str, direction: str = Direction.BOTH) -> Organisation | None:
    """The active organisation a regulation routes to, for a declaration in ``direction``.

    Falls back on the agency code when the stored link is missing, so an agency registered
    after the codes were loaded is found before anyone relinks.
    """
    regulation = regulation_by_code(code)
    if regulation is None or (direction != Direction.BOTH and not regulation.applies_to(direction)):
        return None
    if regulation.agency is not None and regulation.agency.is_active:
        return regulation.agency
    return registry_selectors.organisation_by_code(regulation.agency_code) if regulation.agency_code else None
