"""Errors of the payments app: a stable code, bilingual text and the HTTP status the API answers with.

Raised by services when a request cannot be carried out; nothing has changed when one is raised.
The same codes and texts go into the refusal notices customs sends a bank.
"""

from __future__ import annotations

from enum import StrEnum


class PaymentsError(Exception):
    def __init__(self, code: str, en: str, zh: str, *, status: int = 422, detail: str = "") -> None:
        super().__init__(en)
        self.code, self.en, self.zh, self.status, self.detail = code, en, zh, status, detail


class Code(StrEnum):
    UNKNOWN_REFERENCE = "payments.unknown_reference"
    BAD_CHECK_DIGITS = "payments.bad_check_digits"
    BAD_AMOUNT = "payments.bad_amount"
    BAD_CURRENCY = "payments.bad_currency"
    UNKNOWN_BANK = "payments.unknown_bank"
    TRANSACTION_REUSED = "payments.transaction_reused"
    UNKNOWN_GUARANTEE = "payments.unknown_guarantee"
    UNKNOWN_TRADER = "payments.unknown_trader"
    UNKNOWN_OFFICE = "payments.unknown_office"
    BAD_VALIDITY = "payments.bad_validity"
    MISSING_FIELD = "payments.missing_field"
    GUARANTEE_REUSED = "payments.guarantee_reused"
    WRONG_STATE = "payments.wrong_state"
    NOT_FOUND = "payments.not_found"
    BAD_DATE = "payments.bad_date"


MESSAGES: dict[str, tuple[str, str]] = {
    Code.UNKNOWN_REFERENCE: ("There is no payment order with this payment reference.", "查無此銷帳編號之繳款單。"),
    Code.BAD_CHECK_DIGITS: ("The payment reference is mistyped: its check digits do not match.",
                            "銷帳編號檢查碼不符，疑似輸入錯誤。"),
    Code.BAD_AMOUNT: ("The amount must be a positive number of whole New Taiwan dollars.",
                      "金額須為大於零之新臺幣整數元。"),
    Code.BAD_CURRENCY: ("Duties are paid and guaranteed in New Taiwan dollars (TWD) only.",
                        "稅費之繳納及保證僅限新臺幣（TWD）。"),
    Code.UNKNOWN_BANK: ("The bank named is not the sender, or the sender is not a registered bank.",
                        "訊息所載銀行與傳送者不符，或傳送者非登錄之銀行。"),
    Code.TRANSACTION_REUSED: ("This bank transaction id was already recorded with another reference or amount.",
                              "此銀行交易序號已登錄，且銷帳編號或金額不同。"),
    Code.UNKNOWN_GUARANTEE: ("There is no guarantee with this number from your bank.", "查無貴行此編號之保證。"),
    Code.UNKNOWN_TRADER: ("The guaranteed trader's business ID is not registered with the Single Window.",
                          "被保證廠商之統一編號未於單一窗口登錄。"),
    Code.UNKNOWN_OFFICE: ("Name the customs office that accepts the guarantee.", "請載明受理保證之海關關別。"),
    Code.BAD_VALIDITY: ("The validity period is wrong: it must end after it starts, and not in the past.",
                        "保證有效期間有誤：迄日須晚於起日，且不得已過期。"),
    Code.MISSING_FIELD: ("A field needed for this message is missing.", "本訊息必要欄位缺漏。"),
    Code.GUARANTEE_REUSED: ("This guarantee number was already sent with other terms.",
                            "此保證編號已以不同內容送達。"),
    Code.WRONG_STATE: ("Not possible in the guarantee's current state.", "保證目前狀態不能執行此動作。"),
    Code.NOT_FOUND: ("Not found.", "查無資料。"),
    Code.BAD_DATE: ("Give the date as YYYY-MM-DD.", "日期格式應為 YYYY-MM-DD。"),
}


def error(code: Code, *, status: int = 422, detail: str = "") -> PaymentsError:
    """The error for ``code`` with its standard texts."""
    en, zh = MESSAGES[code]
    return PaymentsError(str(code), en, zh, status=status, detail=detail)
