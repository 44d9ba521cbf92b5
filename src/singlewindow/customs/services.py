"""Writes on declaration cases: every transition, automatic or by an officer, goes through
``transition``, which checks it is allowed, records it (case event, evidence entry, timeline
line) and notifies the declarant when the state is one the declarant hears of."""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, transaction
from django.utils import timezone

from singlewindow.customs import lifecycle, notifications
from singlewindow.customs.models.cases import Case, CaseEvent
from singlewindow.customs.models.cases import CaseState as S
from singlewindow.customs.models.selection import Channel
from singlewindow.datamodel.datasets import Declaration
from singlewindow.exchange.evidence import AppendedEntry, Results, seq_param, seq_sql
from singlewindow.exchange.rows import Batch, update_statement
from singlewindow.exchange.services import StateChange, record_state_change, record_state_changes
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation


class CaseError(Exception):
    """An action the case's state does not allow, or bad officer input; nothing was changed."""

    def __init__(self, code: str, en: str, zh: str) -> None:
        super().__init__(en)
        self.code, self.en, self.zh = code, en, zh


@dataclass(frozen=True)
class RequestedDocument:
    """One line of a deficiency notice: the document type (UN/EDIFACT 1001 code) and what is missing."""

    type_code: str
    en: str
    zh: str = ""


Matcher = Callable[[Case, Declaration], list[tuple[str, str]]]
"""A check against other parties' data (manifest, permits): the problems found, in English and Chinese."""

MATCHERS: list[Matcher] = []
"""Filled in by the cargo and permit apps; with none registered, matching passes and says so."""


def register_matcher(matcher: Matcher) -> None:
    if matcher not in MATCHERS:
        MATCHERS.append(matcher)


Withdrawal = Callable[[Case, Actor], None]
"""Undoes what another app gave a case that will never be released (permit write-offs)."""

WITHDRAWALS: list[Withdrawal] = []
"""Run in the transaction that rejects or cancels a case; filled in by the permit app."""


def register_withdrawal(hook: Withdrawal) -> None:
    if hook not in WITHDRAWALS:
        WITHDRAWALS.append(hook)


Entered = Callable[[Case, str, Actor, "CaseRun"], None]
"""Told that a case entered a state (the case as it now is, the state it left, who moved it, and the
run whose records will be written)."""

ENTERED: list[Entered] = []
"""Run in the transaction of every transition, before its records are written; filled in by the
payment and cargo apps (payment orders when a case awaits payment, the released packages off the
bill's balance). A hook writes its own rows, or queues statements that need no answer first with
``CaseRun.queue`` so they travel with the run's records; an exception aborts the transition and
everything with it. Appending evidence here takes the evidence lock early and holds it until the
case's commit, so hooks on the engine's automatic path should write plain rows."""


def register_entered(hook: Entered) -> None:
    if hook not in ENTERED:
        ENTERED.append(hook)


def case_number(case: Case) -> str:
    """Customs' number for the declaration: office, year, sequence."""
    return f"{case.office.office_code or 'TW'}{case.received_at:%y}{case.pk:08d}"


def lock_case(case: Case) -> Case:
    """The case's row, locked for this transaction and read afresh (with its office and declarant)."""
    return Case.objects.select_for_update(of=("self",)).select_related("office", "declarant").get(pk=case.pk)


