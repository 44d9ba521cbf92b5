"""Notifications to the declarant: a customs response message through the exchange, in the
format the declarant used (JSON, WCO RES XML or UN/EDIFACT CUSRES)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils import timezone

from singlewindow.customs import lifecycle
from singlewindow.customs.models.cases import CaseState as S
from singlewindow.datamodel.codecs import Codec, codec_named
from singlewindow.datamodel.datasets import CustomsResponse
from singlewindow.datamodel.datasets.response import (
    ResponseDeclaration,
    ResponseError,
    ResponseInformation,
    ResponseStatus,
)
from singlewindow.exchange import routing
from singlewindow.exchange.intake import Envelope, PreparedMessage, prepare_message, submit_message
from singlewindow.registry.actors import Actor

if TYPE_CHECKING:
    from singlewindow.customs.models.cases import Case, CaseEvent
    from singlewindow.exchange.models import Message

CONTENT_TYPES = {"json": "application/json", "wco-dec-xml": "application/xml", "edifact": "application/edifact"}
MESSAGE_TYPE = "customs_response.notification"


def response_for(case: Case, event: CaseEvent) -> CustomsResponse:
    """The customs response telling the declarant that ``case`` reached ``event.to_state``."""
    from singlewindow.customs.services import case_number

    notice = lifecycle.NOTICES[event.to_state]
    en, zh = lifecycle.STATE_TITLES[event.to_state]
    data = event.data or {}
    information: list[ResponseInformation] = []
    errors: list[ResponseError] = []
    remarks = [f"Declaration {case.reference} ({case_number(case)}) {en}. / 報單 {case.reference}"
               f"（{case_number(case)}）{zh}。"]
    if event.to_state == S.SELECTED:
        remarks.append(f"Channel 通關方式: {case.channel}.")
        information.append(ResponseInformation(statement_code="CHANNEL", statement_description=case.channel))
    for document in data.get("documents", []) if event.to_state == S.DOCUMENTS_REQUESTED else []:
        information.append(ResponseInformation(
            statement_code="DOCUMENT", statement_type_code=document["type_code"][:3],
            statement_description=f"{document['en']} / {document['zh']}"[:512], limit_date_time=case.due_at))
    if event.to_state == S.AWAITING_PAYMENT:
        due = case.amount_due - case.amount_paid
        remarks.append(f"Amount due 應納稅費: NT${due:,.0f}, by 繳納期限 {case.due_at:%Y-%m-%d}."
                       if case.due_at else f"Amount due 應納稅費: NT${due:,.0f}.")
        information.append(ResponseInformation(statement_code="AMOUNT_DUE", statement_description=f"{due} TWD",
                                               limit_date_time=case.due_at))
    for reason in data.get("reasons", []) if event.to_state == S.REJECTED else []:
        errors.append(ResponseError(validation_code="CUS001", description=f"{reason['en']} / {reason['zh']}"[:512]))
    if event.note_en:
        remarks.append(f"{event.note_en} / {event.note_zh or event.note_en}")
    return CustomsResponse(
        function_code=notice.function_code,
        status=notice.status,
        issue_date_time=event.at,
        declaration_message_id=str(case.latest_message_id),
        ucr=case.ucr or None,
        remarks=" ".join(remarks)[:2000],
        additional_information=information,
        error=errors,
        status_detail=[ResponseStatus(effective_date_time=event.at, name_code=notice.function_code,
                                      release_date_time=event.at if event.to_state == S.RELEASED else None)],
        declaration=ResponseDeclaration(functional_reference_id=case.reference, id=case_number(case),
                                        acceptance_date_time=case.received_at),
    )


def _codec(name: str) -> Codec:
    """The declarant's codec when it can write a customs response, else JSON."""
    codec = codec_named(name)
    if codec is None or codec.name not in CONTENT_TYPES:
        codec = codec_named("json")
    assert codec is not None
    return codec


def notice_reference(case: Case, position: int) -> str:
    """A notice's client reference: the case and the position of its event in the case (1 = first).

    The run writes its events (and learns their ids) only at its end, after the notices are
    prepared, so the reference cannot name the event's id; the position is known beforehand,
    unique within the case (its row is locked while events are added) and the same on a retry.
    """
    return f"cus-{case.pk}-{position}"


def prepare_notice(case: Case, event: CaseEvent, *, position: int, actor: Actor) -> PreparedMessage:
    """The response telling the declarant of ``event``, checked by intake as the office sends it; not yet stored.

    The payload is taken from ``case`` as it is now, so prepare it when the event happens.
    """
    codec = _codec(case.response_format)
    if actor.organisation is not None and case.office_id == actor.organisation.pk:
        routing.remember_declarant(case.latest_message_id, responder=case.office, declarant=case.declarant)
    return prepare_message(
        envelope=Envelope(
            message_type=MESSAGE_TYPE,
            client_reference=notice_reference(case, position),
            content_type=CONTENT_TYPES[codec.name],
            payload=codec.encode(response_for(case, event), "customs_response"),
        ),
        actor=actor,
    )


def refuse(message: Message, actor: Actor, en: str, zh: str) -> None:
    """Answer a declaration message that opens or changes no case (nothing to cancel, a reused reference)."""
    codec = _codec(message.format)
    response = CustomsResponse(
        function_code=lifecycle.NOTICES[S.REJECTED].function_code, status="rejected",
        issue_date_time=timezone.now(), declaration_message_id=str(message.id),
        ucr=message.consignment.ucr if message.consignment else None, remarks=f"{en} / {zh}"[:2000],
        error=[ResponseError(validation_code="CUS002", description=f"{en} / {zh}"[:512])],
    )
    submit_message(
        envelope=Envelope(message_type=MESSAGE_TYPE, client_reference=f"cus-refused-{message.id}",
                          content_type=CONTENT_TYPES[codec.name], payload=codec.encode(response, "customs_response")),
        actor=actor,
    )
