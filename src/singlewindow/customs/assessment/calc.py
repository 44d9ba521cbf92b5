"""The assessment arithmetic: pure functions over ``Decimal``, no database.

For each item, in whole New Taiwan dollars (NT$), rounding half up at each figure:

    customs value  CIF = round(sum of the value parts in TWD)
    import duty    D   = round(rate applied to CIF and the quantities)   lowest of the qualifying columns
    commodity tax  C   = round(rate applied to CIF + D)                 when the goods are taxable
    business tax   B   = round(5 % x (CIF + D + C))
    promotion fee  F   = round(0.04 % x CIF)

Each figure is rounded before the next uses it, so a trader can recompute every line of the
printed breakdown from the lines above it; declaration totals are sums of the item figures.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal

from singlewindow.customs.assessment.errors import AssessmentErrorCode, ItemProblem, problem
from singlewindow.customs.assessment.quantities import Quantities, quantity_for
from singlewindow.customs.assessment.result import Charge, ChargeCode, ItemAssessment, ValuePart
from singlewindow.customs.tariff.rates import Formula, ParsedRate, Percent, Term

BUSINESS_TAX_PERCENT = Decimal(5)
TRADE_PROMOTION_FEE_PERCENT = Decimal("0.04")
HUNDRED = Decimal(100)

ToTwd = Callable[[str], Decimal]
"""TWD per unit of a currency on the assessment date (raises ``ItemProblem`` when unknown)."""


def whole_twd(amount: Decimal) -> Decimal:
    """Round to a whole New Taiwan dollar, half up (0.50 goes up)."""
    return amount.quantize(Decimal(1), rounding=ROUND_HALF_UP)


def percent_of(base: Decimal, percent: Decimal) -> Decimal:
    return base * percent / HUNDRED


def _term(term: Term, *, value: Decimal, quantities: Quantities, to_twd: ToTwd, item: int | None) -> Decimal:
    if isinstance(term, Percent):
        return percent_of(value, term.rate)
    quantity = quantity_for(term, quantities, item=item)
    return quantity / term.per * term.amount * to_twd(term.currency)


def formula_amount(formula: Formula, *, value: Decimal, quantities: Quantities, to_twd: ToTwd,
                   item: int | None = None) -> Decimal:
    """The sum of the terms, raised to the minimum and capped at the maximum (unrounded TWD)."""

    def total(terms: tuple[Term, ...]) -> Decimal:
        return sum((_term(t, value=value, quantities=quantities, to_twd=to_twd, item=item) for t in terms),
                   Decimal(0))

    amount = total(formula.terms)
    if formula.minimum:
        amount = max(amount, total(formula.minimum))
    if formula.maximum:
        amount = min(amount, total(formula.maximum))
    return amount


def rate_amount(rate: ParsedRate, *, on: date, value: Decimal, quantities: Quantities, to_twd: ToTwd,
                item: int | None = None) -> Decimal:
    """A printed rate applied on ``on``: refuses rates that were not understood, never guesses."""
    if not rate.ok:
        raise ItemProblem(problem(AssessmentErrorCode.UNPARSED_RATE, item=item, detail=rate.text))
    formula = rate.formula_on(on)
    if formula is None:
        raise ItemProblem(problem(AssessmentErrorCode.NO_SEASON, item=item, detail=rate.text, on=on.isoformat()))
    return formula_amount(formula, value=value, quantities=quantities, to_twd=to_twd, item=item)


@dataclass(frozen=True)
class DutyOption:
    """A column the item qualifies for: ``general``, or ``preferential:<origin group>``."""

    column: str
    rate: ParsedRate


@dataclass(frozen=True)
class CommodityTax:
    category_en: str
    category_zh: str
    rate: ParsedRate


@dataclass(frozen=True)
class ItemFacts:
    """Everything the arithmetic needs about one item, gathered from the declaration and the tables."""

    sequence: int
    tariff_code: str
    origin: str
    value_parts: tuple[ValuePart, ...]
    duty_options: tuple[DutyOption, ...]  # the general column first
    quantities: Quantities
    commodity_tax: CommodityTax | None = None
    notes: tuple[tuple[str, str], ...] = ()


def assess_item(facts: ItemFacts, *, on: date, to_twd: ToTwd) -> ItemAssessment:
    """One item's breakdown. The lowest duty among the qualifying columns applies (general on a tie)."""
    cif = whole_twd(sum((part.twd for part in facts.value_parts), Decimal(0)))

    def apply(rate: ParsedRate, value: Decimal) -> Decimal:
        return rate_amount(rate, on=on, value=value, quantities=facts.quantities, to_twd=to_twd,
                           item=facts.sequence)

    general = facts.duty_options[0]
    best, best_amount = general, apply(general.rate, cif)
    notes = list(facts.notes)
    for option in facts.duty_options[1:]:
        try:
            amount = apply(option.rate, cif)
        except ItemProblem as error:
            notes.append((f"{option.column} not applied: {error.problem.en}",
                          f"{option.column} 未適用：{error.problem.zh}"))
            continue
        if amount < best_amount:
            best, best_amount = option, amount
    duty = whole_twd(best_amount)
    charges = [Charge(ChargeCode.IMPORT_DUTY, cif, best.rate.text, duty)]
    commodity = Decimal(0)
    if facts.commodity_tax is not None:
        tax = facts.commodity_tax
        commodity = whole_twd(apply(tax.rate, cif + duty))
        charges.append(Charge(ChargeCode.COMMODITY_TAX, cif + duty,
                              f"{tax.rate.text} ({tax.category_en} {tax.category_zh})", commodity))
    business_base = cif + duty + commodity
    charges.append(Charge(ChargeCode.BUSINESS_TAX, business_base, f"{BUSINESS_TAX_PERCENT}%",
                          whole_twd(percent_of(business_base, BUSINESS_TAX_PERCENT))))
    charges.append(Charge(ChargeCode.TRADE_PROMOTION_FEE, cif, f"{TRADE_PROMOTION_FEE_PERCENT}%",
                          whole_twd(percent_of(cif, TRADE_PROMOTION_FEE_PERCENT))))
    return ItemAssessment(sequence=facts.sequence, tariff_code=facts.tariff_code, origin=facts.origin,
                          column=best.column, value_parts=facts.value_parts, customs_value=cif,
                          charges=tuple(charges), notes=tuple(notes))