class CaseRun:
    """The transitions of one run on a locked case, written together in one short burst at its end.

    The engine takes a case through several states in one transaction. Each transition is
    checked and applied to ``case`` at once, and the notice of it, if the declarant hears of
    it, is built and checked by intake then (from the case as it is at that moment); the
    records wait. When the run ends they are written in one burst: the case's changed fields,
    each transition's case event, evidence entry and timeline line, and each notice right after
    its transition, with the statements hooks queued. The burst is one round trip; the evidence
    lock, which every intake in the exchange waits for, is taken by its first evidence statement
    and held to the commit, so it is held for part of one round trip rather than for the whole
    run. Use it as a context manager: leaving without an error writes the records; an error
    writes nothing.
    """

    def __init__(self, case: Case, *, events: int | None = None) -> None:
        """``events``: how many events the case already has (counted when not given)."""
        if not transaction.get_connection().in_atomic_block:
            raise RuntimeError("a case run must be inside the transaction that holds the case's lock")
        self.case = case
        self._events = events if events is not None else CaseEvent.objects.filter(case=case).count()
        self._changed: dict[str, Any] = {}
        self._records: list[tuple[StateChange, CaseEvent]] = []
        self._queued: list[tuple[str, Sequence[Any], Callable[[list[tuple[Any, ...]]], None] | None]] = []

    def __enter__(self) -> CaseRun:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        if kind is None:
            self.flush()

    def add(self, changed: dict[str, Any], change: StateChange, event: CaseEvent, *,
            notify: Actor | None = None) -> None:
        """Queue a transition's records; ``notify``: the actor that tells the declarant of it."""
        self._changed.update(changed)
        self._events += 1
        if notify is not None:
            change = replace(change, notice=notifications.prepare_notice(
                self.case, event, position=self._events, actor=notify))
        self._records.append((change, event))

    def queue(self, sql: str, params: Sequence[Any],
              then: Callable[[list[tuple[Any, ...]]], None] | None = None) -> None:
        """A statement to run with the records, after the case's update and before the evidence
        lock; ``then`` is given its rows. It must not need the answer of anything else in the run."""
        self._queued.append((sql, params, then))

    def flush(self) -> list[CaseEvent]:
        """Write the waiting records, the case's changed fields and the queued statements (one
        round trip); the records' events."""
        first = Batch()
        if self._changed:
            first.add(*update_statement(Case, self.case.pk, self._changed))
        queued = [(first.add(sql, params), then) for sql, params, then in self._queued]
        records, self._records, self._changed, self._queued = self._records, [], {}, []
        if not records:
            results = first.run()
            events: list[CaseEvent] = []
        else:
            events, results = _write_events(self.case, records, first=first)
        for index, then in queued:
            if then is not None:
                then(results[index])
        return events


def transition(case: Case, to: str, *, actor: Actor, note: tuple[str, str] = ("", ""),
               data: dict[str, Any] | None = None, fields: dict[str, Any] | None = None,
               due_at: datetime | None = None, message_id: uuid.UUID | None = None,
               run: CaseRun | None = None) -> CaseEvent:
    """Move ``case`` to ``to``: allowed transitions only; recorded three ways; notified if due.

    ``data`` is what the event records (and, for plain values, the evidence entry); ``fields``
    are case fields set in the same write (the channel, the amounts, the assessment…).

    Without ``run`` the case is locked and read afresh here, ``case`` itself is left as it was,
    and the records are written at once. Within a ``run`` (the engine, whose transaction holds
    the lock of the current ``case``) the row is not read again, ``case`` itself is updated and
    the records are written when the run ends: the event returned gets its id then.
    """
    if run is not None:
        if run.case is not case:
            raise ValueError("the run belongs to another case object")
        return _apply(case, to, actor=actor, note=note, data=data, fields=fields, due_at=due_at,
                      message_id=message_id, run=run)
    with transaction.atomic():
        locked = lock_case(case)
        with CaseRun(locked) as own:
            event = _apply(locked, to, actor=actor, note=note, data=data, fields=fields, due_at=due_at,
                           message_id=message_id, run=own)
    return event


def _apply(case: Case, to: str, *, actor: Actor, note: tuple[str, str], data: dict[str, Any] | None,
           fields: dict[str, Any] | None, due_at: datetime | None, message_id: uuid.UUID | None,
           run: CaseRun) -> CaseEvent:
    """Check, then apply the locked, current ``case``'s transition and queue its records and notice."""
    if not lifecycle.allowed(case.state, to):
        raise CaseError("case.transition_not_allowed",
                        f"A case that is {lifecycle.STATE_TITLES[case.state][0]} cannot become "
                        f"{lifecycle.STATE_TITLES[to][0]}.",
                        f"案件目前為「{lifecycle.STATE_TITLES[case.state][1]}」，不能改為「{lifecycle.STATE_TITLES[to][1]}」。")
    reason = lifecycle.blocked(case, to)
    if reason is not None:
        raise CaseError("case.not_yet", *reason)
    now = timezone.now()
    previous = case.state
    limit = lifecycle.time_limit(to)
    changed: dict[str, Any] = {
        "state": to, "updated_at": now, "due_at": due_at or (now + limit if limit is not None else None),
        "reminded_at": None, **(fields or {}),
    }
    for name, value in changed.items():
        setattr(case, name, value)
    if to in (S.REJECTED, S.CANCELLED):
        for hook in WITHDRAWALS:
            hook(case, actor)
    for entered in ENTERED:
        entered(case, previous, actor, run)
    change, event = _records_for(case, previous, to, actor=actor, note=note, data=data or {},
                                 message_id=message_id, at=now)
    run.add(changed, change, event, notify=actor if to in lifecycle.NOTICES else None)
    return event


