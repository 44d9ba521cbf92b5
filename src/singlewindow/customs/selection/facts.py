"""What risk selection looks at, taken once from a declaration: parties, goods, values, the trader's history.

Selection rules and the learned score read these facts, never the declaration itself, so that
the rules stay plain functions over plain data (fast, testable without building declarations)
and every format the exchange accepts (JSON, WCO XML, EDIFACT) is selected the same way.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils import timezone

from singlewindow.datamodel.datasets.declaration import Declaration, GovernmentAgencyGoodsItem
from singlewindow.datamodel.identifiers import is_digits

Record = dict[str, Any]


@dataclass(frozen=True)
class TraderHistory:
    """How long customs has known a trader: declarations before this one and the first one's date."""

    declarations: int
    first_seen: date | None = None


@dataclass(frozen=True)
class ItemFacts:
    """One goods item as selection sees it."""

    sequence: int
    hs_code: str | None
    origin: str | None
    value: Decimal | None
    mass: Decimal | None


@dataclass(frozen=True)
class DeclarationFacts:
    """Everything the rules and the learned score need about one declaration."""

    reference: str | None
    on: date
    declarant: str | None = None
    importer: str | None = None
    exporter: str | None = None
    broker: str | None = None
    office: str | None = None
    transport_mode: str | None = None
    departure: str | None = None
    parties: frozenset[str] = frozenset()
    aeo_partners: tuple[str, ...] = ()
    items: tuple[ItemFacts, ...] = ()
    total_value: Decimal | None = None
    total_mass: Decimal | None = None
    trader_history: TraderHistory | None = None
    records: tuple[Record, ...] = field(default=(), repr=False)

    @property
    def trader(self) -> str | None:
        """The trader the goods belong to: the importer of an import, the exporter of an export."""
        return self.importer or self.exporter

    @property
    def origins(self) -> tuple[str, ...]:
        return tuple(sorted({item.origin for item in self.items if item.origin}))

    @property
    def hs_codes(self) -> tuple[str, ...]:
        return tuple(item.hs_code for item in self.items if item.hs_code)


def _digits(text: str | None) -> str | None:
    digits = "".join(ch for ch in text or "" if is_digits(ch))
    return digits or None


def _day(value: date | datetime | None) -> date | None:
    if isinstance(value, datetime):
        # Rule dates are the office's calendar days, so an instant counts on its Taiwan date.
        return timezone.localdate(value) if timezone.is_aware(value) else value.date()
    return value


def _item_value(item: GovernmentAgencyGoodsItem) -> Decimal | None:
    for amount in (item.customs_value_amount, item.statistical_value_amount,
                   item.commodity.invoice_line.item_charge_amount
                   if item.commodity and item.commodity.invoice_line else None):
        if amount is not None:
            return amount.value
    return None


def _item_mass(item: GovernmentAgencyGoodsItem) -> Decimal | None:
    measure = item.commodity.goods_measure if item.commodity else None
    if measure is None:
        return None
    found = measure.net_net_weight_measure or measure.gross_mass_measure
    return found.value if found is not None else None


def _item_hs(item: GovernmentAgencyGoodsItem) -> str | None:
    classes = item.commodity.classification if item.commodity else []
    preferred = [c for c in classes if (c.identification_type_code or "HS").upper() in ("HS", "TSP", "TRC")]
    return _digits((preferred or classes)[0].id) if classes else None


def _ids(parties: Iterable[Any]) -> set[str]:
    return {party.id for party in parties if party is not None and getattr(party, "id", None)}


def _party_ids(declaration: Declaration) -> set[str]:
    shipment = declaration.goods_shipment
    found = _ids([declaration.declarant, declaration.agent, declaration.submitter, declaration.exporter,
                  declaration.consignment.carrier if declaration.consignment else None,
                  declaration.consignment.consignor if declaration.consignment else None])
    if shipment is not None:
        found |= _ids([shipment.importer, shipment.seller, shipment.buyer, shipment.consignor, shipment.consignee,
                       shipment.payer, *shipment.aeo_mutual_recognition_party])
    for item in declaration.items:
        found |= _ids([item.seller, item.buyer, item.consignor, item.consignee, *item.aeo_mutual_recognition_party])
    return found


