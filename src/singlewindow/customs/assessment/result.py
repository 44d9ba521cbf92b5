"""The assessment a trader reads: per item, each charge with its base, rate and amount; then totals."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum


class ChargeCode(StrEnum):
    IMPORT_DUTY = "import_duty"
    COMMODITY_TAX = "commodity_tax"
    BUSINESS_TAX = "business_tax"
    TRADE_PROMOTION_FEE = "trade_promotion_fee"


CHARGE_LABELS: dict[ChargeCode, tuple[str, str]] = {
    ChargeCode.IMPORT_DUTY: ("Import duty", "進口關稅"),
    ChargeCode.COMMODITY_TAX: ("Commodity tax", "貨物稅"),
    ChargeCode.BUSINESS_TAX: ("Business tax", "營業稅"),
    ChargeCode.TRADE_PROMOTION_FEE: ("Trade promotion fee", "推廣貿易服務費"),
}


def _money(amount: Decimal) -> str:
    return f"NT${amount:,.0f}"


@dataclass(frozen=True)
class Charge:
    """One duty, tax or fee on an item: ``amount`` (whole NT$) = ``rate_text`` applied to ``base``."""

    code: ChargeCode
    base: Decimal
    rate_text: str
    amount: Decimal

    @property
    def label(self) -> tuple[str, str]:
        return CHARGE_LABELS[self.code]


@dataclass(frozen=True)
class ValuePart:
    """One amount that makes up the customs value, in its currency and in TWD."""

    label_en: str
    label_zh: str
    amount: Decimal
    currency: str
    exchange_rate: Decimal
    twd: Decimal


@dataclass(frozen=True)
class ItemAssessment:
    sequence: int
    tariff_code: str
    origin: str
    column: str  # "general" or "preferential:<origin group>"
    value_parts: tuple[ValuePart, ...]
    customs_value: Decimal  # CIF, whole NT$
    charges: tuple[Charge, ...]
    notes: tuple[tuple[str, str], ...] = ()

    def amount(self, code: ChargeCode) -> Decimal:
        return sum((c.amount for c in self.charges if c.code == code), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((c.amount for c in self.charges), Decimal(0))

    def render(self) -> list[str]:
        column = "general / 一般稅率" if self.column == "general" else \
            f"preferential {self.column.partition(':')[2]} / 優惠稅率"
        lines = [f"Item {self.sequence} 第 {self.sequence} 項  {self.tariff_code}  origin 原產地 {self.origin or '-'}  "
                 f"({column})"]
        for part in self.value_parts:
            lines.append(f"  {part.label_en} {part.label_zh}: {part.amount} {part.currency} x {part.exchange_rate}"
                         f" = NT${part.twd:,.2f}")
        lines.append(f"  Customs value (CIF) 完稅價格: {_money(self.customs_value)}")
        for charge in self.charges:
            en, zh = charge.label
            lines.append(f"  {en} {zh}: {charge.rate_text} of 之 {_money(charge.base)} = {_money(charge.amount)}")
        lines.extend(f"  Note 註: {en} / {zh}" for en, zh in self.notes)
        lines.append(f"  Item total 本項合計: {_money(self.total)}")
        return lines


@dataclass(frozen=True)
class DeclarationAssessment:
    """The whole declaration: its items, the rates used, and the totals that are the sums of the items."""

    on: date
    schedule: str
    is_sample: bool
    exchange_rates: dict[str, Decimal]
    items: tuple[ItemAssessment, ...]

    def total_of(self, code: ChargeCode) -> Decimal:
        return sum((item.amount(code) for item in self.items), Decimal(0))

    @property
    def customs_value(self) -> Decimal:
        return sum((item.customs_value for item in self.items), Decimal(0))

    @property
    def total(self) -> Decimal:
        return sum((item.total for item in self.items), Decimal(0))

    def totals(self) -> dict[ChargeCode, Decimal]:
        return {code: self.total_of(code) for code in ChargeCode}

    def render(self) -> list[str]:
        """The breakdown as text lines, English and Traditional Chinese side by side."""
        lines = [f"Assessment on 核計日 {self.on.isoformat()}  tariff 稅則表 {self.schedule}"
                 + ("  (SAMPLE DATA 範例資料)" if self.is_sample else "")]
        if self.exchange_rates:
            rates = ", ".join(f"{currency} {rate}" for currency, rate in sorted(self.exchange_rates.items()))
            lines.append(f"Customs exchange rates 關稅匯率 (TWD): {rates}")
        for item in self.items:
            lines.extend(item.render())
        lines.append(f"Customs value 完稅價格合計: {_money(self.customs_value)}")
        for code, amount in self.totals().items():
            en, zh = CHARGE_LABELS[code]
            lines.append(f"{en} {zh}: {_money(amount)}")
        lines.append(f"Total payable 應納稅費合計: {_money(self.total)}")
        return lines
