"""Why an assessment could not be made: stable codes with English and Traditional Chinese text."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class AssessmentErrorCode(StrEnum):
    NOT_IMPORT = "assessment.not_import"
    NO_ITEMS = "assessment.no_items"
    NO_SCHEDULE = "assessment.no_schedule"
    NO_CLASSIFICATION = "assessment.no_classification"
    NO_TARIFF_LINE = "assessment.no_tariff_line"
    NO_GENERAL_RATE = "assessment.no_general_rate"
    UNPARSED_RATE = "assessment.rate_not_computable"
    NO_SEASON = "assessment.no_season"
    NO_VALUE = "assessment.no_value"
    NO_CURRENCY = "assessment.no_currency"
    NO_EXCHANGE_RATE = "assessment.no_exchange_rate"
    MISSING_FREIGHT = "assessment.missing_freight"
    MISSING_QUANTITY = "assessment.missing_quantity"


MESSAGES: dict[AssessmentErrorCode, tuple[str, str]] = {
    AssessmentErrorCode.NOT_IMPORT: ("Only import declarations are assessed for duties and taxes.",
                                     "僅進口報單需核計稅費。"),
    AssessmentErrorCode.NO_ITEMS: ("The declaration has no goods items.", "報單沒有貨物項目。"),
    AssessmentErrorCode.NO_SCHEDULE: ("No tariff schedule {detail} is loaded.", "未載入稅則表 {detail_zh}。"),
    AssessmentErrorCode.NO_CLASSIFICATION: ("The item has no tariff code.", "此項目未申報稅則號別。"),
    AssessmentErrorCode.NO_TARIFF_LINE: ("Tariff code {detail} is not in the schedule on {on}.",
                                         "稅則號別 {detail_zh} 於 {on} 不在稅則表中。"),
    AssessmentErrorCode.NO_GENERAL_RATE: ("Tariff code {detail} has no general duty rate.",
                                          "稅則號別 {detail_zh} 沒有一般稅率。"),
    AssessmentErrorCode.UNPARSED_RATE: ("The rate '{detail}' cannot be computed automatically; an officer "
                                        "assesses it.", "稅率「{detail_zh}」無法自動計算，須由關員核定。"),
    AssessmentErrorCode.NO_SEASON: ("The seasonal rate '{detail}' has no rate for {on}.",
                                    "季節性稅率「{detail_zh}」於 {on} 無適用稅率。"),
    AssessmentErrorCode.NO_VALUE: ("The item has neither a customs value nor an invoice amount.",
                                   "此項目未申報完稅價格或發票金額。"),
    AssessmentErrorCode.NO_CURRENCY: ("An amount has no currency and the invoice gives none.",
                                      "金額未註明幣別，發票亦未註明。"),
    AssessmentErrorCode.NO_EXCHANGE_RATE: ("No customs exchange rate for {detail} on {on}.",
                                           "{on} 無 {detail_zh} 之關稅匯率。"),
    AssessmentErrorCode.MISSING_FREIGHT: ("Trade terms {detail} exclude freight: declare the freight charge.",
                                          "交易條件 {detail_zh} 不含運費，請申報運費。"),
    AssessmentErrorCode.MISSING_QUANTITY: ("The rate needs the quantity in {detail}; declare it as the item's "
                                           "{where}.", "此稅率須以{detail_zh}計算數量，請於項目申報{where_zh}。"),
}


@dataclass(frozen=True)
class AssessmentProblem:
    """One reason an item (``item`` is its sequence number) or the declaration could not be assessed."""

    code: AssessmentErrorCode
    en: str
    zh: str
    item: int | None = None
    pointer: str = ""


def problem(code: AssessmentErrorCode, *, item: int | None = None, pointer: str = "", **values: object) -> \
        AssessmentProblem:
    en, zh = MESSAGES[code]
    filled = {"detail": "", "on": "", "where": "", "where_zh": "", **{k: str(v) for k, v in values.items()}}
    filled.setdefault("detail_zh", filled["detail"])
    return AssessmentProblem(code, en.format(**filled), zh.format(**filled), item, pointer)


class AssessmentError(Exception):
    """Raised with every problem found, so the trader can fix them all at once."""

    def __init__(self, problems: list[AssessmentProblem]):
        self.problems = problems
        super().__init__("; ".join(f"{p.code}: {p.en}" for p in problems))


class ItemProblem(Exception):
    """Inside the arithmetic: one item's problem, collected by the caller."""

    def __init__(self, found: AssessmentProblem):
        super().__init__(found.en)
        self.problem = found
