"""The selection step of the customs engine: one case, its declaration and its assessment in, a channel out.

The trader's history (for new-trader rules) comes from earlier cases: each selection stores the
trader it looked at, so earlier declarations count whoever declared them (the trader itself or
any broker). The assessment's customs values (in TWD) replace the declared invoice amounts for
the learned score, which was trained on values in one currency.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date
from typing import Any

from django.db.models import Count, Min
from django.utils import timezone

from singlewindow.customs.models.cases import Case
from singlewindow.customs.selection.current import select_many
from singlewindow.customs.selection.facts import DeclarationFacts, TraderHistory, facts_from_declaration
from singlewindow.datamodel.datasets.declaration import Declaration


def trader_history(trader: str | None, *, before: Case) -> TraderHistory | None:
    """How many earlier cases selected this trader's declarations, and when the first was received."""
    if trader is None:
        return None
    earlier = Case.objects.filter(selection__trader=trader).exclude(pk=before.pk)
    found = earlier.aggregate(first=Min("received_at"), count=Count("pk"))
    first = found["first"]
    return TraderHistory(declarations=found["count"],
                         first_seen=timezone.localdate(first) if first is not None else None)


def _with_assessed_values(facts: DeclarationFacts, assessment: dict[str, Any]) -> DeclarationFacts:
    values: dict[int, float] = {}
    for item in assessment.get("items", []) if isinstance(assessment, dict) else []:
        try:
            values[int(item["sequence"])] = float(item["customs_value"])
        except (KeyError, TypeError, ValueError):
            continue
    if not values:
        return facts
    records = tuple({**record, "value": values.get(item.sequence, record.get("value"))}
                    for item, record in zip(facts.items, facts.records, strict=True))
    return replace(facts, records=records)


def select_for_case(case: Case, declaration: Declaration, assessment: dict[str, Any]) -> tuple[
        str, float | None, dict[str, Any]]:
    """Channel, risk score and explanation (JSON) for the engine to record on the case."""
    on: date = timezone.localdate(case.received_at)
    facts = facts_from_declaration(declaration, on=on)
    facts = replace(facts, trader_history=trader_history(facts.trader, before=case))
    selection = select_many([_with_assessed_values(facts, assessment)])[0]
    return selection.channel, selection.score, {**selection.as_dict(), "trader": facts.trader}
