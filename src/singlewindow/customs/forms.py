"""Parsing of the workbench's forms and filters: bounded, bilingual errors, nothing half-read.

The services check what the case's state allows; here only the shape of what an officer typed
(amounts, dates, lists), so a typo is answered with a clear message before any service runs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

from django.http import QueryDict
from django.utils import timezone

from singlewindow.codelists.selectors import code_lists
from singlewindow.customs.models.cases import CaseState
from singlewindow.customs.models.selection import Channel
from singlewindow.customs.services import RequestedDocument
from singlewindow.datamodel.codelists import ListName

TAIPEI = ZoneInfo("Asia/Taipei")
MAX_DOCUMENTS = 20
DOCUMENT_ROWS = 4
DOCUMENT_FORM_ROWS = 8
MAX_REASONS = 20
MAX_TEXT = 500
MAX_FINDINGS = 2000
MAX_REFERENCE = 35
MAX_AMOUNT_DIGITS = 15
MAX_DEADLINE_DAYS = 90
_DOCUMENT_CODE = re.compile(r"[A-Za-z0-9]{1,10}")
_OFFICE_CODE = re.compile(r"[A-Z0-9]{2,8}")


class InputError(ValueError):
    """What the officer typed cannot be used; English and Chinese, and which field."""

    def __init__(self, en: str, zh: str, field: str = "") -> None:
        super().__init__(en)
        self.code, self.en, self.zh, self.field = "input.invalid", en, zh, field


def _text(data: QueryDict, name: str, *, limit: int = MAX_TEXT, label: tuple[str, str] = ("", "")) -> str:
    value = data.get(name, "").strip()
    if len(value) > limit:
        raise InputError(f"{label[0] or name} is longer than {limit} characters.",
                         f"{label[1] or name}超過 {limit} 個字元。", name)
    return value


def parse_amount(raw: str, *, field: str, label: tuple[str, str]) -> Decimal | None:
    """Whole New Taiwan dollars, thousands separators allowed; blank means "not given"."""
    text = raw.strip().replace(",", "").removeprefix("NT$").strip()
    if not text:
        return None
    if not re.fullmatch(rf"\d{{1,{MAX_AMOUNT_DIGITS}}}(\.0+)?", text):
        raise InputError(f"{label[0]}: give a whole amount in New Taiwan dollars, e.g. 3704.",
                         f"{label[1]}：請填寫新臺幣整數金額，例如 3704。", field)
    try:
        return Decimal(text).quantize(Decimal(1))
    except InvalidOperation as error:  # unreachable after the pattern; kept for the type checker's sake
        raise InputError(f"{label[0]}: not a number.", f"{label[1]}：不是數字。", field) from error


def parse_deadline(raw: str, *, now: datetime | None = None) -> datetime | None:
    """A date (Taipei): the deadline is the end of that day. Blank means the statutory limit."""
    text = raw.strip()
    if not text:
        return None
    try:
        day = date.fromisoformat(text)
    except ValueError as error:
        raise InputError("The deadline is not a date (YYYY-MM-DD).", "期限不是有效日期（YYYY-MM-DD）。",
                         "deadline") from error
    today = (now or timezone.now()).astimezone(TAIPEI).date()
    if day < today:
        raise InputError("The deadline must be in the future.", "期限必須晚於現在。", "deadline")
    if day > today + timedelta(days=MAX_DEADLINE_DAYS):
        raise InputError(f"The deadline may be at most {MAX_DEADLINE_DAYS} days away.",
                         f"期限最多為 {MAX_DEADLINE_DAYS} 天後。", "deadline")
    return datetime.combine(day, time(23, 59, 59), TAIPEI).astimezone(ZoneInfo("UTC"))


def parse_documents(data: QueryDict) -> list[RequestedDocument]:
    """The deficiency notice's lines (``doc-N-type``, ``doc-N-en``, ``doc-N-zh``); blank lines are skipped.

    A code the document type list knows may come without a description: its names are used.
    """
    indexes = sorted({int(m.group(1)) for key in data if (m := re.fullmatch(r"doc-(\d{1,3})-(type|en|zh)", key))})
    documents: list[RequestedDocument] = []
    for index in indexes:
        code = _text(data, f"doc-{index}-type", limit=10)
        en = _text(data, f"doc-{index}-en", label=("The description", "文件說明"))
        zh = _text(data, f"doc-{index}-zh", label=("The Chinese description", "中文說明"))
        if not (code or en or zh):
            continue
        line = index + 1
        if not _DOCUMENT_CODE.fullmatch(code):
            raise InputError(f"Document {line}: give the document type code (e.g. 380 for an invoice).",
                             f"第 {line} 項文件：請填寫文件種類代碼（例如發票為 380）。", f"doc-{index}-type")
        known = code_lists().name(ListName.DOCUMENT_TYPE, code)
        if not en and known is not None:
            en, zh = known[0][:MAX_TEXT], zh or known[1][:MAX_TEXT]
        if not en:
            raise InputError(f"Document {line}: describe what is missing (in English).",
                             f"第 {line} 項文件：請說明缺少的文件（英文）。", f"doc-{index}-en")
        documents.append(RequestedDocument(code, en, zh))
        if len(documents) > MAX_DOCUMENTS:
            raise InputError(f"A notice lists at most {MAX_DOCUMENTS} documents.",
                             f"一份通知最多列出 {MAX_DOCUMENTS} 項文件。")
    if not documents:
        raise InputError("Name at least one document.", "請至少列出一項文件。", "doc-0-type")
    return documents


@dataclass(frozen=True)
class Inspection:
    findings_en: str
    findings_zh: str
    discrepancy: bool
    amount_due: Decimal | None


def parse_inspection(data: QueryDict) -> Inspection:
    label = ("The findings", "查驗結果")
    return Inspection(
        findings_en=_text(data, "findings_en", limit=MAX_FINDINGS, label=label),
        findings_zh=_text(data, "findings_zh", limit=MAX_FINDINGS, label=label),
        discrepancy=data.get("discrepancy") in ("on", "1", "true"),
        amount_due=parse_amount(data.get("amount_due", ""), field="amount_due", label=("Amount due", "應納金額")),
    )


@dataclass(frozen=True)
class Payment:
    amount: Decimal
    reference: str
    guarantee: bool


def parse_payment(data: QueryDict) -> Payment:
    amount = parse_amount(data.get("amount", ""), field="amount", label=("Amount", "金額"))
    if amount is None or amount <= 0:
        raise InputError("Give the amount paid or guaranteed.", "請填寫繳納或擔保金額。", "amount")
    reference = _text(data, "reference", limit=MAX_REFERENCE, label=("The reference", "參考號碼"))
    if not reference:
        raise InputError("Give the payment or guarantee reference.", "請提供繳款或擔保參考號碼。", "reference")
    return Payment(amount=amount, reference=reference, guarantee=data.get("guarantee") in ("on", "1", "true"))


def parse_reasons(data: QueryDict) -> list[tuple[str, str]]:
    """One reason a line; the Chinese lines pair with the English ones in order."""
    en_lines = [line.strip() for line in _text(data, "reasons_en", limit=MAX_FINDINGS).splitlines() if line.strip()]
    zh_lines = [line.strip() for line in _text(data, "reasons_zh", limit=MAX_FINDINGS).splitlines() if line.strip()]
    if not en_lines:
        raise InputError("Give the reasons for the rejection.", "請填寫退單理由。", "reasons_en")
    if len(en_lines) > MAX_REASONS or len(zh_lines) > len(en_lines):
        raise InputError(f"Give at most {MAX_REASONS} reasons, the Chinese lines matching the English ones.",
                         f"退單理由最多 {MAX_REASONS} 項，中文行數不得多於英文。", "reasons_zh")
    if any(len(line) > MAX_TEXT for line in en_lines + zh_lines):
        raise InputError(f"A reason is longer than {MAX_TEXT} characters.", f"退單理由每項不得超過 {MAX_TEXT} 個字元。",
                         "reasons_en")
    return [(en, zh_lines[i] if i < len(zh_lines) else "") for i, en in enumerate(en_lines)]


# --- the queue's filters -----------------------------------------------------------------------


@dataclass(frozen=True)
class Tab:
    """A preset of the queue: which states and channel it holds."""

    code: str
    en: str
    zh: str
    states: tuple[str, ...] = ()
    channel: str = ""
    overdue: bool = False


_ACTIONABLE = (CaseState.SELECTED.value, CaseState.DOCUMENTS_RECEIVED.value)
TABS: tuple[Tab, ...] = (
    Tab("open", "All open", "全部未結案件"),
    Tab("overdue", "Overdue", "已逾期", overdue=True),
    Tab("c2", "C2: documents", "C2 文件審核", _ACTIONABLE, Channel.C2.value),
    Tab("c3", "C3: inspection", "C3 貨物查驗", _ACTIONABLE, Channel.C3.value),
    Tab("payment", "Awaiting payment", "待繳納稅費", (CaseState.AWAITING_PAYMENT.value,)),
)
AGES: dict[str, tuple[timedelta, str, str]] = {
    "4h": (timedelta(hours=4), "older than 4 hours", "超過 4 小時"),
    "1d": (timedelta(days=1), "older than 1 day", "超過 1 天"),
    "3d": (timedelta(days=3), "older than 3 days", "超過 3 天"),
}


@dataclass(frozen=True)
class QueueFilters:
    """What the queue page was asked for; unknown values fall back to "no filter"."""

    tab: Tab
    state: str
    channel: str
    age: str

    @property
    def older_than(self) -> timedelta | None:
        return AGES[self.age][0] if self.age else None

    def states(self) -> tuple[str, ...] | None:
        """The states to list: the tab's, narrowed by the state filter; () means none match; None any."""
        if not self.state:
            return self.tab.states or None
        if self.tab.states and self.state not in self.tab.states:
            return ()
        return (self.state,)

    def channel_filter(self) -> str | None:
        """The channel to list: None any; "" none match (the tab and the filter disagree)."""
        if self.tab.channel and self.channel and self.channel != self.tab.channel:
            return ""
        return self.tab.channel or self.channel or None


