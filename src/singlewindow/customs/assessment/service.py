"""Assess a harmonised import declaration against the tariff, commodity tax and exchange-rate tables.

It only reads: the result is a typed breakdown (``DeclarationAssessment``) that the clearance
engine, the screens and the command line render. Every problem found, in any item, is raised
together in one ``AssessmentError`` so the trader can correct them all at once.

Customs value of an item (CIF), in this order:

1. the item's declared customs value (``customsValueAmount``), taken as the CIF value;
2. otherwise its invoice amount (``invoiceLine/itemChargeAmount``), plus the shipment's freight
   when the trade terms exclude it (EXW, FCA, FAS, FOB), plus the shipment's insurance and
   other costs to the place of entry (charge code ``AK``) when the terms exclude insurance
   (those four and CFR, CPT), each shared among the items by invoice amount; plus the item's
   own valuation additions (charge codes ``A*``) and minus its deductions (``B*``).

Every amount is converted at the customs exchange rate valid on the assessment date.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from zoneinfo import ZoneInfo

from django.utils import timezone

from singlewindow.customs import selectors
from singlewindow.customs.assessment.calc import CommodityTax, DutyOption, ItemFacts, assess_item
from singlewindow.customs.assessment.errors import (
    AssessmentError,
    AssessmentErrorCode,
    AssessmentProblem,
    ItemProblem,
    problem,
)
from singlewindow.customs.assessment.quantities import Measured, Quantities
from singlewindow.customs.assessment.result import DeclarationAssessment, ItemAssessment, ValuePart
from singlewindow.customs.models import DutyRate, TariffLine, TariffSchedule
from singlewindow.customs.tariff.rates import rate_from_dict
from singlewindow.datamodel.codelists import normalise_hs
from singlewindow.datamodel.datasets import Declaration
from singlewindow.datamodel.datasets.base import Amount, Measure, Quantity
from singlewindow.datamodel.datasets.declaration import ExportDeclaration, GovernmentAgencyGoodsItem
from singlewindow.datamodel.identifiers import is_digits

TAIPEI = ZoneInfo("Asia/Taipei")
TERMS_WITHOUT_FREIGHT = frozenset({"EXW", "FCA", "FAS", "FOB"})
TERMS_WITHOUT_INSURANCE = TERMS_WITHOUT_FREIGHT | {"CFR", "CPT"}
INSURANCE_CODES = frozenset({"AK"})
ITEMS = "/goodsShipment/governmentAgencyGoodsItem"


def assessment_date(declaration: Declaration) -> date:
    """The day whose rates apply: acceptance, else issue, else today, as a date in Taipei."""
    moment = declaration.acceptance_date_time or declaration.issue_date_time or timezone.now()
    if isinstance(moment, datetime):
        return moment.astimezone(TAIPEI).date()
    return moment


class _Rates:
    """Customs exchange rates for one assessment date, read once per currency."""

    def __init__(self, on: date) -> None:
        self.on = on
        self.used: dict[str, Decimal] = {}

    def __call__(self, currency: str) -> Decimal:
        if currency in ("TWD", "NTD"):
            return Decimal(1)
        if currency not in self.used:
            row = selectors.exchange_rate(currency, on=self.on)
            if row is None:
                raise ItemProblem(problem(AssessmentErrorCode.NO_EXCHANGE_RATE, detail=currency,
                                          on=self.on.isoformat()))
            self.used[currency] = row.import_rate
        return self.used[currency]


def _part(label: tuple[str, str], amount: Amount, default_currency: str | None, rates: _Rates,
          share: Decimal = Decimal(1), sign: int = 1) -> ValuePart:
    currency = amount.currency_id or default_currency
    if currency is None:
        raise ItemProblem(problem(AssessmentErrorCode.NO_CURRENCY))
    rate = rates(currency)
    value = amount.value * share * sign
    return ValuePart(label[0], label[1], value, currency, rate, value * rate)


def _price(item: GovernmentAgencyGoodsItem) -> Amount | None:
    line = item.commodity.invoice_line if item.commodity else None
    return line.item_charge_amount if line else None


def _value_parts(declaration: Declaration, item: GovernmentAgencyGoodsItem, rates: _Rates) -> \
        tuple[list[ValuePart], list[tuple[str, str]]]:
    invoice_currency = declaration.invoice_amount.currency_id if declaration.invoice_amount else None
    if item.customs_value_amount is not None:
        return [_part(("Declared customs value", "申報完稅價格"), item.customs_value_amount, invoice_currency,
                      rates)], []
    price = _price(item)
    if price is None:
        raise ItemProblem(problem(AssessmentErrorCode.NO_VALUE))
    parts = [_part(("Invoice amount", "發票金額"), price, invoice_currency, rates)]
    notes: list[tuple[str, str]] = []
    shipment = declaration.goods_shipment
    terms = (shipment.trade_terms.condition_code or "").upper() if shipment and shipment.trade_terms else ""
    valuation = shipment.customs_valuation if shipment else None
    prices = [p.value for p in (_price(i) for i in declaration.items) if p is not None]
    share = price.value / sum(prices, Decimal(0)) if sum(prices, Decimal(0)) else Decimal(1)
    if terms in TERMS_WITHOUT_FREIGHT:
        if valuation is None or valuation.freight_charge_amount is None:
            raise ItemProblem(problem(AssessmentErrorCode.MISSING_FREIGHT, detail=terms))
        parts.append(_part(("Freight (share)", "運費（分攤）"), valuation.freight_charge_amount, invoice_currency,
                           rates, share))
    if terms in TERMS_WITHOUT_INSURANCE:
        costs = [c.other_charge_deduction_amount for c in (valuation.charge_deduction if valuation else [])
                 if c.charges_type_code in INSURANCE_CODES and c.other_charge_deduction_amount is not None]
        parts.extend(_part(("Insurance and costs to entry (share)", "保險費及其他費用（分攤）"), cost,
                           invoice_currency, rates, share) for cost in costs)
        if not costs:
            notes.append((f"terms {terms}: no insurance declared (charge code AK), none added",
                          f"交易條件 {terms}：未申報保險費（代碼 AK），未予加計"))
    for charge in item.customs_valuation.charge_deduction if item.customs_valuation else []:
        code = (charge.charges_type_code or "").upper()
        if charge.other_charge_deduction_amount is None or code[:1] not in ("A", "B"):
            continue
        label = (f"Addition {code}", f"加計 {code}") if code.startswith("A") else (f"Deduction {code}", f"扣除 {code}")
        parts.append(_part(label, charge.other_charge_deduction_amount, invoice_currency, rates,
                           sign=1 if code.startswith("A") else -1))
    return parts, notes


def _measured(value: Measure | Quantity | None) -> Measured | None:
    if value is None or value.unit_code is None:
        return None
    return Measured(value.value, value.unit_code)


def _quantities(item: GovernmentAgencyGoodsItem) -> Quantities:
    measure = item.commodity.goods_measure if item.commodity else None
    if measure is None:
        return Quantities()
    return Quantities(net=_measured(measure.net_net_weight_measure), gross=_measured(measure.gross_mass_measure),
                      tariff=_measured(measure.tariff_quantity))


def _tariff_code(item: GovernmentAgencyGoodsItem) -> str | None:
    classifications = item.commodity.classification if item.commodity else []
    codes = [normalise_hs(c.id) for c in classifications]
    national = [c for c in codes if len(c) >= 8 and is_digits(c[:8])]
    return national[0][:10] if national and len(national[0]) >= 10 else (national[0][:8] if national else None)


def _line(schedule: TariffSchedule, code: str, on: date) -> TariffLine | None:
    """The line for the code, trying the 10-digit code, then its 8-digit parent."""
    for candidate in dict.fromkeys((code, code[:8])):
        line = selectors.tariff_line(schedule, candidate, on=on)
        if line is not None:
            return line
    return None


def _parsed(rate: DutyRate) -> DutyOption:
    column = "general" if rate.column == DutyRate.Column.GENERAL else \
        f"preferential:{rate.origin_group.code if rate.origin_group else ''}"
    return DutyOption(column, rate_from_dict(rate.text, rate.structured))


def _duty_options(line: TariffLine, origin: str, on: date, sequence: int) -> tuple[DutyOption, ...]:
    rates = list(line.rates.all())
    general = [r for r in rates if r.column == DutyRate.Column.GENERAL]
    if not general:
        raise ItemProblem(problem(AssessmentErrorCode.NO_GENERAL_RATE, item=sequence, detail=line.code))
    groups = {group.pk for group in selectors.origin_groups_of(origin, on=on)} if origin else set()
    preferential = [r for r in rates if r.column == DutyRate.Column.PREFERENTIAL and r.origin_group_id in groups]
    return tuple(_parsed(r) for r in [general[0], *preferential])


def _item_facts(declaration: Declaration, item: GovernmentAgencyGoodsItem, schedule: TariffSchedule, on: date,
                rates: _Rates) -> ItemFacts:
    sequence = item.sequence_numeric
    code = _tariff_code(item)
    if code is None:
        raise ItemProblem(problem(AssessmentErrorCode.NO_CLASSIFICATION, item=sequence))
    line = _line(schedule, code, on)
    if line is None:
        raise ItemProblem(problem(AssessmentErrorCode.NO_TARIFF_LINE, item=sequence, detail=code, on=on.isoformat()))
    origin = next((o.country_code for o in item.origin if o.country_code), "")
    parts, notes = _value_parts(declaration, item, rates)
    tax_row = selectors.commodity_tax(line.code, on=on)
    tax = CommodityTax(tax_row.category_en, tax_row.category_zh, rate_from_dict(tax_row.text, tax_row.structured)) \
        if tax_row is not None else None
    return ItemFacts(sequence=sequence, tariff_code=line.code, origin=origin, value_parts=tuple(parts),
                     duty_options=_duty_options(line, origin, on, sequence), quantities=_quantities(item),
                     commodity_tax=tax, notes=tuple(notes))


def assess_declaration(declaration: Declaration, *, on: date | None = None,
                       schedule: str | None = None) -> DeclarationAssessment:
    """The duties, taxes and fees of an import declaration, item by item (see the module text)."""
    if isinstance(declaration, ExportDeclaration):
        raise AssessmentError([problem(AssessmentErrorCode.NOT_IMPORT)])
    if not declaration.items:
        raise AssessmentError([problem(AssessmentErrorCode.NO_ITEMS, pointer=ITEMS)])
    table = selectors.schedule_by_name(schedule)
    if table is None:
        raise AssessmentError([problem(AssessmentErrorCode.NO_SCHEDULE, detail=schedule or "(default 預設)")])
    day = on or assessment_date(declaration)
    rates = _Rates(day)
    problems: list[AssessmentProblem] = []
    items: list[ItemAssessment] = []
    for index, item in enumerate(declaration.items):
        try:
            items.append(assess_item(_item_facts(declaration, item, table, day, rates), on=day, to_twd=rates))
        except ItemProblem as error:
            found = error.problem
            problems.append(AssessmentProblem(found.code, found.en, found.zh, item.sequence_numeric,
                                              f"{ITEMS}/{index}"))
    if problems:
        raise AssessmentError(problems)
    return DeclarationAssessment(on=day, schedule=table.name, is_sample=table.is_sample,
                                 exchange_rates=dict(rates.used), items=tuple(items))
