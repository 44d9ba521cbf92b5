"""The published catalogue of validation error codes, each with its English and zh-Hant text.

Codes are stable: clients may branch on them. ``docs/message-guide.md`` lists them all.
"""

from __future__ import annotations

from singlewindow.datamodel.codelists import MESSAGES as CODE_LIST_MESSAGES
from singlewindow.datamodel.issues import Issue

# code -> (layer, English, Traditional Chinese). Placeholders in braces are filled per issue.
CATALOGUE: dict[str, tuple[str, str, str]] = {
    # Layer 2: schema (structure, types, lengths, patterns).
    "schema.missing": ("schema", "A required element is missing.", "缺少必要欄位。"),
    "schema.extra_forbidden": ("schema", "This element is not part of the data set.", "此欄位不屬於本資料集。"),
    "schema.string_too_long": ("schema", "The value is longer than allowed ({detail}).",
                                "內容超過允許長度（{detail}）。"),
    "schema.string_too_short": ("schema", "The value is empty.", "內容不可為空白。"),
    "schema.string_pattern_mismatch": ("schema", "The value does not have the required form.", "內容格式不符。"),
    "schema.string_type": ("schema", "A text value is required.", "此欄位必須是文字。"),
    "schema.literal_error": ("schema", "The value is not one of those allowed ({detail}).",
                             "內容不是允許的代碼之一（{detail}）。"),
    "schema.decimal_parsing": ("schema", "A decimal number is required.", "此欄位必須是數值。"),
    "schema.decimal_max_digits": ("schema", "The number has too many digits.", "數值位數過多。"),
    "schema.decimal_max_places": ("schema", "The number has too many decimal places.", "小數位數過多。"),
    "schema.int_parsing": ("schema", "A whole number is required.", "此欄位必須是整數。"),
    "schema.greater_than_equal": ("schema", "The number is too small ({detail}).", "數值過小（{detail}）。"),
    "schema.less_than_equal": ("schema", "The number is too large ({detail}).", "數值過大（{detail}）。"),
    "schema.too_long": ("schema", "Too many repetitions of this element ({detail}).",
                         "此欄位重複次數過多（{detail}）。"),
    "schema.too_short": ("schema", "At least one of this element is required.", "此欄位至少須有一筆。"),
    "schema.datetime": ("schema", "A date or date and time is required.", "此欄位必須是日期或日期時間。"),
    "schema.invalid": ("schema", "The value is not valid: {detail}.", "內容不正確：{detail}。"),
    "schema.business_id_check": ("schema", "The business ID fails its check rule.", "統一編號檢查碼錯誤。"),
    "schema.ucr_shape": ("schema", "The UCR is not a valid WCO unique consignment reference.",
                         "UCR 貨物託運編號格式錯誤。"),
    # Layer 3: code lists (raised by ``datamodel.codelists.check_code``).
    **{code: ("code list", en, zh) for code, (en, zh) in CODE_LIST_MESSAGES.items()},
    # Layer 4: business rules.
    "rule.required": ("business rule", "Required for {detail}.", "{detail}必須填寫此欄位。"),
    "rule.item_count": ("business rule", "GoodsItemQuantity is {value} but the declaration has {detail} items.",
                        "項數填報 {value}，但報單實有 {detail} 項。"),
    "rule.item_sequence": ("business rule",
                           "Item sequence numbers must run 1, 2, 3… (found {value} at position {detail}).",
                           "項次必須依序為 1、2、3…（第 {detail} 項填為 {value}）。"),
    "rule.package_total": ("business rule",
                           "TotalPackageQuantity is {value} but the items' packages add up to {detail}.",
                           "總件數填報 {value}，但各項件數合計為 {detail}。"),
    "rule.net_above_gross": ("business rule", "Net mass {value} exceeds gross mass {detail}.",
                             "淨重 {value} 大於毛重 {detail}。"),
    "rule.currency_mismatch": ("business rule", "Amount in {value}, but the invoice is in {detail}.",
                               "金額幣別為 {value}，與發票幣別 {detail} 不符。"),
    "rule.freight_required": ("business rule", "Trade terms {value} exclude freight: give the freight charge "
                              "so the CIF value can be computed.",
                              "交易條件 {value} 不含運費：請填報運費以計算 CIF 完稅價格。"),
    "rule.record_count": ("business rule", "RecordQuantity is {value} but the message has {detail} records.",
                          "筆數填報 {value}，但訊息實有 {detail} 筆資料。"),
    "rule.record_sequence": ("business rule",
                             "Record sequence numbers must run 1, 2, 3… (found {value} at position {detail}).",
                             "資料序號必須依序為 1、2、3…（第 {detail} 筆填為 {value}）。"),
    "rule.record_field_repeated": ("business rule", "Field {value} is given twice in this record.",
                                   "本筆資料的欄位 {value} 重複出現。"),
    "rule.item_value_total": ("business rule", "Item prices add up to {value}, above the invoice amount {detail}.",
                              "各項價格合計 {value}，高於發票金額 {detail}。"),
}

_LAYER_ZH = {"schema": "結構", "code list": "代碼", "business rule": "邏輯"}


def issue(code: str, pointer: str, *, value: object = "", detail: object = "") -> Issue:
    """An issue from the catalogue, its texts filled with the offending value and detail.

    ``detail`` may be an (English, Chinese) pair when it is words rather than a number or code.
    """
    _, en, zh = CATALOGUE[code]
    detail_en, detail_zh = detail if isinstance(detail, tuple) else (detail, detail)
    return Issue(code, pointer, en.format(value=value, detail=detail_en), zh.format(value=value, detail=detail_zh))


def layer_of(code: str) -> str:
    return CATALOGUE[code][0] if code in CATALOGUE else code.split(".", 1)[0]