def parse_queue_filters(query: QueryDict) -> QueueFilters:
    tabs = {tab.code: tab for tab in TABS}
    state = query.get("state", "")
    channel = query.get("channel", "")
    age = query.get("age", "")
    return QueueFilters(
        tab=tabs.get(query.get("tab", ""), TABS[0]),
        state=state if state in CaseState.values else "",
        channel=channel if channel in Channel.values else "",
        age=age if age in AGES else "",
    )


# --- the time release page -----------------------------------------------------------------------


FIELD_NAMES = {"since": ("From", "起日"), "until": ("To", "迄日")}


@dataclass(frozen=True)
class ReportQuery:
    since: date
    until: date
    office: str
    channel: str


def parse_report_query(query: QueryDict, *, today: date) -> ReportQuery:
    """The period (default: the last 30 days, Taipei dates), an office code and a channel."""
    def day(name: str, default: date) -> date:
        text = query.get(name, "").strip()
        if not text:
            return default
        try:
            if len(text) > len("YYYY-MM-DD"):
                raise ValueError(text)
            return date.fromisoformat(text)
        except ValueError as error:
            en, zh = FIELD_NAMES[name]
            raise InputError(f"{en}: not a date (YYYY-MM-DD).", f"{zh}：不是有效日期（YYYY-MM-DD）。", name) from error

    since = day("since", today - timedelta(days=29))
    until = day("until", today)
    office = query.get("office", "").strip().upper()
    if office and not _OFFICE_CODE.fullmatch(office):
        raise InputError("The office code has 2 to 8 letters or digits (e.g. TWKEL).",
                         "關別代碼為 2 至 8 個英數字（例如 TWKEL）。", "office")
    channel = query.get("channel", "").strip().upper()
    if channel and channel not in Channel.values:
        raise InputError("The channel is C1, C2 or C3.", "通關方式為 C1、C2 或 C3。", "channel")
    return ReportQuery(since=since, until=until, office=office, channel=channel)
