"""Customs' answers to carriers: a refused manifest, amendment or conveyance report comes back as a
customs response (``customs_response.cargo_notification``) in the carrier's format, saying why
in English and Chinese, and is recorded as evidence either way."""

from __future__ import annotations

from django.utils import timezone

from singlewindow.customs.notifications import CONTENT_TYPES
from singlewindow.datamodel.codecs import Codec, carries, codec_named
from singlewindow.datamodel.datasets import CustomsResponse
from singlewindow.datamodel.datasets.response import ResponseError
from singlewindow.exchange.errors import ExchangeError
from singlewindow.exchange.intake import Envelope, submit_message
from singlewindow.exchange.models import Message
from singlewindow.exchange.services import record_state_change
from singlewindow.registry.actors import Actor

MESSAGE_TYPE = "customs_response.cargo_notification"
REJECTED_FUNCTION = "03"


def _codec(name: str) -> Codec:
    """The sender's codec when it writes customs responses, else JSON."""
    codec = codec_named(name)
    if codec is None or codec.name not in CONTENT_TYPES or not carries(codec, "customs_response"):
        codec = codec_named("json")
    assert codec is not None
    return codec


def refuse_manifest(message: Message, actor: Actor, en: str, zh: str, *, code: str) -> Message | None:
    """Tell the sender of ``message`` it was refused; the answer message, or None when it could not be sent."""
    office = actor.organisation
    assert office is not None
    record_state_change(
        organisation=office, kind="cargo.refused", ucr=None, message_id=message.id,
        fields={"code": code, "message_type": message.message_type, "sender": message.sender.code,
                "en": en[:300], "zh": zh[:300], "actor": actor.label[:200]},
        title_en=f"{office.name_en}: {message.message_type} of {message.sender.name_en} refused: {en}"[:300],
        title_zh=f"{office.name_zh or office.name_en}：{message.sender.name_zh or message.sender.name_en}"
                 f"之 {message.message_type} 未獲受理：{zh}"[:300])
    codec = _codec(message.format)
    response = CustomsResponse(
        function_code=REJECTED_FUNCTION, status="rejected", issue_date_time=timezone.now(),
        declaration_message_id=str(message.id), remarks=f"{en} / {zh}"[:2000],
        error=[ResponseError(validation_code="CAR001", description=f"{en} / {zh}"[:512])])
    try:
        return submit_message(envelope=Envelope(
            message_type=MESSAGE_TYPE, client_reference=f"car-refused-{message.id}",
            content_type=CONTENT_TYPES[codec.name],
            payload=codec.encode(response, "customs_response")), actor=actor).message
    except ExchangeError:
        return None  # no service lets the sender receive it: the refusal stays on record as evidence
