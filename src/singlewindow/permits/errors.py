"""Permit codes: the refusals a verification answers with, and the errors a request is refused with.

A *refusal* is an answer: the request was proper and the permit does not cover it (expired,
over quantity…); it is signed and returned with status 200. An *error* means the request itself
cannot be answered (not a customs office, bad input, no such permit to show); nothing changes
and the API renders it as problem+json.
"""

from __future__ import annotations

from enum import StrEnum


class Refusal(StrEnum):
    UNKNOWN_PERMIT = "permit.unknown"
    NOT_HOLDER = "permit.not_holder"
    NOT_YET_VALID = "permit.not_yet_valid"
    EXPIRED = "permit.expired"
    SUSPENDED = "permit.suspended"
    REVOKED = "permit.revoked"
    WRONG_HS_CODE = "permit.wrong_hs_code"
    UNIT_MISMATCH = "permit.unit_mismatch"
    OVER_QUANTITY = "permit.over_quantity"
    ALREADY_WRITTEN_OFF = "permit.already_written_off"


REFUSALS: dict[Refusal, tuple[str, str]] = {
    Refusal.UNKNOWN_PERMIT: ("The agency issued no permit with this number.", "該機關未核發此號碼之許可證。"),
    Refusal.NOT_HOLDER: ("The permit was issued to another holder.", "許可證持有人與申報人不符。"),
    Refusal.NOT_YET_VALID: ("The permit is not valid yet.", "許可證尚未生效。"),
    Refusal.EXPIRED: ("The permit has expired.", "許可證已逾有效期限。"),
    Refusal.SUSPENDED: ("The agency has suspended the permit.", "許可證已遭發證機關暫停使用。"),
    Refusal.REVOKED: ("The agency has revoked the permit.", "許可證已遭發證機關撤銷。"),
    Refusal.WRONG_HS_CODE: ("The permit covers no goods under this HS code.", "許可證未涵蓋此貨品分類號列。"),
    Refusal.UNIT_MISMATCH: ("The permit's quantities are in another unit.", "許可證核准數量之單位不同。"),
    Refusal.OVER_QUANTITY: ("The quantity exceeds the permit's balance.", "申報數量超過許可證剩餘數量。"),
    Refusal.ALREADY_WRITTEN_OFF: ("This declaration item already used the permit differently, or was restored.",
                                  "本報單項次已以不同內容扣帳，或已回沖。"),
}


class PermitErrorCode(StrEnum):
    NOT_CUSTOMS_OFFICE = "permits.not_customs_office"
    NOT_AGENCY = "permits.not_agency"
    NOT_FOUND = "permits.not_found"
    BAD_REQUEST = "permits.bad_request"
    BAD_DECISION = "permits.bad_decision"
    UNKNOWN_REGULATION = "permits.unknown_regulation"
    LINES_IN_USE = "permits.lines_in_use"
    NOT_YOUR_APPLICATION = "permits.not_your_application"
    UNKNOWN_APPLICATION = "permits.unknown_application"
    APPLICATION_CLOSED = "permits.application_closed"


STATUS = {
    PermitErrorCode.NOT_CUSTOMS_OFFICE: 403,
    PermitErrorCode.NOT_AGENCY: 403,
    PermitErrorCode.NOT_FOUND: 404,
    PermitErrorCode.BAD_REQUEST: 422,
    PermitErrorCode.BAD_DECISION: 422,
    PermitErrorCode.UNKNOWN_REGULATION: 422,
    PermitErrorCode.LINES_IN_USE: 409,
    PermitErrorCode.NOT_YOUR_APPLICATION: 403,
    PermitErrorCode.UNKNOWN_APPLICATION: 404,
    PermitErrorCode.APPLICATION_CLOSED: 409,
}
MESSAGES = {
    PermitErrorCode.NOT_CUSTOMS_OFFICE: ("Only a customs office may do this.", "僅海關得執行此作業。"),
    PermitErrorCode.NOT_AGENCY: ("Only the issuing agency may do this.", "僅發證機關得執行此作業。"),
    PermitErrorCode.NOT_FOUND: ("No such permit.", "查無此許可證。"),
    PermitErrorCode.BAD_REQUEST: ("The request cannot be answered as it stands.", "請求內容有誤，無法處理。"),
    PermitErrorCode.BAD_DECISION: ("The decision cannot make a permit.", "核定內容不足以建立許可證。"),
    PermitErrorCode.UNKNOWN_REGULATION: ("No such regulation code for this agency.", "查無該機關之此輸出入規定代號。"),
    PermitErrorCode.LINES_IN_USE: ("Declarations already used what the new decision takes away.",
                                   "新核定內容減少之數量已有報單扣帳。"),
    PermitErrorCode.NOT_YOUR_APPLICATION: ("The application was sent to another agency.", "此申請案非由貴機關受理。"),
    PermitErrorCode.UNKNOWN_APPLICATION: ("No such application: name the regulation code to decide on it.",
                                          "查無此申請案；請註明輸出入規定代號。"),
    PermitErrorCode.APPLICATION_CLOSED: ("The application was rejected; the applicant must apply again.",
                                         "此申請案已駁回，請申請人重新申請。"),
}


class PermitError(Exception):
    """A request refused as a whole; nothing was changed."""

    def __init__(self, code: PermitErrorCode, detail: str = ""):
        super().__init__(f"{code}: {detail}" if detail else str(code))
        self.code = code
        self.detail = detail

    @property
    def status(self) -> int:
        return STATUS[self.code]
