"""The demo's sample tariff: national lines made from HS 2022 subheadings, with made-up rates.

SAMPLE DATA, NOT LAW. Every figure here is invented to look plausible and to exercise every
kind of rate (ad valorem, specific, compound, minimum/maximum, preferential columns); none is
Taiwan's statutory tariff. The commodity tax table uses the percentages the Commodity Tax Act
states for its categories as we understand them, but maps them onto HS headings in a simplified
way, so it is labelled sample too. The exchange rates are round figures, not published rates.

Everything is deterministic: the same HS list always gives the same schedule.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from singlewindow.customs.tariff.rates import parse_rate
from singlewindow.customs.tariff.reader import LineRow, RateRow

SCHEDULE_NAME = "tw-sample"
TITLE_EN = "Sample national tariff (demo data, not the law)"
TITLE_ZH = "範例國定稅則（示範資料，非法定稅率）"
SOURCE = "Built from the HS 2022 nomenclature; rates invented for demonstration"
VALID_FROM = date(2022, 1, 1)


@dataclass(frozen=True)
class SampleGroup:
    code: str
    name_en: str
    name_zh: str
    countries: tuple[str, ...]


ORIGIN_GROUPS = (
    SampleGroup("sample-nz", "Sample preference: New Zealand (ANZTEC-like)", "範例優惠：紐西蘭", ("NZ",)),
    SampleGroup("sample-sg", "Sample preference: Singapore (ASTEP-like)", "範例優惠：新加坡", ("SG",)),
)

CHAPTER_RATES: tuple[tuple[range, str], ...] = (
    (range(1, 6), "15%"),  # live animals, meat, fish, dairy
    (range(6, 15), "12.5%"),  # vegetable products
    (range(15, 16), "7.5%"),  # fats and oils
    (range(16, 22), "20%"),  # prepared foodstuffs
    (range(22, 23), "20%"),  # beverages (some headings specific, below)
    (range(23, 25), "10%"),
    (range(25, 28), "2.5%"),  # minerals, fuels
    (range(28, 39), "5%"),  # chemicals, plastics
    (range(39, 41), "5%"),
    (range(41, 50), "7.5%"),
    (range(50, 64), "10.5%"),  # textiles and clothing
    (range(64, 68), "8%"),  # footwear, headgear
    (range(68, 72), "5%"),
    (range(72, 84), "4%"),  # base metals
    (range(84, 86), "0%"),  # machinery and electrical goods (ITA-like)
    (range(86, 90), "10%"),  # vehicles, aircraft, ships
    (range(90, 93), "2.5%"),
    (range(93, 98), "6.5%"),
)

HEADING_RATES: dict[str, str] = {
    "1006": "45 TWD / kg",  # rice: a specific rate
    "2203": "10% + 3 TWD / l",  # beer: compound
    "2204": "10% MIN 20 TWD / l",  # wine: minimum duty
    "2208": "20% MAX 200 TWD / l",  # spirits: capped
    "8703": "17.5%",  # cars
    "8711": "20%",  # motorcycles
    "6403": "10% MIN 50 TWD / pair",  # leather footwear
}

PREFERENTIAL_RATE = "0%"
"""The sample preferential columns give 0 % on chapters 25-97 (industrial goods) only."""

REGULATION_CHAPTERS: tuple[tuple[range, str], ...] = (
    (range(1, 6), "B01"),  # animals and animal products: quarantine
    (range(6, 15), "B01"),  # plants: quarantine
    (range(2, 5), "F01"),  # meat, fish, dairy: food import inspection
    (range(7, 13), "F01"),  # edible vegetables, fruit, coffee, cereals, flour, seeds
    (range(15, 23), "F01"),  # fats, prepared foods and beverages
    (range(84, 86), "C02"),  # electrical: some goods under commodity inspection
)
REGULATION_HEADINGS: dict[str, tuple[str, ...]] = {
    "2203": ("W01",), "2204": ("W01",), "2205": ("W01",), "2206": ("W01",), "2208": ("W01",),
    "8703": ("C01",), "8711": ("C01",),
}

UNITS: dict[int, str] = {22: "LTR", 64: "NPR", 84: "NAR", 85: "NAR", 87: "NAR"}


def _chapter_rate(chapter: int) -> str:
    return next((rate for chapters, rate in CHAPTER_RATES if chapter in chapters), "5%")


def _regulations(chapter: int, heading: str) -> tuple[str, ...]:
    codes = [code for chapters, code in REGULATION_CHAPTERS if chapter in chapters]
    codes.extend(REGULATION_HEADINGS.get(heading, ()))
    return tuple(dict.fromkeys(codes))


def sample_lines(subheadings: Iterable[tuple[str, str]]) -> list[LineRow]:
    """One 8-digit line (``<HS6>00``) per HS subheading ``(code, English name)``, with sample rates."""
    lines = []
    for row, (hs6, name) in enumerate(sorted(subheadings), start=1):
        chapter, heading = int(hs6[:2]), hs6[:4]
        general = HEADING_RATES.get(heading, _chapter_rate(chapter))
        rates = [RateRow("general", "", "", parse_rate(general))]
        if chapter >= 25:
            rates.extend(RateRow("preferential", group.code, "", parse_rate(PREFERENTIAL_RATE))
                         for group in ORIGIN_GROUPS)
        lines.append(LineRow(
            row=row, code=f"{hs6}00", description_en=name, unit=UNITS.get(chapter, "KGM"), valid_from=VALID_FROM,
            regulations=_regulations(chapter, heading), rates=tuple(rates), attributes={"sample": "true"},
        ))
    return lines


@dataclass(frozen=True)
class SampleCommodityTax:
    hs_prefix: str
    category_en: str
    category_zh: str
    text: str


COMMODITY_TAXES: tuple[SampleCommodityTax, ...] = (
    SampleCommodityTax("2201", "Beverages", "飲料品", "15%"),
    SampleCommodityTax("2202", "Beverages", "飲料品", "15%"),
    SampleCommodityTax("2009", "Diluted fruit and vegetable juices", "稀釋天然果蔬汁", "8%"),
    SampleCommodityTax("4011", "Rubber tyres", "橡膠輪胎", "15%"),
    SampleCommodityTax("2523", "Cement", "水泥", "320 TWD / tonne"),
    SampleCommodityTax("7005", "Flat glass", "平板玻璃", "10%"),
    SampleCommodityTax("841810", "Refrigerators", "電冰箱", "13%"),
    SampleCommodityTax("841821", "Refrigerators", "電冰箱", "13%"),
    SampleCommodityTax("8415", "Air conditioners", "冷暖氣機", "20%"),
    SampleCommodityTax("852872", "Colour television sets", "彩色電視機", "13%"),
    SampleCommodityTax("8703", "Passenger cars", "小客車", "25%"),
    SampleCommodityTax("8704", "Goods vehicles", "貨車", "15%"),
    SampleCommodityTax("8711", "Motorcycles", "機車", "17%"),
)

EXCHANGE_RATES: dict[str, tuple[str, str]] = {
    # currency: (import rate, export rate), TWD per unit: round sample figures
    "USD": ("31.00", "30.90"), "EUR": ("34.00", "33.80"), "GBP": ("40.00", "39.80"), "JPY": ("0.2100", "0.2080"),
    "CNY": ("4.30", "4.26"), "HKD": ("4.00", "3.96"), "SGD": ("23.00", "22.80"), "NZD": ("18.50", "18.30"),
    "AUD": ("20.50", "20.30"), "KRW": ("0.0230", "0.0228"),
}
EXCHANGE_VALID_FROM = date(2020, 1, 1)


def sample_exchange_rates() -> list[tuple[str, Decimal, Decimal]]:
    return [(currency, Decimal(i), Decimal(e)) for currency, (i, e) in sorted(EXCHANGE_RATES.items())]
