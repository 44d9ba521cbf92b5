"""The daily reconciliation of one bank: its confirmations of a day (Taipei time) against the orders.

Each confirmation falls in one class: matched (it paid exactly what the order still needed,
to the dollar), unmatched (customs found no order for it and refused it), amount mismatch
(less than the order needed, or more: the surplus is being refunded) or paid twice (the order was
already paid: the whole amount is being refunded). Everything but matched is an exception a
clerk looks at; the totals let the bank tie the day's transfers to what customs recorded.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

from singlewindow.payments.models import BankConfirmation, Outcome
from singlewindow.registry.models import Organisation

TAIPEI = ZoneInfo("Asia/Taipei")

MATCHED, UNMATCHED, MISMATCH, TWICE = "matched", "unmatched_confirmation", "amount_mismatch", "order_paid_twice"
CLASS_TITLES: dict[str, tuple[str, str]] = {
    MATCHED: ("Matched", "相符"),
    UNMATCHED: ("Unmatched confirmation", "無對應繳款單"),
    MISMATCH: ("Amount mismatch", "金額不符"),
    TWICE: ("Order paid twice", "重複繳納"),
}
_CLASSES: dict[str, str] = {Outcome.APPLIED: MATCHED, Outcome.PARTIAL: MISMATCH, Outcome.SURPLUS: MISMATCH,
            Outcome.DUPLICATE: TWICE, Outcome.REFUNDED: MISMATCH, Outcome.REFUSED: UNMATCHED}


@dataclass(frozen=True)
class Line:
    transaction_id: str
    reference: str
    order: str
    amount: Decimal
    applied: Decimal
    category: str
    outcome: str
    note_en: str
    note_zh: str
    received_at: datetime


@dataclass
class Reconciliation:
    bank: Organisation
    day: date
    lines: list[Line] = field(default_factory=list)

    @property
    def counts(self) -> dict[str, int]:
        return {name: sum(1 for line in self.lines if line.category == name) for name in CLASS_TITLES}

    @property
    def exceptions(self) -> list[Line]:
        return [line for line in self.lines if line.category != MATCHED]

    @property
    def total_received(self) -> Decimal:
        return sum((line.amount for line in self.lines if line.category != UNMATCHED), Decimal(0))

    @property
    def total_applied(self) -> Decimal:
        return sum((line.applied for line in self.lines), Decimal(0))

    def as_dict(self) -> dict[str, object]:
        return {
            "bank": self.bank.code, "date": self.day.isoformat(), "counts": self.counts,
            "total_received": str(self.total_received), "total_applied": str(self.total_applied),
            "lines": [{"transaction_id": line.transaction_id, "reference": line.reference, "order": line.order,
                       "amount": str(line.amount), "applied": str(line.applied), "category": line.category,
                       "outcome": line.outcome, "note_en": line.note_en, "note_zh": line.note_zh,
                       "received_at": line.received_at.isoformat()} for line in self.lines],
        }


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """The UTC instants a Taipei calendar day starts and ends at."""
    start = datetime.combine(day, time(), tzinfo=TAIPEI)
    return start, start + timedelta(days=1)


def reconcile(bank: Organisation, day: date) -> Reconciliation:
    """The bank's confirmations received on ``day`` (Taipei), each classed; exceptions listed."""
    start, end = day_bounds(day)
    report = Reconciliation(bank=bank, day=day)
    rows = BankConfirmation.objects.filter(bank=bank, received_at__gte=start, received_at__lt=end).select_related(
        "order").order_by("received_at", "pk")
    for row in rows.iterator(chunk_size=2000):
        category = _CLASSES.get(row.outcome, UNMATCHED)
        note_en, note_zh = (row.reason_en, row.reason_zh) if row.refused else (
            row.get_outcome_display(), _ZH_OUTCOMES.get(row.outcome, ""))
        report.lines.append(Line(
            transaction_id=row.transaction_id, reference=row.reference, order=row.order.reference if row.order else "",
            amount=row.amount, applied=row.applied, category=category, outcome=row.outcome, note_en=str(note_en),
            note_zh=note_zh, received_at=row.received_at))
    return report


_ZH_OUTCOMES: dict[str, str] = {
    Outcome.APPLIED: "已全額銷帳", Outcome.PARTIAL: "部分繳納", Outcome.SURPLUS: "溢繳，餘額退還",
    Outcome.DUPLICATE: "重複繳納，全額退還", Outcome.REFUNDED: "報單已撤銷，全額退還",
}
