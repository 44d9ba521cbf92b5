"""Daily extracts customs sends other agencies through the exchange (the catalogue's batch services).

Trade statistics (``trade_statistics.batch``, catalogue service ``customs-trade-statistics``):
the goods items of every declaration released on a day, Taiwan time, sent by the service's
owner to the agencies it names (the statistics office and the trade administration), one
``agency_data`` record per goods item. The extract is a message like any other: signed receipt,
evidence, mailbox. Sending a day again sends nothing when nothing changed (the exchange answers
the resend with the original receipt); when a late release changed the day, a replacement
(function code 4) naming the first extract goes instead, so every version stays on record.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

from django.utils import timezone

from singlewindow.customs.models.cases import Case, CaseEvent
from singlewindow.customs.models.cases import CaseState as S
from singlewindow.customs.services import case_number
from singlewindow.datamodel.datasets import Declaration, ImportDeclaration
from singlewindow.datamodel.datasets.agency_data import MAX_RECORDS
from singlewindow.exchange.intake import Envelope, IntakeResult, submit_message
from singlewindow.exchange.models import Message
from singlewindow.exchange.selectors import document_of
from singlewindow.registry.actors import Actor
from singlewindow.registry.selectors import service_for_message_type

TRADE_STATISTICS = "trade_statistics.batch"


class ExtractError(Exception):
    """The extract cannot be sent (no such service, too many records); nothing was sent."""

    def __init__(self, en: str, zh: str) -> None:
        super().__init__(en)
        self.en, self.zh = en, zh


@dataclass(frozen=True)
class ExtractSent:
    message: Message
    records: int
    replaced: str | None
    """The reference of the earlier extract of the day this one replaces, if any."""
    unchanged: bool
    """The day was sent before with exactly these records: the original receipt was returned."""


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The day in Taiwan time (the project's time zone), as aware instants."""
    start = timezone.make_aware(datetime.combine(day, time.min))
    return start, start + timedelta(days=1)


def released_cases(day: date) -> list[tuple[Case, datetime]]:
    """Declarations released on ``day`` and still released, with their release time, in release order."""
    start, end = day_bounds(day)
    events = (CaseEvent.objects.filter(to_state=S.RELEASED, at__gte=start, at__lt=end, case__state=S.RELEASED)
              .select_related("case__office").order_by("at", "pk"))
    seen: set[int] = set()
    released = []
    for event in events:
        if event.case_id not in seen:
            seen.add(event.case_id)
            released.append((event.case, event.at))
    return released


def trade_statistics_records(day: date) -> list[dict[str, str]]:
    """One record per goods item of each declaration released on ``day``: plain field -> value text."""
    records = []
    released = released_cases(day)
    messages = Message.objects.in_bulk([case.latest_message_id for case, _ in released])
    for case, released_at in released:
        declaration = document_of(messages[case.latest_message_id])
        if not isinstance(declaration, Declaration):
            continue
        values = {int(item["sequence"]): item["customs_value"] for item in case.assessment.get("items", [])}
        flow = "import" if isinstance(declaration, ImportDeclaration) else "export"
        for item in declaration.items:
            records.append(_item_record(case, released_at, flow, item, values.get(item.sequence_numeric)))
    return records


def _item_record(case: Case, released_at: datetime, flow: str, item: Any, customs_value: str | None) -> dict[str, str]:
    commodity = item.commodity
    classification = commodity.classification[0].id if commodity and commodity.classification else None
    measure = commodity.goods_measure if commodity else None
    net = measure.net_net_weight_measure if measure else None
    quantity = measure.tariff_quantity if measure else None
    statistical = item.statistical_value_amount
    fields: dict[str, str | None] = {
        "flow": flow,
        "declaration": case_number(case),
        "item": str(item.sequence_numeric),
        "office": case.office.office_code or None,
        "releasedAt": timezone.localtime(released_at).isoformat(timespec="seconds"),
        "hsCode": classification,
        "originCountry": item.origin[0].country_code if item.origin else None,
        "destinationCountry": item.destination.country_code if item.destination else None,
        "netMass": str(net.value) if net is not None and net.value is not None else None,
        "netMassUnit": net.unit_code if net is not None else None,
        "quantity": str(quantity.value) if quantity is not None and quantity.value is not None else None,
        "quantityUnit": quantity.unit_code if quantity is not None else None,
        "customsValueTwd": customs_value,
        "statisticalValue": str(statistical.value) if statistical is not None else None,
        "statisticalValueCurrency": statistical.currency_id if statistical is not None else None,
    }
    return {name: value for name, value in fields.items() if value}


def send_trade_statistics(day: date) -> ExtractSent:
    """Send the day's extract from the service's owner to the agencies the service names."""
    service = service_for_message_type(TRADE_STATISTICS)
    if service is None:
        raise ExtractError(f"No active service carries {TRADE_STATISTICS}; load the catalogue first.",
                           f"沒有啟用中的 {TRADE_STATISTICS} 服務，請先載入服務目錄。")
    records = trade_statistics_records(day)
    if len(records) > MAX_RECORDS:
        raise ExtractError(f"{len(records)} goods items were released on {day}; one extract holds at most "
                           f"{MAX_RECORDS}.", f"{day} 放行 {len(records)} 項貨物，超過單一檔案上限 {MAX_RECORDS} 項。")
    sender = service.owner
    first = f"stat-{day:%Y%m%d}"
    earlier = list(Message.objects.filter(sender=sender, message_type=TRADE_STATISTICS,
                                          client_reference__startswith=first).order_by("received_at"))
    payload = _payload(day, records, reference=first, replaces=None)
    if earlier:
        original = json.loads(bytes(earlier[0].payload))
        latest = json.loads(bytes(earlier[-1].payload))
        if latest.get("record") == payload.get("record"):
            return ExtractSent(earlier[-1], len(records), replaced=None, unchanged=True)
        reference = f"{first}-r{len(earlier)}"
        payload = _payload(day, records, reference=reference, replaces=original["functionalReferenceId"])
    result = _send(payload, sender_actor=Actor(organisation=sender, membership_role="engine"))
    return ExtractSent(result.message, len(records), replaced=payload.get("previousReferenceId"),
                       unchanged=not result.created)


def _payload(day: date, records: list[dict[str, str]], *, reference: str, replaces: str | None) -> dict[str, Any]:
    start, end = day_bounds(day)
    document: dict[str, Any] = {
        "functionCode": "4" if replaces else "9",
        "functionalReferenceId": reference.upper(),
        "subject": f"Declarations released on {day.isoformat()} (Taiwan time), one record per goods item",
        "periodStartDateTime": start.isoformat(), "periodEndDateTime": end.isoformat(),
        "recordQuantity": len(records),
        "record": [{"sequenceNumeric": n, "field": [{"name": k, "value": v} for k, v in record.items()]}
                   for n, record in enumerate(records, start=1)],
    }
    if replaces:
        document["previousReferenceId"] = replaces
    return document


def _send(document: dict[str, Any], *, sender_actor: Actor) -> IntakeResult:
    body = json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()
    envelope = Envelope(message_type=TRADE_STATISTICS, client_reference=document["functionalReferenceId"].lower(),
                        content_type="application/json", payload=body)
    return submit_message(envelope=envelope, actor=sender_actor)
