"""The rules of a case's lifecycle: which transitions are allowed, which ones the declarant is
notified of (with the WCO/DMS notification code), and the statutory time limit of each step.

Nothing here writes; ``services.transition`` applies these rules.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings

from singlewindow.customs.models.cases import Case
from singlewindow.customs.models.cases import CaseState as S

FINAL = frozenset({S.RELEASED, S.REJECTED, S.CANCELLED})

_ANY_OPEN = (S.AMENDED, S.REJECTED, S.CANCELLED)
TRANSITIONS: dict[str, frozenset[str]] = {
    S.RECEIVED: frozenset({S.VALIDATED, S.REJECTED, S.CANCELLED}),
    S.VALIDATED: frozenset({S.MATCHED, *_ANY_OPEN}),
    S.MATCHED: frozenset({S.ASSESSED, *_ANY_OPEN}),
    S.ASSESSED: frozenset({S.SELECTED, *_ANY_OPEN}),
    S.SELECTED: frozenset({S.DOCUMENTS_REQUESTED, S.INSPECTED, S.AWAITING_PAYMENT, S.RELEASED, *_ANY_OPEN}),
    S.DOCUMENTS_REQUESTED: frozenset({S.DOCUMENTS_RECEIVED, *_ANY_OPEN}),
    S.DOCUMENTS_RECEIVED: frozenset({S.INSPECTED, S.AWAITING_PAYMENT, S.RELEASED, *_ANY_OPEN}),
    S.INSPECTED: frozenset({S.AWAITING_PAYMENT, S.RELEASED, *_ANY_OPEN}),
    S.AWAITING_PAYMENT: frozenset({S.PAID, S.GUARANTEED, *_ANY_OPEN}),
    S.PAID: frozenset({S.RELEASED, S.AMENDED}),
    S.GUARANTEED: frozenset({S.RELEASED, S.AMENDED}),
    # An amendment is re-validated, re-matched and re-assessed; the channel stays.
    S.AMENDED: frozenset({S.VALIDATED, S.REJECTED, S.CANCELLED}),
    S.RELEASED: frozenset(),
    S.REJECTED: frozenset(),
    S.CANCELLED: frozenset(),
}

@dataclass(frozen=True)
class Notice:
    """How the declarant hears of a state: the notification code and the status word."""

    function_code: str
    status: str


# Codes as in the WCO DEC DMS notifications (02 received, 01 accepted, 03 rejected, 05 control,
# 06 documents required, 13 tax calculation, 09 cleared, 10 invalidated).
NOTICES: dict[str, Notice] = {
    S.RECEIVED: Notice("02", "received"),
    S.SELECTED: Notice("01", "accepted"),
    S.DOCUMENTS_REQUESTED: Notice("06", "documents_requested"),
    S.INSPECTED: Notice("05", "inspected"),
    S.AWAITING_PAYMENT: Notice("13", "amount_due"),
    S.RELEASED: Notice("09", "released"),
    S.REJECTED: Notice("03", "rejected"),
    S.CANCELLED: Notice("10", "cancelled"),
}

# The default statutory limits of each step (``SW_CUSTOMS_TIME_LIMITS`` overrides any, in hours):
# an officer acts on a C2/C3 selection within a day; the declarant answers a deficiency notice
# within ten days; duties are paid within 14 days of the notice (Customs Act art. 43).
DEFAULT_LIMITS_HOURS: dict[str, float] = {
    S.SELECTED: 24,
    S.DOCUMENTS_REQUESTED: 240,
    S.DOCUMENTS_RECEIVED: 24,
    S.INSPECTED: 24,
    S.AWAITING_PAYMENT: 14 * 24,
}


def time_limit(state: str) -> timedelta | None:
    hours = {**DEFAULT_LIMITS_HOURS, **getattr(settings, "SW_CUSTOMS_TIME_LIMITS", {})}.get(state)
    return None if hours is None else timedelta(hours=hours)


def allowed(current: str, target: str) -> bool:
    return target in TRANSITIONS.get(current, frozenset())


def blocked(case: Case, target: str) -> tuple[str, str] | None:
    """Why the case may not take an otherwise allowed transition yet (English, Chinese), if so.

    Which officer action a C2 or C3 case needs before payment is the services' business (they
    are the only callers that move such a case on); here only what holds for every path.
    """
    if target == S.RELEASED and case.state != S.GUARANTEED and case.amount_paid < case.amount_due:
        return "The duties and taxes are not paid.", "稅費尚未繳納。"
    return None


STATE_TITLES: dict[str, tuple[str, str]] = {
    S.RECEIVED: ("received", "已收單"),
    S.VALIDATED: ("validated", "檢核通過"),
    S.MATCHED: ("matched with manifest and permits", "艙單及簽審比對完成"),
    S.ASSESSED: ("assessed", "稅費核計完成"),
    S.SELECTED: ("selected", "已分類通關"),
    S.DOCUMENTS_REQUESTED: ("documents requested", "通知補送文件"),
    S.DOCUMENTS_RECEIVED: ("documents received", "已收到補送文件"),
    S.INSPECTED: ("inspected", "查驗完成"),
    S.AWAITING_PAYMENT: ("awaiting payment", "待繳納稅費"),
    S.PAID: ("paid", "稅費已繳納"),
    S.GUARANTEED: ("secured by guarantee", "已提供擔保"),
    S.RELEASED: ("released", "已放行"),
    S.AMENDED: ("amended", "報單已更正"),
    S.REJECTED: ("rejected", "已退單"),
    S.CANCELLED: ("cancelled", "已撤銷"),
}