def _record(case: Case, previous: str, to: str, *, actor: Actor, note: tuple[str, str], data: dict[str, Any],
            message_id: uuid.UUID | None, at: datetime, kind: str = "") -> CaseEvent:
    """The case event, its evidence entry and its timeline line, written now."""
    return _write_events(case, [_records_for(case, previous, to, actor=actor, note=note, data=data,
                                             message_id=message_id, at=at, kind=kind)])[0][0]


def _records_for(case: Case, previous: str, to: str, *, actor: Actor, note: tuple[str, str], data: dict[str, Any],
                 message_id: uuid.UUID | None, at: datetime, kind: str = "") -> tuple[StateChange, CaseEvent]:
    """The evidence entry and timeline line (as a state change) and the case event of a transition."""
    en, zh = lifecycle.STATE_TITLES[to] if not kind else (kind, kind)
    channel = f" ({case.channel})" if to == S.SELECTED and case.channel else ""
    change = StateChange(
        organisation=case.office, kind=f"customs.{kind or to}", ucr=case.ucr or None, message_id=message_id,
        fields={"case": case_number(case), "reference": case.reference, "from": previous, "to": to,
                "channel": case.channel, "actor": actor.label[:200], **_evidence_fields(data)},
        title_en=f"{case.office.name_en}: declaration {case.reference} {note[0] if kind else en}{channel}",
        title_zh=f"{case.office.name_zh or case.office.name_en}：報單 {case.reference} {note[1] if kind else zh}"
                 + channel.replace(" (", "（").replace(")", "）"), at=at,
    )
    event = CaseEvent(case=case, at=at, from_state=previous, to_state=to, actor=actor.label[:200],
                      note_en=note[0], note_zh=note[1], data=data)
    return change, event


def _write_events(case: Case, records: list[tuple[StateChange, CaseEvent]], *,
                  first: Batch | None = None) -> tuple[list[CaseEvent], Results]:
    """Each record's evidence entry and timeline line, then its case event naming the entry, with
    ``first``'s statements before them; the events and the round trip's results."""
    fields = ("case", "at", "from_state", "to_state", "actor", "note_en", "note_zh", "data", "evidence_seq")

    def event_rows(entries: list[AppendedEntry], batch: Batch) -> None:
        index.append(batch.insert(CaseEvent, [
            {**{name: case.pk if name == "case" else getattr(event, name) for name in fields},
             "evidence_seq": seq_param(entry)}
            for (_, event), entry in zip(records, entries, strict=True)],
            returning="id", expressions={"evidence_seq": seq_sql()}))

    index: list[int | None] = []
    entries, results = record_state_changes([change for change, _ in records], first=first, then=event_rows)
    assert index[0] is not None
    for (_, event), entry, row in zip(records, entries, results[index[0]], strict=True):
        event.pk, event.evidence_seq = row[0], entry.seq
        event._state.adding = False
        event._state.db = DEFAULT_DB_ALIAS
    return [event for _, event in records], results


def _evidence_fields(details: dict[str, Any]) -> dict[str, Any]:
    """What of an event's data goes into the evidence body: plain values only, kept small."""
    return {k: v for k, v in details.items() if isinstance(v, str | int | bool) or v is None}


# --- the automatic path ----------------------------------------------------------------------


@transaction.atomic(savepoint=False)  # it only raises for a failed write, which fails the whole transaction
def open_case(*, message_id: uuid.UUID, declaration: Declaration, dataset: str, office: Organisation,
              declarant: Organisation, response_format: str, actor: Actor,
              then: Callable[[CaseRun], None] | None = None) -> Case:
    """Register a new declaration; the declarant is told it was received.

    ``then`` continues the same run (the engine's automatic steps), so the records of the
    receipt and of every step after it are written together when the run ends.
    """
    now = timezone.now()
    case = Case.objects.create(
        message_id=message_id, latest_message_id=message_id, office=office, declarant=declarant, kind=dataset,
        reference=declaration.functional_reference_id or str(message_id)[:35],
        ucr=declaration.consignment_reference() or "", response_format=response_format,
        state=S.RECEIVED, received_at=now, updated_at=now,
    )
    change = StateChange(
        organisation=office, kind="customs.received", ucr=case.ucr or None, message_id=message_id,
        fields={"case": case_number(case), "reference": case.reference, "to": S.RECEIVED},
        title_en=f"{office.name_en}: declaration {case.reference} received as {case_number(case)}",
        title_zh=f"{office.name_zh or office.name_en}：報單 {case.reference} 已收單，報單號碼 {case_number(case)}",
        at=now,
    )
    event = CaseEvent(case=case, at=now, from_state="", to_state=S.RECEIVED, actor=actor.label[:200])
    with CaseRun(case, events=0) as run:
        run.add({}, change, event, notify=actor)
        if then is not None:
            then(run)
    return case


