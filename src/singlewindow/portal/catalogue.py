"""The public service catalogue page: counts, filters and one row per registered service.

The registry holds what is registered (owner, message type, security, processing time, grants);
the catalogue data adds each service's kind and one-line summary. A service an operator added
in the back office, outside the catalogue, is still listed, as kind "other".
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, replace

from django.db.models import Prefetch
from django.http import QueryDict

from singlewindow.registry import catalogue
from singlewindow.registry.models import AccessGrant, Organisation, Service
from singlewindow.registry.selectors import service_catalogue

MAX_TEXT = 100
OTHER = "other"
KIND_TITLES: dict[str, tuple[str, str]] = {**catalogue.KIND_TITLES, OTHER: ("Other", "其他")}


@dataclass(frozen=True)
class Filters:
    """What the page was asked for; an unknown agency or kind means "any", as on the customs queue."""

    agency: str = ""
    kind: str = ""
    text: str = ""

    @property
    def active(self) -> bool:
        return bool(self.agency or self.kind or self.text)

    def terms(self) -> list[str]:
        return self.text.casefold().split()


def parse_filters(query: QueryDict) -> Filters:
    kind = query.get("kind", "")
    return Filters(
        agency=query.get("agency", "").strip()[:40],
        kind=kind if kind in KIND_TITLES else "",
        text=" ".join(query.get("q", "").split())[:MAX_TEXT],
    )


@dataclass(frozen=True)
class ServiceRow:
    service: Service
    kind: str
    name: tuple[str, str]
    summary: tuple[str, str]
    senders: list[AccessGrant]
    receivers: list[AccessGrant]
    text: str  # everything a search may match, case-folded

    @property
    def kind_title(self) -> tuple[str, str]:
        return KIND_TITLES[self.kind]

    def matches(self, filters: Filters) -> bool:
        if filters.agency and self.service.owner.code != filters.agency:
            return False
        if filters.kind and self.kind != filters.kind:
            return False
        return all(term in self.text for term in filters.terms())


@dataclass(frozen=True)
class KindCount:
    code: str
    title: tuple[str, str]
    count: int


@dataclass(frozen=True)
class AgencyChoice:
    organisation: Organisation
    count: int


@dataclass(frozen=True)
class CataloguePage:
    filters: Filters
    rows: list[ServiceRow]  # the rows the filters keep
    total: int
    agencies: list[AgencyChoice]  # every owner of a service, for the agency filter
    certificate: int
    simple: int
    kinds: list[KindCount]


def catalogue_page(filters: Filters) -> CataloguePage:
    """Counts over the whole catalogue; rows narrowed by the filters. Three queries whatever the size."""
    services = service_catalogue().prefetch_related(
        Prefetch("grants", queryset=AccessGrant.objects.select_related("organisation").order_by("id")))
    rows = sorted((_row(service) for service in services), key=lambda r: (r.service.owner.code, r.service.code))
    owners: dict[str, Organisation] = {}
    per_owner: Counter[str] = Counter()
    for row in rows:
        owners.setdefault(row.service.owner.code, row.service.owner)
        per_owner[row.service.owner.code] += 1
    if filters.agency not in owners:
        filters = replace(filters, agency="")
    per_kind = Counter(row.kind for row in rows)
    security = Counter(row.service.security for row in rows)
    return CataloguePage(
        filters=filters,
        rows=[row for row in rows if row.matches(filters)],
        total=len(rows),
        agencies=[AgencyChoice(owners[code], per_owner[code]) for code in sorted(owners)],
        certificate=security[Service.Security.CERTIFICATE],
        simple=security[Service.Security.SIMPLE],
        kinds=[KindCount(code, title, per_kind[code]) for code, title in KIND_TITLES.items() if per_kind[code]],
    )


def _row(service: Service) -> ServiceRow:
    entry = catalogue.BY_CODE.get(service.code)
    kind = entry.kind if entry else OTHER
    summary = (entry.summary_en, entry.summary_zh) if entry else ("", "")
    grants = list(service.grants.all())
    owner = service.owner
    text = " ".join((service.code, service.message_type, service.name_en, service.name_zh, *summary,
                     owner.code, owner.name_en, owner.name_zh, *KIND_TITLES[kind])).casefold()
    return ServiceRow(
        service=service, kind=kind, name=(service.name_en, service.name_zh or service.name_en), summary=summary,
        senders=[g for g in grants if g.direction == AccessGrant.Direction.SEND],
        receivers=[g for g in grants if g.direction == AccessGrant.Direction.RECEIVE],
        text=text,
    )
