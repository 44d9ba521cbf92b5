"""Layer 4, business rules: what a well-formed declaration must also get right.

Totals and counts must agree, masses must be plausible, amounts must be in the invoice
currency, CIF must be computable, and what Taiwan requires of a declaration lodged with its
offices (UCR, declarant, importer or exporter, classified items) must be there.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from decimal import Decimal

from singlewindow.datamodel.datasets.agency_data import AgencyDataExchange
from singlewindow.datamodel.datasets.base import Amount, DataSet
from singlewindow.datamodel.datasets.declaration import Declaration, ExportDeclaration, GovernmentAgencyGoodsItem
from singlewindow.datamodel.issues import Issue
from singlewindow.datamodel.validation.catalogue import issue
from singlewindow.datamodel.validation.codes import is_national
from singlewindow.datamodel.validation.walk import walk

ITEMS = "/goodsShipment/governmentAgencyGoodsItem"
# Incoterms whose price excludes main carriage: customs (CIF) value needs the freight added.
TERMS_WITHOUT_FREIGHT = {"EXW", "FCA", "FAS", "FOB"}

Rule = Callable[[Declaration, list[tuple[str, DataSet]]], Iterator[Issue]]


def check_rules(document: DataSet, nodes: list[tuple[str, DataSet]] | None = None) -> list[Issue]:
    """Every business-rule fault; ``nodes`` is the document already walked, if at hand."""
    if isinstance(document, AgencyDataExchange):
        return list(_records(document))
    if not isinstance(document, Declaration):
        return []
    walked = nodes if nodes is not None else list(walk(document))
    return [found for rule in RULES for found in rule(document, walked)]


def _records(exchange: AgencyDataExchange) -> Iterator[Issue]:
    """Inter-agency data: the count agrees, records run 1, 2, 3…, no field is named twice in a record."""
    if exchange.record_quantity != len(exchange.record):
        yield issue("rule.record_count", "/recordQuantity", value=exchange.record_quantity,
                    detail=len(exchange.record))
    for position, record in enumerate(exchange.record, start=1):
        if record.sequence_numeric != position:
            yield issue("rule.record_sequence", f"/record/{position - 1}/sequenceNumeric",
                        value=record.sequence_numeric, detail=position)
        seen: set[str] = set()
        for index, field in enumerate(record.field):
            if field.name in seen:
                yield issue("rule.record_field_repeated", f"/record/{position - 1}/field/{index}/name",
                            value=field.name)
            seen.add(field.name)


def currencies_agree(document: DataSet, currencies: set[str]) -> bool:
    """Whether ``_one_currency`` has nothing to say, given the currencies of the non-exempt amounts."""
    if not isinstance(document, Declaration):
        return True
    allowed = _allowed_currencies(document)
    return allowed is None or currencies <= allowed


def _item_count(declaration: Declaration, _: list[tuple[str, DataSet]]) -> Iterator[Issue]:
    declared, actual = declaration.goods_item_quantity, len(declaration.items)
    if declared is not None and declared != actual:
        yield issue("rule.item_count", "/goodsItemQuantity", value=declared, detail=actual)
    for position, item in enumerate(declaration.items, start=1):
        if item.sequence_numeric != position:
            yield issue("rule.item_sequence", f"{ITEMS}/{position - 1}/sequenceNumeric",
                        value=item.sequence_numeric, detail=position)


def _package_total(declaration: Declaration, _: list[tuple[str, DataSet]]) -> Iterator[Issue]:
    declared = declaration.total_package_quantity
    quantities = [p.quantity_quantity for item in declaration.items for p in item.packaging
                  if p.quantity_quantity is not None]
    if declared is not None and quantities and sum(quantities) != declared:
        yield issue("rule.package_total", "/totalPackageQuantity", value=declared, detail=sum(quantities))


def _net_within_gross(declaration: Declaration, _: list[tuple[str, DataSet]]) -> Iterator[Issue]:
    for index, item in enumerate(declaration.items):
        measure = item.commodity.goods_measure if item.commodity else None
        if measure and measure.gross_mass_measure and measure.net_net_weight_measure:
            net, gross = measure.net_net_weight_measure.value, measure.gross_mass_measure.value
            if net > gross:
                yield issue("rule.net_above_gross",
                            f"{ITEMS}/{index}/commodity/goodsMeasure/netNetWeightMeasure", value=net, detail=gross)


def _one_currency(declaration: Declaration, nodes: list[tuple[str, DataSet]]) -> Iterator[Issue]:
    """Every priced amount is in the invoice currency (or the national currency, for assessed taxes)."""
    allowed = _allowed_currencies(declaration)
    if allowed is None:
        return
    invoice_currency = declaration.invoice_amount.currency_id if declaration.invoice_amount else None
    for pointer, node in nodes:
        if isinstance(node, Amount) and node.currency_id and node.currency_id not in allowed:
            if "/dutyTaxFee/" in pointer or "/obligationGuarantee/" in pointer:
                continue  # taxes and guarantees are in the national currency
            yield issue("rule.currency_mismatch", f"{pointer}/currencyId", value=node.currency_id,
                        detail=invoice_currency)


def _allowed_currencies(declaration: Declaration) -> set[str | None] | None:
    """The invoice currency and those with an exchange rate; None when the invoice names no currency."""
    invoice = declaration.invoice_amount
    if invoice is None or invoice.currency_id is None:
        return None
    return {invoice.currency_id, *(rate.currency_type_code for rate in declaration.currency_exchange)}


def _item_prices_within_invoice(declaration: Declaration, _: list[tuple[str, DataSet]]) -> Iterator[Issue]:
    invoice = declaration.invoice_amount
    prices = [_item_price(item) for item in declaration.items]
    if invoice is None or not prices or any(p is None for p in prices):
        return
    total = sum((p for p in prices if p is not None), Decimal(0))
    if total > invoice.value:
        yield issue("rule.item_value_total", "/invoiceAmount", value=total, detail=invoice.value)


def _item_price(item: GovernmentAgencyGoodsItem) -> Decimal | None:
    line = item.commodity.invoice_line if item.commodity else None
    return line.item_charge_amount.value if line and line.item_charge_amount else None


def _freight_for_cif(declaration: Declaration, _: list[tuple[str, DataSet]]) -> Iterator[Issue]:
    shipment = declaration.goods_shipment
    terms = shipment.trade_terms.condition_code if shipment and shipment.trade_terms else None
    if not is_national(declaration) or terms is None or terms.upper() not in TERMS_WITHOUT_FREIGHT:
        return
    valuation = shipment.customs_valuation if shipment else None
    if valuation is None or valuation.freight_charge_amount is None:
        yield issue("rule.freight_required", "/goodsShipment/customsValuation/freightChargeAmount", value=terms)


def _taiwan_requirements(declaration: Declaration, _: list[tuple[str, DataSet]]) -> Iterator[Issue]:
    """What a declaration lodged with a Taiwan customs office must carry beyond the WCO schema."""
    if not is_national(declaration):
        return
    purpose = ("a declaration lodged in Taiwan", "向我國海關申報之報單")
    shipment = declaration.goods_shipment
    trader = "exporter" if isinstance(declaration, ExportDeclaration) else "importer"
    trader_party = declaration.exporter if trader == "exporter" else (shipment.importer if shipment else None)
    required: list[tuple[str, object]] = [
        ("/functionalReferenceId", declaration.functional_reference_id),
        ("/declarant/id", declaration.declarant and declaration.declarant.id),
        ("/invoiceAmount", declaration.invoice_amount),
        ("/goodsShipment/ucr/id", shipment and shipment.ucr and shipment.ucr.id),
        ("/exporter/id" if trader == "exporter" else "/goodsShipment/importer/id", trader_party and trader_party.id),
        (f"{ITEMS}", declaration.items),
    ]
    for pointer, value in required:
        if not value:
            yield issue("rule.required", pointer, detail=purpose)
    for index, item in enumerate(declaration.items):
        commodity = item.commodity
        measure = commodity.goods_measure if commodity else None
        for pointer, value in (
            ("commodity/description", commodity and commodity.description),
            ("commodity/classification", commodity and commodity.classification),
            ("commodity/goodsMeasure/netNetWeightMeasure", measure and measure.net_net_weight_measure),
            ("origin", item.origin),
        ):
            if not value:
                yield issue("rule.required", f"{ITEMS}/{index}/{pointer}", detail=purpose)


RULES: tuple[Rule, ...] = (
    _item_count,
    _package_total,
    _net_within_gross,
    _one_currency,
    _item_prices_within_invoice,
    _freight_for_cif,
    _taiwan_requirements,
)
