"""Every write to the code lists: loads from their sources, agency links, back-office edits.

A load is idempotent: it adds new codes and updates changed ones in one transaction, and
records one audit entry with the counts; a load that changes nothing records nothing. Codes
that vanished from a source are counted, not deleted, since old declarations still name them;
retire a code by giving it a ``valid_to`` date in the back office.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from singlewindow.codelists.errors import CodeListError, CodeListErrorCode
from singlewindow.codelists.models import CodeList, CodeValue, RegulationCode
from singlewindow.codelists.sources import SOURCES, SourceList
from singlewindow.codelists.sources.regulations import EDITION as REGULATION_EDITION
from singlewindow.codelists.sources.regulations import REGULATIONS, Regulation
from singlewindow.codelists.sources.regulations import SOURCE as REGULATION_SOURCE
from singlewindow.datamodel.codelists import LIST_TITLES, CodeEntry, ListName
from singlewindow.registry import cache
from singlewindow.registry import selectors as registry_selectors
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation
from singlewindow.registry.services import record_audit

VALUE_FIELDS = ("name_en", "name_zh", "parent_code", "valid_from", "valid_to", "attributes")
REGULATION_FIELDS = ("name_en", "name_zh", "direction", "permit_type", "agency_code", "agency_name_en",
                     "agency_name_zh")
BATCH = 500


@dataclass(frozen=True)
class LoadResult:
    """What one load did to one list, for progress lines and summaries."""

    name: str
    version: str
    total: int
    created: int = 0
    updated: int = 0
    removed: int = 0
    not_in_source: int = 0
    changed: bool = False


def _lock_code_list(name: str) -> tuple[CodeList, bool]:
    title_en, title_zh = LIST_TITLES.get(name, (name, ""))
    code_list, created = CodeList.objects.get_or_create(
        name=name, defaults={"title_en": title_en, "title_zh": title_zh})
    return CodeList.objects.select_for_update().get(pk=code_list.pk), created


def _row_values(entry: CodeEntry) -> dict[str, Any]:
    return {"name_en": entry.name_en[:500], "name_zh": entry.name_zh[:500], "parent_code": entry.parent,
            "valid_from": entry.valid_from, "valid_to": entry.valid_to, "attributes": dict(entry.attributes)}


@transaction.atomic
def load_code_list(*, data: SourceList, actor: Actor, prune: bool = False) -> LoadResult:
    """Bring one list in line with its source; ``prune`` also deletes codes the source lacks.

    Only derived lists (the regulation mirror) are pruned; reference lists keep old codes.
    """
    code_list, is_new = _lock_code_list(data.name)
    entries = {entry.code: entry for entry in data.entries}
    existing = {value.code: value for value in code_list.values.all()}
    new_rows: list[CodeValue] = []
    changed_rows: list[CodeValue] = []
    for code, entry in entries.items():
        values = _row_values(entry)
        row = existing.get(code)
        if row is None:
            new_rows.append(CodeValue(code_list=code_list, code=code, **values))
        elif any(getattr(row, name) != value for name, value in values.items()):
            for name, value in values.items():
                setattr(row, name, value)
            changed_rows.append(row)
    missing = sorted(existing.keys() - entries.keys())
    meta_changed = is_new or (code_list.source, code_list.version) != (data.source, data.version)
    changed = bool(new_rows or changed_rows or meta_changed or (prune and missing))
    result = LoadResult(name=data.name, version=data.version, total=len(entries), created=len(new_rows),
                        updated=len(changed_rows), removed=len(missing) if prune else 0,
                        not_in_source=0 if prune else len(missing), changed=changed)
    if not changed:
        return result
    CodeValue.objects.bulk_create(new_rows, batch_size=BATCH)
    CodeValue.objects.bulk_update(changed_rows, VALUE_FIELDS, batch_size=BATCH)
    if prune and missing:
        CodeValue.objects.filter(code_list=code_list, code__in=missing).delete()
    changes: dict[str, Any] = {"created": result.created, "updated": result.updated,
                               "removed": result.removed, "not_in_source": result.not_in_source}
    if code_list.version != data.version:
        changes["version"] = {"old": code_list.version, "new": data.version}
    code_list.source, code_list.version, code_list.loaded_at = data.source, data.version, timezone.now()
    code_list.revision = F("revision") + 1
    code_list.save(update_fields=["source", "version", "loaded_at", "revision"])
    code_list.refresh_from_db(fields=["revision"])
    record_audit(actor_user=actor.user, action="load", obj=code_list, changes=changes)
    return result


def _regulation_values(regulation: Regulation) -> dict[str, str]:
    agency_en, agency_zh = regulation.agency_names
    return {"name_en": regulation.name_en, "name_zh": regulation.name_zh, "direction": regulation.direction,
            "permit_type": regulation.permit_type, "agency_code": regulation.agency_code,
            "agency_name_en": agency_en, "agency_name_zh": agency_zh}


@transaction.atomic
def load_regulations(*, actor: Actor, regulations: Iterable[Regulation] = REGULATIONS) -> LoadResult:
    """Upsert the regulation codes (each change audited), link agencies, refresh the list."""
    stored = {row.code: row for row in RegulationCode.objects.select_for_update()}
    for regulation in regulations:
        values = _regulation_values(regulation)
        row = stored.get(regulation.code)
        if row is None:
            row = RegulationCode.objects.create(code=regulation.code, **values)
            record_audit(actor_user=actor.user, action="create", obj=row,
                         changes={name: {"old": None, "new": value} for name, value in values.items()})
            continue
        changes = {name: {"old": getattr(row, name), "new": value}
                   for name, value in values.items() if getattr(row, name) != value}
        if changes:
            for name, value in values.items():
                setattr(row, name, value)
            row.save(update_fields=list(changes))
            record_audit(actor_user=actor.user, action="change", obj=row, changes=changes)
    return regulations_edited(actor=actor)


@transaction.atomic
def link_regulation_agencies(*, actor: Actor) -> int:
    """Point each regulation at the registered organisation its ``agency_code`` names.

    Safe to run any time: after an agency registers, after a code is edited, or again.
    Returns how many links changed.
    """
    found: dict[str, Organisation | None] = {}
    changed = 0
    for row in RegulationCode.objects.select_for_update().order_by("pk"):
        if row.agency_code not in found:
            found[row.agency_code] = (registry_selectors.organisation_by_code(row.agency_code)
                                      if row.agency_code else None)
        organisation = found[row.agency_code]
        if row.agency_id == (organisation.pk if organisation else None):
            continue
        old = row.agency_id
        row.agency = organisation
        row.save(update_fields=["agency"])
        record_audit(actor_user=actor.user, action="link_agency", obj=row,
                     changes={"agency": {"old": str(old) if old else None,
                                         "new": organisation.code if organisation else None}})
        changed += 1
    return changed


def _regulation_mirror() -> SourceList:
    rows = RegulationCode.objects.filter(is_active=True).order_by("code")
    entries = tuple(
        CodeEntry(row.code, row.name_en, row.name_zh, attributes={
            "direction": row.direction, "permit_type": row.permit_type, "agency_code": row.agency_code,
            "agency_en": row.agency_name_en, "agency_zh": row.agency_name_zh})
        for row in rows
    )
    return SourceList(name=ListName.REGULATION, source=REGULATION_SOURCE,
                      version=f"Regulation codes {REGULATION_EDITION}", entries=entries)


@transaction.atomic
def regulations_edited(*, actor: Actor) -> LoadResult:
    """After any change to regulation codes: relink agencies and refresh the ``regulation`` list."""
    link_regulation_agencies(actor=actor)
    return load_code_list(data=_regulation_mirror(), actor=actor, prune=True)


@transaction.atomic
def code_values_edited(*, code_list_ids: Iterable[int]) -> None:
    """Back-office edits to codes: move the lists' revisions so every process re-reads them.

    The edit itself is audited by the back office (old and new values), not again here.
    """
    CodeList.objects.filter(pk__in=set(code_list_ids)).update(revision=F("revision") + 1)
    cache.changed()


def load_code_lists(*, actor: Actor, only: Iterable[str] | None = None,
                    report: Callable[[LoadResult], None] | None = None) -> list[LoadResult]:
    """Load every list (or those named), each in its own transaction, reporting as it goes.

    Lists are independent, so a failure in one leaves the lists already loaded in place.
    """
    names = list(dict.fromkeys(only)) if only else list(SOURCES)
    unknown = [name for name in names if name not in SOURCES]
    if unknown:
        raise CodeListError(CodeListErrorCode.UNKNOWN_LIST,
                            f"unknown code list {', '.join(unknown)}; known: {', '.join(SOURCES)}")
    results = []
    for name in names:
        if name == ListName.REGULATION:
            result = load_regulations(actor=actor)
        else:
            result = load_code_list(data=SOURCES[name](), actor=actor)
        results.append(result)
        if report is not None:
            report(result)
    return results
