"""Customs models, one module per concern: the tariff tables (tariff.py), risk-selection rules
(selection.py) and declaration cases with their lifecycle (cases.py)."""

from singlewindow.customs.models.selection import (
    Channel,
    MraPartner,
    RuleKind,
    SelectionRule,
    SelectionSettings,
    TraderGrade,
    TraderProfile,
)
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
    "Channel",
    "CommodityTaxRate",
    "DutyRate",
    "ExchangeRate",
    "MraPartner",
    "OriginGroup",
    "RuleKind",
    "SelectionRule",
    "SelectionSettings",
    "TariffLine",
    "TariffSchedule",
    "TraderGrade",
    "TraderProfile",
    "Validity",
]

from singlewindow.customs.models.cases import Case, CaseEvent, CaseState

__all__ += ["Case", "CaseEvent", "CaseState"]