def match(case: Case, declaration: Declaration, *, actor: Actor, run: CaseRun | None = None) -> bool:
    """Run the registered matchers; True when the case may go on to assessment (``run``: see ``transition``)."""
    problems = [problem for matcher in MATCHERS for problem in matcher(case, declaration)]
    if problems:
        # Waiting for the manifest or a permit is normal: the case stays validated and the
        # matchers are asked again when the missing data arrives. The event says why, so the
        # officer and the declarant see what the case waits for.
        change, event = _records_for(
            case, case.state, case.state, actor=actor, message_id=None, at=timezone.now(), kind="waiting",
            note=(("Waiting: " + "; ".join(en for en, _ in problems))[:2000],
                  ("等待中：" + "；".join(zh or en for en, zh in problems))[:2000]),
            data={"reasons": [{"en": en, "zh": zh or en} for en, zh in problems[:50]], "count": len(problems)})
        if run is not None:
            run.add({}, change, event)
        else:
            _write_events(case, [(change, event)])
        return False
    transition(case, S.MATCHED, actor=actor,
               note=("Matched." if MATCHERS else "No manifest or permit checks apply yet.",
                     "比對完成。" if MATCHERS else "目前無須比對艙單或簽審。"),
               data={"matchers": len(MATCHERS)}, run=run)
    return True


def record_assessment(case: Case, *, actor: Actor, amount_due: Decimal, breakdown: dict[str, Any],
                      note: tuple[str, str], run: CaseRun | None = None) -> CaseEvent:
    return transition(case, S.ASSESSED, actor=actor, note=note,
                      data={"amount_due": str(amount_due)},
                      fields={"amount_due": amount_due, "assessment": breakdown}, run=run)


def record_selection(case: Case, *, actor: Actor, channel: str, score: float | None,
                     explanation: dict[str, Any], run: CaseRun | None = None) -> CaseEvent:
    if channel not in Channel.values:
        raise CaseError("case.bad_channel", f"Unknown channel {channel!r}.", f"無此通關方式 {channel!r}。")
    return transition(case, S.SELECTED, actor=actor, data={"channel": channel, "score": score},
                      fields={"channel": channel, "risk_score": score, "selection": explanation}, run=run)


def after_selection(case: Case, *, actor: Actor, run: CaseRun | None = None) -> None:
    """C1 goes straight on: released when nothing is due, else the amount due is notified.

    Within a ``run`` ``case`` is current (see ``transition``); otherwise it is read again.
    """
    if run is None:
        case.refresh_from_db()
    if case.channel == Channel.C1 and case.state == S.SELECTED:
        ask_for_payment_or_release(case, actor=actor, run=run)


def ask_for_payment_or_release(case: Case, *, actor: Actor, run: CaseRun | None = None) -> None:
    if run is None:
        case.refresh_from_db()
    if case.amount_due > case.amount_paid:
        transition(case, S.AWAITING_PAYMENT, actor=actor,
                   data={"amount_due": str(case.amount_due - case.amount_paid)}, run=run)
    else:
        transition(case, S.RELEASED, actor=actor, note=("Nothing is due.", "無應納稅費。"), run=run)


# --- officer and declarant actions ------------------------------------------------------------


def _open(case: Case, *states: str) -> None:
    if case.state not in states:
        en, zh = lifecycle.STATE_TITLES[case.state]
        raise CaseError("case.wrong_state", f"Not possible while the case is {en}.", f"案件「{zh}」時不能執行此動作。")


