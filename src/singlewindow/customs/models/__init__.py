"""Customs models, one module per concern: the tariff tables (tariff.py), risk-selection rules
(selection.py) and declaration cases with their lifecycle (cases.py)."""

from singlewindow.customs.models.tariff import (
    CommodityTaxRate,
    DutyRate,
    ExchangeRate,
    OriginGroup,
    TariffLine,
    TariffSchedule,
    Validity,
)

__all__ = [
    "CommodityTaxRate",
    "DutyRate",
    "ExchangeRate",
    "OriginGroup",
    "TariffLine",
    "TariffSchedule",
    "Validity",
]
