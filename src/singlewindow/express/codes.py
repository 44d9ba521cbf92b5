"""The express platforms' code lists, bilingual: appointment states and priority classes, anomaly
categories and states. Codes are stable (the API speaks them); labels are for screens."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta
from enum import StrEnum
from typing import TypeVar


class Priority(StrEnum):
    """Priority class inside one slot: lower rank is served first."""

    MEDICAL = "medical"
    PERISHABLE = "perishable"
    NORMAL = "normal"


PRIORITY_RANK = {Priority.MEDICAL: 0, Priority.PERISHABLE: 1, Priority.NORMAL: 2}
PRIORITY_LABELS = {
    Priority.MEDICAL: ("Urgent medical", "緊急醫療用品"),
    Priority.PERISHABLE: ("Perishable", "易腐貨物"),
    Priority.NORMAL: ("Normal", "一般"),
}


class Stage(StrEnum):
    """Where a booked bag is in the terminal (預約通關進度)."""

    BOOKED = "booked"
    CALLED = "called"
    AT_LANE = "at_lane"
    INSPECTING = "inspecting"
    CLEARED = "cleared"
    HELD = "held"
    DONE = "done"
    CANCELLED = "cancelled"


STAGE_LABELS = {
    Stage.BOOKED: ("Booked", "已預約"),
    Stage.CALLED: ("Called", "已叫號"),
    Stage.AT_LANE: ("At lane", "已到線"),
    Stage.INSPECTING: ("Inspecting", "查驗中"),
    Stage.CLEARED: ("Cleared", "已通關"),
    Stage.HELD: ("Held", "暫扣"),
    Stage.DONE: ("Done", "已完成"),
    Stage.CANCELLED: ("Cancelled", "已取消"),
}

# What the terminal's one-tap buttons say: the move, not the state it leads to.
MOVE_LABELS = {
    Stage.CALLED: ("Call to lane", "叫號"),
    Stage.AT_LANE: ("Arrived at lane", "已到線"),
    Stage.INSPECTING: ("Start inspection", "開始查驗"),
    Stage.CLEARED: ("Clear", "通關放行"),
    Stage.HELD: ("Hold", "暫扣"),
    Stage.DONE: ("Done", "完成"),
    Stage.CANCELLED: ("Cancel", "取消"),
}

# The terminal's state machine; the broker may only cancel, and only before the bag reaches a lane.
TERMINAL_MOVES: dict[Stage, frozenset[Stage]] = {
    Stage.BOOKED: frozenset({Stage.CALLED, Stage.CANCELLED}),
    Stage.CALLED: frozenset({Stage.AT_LANE, Stage.CANCELLED}),
    Stage.AT_LANE: frozenset({Stage.INSPECTING}),
    Stage.INSPECTING: frozenset({Stage.CLEARED, Stage.HELD}),
    Stage.HELD: frozenset({Stage.INSPECTING, Stage.DONE}),
    Stage.CLEARED: frozenset({Stage.DONE}),
    Stage.DONE: frozenset(),
    Stage.CANCELLED: frozenset(),
}
BROKER_CANCELLABLE = frozenset({Stage.BOOKED, Stage.CALLED})
RESCHEDULABLE = frozenset({Stage.BOOKED})
OPEN_STAGES = frozenset({Stage.BOOKED, Stage.CALLED, Stage.AT_LANE, Stage.INSPECTING, Stage.HELD, Stage.CLEARED})
# A bag holds its place in the slot until it is cancelled (done bags used their place).
HOLDS_PLACE = frozenset(set(Stage) - {Stage.CANCELLED})


class AnomalyCategory(StrEnum):
    """Why a parcel cannot clear (異常原因), as the terminal posts it."""

    LABEL_UNREADABLE = "label_unreadable"
    NO_MANIFEST = "no_manifest"
    NO_DECLARATION = "no_declaration"
    PACKING_DAMAGED = "packing_damaged"
    VALUE_OVER_DECLARED = "value_over_declared"
    VALUE_UNDER_DECLARED = "value_under_declared"
    PIECES_MISMATCH = "pieces_mismatch"
    WEIGHT_MISMATCH = "weight_mismatch"
    PERMIT_MISSING = "permit_missing"
    PROHIBITED_SUSPECTED = "prohibited_suspected"
    OTHER = "other"


CATEGORY_LABELS = {
    AnomalyCategory.LABEL_UNREADABLE: ("Label blurred or unreadable", "標籤模糊無法辨識"),
    AnomalyCategory.NO_MANIFEST: ("No manifest for the parcel", "無艙單資料"),
    AnomalyCategory.NO_DECLARATION: ("No declaration filed", "未申報報單"),
    AnomalyCategory.PACKING_DAMAGED: ("Packing damaged", "包裝破損"),
    AnomalyCategory.VALUE_OVER_DECLARED: ("Value over-declared", "申報價值偏高"),
    AnomalyCategory.VALUE_UNDER_DECLARED: ("Value under-declared", "申報價值偏低"),
    AnomalyCategory.PIECES_MISMATCH: ("Pieces differ from the manifest", "件數與艙單不符"),
    AnomalyCategory.WEIGHT_MISMATCH: ("Weight differs from the manifest", "重量與艙單不符"),
    AnomalyCategory.PERMIT_MISSING: ("Permit or licence missing", "缺少輸入許可文件"),
    AnomalyCategory.PROHIBITED_SUSPECTED: ("Prohibited or restricted goods suspected", "疑似管制或禁止進口物品"),
    AnomalyCategory.OTHER: ("Other (see notes)", "其他（詳備註）"),
}


class AnomalyStatus(StrEnum):
    OPEN = "open"
    CORRECTION_FILED = "correction_filed"
    RETURNED = "returned"
    CLOSED = "closed"


ANOMALY_STATUS_LABELS = {
    AnomalyStatus.OPEN: ("Open", "待處理"),
    AnomalyStatus.CORRECTION_FILED: ("Correction filed", "已提送補正"),
    AnomalyStatus.RETURNED: ("Correction returned", "補正退回"),
    AnomalyStatus.CLOSED: ("Closed", "已結案"),
}
# The broker is waiting to act on these; they count towards the overdue view.
AWAITING_BROKER = frozenset({AnomalyStatus.OPEN, AnomalyStatus.RETURNED})
# How long a broker has to file a correction after the anomaly is posted.
CORRECTION_DUE = timedelta(days=2)


class Decision(StrEnum):
    """The terminal's review of one correction."""

    PENDING = "pending"
    ACCEPTED = "accepted"
    RETURNED = "returned"


DECISION_LABELS = {
    Decision.PENDING: ("Pending review", "待審"),
    Decision.ACCEPTED: ("Accepted", "已接受"),
    Decision.RETURNED: ("Returned", "已退回"),
}


class Review(StrEnum):
    ACCEPT = "accept"
    RETURN = "return"


E = TypeVar("E", bound=StrEnum)


def choices(labels: Mapping[E, tuple[str, str]]) -> list[tuple[str, str]]:
    """Model field choices: the code with both labels."""
    return [(str(code), f"{en} {zh}") for code, (en, zh) in labels.items()]


def label(labels: Mapping[E, tuple[str, str]], code: str, *, chinese: bool) -> str:
    for key, (en, zh) in labels.items():
        if str(key) == code:
            return zh if chinese else en
    return code