@transaction.atomic
def request_documents(case: Case, *, actor: Actor, documents: Sequence[RequestedDocument],
                      deadline: datetime | None = None) -> CaseEvent:
    """The one-time deficiency notice (一次性告知單): every missing document at once, with a deadline."""
    _open(case, S.SELECTED)
    if not documents:
        raise CaseError("case.no_documents", "Name at least one document.", "請至少列出一項文件。")
    if deadline is not None and deadline <= timezone.now():
        raise CaseError("case.deadline_past", "The deadline must be in the future.", "期限必須晚於現在。")
    listed = [{"type_code": d.type_code, "en": d.en, "zh": d.zh or d.en} for d in documents]
    return transition(case, S.DOCUMENTS_REQUESTED, actor=actor, due_at=deadline,
                      note=(f"{len(listed)} document(s) requested at once.", f"一次通知補送 {len(listed)} 項文件。"),
                      data={"documents": listed, "count": len(listed)})


@transaction.atomic
def receive_documents(case: Case, *, actor: Actor, documents: list[dict[str, str]],
                      message_id: uuid.UUID | None = None) -> CaseEvent:
    _open(case, S.DOCUMENTS_REQUESTED)
    return transition(case, S.DOCUMENTS_RECEIVED, actor=actor, message_id=message_id,
                      data={"documents": documents, "count": len(documents)})


@transaction.atomic
def accept_documents(case: Case, *, actor: Actor, amount_due: Decimal | None = None) -> None:
    """The officer finds the documents in order; a C3 case then goes to inspection."""
    _open(case, S.DOCUMENTS_RECEIVED, S.SELECTED)
    if case.channel == Channel.C3:
        raise CaseError("case.inspection_needed", "A C3 case is released after inspection.", "C3 案件須查驗後放行。")
    _set_amount(case, actor, amount_due)
    ask_for_payment_or_release(case, actor=actor)


@transaction.atomic
def record_inspection(case: Case, *, actor: Actor, findings_en: str, findings_zh: str = "",
                      discrepancy: bool = False, amount_due: Decimal | None = None) -> CaseEvent:
    """Findings of a physical inspection; a discrepancy waits for the declarant's amendment."""
    _open(case, S.SELECTED, S.DOCUMENTS_RECEIVED)
    if case.channel != Channel.C3:
        raise CaseError("case.not_c3", "Only C3 cases are inspected.", "僅 C3 案件須查驗。")
    if not findings_en.strip():
        raise CaseError("case.no_findings", "Write the inspection findings.", "請填寫查驗結果。")
    event = transition(case, S.INSPECTED, actor=actor, note=(findings_en, findings_zh or findings_en),
                       data={"discrepancy": discrepancy})
    if not discrepancy:
        _set_amount(case, actor, amount_due)
        ask_for_payment_or_release(case, actor=actor)
    return event


def _set_amount(case: Case, actor: Actor, amount_due: Decimal | None) -> None:
    if amount_due is None:
        return
    if amount_due < 0:
        raise CaseError("case.negative_amount", "The amount due cannot be negative.", "應納金額不得為負數。")
    Case.objects.filter(pk=case.pk).update(amount_due=amount_due)


@transaction.atomic
def record_payment(case: Case, *, actor: Actor, amount: Decimal, reference: str, guarantee: bool = False) -> None:
    """A payment (or a guarantee covering the amount) arrived; release follows when all is covered.

    Paid and released (or guaranteed and released) are written in one burst of one run, so the
    evidence lock is taken once, in one round trip, whatever the steps.
    """
    _check_payment(amount, reference)
    record_payment_locked(lock_case(case), actor=actor, amount=amount, reference=reference, guarantee=guarantee)


def _check_payment(amount: Decimal, reference: str) -> None:
    if amount <= 0:
        raise CaseError("case.bad_amount", "The amount must be positive.", "金額必須大於零。")
    if not reference.strip():
        raise CaseError("case.no_reference", "Give the payment reference.", "請提供繳款參考號碼。")


