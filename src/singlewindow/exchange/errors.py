"""Exchange error codes and the one error type services raise.

Codes are stable and documented in docs/api.md; the API renders them as RFC 9457
problem+json with ``{code, pointer, message}`` items.
"""

from __future__ import annotations

from enum import StrEnum

from singlewindow.datamodel.issues import Issue
from singlewindow.problems import problem_body


class ExchangeErrorCode(StrEnum):
    TOO_LARGE = "envelope.too_large"
    UNSUPPORTED_CONTENT_TYPE = "envelope.unsupported_content_type"
    MISSING_HEADER = "envelope.missing_header"
    UNKNOWN_MESSAGE_TYPE = "envelope.unknown_message_type"
    INVALID = "message.invalid"
    UNAUTHORISED_SENDER = "access.unauthorised_sender"
    NO_ORGANISATION = "access.no_organisation"
    SIGNATURE_REQUIRED = "signature.required"
    SIGNATURE_INVALID = "signature.invalid"
    SIGNATURE_ENVELOPE_MISMATCH = "signature.envelope_mismatch"
    CERTIFICATE_NOT_REGISTERED = "signature.certificate_not_registered"
    CERTIFICATE_REJECTED = "signature.certificate_rejected"
    NO_ROUTE = "routing.no_route"
    CLIENT_REFERENCE_REUSED = "envelope.client_reference_reused"
    NOT_A_PARTY = "consignment.not_a_party"
    NOT_FOUND = "not_found"
    WEBHOOK_REFUSED = "webhook.refused"
    WEBHOOK_NOT_CONFIGURED = "webhook.not_configured"
    EVIDENCE_INCOMPLETE = "evidence.incomplete"
    EVIDENCE_BROKEN = "evidence.broken"


STATUS = {
    ExchangeErrorCode.TOO_LARGE: 413,
    ExchangeErrorCode.UNSUPPORTED_CONTENT_TYPE: 415,
    ExchangeErrorCode.MISSING_HEADER: 400,
    ExchangeErrorCode.UNKNOWN_MESSAGE_TYPE: 422,
    ExchangeErrorCode.INVALID: 422,
    ExchangeErrorCode.UNAUTHORISED_SENDER: 403,
    ExchangeErrorCode.NO_ORGANISATION: 403,
    ExchangeErrorCode.SIGNATURE_REQUIRED: 401,
    ExchangeErrorCode.SIGNATURE_INVALID: 401,
    ExchangeErrorCode.SIGNATURE_ENVELOPE_MISMATCH: 401,
    ExchangeErrorCode.CERTIFICATE_NOT_REGISTERED: 401,
    ExchangeErrorCode.CERTIFICATE_REJECTED: 401,
    ExchangeErrorCode.NO_ROUTE: 422,
    ExchangeErrorCode.CLIENT_REFERENCE_REUSED: 409,
    ExchangeErrorCode.NOT_A_PARTY: 403,
    ExchangeErrorCode.NOT_FOUND: 404,
    ExchangeErrorCode.WEBHOOK_REFUSED: 422,
    ExchangeErrorCode.WEBHOOK_NOT_CONFIGURED: 409,
    ExchangeErrorCode.EVIDENCE_INCOMPLETE: 500,
    ExchangeErrorCode.EVIDENCE_BROKEN: 500,
}

TITLES = {
    ExchangeErrorCode.TOO_LARGE: ("Message too large", "訊息過大"),
    ExchangeErrorCode.UNSUPPORTED_CONTENT_TYPE: ("Unsupported format", "不支援的訊息格式"),
    ExchangeErrorCode.MISSING_HEADER: ("Envelope incomplete", "信封欄位不完整"),
    ExchangeErrorCode.UNKNOWN_MESSAGE_TYPE: ("Unknown message type", "未知的訊息類型"),
    ExchangeErrorCode.INVALID: ("Message does not validate", "訊息內容驗證失敗"),
    ExchangeErrorCode.UNAUTHORISED_SENDER: ("Sender not authorised for this service", "傳送者未獲授權使用此服務"),
    ExchangeErrorCode.NO_ORGANISATION: ("Caller acts for no organisation", "使用者未隸屬任何機構"),
    ExchangeErrorCode.SIGNATURE_REQUIRED: ("Signature required", "此服務須附電子簽章"),
    ExchangeErrorCode.SIGNATURE_INVALID: ("Signature does not verify", "電子簽章驗證失敗"),
    ExchangeErrorCode.SIGNATURE_ENVELOPE_MISMATCH: ("Signature is for another envelope", "簽章與信封內容不符"),
    ExchangeErrorCode.CERTIFICATE_NOT_REGISTERED: ("Certificate not registered to the sender", "憑證未登錄於傳送機構"),
    ExchangeErrorCode.CERTIFICATE_REJECTED: ("Certificate not acceptable", "憑證無效"),
    ExchangeErrorCode.NO_ROUTE: ("No recipient for this message", "找不到訊息收件者"),
    ExchangeErrorCode.CLIENT_REFERENCE_REUSED: (
        "Client reference already used for other content", "客戶參考編號已用於不同內容"),
    ExchangeErrorCode.NOT_A_PARTY: ("Sender is no party to this consignment", "傳送者非此貨物運送（UCR）之關係人"),
    ExchangeErrorCode.NOT_FOUND: ("Not found", "查無資料"),
    ExchangeErrorCode.WEBHOOK_REFUSED: ("Webhook URL not acceptable", "Webhook 網址不可使用"),
    ExchangeErrorCode.WEBHOOK_NOT_CONFIGURED: ("No active webhook", "尚未設定可用的 Webhook"),
    ExchangeErrorCode.EVIDENCE_INCOMPLETE: ("The evidence log is missing entries", "證據紀錄缺少項目"),
    ExchangeErrorCode.EVIDENCE_BROKEN: ("The evidence log does not verify", "證據紀錄驗證未通過"),
}


class ExchangeError(Exception):
    """A refusal with a stable code and the issues behind it."""

    def __init__(self, code: ExchangeErrorCode, issues: list[Issue] | None = None, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail
        self.issues = issues or []

    @property
    def status(self) -> int:
        return STATUS[self.code]

    def problem(self) -> dict[str, object]:
        """RFC 9457 problem details with the issue list."""
        en, zh = TITLES[self.code]
        errors = [i.as_dict() for i in self.issues] or [
            {"code": str(self.code), "pointer": "", "message": {"en": self.detail or en, "zh-Hant": zh}}
        ]
        return problem_body(self.status, str(self.code), f"{en} / {zh}", errors, self.detail or en)