def _aeo_partners(declaration: Declaration) -> tuple[str, ...]:
    shipment = declaration.goods_shipment
    found = _ids(shipment.aeo_mutual_recognition_party) if shipment else set()
    for item in declaration.items:
        found |= _ids(item.aeo_mutual_recognition_party)
    return tuple(sorted(found))


def _is_registered_broker(business_id: str) -> bool:
    from singlewindow.registry.models import OrganisationRole
    from singlewindow.registry.selectors import organisations_by_business_ids

    return any(OrganisationRole.CUSTOMS_BROKER in org.role_codes
               for org in organisations_by_business_ids([business_id]))


def _broker(declaration: Declaration, importer: str | None, *, registry: bool) -> str | None:
    """The customs broker: the agent when named, else a declarant who is not the trader itself."""
    if declaration.agent is not None and declaration.agent.id:
        return declaration.agent.id
    declarant = declaration.declarant.id if declaration.declarant else None
    if declarant is None:
        return None
    if registry and _is_registered_broker(declarant):
        return declarant
    trader = importer or (declaration.exporter.id if declaration.exporter else None)
    return declarant if trader is not None and declarant != trader else None


def _float(value: Decimal | None) -> float | None:
    return None if value is None else float(value)


def facts_from_declaration(declaration: Declaration, *, history: TraderHistory | None = None,
                           on: date | None = None, registry: bool = True) -> DeclarationFacts:
    """The facts of ``declaration`` on ``on`` (default: its acceptance or issue date, else today, in Taiwan).

    ``history`` is the trader's record before this declaration; without it new-trader rules do
    not apply. ``registry`` lets a registered customs broker that declares in its own name count
    as the broker (a registry lookup, cached).
    """
    shipment = declaration.goods_shipment
    day = on or _day(declaration.acceptance_date_time) or _day(declaration.issue_date_time) or timezone.localdate()
    importer = shipment.importer.id if shipment and shipment.importer else None
    exporter = declaration.exporter.id if declaration.exporter else None
    declarant = declaration.declarant.id if declaration.declarant else None
    border = declaration.border_transport_means
    arrival = shipment.consignment.arrival_transport_means if shipment and shipment.consignment else None
    transport_mode = (border.mode_code if border else None) or (arrival.mode_code if arrival else None)
    departure = shipment.export_country.id if shipment and shipment.export_country else None
    shipment_seller = shipment.seller.id if shipment and shipment.seller else None
    items = []
    records: list[Record] = []
    for item in declaration.items:
        facts = ItemFacts(sequence=item.sequence_numeric, hs_code=_item_hs(item),
                          origin=item.origin[0].country_code if item.origin else None,
                          value=_item_value(item), mass=_item_mass(item))
        items.append(facts)
        seller = item.seller.id if item.seller and item.seller.id else shipment_seller
        rate = next((fee.tax_rate_numeric for fee in item.commodity.duty_tax_fee
                     if fee.tax_rate_numeric is not None), None) if item.commodity else None
        item_departure = item.export_country.id if item.export_country else departure
        records.append({
            "office": declaration.declaration_office_id, "transport_mode": transport_mode, "declarant": declarant,
            "importer": importer or exporter, "seller": seller, "hs6": facts.hs_code and facts.hs_code[:6],
            "departure": item_departure, "origin": facts.origin, "tax_rate": _float(rate),
            "mass": _float(facts.mass), "value": _float(facts.value), "date": day.isoformat(),
        })
    values = [item.value for item in items if item.value is not None]
    masses = [item.mass for item in items if item.mass is not None]
    return DeclarationFacts(
        reference=declaration.functional_reference_id or declaration.id, on=day, declarant=declarant,
        importer=importer, exporter=exporter, broker=_broker(declaration, importer, registry=registry),
        office=declaration.declaration_office_id, transport_mode=transport_mode, departure=departure,
        parties=frozenset(_party_ids(declaration)), aeo_partners=_aeo_partners(declaration), items=tuple(items),
        total_value=sum(values, Decimal(0)) if values else None, total_mass=sum(masses, Decimal(0)) if masses else None,
        trader_history=history, records=tuple(records),
    )