def record_payment_locked(locked: Case, *, actor: Actor, amount: Decimal, reference: str, guarantee: bool = False,
                          events: int | None = None) -> None:
    """``record_payment`` on a case the caller's transaction has locked and read afresh (as ``lock_case`` does).

    For a caller that locked the case together with its own rows (a bank's confirmation locks
    the payment order and its case in one statement): no savepoint and no second read of the
    case. ``events``: how many events the case has, when the caller already counted them.
    A ``CaseError`` is raised before anything is written, but it leaves the caller's
    transaction to roll back.
    """
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("record_payment_locked must run in the transaction that holds the case's lock")
    _check_payment(amount, reference)
    _open(locked, S.AWAITING_PAYMENT, S.GUARANTEED, S.RELEASED)
    paid = locked.amount_paid + amount
    if guarantee and amount < locked.amount_due - locked.amount_paid:
        raise CaseError("case.guarantee_short", "The guarantee does not cover the amount due.",
                        "擔保金額不足以涵蓋應納稅費。")
    if not guarantee and locked.state == S.AWAITING_PAYMENT and paid < locked.amount_due:
        partial = Batch()
        partial.add(*update_statement(Case, locked.pk, {"amount_paid": paid}))
        partial.run()
        return  # a partial payment: the case keeps waiting for the rest
    with CaseRun(locked, events=events) as run:
        if locked.state in (S.GUARANTEED, S.RELEASED) and not guarantee:
            # Released before payment: the duties are paid later and the case stays released.
            change, event = _records_for(
                locked, locked.state, locked.state, actor=actor, kind="paid", at=timezone.now(), message_id=None,
                note=(f"paid NT${amount:,.0f} ({reference})", f"已繳納新臺幣 {amount:,.0f} 元（{reference}）"),
                data={"reference": reference, "amount": str(amount)})
            run.add({"amount_paid": paid, "updated_at": event.at}, change, event)
            return
        if guarantee:
            transition(locked, S.GUARANTEED, actor=actor, data={"reference": reference, "amount": str(amount)},
                       run=run)
            transition(locked, S.RELEASED, actor=actor, note=("Released against the guarantee.", "憑擔保先放後稅。"),
                       run=run)
            return
        transition(locked, S.PAID, actor=actor, data={"reference": reference, "amount": str(amount)},
                   fields={"amount_paid": paid}, run=run)
        if locked.state == S.PAID:
            transition(locked, S.RELEASED, actor=actor, run=run)


@transaction.atomic
def reject(case: Case, *, actor: Actor, reasons: Sequence[tuple[str, str]]) -> CaseEvent:
    if not reasons:
        raise CaseError("case.no_reasons", "Give the reasons for the rejection.", "請填寫退單理由。")
    return transition(case, S.REJECTED, actor=actor, note=("; ".join(r[0] for r in reasons),
                                                           "；".join(r[1] or r[0] for r in reasons)),
                      data={"reasons": [{"en": en, "zh": zh or en} for en, zh in reasons]})


@transaction.atomic
def cancel(case: Case, *, actor: Actor, message_id: uuid.UUID) -> CaseEvent:
    """The declarant withdrew the declaration (function code 1) before release."""
    return transition(case, S.CANCELLED, actor=actor, message_id=message_id,
                      note=("Cancelled at the declarant's request.", "應報關人申請撤銷。"))


@transaction.atomic
def amend(case: Case, *, actor: Actor, message_id: uuid.UUID, changed: list[str],
          run: CaseRun | None = None) -> CaseEvent:
    """A new version of the declaration (function code 13): re-validated and re-assessed.

    ``run``: see ``transition``.
    """
    return transition(case, S.AMENDED, actor=actor, message_id=message_id,
                      note=(f"Version {case.version + 1}.", f"第 {case.version + 1} 版。"),
                      data={"changed": changed[:50]},
                      fields={"version": case.version + 1, "latest_message_id": message_id}, run=run)


def remind_overdue(now: datetime | None = None) -> int:
    """Record one reminder per overdue step (the officer's queue shows them first)."""
    now = now or timezone.now()
    reminded = 0
    for case in Case.objects.filter(due_at__lt=now, reminded_at__isnull=True).exclude(
            state__in=lifecycle.FINAL).select_related("office")[:500]:
        with transaction.atomic():
            updated = Case.objects.filter(pk=case.pk, reminded_at__isnull=True).update(reminded_at=now)
            if not updated:
                continue
            en, zh = lifecycle.STATE_TITLES[case.state]
            record_state_change(
                organisation=case.office, kind="customs.overdue", ucr=case.ucr or None,
                fields={"case": case_number(case), "state": case.state, "due_at": case.due_at.isoformat()
                        if case.due_at else None},
                title_en=f"{case.office.name_en}: declaration {case.reference} is overdue ({en})",
                title_zh=f"{case.office.name_zh or case.office.name_en}：報單 {case.reference} 已逾期（{zh}）",
            )
            reminded += 1
    return reminded
