"""An item's quantities and the conversions a specific rate needs (kilograms, litres, pieces, ...).

A specific rate names its unit and, for some goods, what the quantity measures (net, gross,
drained weight, lactic matter, ...). Net and gross mass come from the item's goods measure;
every other basis must be declared as the item's tariff quantity in a unit of the same kind.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from singlewindow.customs.assessment.errors import AssessmentErrorCode, ItemProblem, problem
from singlewindow.customs.tariff.rates import BASIS_LABELS, Basis, Specific

FACTORS: dict[str, tuple[str, Decimal]] = {
    # unit: (kind, how many base units one unit is)
    "KGM": ("mass", Decimal(1)), "GRM": ("mass", Decimal("0.001")), "MGM": ("mass", Decimal("0.000001")),
    "TNE": ("mass", Decimal(1000)), "DTN": ("mass", Decimal(100)), "LBR": ("mass", Decimal("0.45359237")),
    "LTR": ("volume", Decimal(1)), "MLT": ("volume", Decimal("0.001")), "HLT": ("volume", Decimal(100)),
    "MTQ": ("volume", Decimal(1000)),
    "NAR": ("count", Decimal(1)), "H87": ("count", Decimal(1)), "PCE": ("count", Decimal(1)),
    "C62": ("count", Decimal(1)), "SET": ("count", Decimal(1)), "DZN": ("count", Decimal(12)),
    "CEN": ("count", Decimal(100)), "MIL": ("count", Decimal(1000)),
    "NPR": ("pairs", Decimal(1)), "PR": ("pairs", Decimal(1)),
    "MTR": ("length", Decimal(1)), "CMT": ("length", Decimal("0.01")), "MMT": ("length", Decimal("0.001")),
    "KMT": ("length", Decimal(1000)),
    "MTK": ("area", Decimal(1)),
    "LPA": ("pure_alcohol", Decimal(1)),
}
UNIT_NAMES: dict[str, tuple[str, str]] = {
    "KGM": ("kilograms", "公斤"), "TNE": ("tonnes", "公噸"), "LTR": ("litres", "公升"),
    "HLT": ("hectolitres", "百公升"),
    "NAR": ("pieces", "件"), "NPR": ("pairs", "雙"), "MTR": ("metres", "公尺"), "MTK": ("square metres", "平方公尺"),
    "LPA": ("litres of pure alcohol (LPA)", "純酒精公升數 (LPA)"), "MTQ": ("cubic metres", "立方公尺"),
}


@dataclass(frozen=True)
class Measured:
    value: Decimal
    unit: str


@dataclass(frozen=True)
class Quantities:
    """What the declaration says about an item's quantity."""

    net: Measured | None = None
    gross: Measured | None = None
    tariff: Measured | None = None


def convert(measured: Measured, unit: str) -> Decimal | None:
    """``measured`` in ``unit``, or None when the units measure different things."""
    source, target = FACTORS.get(measured.unit.split("#")[0]), FACTORS.get(unit)
    if source is None or target is None or source[0] != target[0]:
        return None
    return measured.value * source[1] / target[1]


def quantity_for(term: Specific, quantities: Quantities, *, item: int | None = None) -> Decimal:
    """The item's quantity in the term's unit, on the term's basis; a clear problem when not declared."""
    candidates: list[Measured | None]
    if term.basis == Basis.GROSS:
        candidates = [quantities.gross]
        where = ("gross mass", "毛重")
    elif term.basis in (Basis.NONE, Basis.NET):
        candidates = [quantities.net, quantities.tariff] if FACTORS.get(term.unit, ("",))[0] == "mass" \
            else [quantities.tariff]
        where = ("net mass or tariff quantity", "淨重或稅則數量")
    else:
        candidates = [quantities.tariff]
        where = (f"tariff quantity ({BASIS_LABELS[term.basis][0]})", f"稅則數量（{BASIS_LABELS[term.basis][1]}）")
    for measured in candidates:
        if measured is not None:
            value = convert(measured, term.unit)
            if value is not None:
                return value
    en, zh = UNIT_NAMES.get(term.unit, (term.unit, term.unit))
    raise ItemProblem(problem(AssessmentErrorCode.MISSING_QUANTITY, item=item, detail=en, detail_zh=zh,
                              where=where[0], where_zh=where[1]))
