"""The built-in customs engine: reads the customs offices' mailboxes like any agency system and
takes each declaration as far as it can go without an officer.

Original (function code 9): open a case, then validate, match, assess, select; a C1 case goes on
to the amount-due notice or, when nothing is due, to release. Amendment (13): a new version,
re-assessed in the same channel; in answer to a deficiency notice it delivers the documents.
Cancellation (1): the case is cancelled. Every step answers the declarant through the exchange.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from django.db.models import QuerySet

from singlewindow.customs import lifecycle, services
from singlewindow.customs.assessment.errors import AssessmentError, AssessmentErrorCode
from singlewindow.customs.assessment.result import DeclarationAssessment
from singlewindow.customs.assessment.service import assess_declaration
from singlewindow.customs.models.cases import Case, CaseEvent
from singlewindow.customs.models.cases import CaseState as S
from singlewindow.customs.models.selection import Channel
from singlewindow.customs.notifications import refuse
from singlewindow.datamodel.datasets import Declaration, ImportDeclaration
from singlewindow.exchange.models import Delivery, Message
from singlewindow.exchange.selectors import document_of
from singlewindow.registry.actors import Actor

DECLARATION_TYPES = ("import_declaration.submit", "export_declaration.submit")
PERMIT_DECISION = "permit_decision.notification"
ORIGINAL, AMENDMENT, CANCELLATION = "9", "13", "1"

# Faults the declarant must correct: the declaration is rejected with them. Any other fault is
# customs' own (no tariff line loaded, no exchange rate for the day, a rate the computer cannot
# apply): an officer assesses the declaration in the C2 channel instead.
DECLARANT_FAULTS = frozenset({
    AssessmentErrorCode.NO_ITEMS, AssessmentErrorCode.NO_CLASSIFICATION, AssessmentErrorCode.NO_TARIFF_LINE,
    AssessmentErrorCode.NO_VALUE, AssessmentErrorCode.NO_CURRENCY, AssessmentErrorCode.MISSING_FREIGHT,
    AssessmentErrorCode.MISSING_QUANTITY,
})

Selection = tuple[str, float | None, dict[str, Any]]
"""Channel, learned score (if any) and the explanation."""

Selector = Callable[[Case, Declaration, dict[str, Any]], Selection]


def _default_selector(case: Case, declaration: Declaration, assessment: dict[str, Any]) -> Selection:
    from singlewindow.customs.selection.step import select_for_case

    return select_for_case(case, declaration, assessment)


SELECTOR: list[Selector] = [_default_selector]
"""The selection step (rules plus learned score); tests of the lifecycle may put another first."""


OTHER_MESSAGES: dict[str, Callable[[Delivery, Actor], None]] = {}
"""Handlers for other apps' messages delivered to a customs office (the cargo app's manifests)."""


def register_message_handler(message_type: str, handler: Callable[[Delivery, Actor], None]) -> None:
    """Let the customs engine hand ``message_type`` deliveries to ``handler`` (in the delivery's transaction)."""
    OTHER_MESSAGES[message_type] = handler


def handle_delivery(delivery: Delivery, actor: Actor) -> None:
    message = delivery.message
    if message.message_type == PERMIT_DECISION:
        _continue_waiting(delivery, actor)
        return
    other = OTHER_MESSAGES.get(message.message_type)
    if other is not None:
        other(delivery, actor)
        return
    if message.message_type not in DECLARATION_TYPES:
        return
    declaration = document_of(message)
    if not isinstance(declaration, Declaration):
        return
    reference = declaration.functional_reference_id or str(message.id)[:35]
    case = Case.objects.filter(declarant=message.sender, reference=reference).first()
    function = declaration.function_code
    if function == CANCELLATION:
        if case is None or case.state in lifecycle.FINAL:
            refuse(message, actor, "There is no open declaration with this reference to cancel.",
                   "查無可撤銷之報單。")
            return
        services.cancel(case, actor=actor, message_id=message.id)
        return
    if function == AMENDMENT:
        if case is None or case.state in lifecycle.FINAL:
            refuse(message, actor, "There is no open declaration with this reference to amend.", "查無可更正之報單。")
            return
        _amend(case, declaration, message.id, actor)
        return
    if case is not None:
        refuse(message, actor, f"Reference {reference} was already used for declaration {services.case_number(case)}.",
               f"參考編號 {reference} 已用於報單 {services.case_number(case)}。")
        return
    services.open_case(
        message_id=message.id, declaration=declaration, dataset=message.message_type.split(".")[0],
        office=delivery.recipient, declarant=message.sender, response_format=message.format, actor=actor,
        then=lambda run: _process(run, declaration, actor),
    )


def _continue_waiting(delivery: Delivery, actor: Actor) -> None:
    """An agency decided on a permit for a consignment: the office's cases waiting at matching try again."""
    consignment = delivery.message.consignment
    if consignment is None:
        return
    retry_waiting(Case.objects.filter(office=delivery.recipient, ucr=consignment.ucr), actor)


def retry_waiting(cases: QuerySet[Case], actor: Actor) -> None:
    """The data some of ``cases`` waited for at matching arrived: those still waiting try again.

    Call it inside the transaction that stored the data, so a case sees it when it matches.
    """
    for waiting in cases.filter(state=S.VALIDATED).order_by("pk"):
        with services.CaseRun(services.lock_case(waiting)) as run:
            if run.case.state != S.VALIDATED:
                continue
            declaration = document_of(Message.objects.get(pk=run.case.latest_message_id))
            if isinstance(declaration, Declaration):
                _process(run, declaration, actor, validated=True)


def _amend(case: Case, declaration: Declaration, message_id: Any, actor: Actor) -> None:
    if case.state == S.DOCUMENTS_REQUESTED:
        documents = [{"type_code": d.type_code or "", "id": d.id or ""} for d in declaration.additional_document]
        for item in declaration.items:
            documents += [{"type_code": d.type_code or "", "id": d.id or ""} for d in item.additional_document]
        services.receive_documents(case, actor=actor, documents=documents, message_id=message_id)
        return
    inspected = CaseEvent.objects.filter(case=case, to_state__in=(S.INSPECTED, S.DOCUMENTS_RECEIVED)).exists()
    with services.CaseRun(services.lock_case(case)) as run:
        services.amend(run.case, actor=actor, message_id=message_id, changed=["declaration"], run=run)
        _process(run, declaration, actor, reviewed=inspected)


def _process(run: services.CaseRun, declaration: Declaration, actor: Actor, *, reviewed: bool = False,
             validated: bool = False) -> None:
    """Validate, match, assess and select; stop where an officer or missing data is needed.

    ``validated``: the case waits at matching already validated (the permit it waited for came).

    The run's case is current and its row locked by this transaction (opened or locked just
    before): each transition updates it in place and prepares its notice, and the run writes
    every record and notice together when it ends.
    """
    case = run.case
    if not validated:
        services.transition(case, S.VALIDATED, actor=actor, note=(
            "Schema, code lists and business rules checked at intake.", "資料格式、代碼及業務規則已於收單時檢核。"),
            run=run)
    if not services.match(case, declaration, actor=actor, run=run):
        return
    assessed = _assess(run, declaration, actor)
    if assessed is None:
        return
    if case.channel:  # an amendment keeps its channel
        services.record_selection(case, actor=actor, channel=case.channel, score=case.risk_score,
                                  explanation={**case.selection, "kept": True}, run=run)
        if reviewed or case.channel == Channel.C1:
            services.ask_for_payment_or_release(case, actor=actor, run=run)
        return
    channel, score, explanation = SELECTOR[0](case, declaration, assessed)
    if assessed.get("manual") and channel == Channel.C1:
        channel = Channel.C2
        explanation = {**explanation, "manual_assessment": True}
    services.record_selection(case, actor=actor, channel=channel, score=score, explanation=explanation, run=run)
    services.after_selection(case, actor=actor, run=run)


def _assess(run: services.CaseRun, declaration: Declaration, actor: Actor) -> dict[str, Any] | None:
    """The assessment as stored on the case; None when the declaration was rejected for it."""
    case = run.case
    if not isinstance(declaration, ImportDeclaration):
        services.record_assessment(case, actor=actor, amount_due=Decimal(0), breakdown={"export": True},
                                   note=("Exports carry no import duties or taxes.", "出口報單無進口稅費。"),
                                   run=run)
        return {"export": True}
    try:
        result = assess_declaration(declaration)
    except AssessmentError as error:
        problems = error.problems
        if any(p.code in DECLARANT_FAULTS for p in problems):
            services.transition(case, S.REJECTED, actor=actor, note=(
                "; ".join(p.en for p in problems)[:2000], "；".join(p.zh for p in problems)[:2000]),
                data={"reasons": [{"en": p.en, "zh": p.zh, "code": str(p.code), "item": p.item}
                                  for p in problems]}, run=run)
            return None
        breakdown = {"manual": True, "problems": [{"code": str(p.code), "en": p.en, "zh": p.zh, "item": p.item}
                                                  for p in problems]}
        services.record_assessment(case, actor=actor, amount_due=Decimal(0), breakdown=breakdown, note=(
            "An officer assesses this declaration.", "本報單由關員核定稅費。"), run=run)
        return breakdown
    breakdown = breakdown_of(result)
    services.record_assessment(case, actor=actor, amount_due=result.total, breakdown=breakdown, note=(
        f"Total payable NT${result.total:,.0f}.", f"應納稅費合計新臺幣 {result.total:,.0f} 元。"), run=run)
    return breakdown


def breakdown_of(result: DeclarationAssessment) -> dict[str, Any]:
    """The assessment as JSON the trader's screens and the API show."""
    return {
        "on": result.on.isoformat(), "schedule": result.schedule, "sample": result.is_sample,
        "exchange_rates": {k: str(v) for k, v in result.exchange_rates.items()},
        "items": [{
            "sequence": item.sequence, "tariff_code": item.tariff_code, "origin": item.origin, "column": item.column,
            "customs_value": str(item.customs_value),
            "charges": [{"code": str(c.code), "en": c.label[0], "zh": c.label[1], "base": str(c.base),
                         "rate": c.rate_text, "amount": str(c.amount)} for c in item.charges],
            "notes": [list(note) for note in item.notes],
        } for item in result.items],
        "totals": {str(code): str(amount) for code, amount in result.totals().items()},
        "customs_value": str(result.customs_value), "total": str(result.total),
    }
