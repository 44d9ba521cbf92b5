"""Fixtures for the tariff and assessment tests: code lists, small CSV files, a small schedule."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest

from singlewindow.codelists import services as codelist_services
from singlewindow.codelists.models import CodeValue, RegulationCode
from singlewindow.customs.models import CommodityTaxRate, OriginGroup
from singlewindow.customs.tariff import services
from singlewindow.customs.tariff.mapping import load_mapping
from singlewindow.customs.tariff.rates import parse_rate
from singlewindow.datamodel.codelists import ListName
from singlewindow.registry.actors import SYSTEM

UK_HEADER = ("commodity,description,cet_duty_rate,ukgt_duty_rate,change,trade_remedy_applies,"
             "cet_applies_until_trade_remedy_transition_reviews_concluded,suspension_applies,atq_applies")
UK_ROWS = (
    '01012100,Pure-bred breeding horses,0.0%,0.0%,No change,False,False,False,False',
    '01022910,"Live cattle, weight <= 80 kg",10.20% + 93.10 EUR / 100 kg,10.00% + 77.00 GBP/100kg,Simplified,'
    'False,False,False,False',
    '07020000,Tomatoes,Entry Price,8.00% (01 NOV - 14 MAY),Simplified,False,False,False,False',
    '2204218595,Wine,1.75 EUR / % vol / hl,1.40 GBP / % vol / hl,Currency conversion,False,False,False,False',
)

NATIONAL_MAPPING = {
    "name": "test-national", "title_en": "Test national tariff", "title_zh": "測試稅則", "code": "code",
    "description_en": "en", "description_zh": "zh", "unit": "unit", "valid_from": "from", "valid_to": "to",
    "regulations": "regs",
    "rates": [{"field": "col1", "column": "general"},
              {"field": "col2_nz", "column": "preferential", "origin_group": "test-nz"}],
}
NATIONAL_HEADER = "code,en,zh,unit,from,to,regs,col1,col2_nz"
NATIONAL_ROWS = (
    "8471.30.00.00,Portable computers,手提電腦,NAR,2022-01-01,,C02,0%,",
    "22042100,Wine in small containers,小容器葡萄酒,LTR,2022-01-01,,F01 W01,10% MIN 20 TWD / l,0%",
    "87032100,Cars <= 1000 cc,小客車,NAR,2022-01-01,,C01,17.5%,12.5%",
    "10063000,Rice,稻米,KGM,2022-01-01,,F01 B01,45 TWD / kg,",
    "04021000,Milk powder,奶粉,KGM,2022-01-01,,F01,1.00 TWD/kg/lactic matter + 10%,",
    "07020000,Tomatoes,番茄,KGM,2022-01-01,,F01,Entry Price,",
    "08081000,Apples,蘋果,KGM,2022-01-01,2022-12-31,F01,20% (01 JAN - 30 JUN),",
)


def csv_bytes(header: str, rows: tuple[str, ...] | list[str]) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode()


@pytest.fixture
def write_csv(tmp_path: Path) -> Callable[..., Path]:
    def write(header: str, rows: tuple[str, ...] | list[str], name: str = "tariff.csv") -> Path:
        path = tmp_path / name
        path.write_bytes(csv_bytes(header, rows))
        return path
    return write


@pytest.fixture
def code_lists(db: None) -> None:
    """HS 2022 and the regulation codes (loaded after migrate; loaded here if a test removed them)."""
    needed = [name for name, present in (
        (ListName.HS2022, CodeValue.objects.filter(code_list__name=ListName.HS2022).exists()),
        (ListName.REGULATION, RegulationCode.objects.exists())) if not present]
    if needed:
        codelist_services.load_code_lists(actor=SYSTEM, only=needed)


@pytest.fixture
def nz_group(db: None) -> OriginGroup:
    return OriginGroup.objects.create(code="test-nz", name_en="Test preference: New Zealand", name_zh="測試：紐西蘭",
                                      countries=["NZ"])


@pytest.fixture
def national_mapping_file(tmp_path: Path) -> Path:
    path = tmp_path / "national.json"
    path.write_text(json.dumps(NATIONAL_MAPPING))
    return path


@pytest.fixture
def national_schedule(code_lists: None, nz_group: OriginGroup, write_csv: Callable[..., Path],
                      national_mapping_file: Path) -> services.ImportSummary:
    """A small national schedule (default), TWD exchange rates and a commodity tax on cars."""
    summary = services.import_schedule(source=write_csv(NATIONAL_HEADER, NATIONAL_ROWS, "national.csv"),
                                       mapping=load_mapping(str(national_mapping_file)), actor=SYSTEM)
    services.set_default_schedule(name=summary.schedule, actor=SYSTEM)
    for currency, rate in (("USD", "30.5"), ("NZD", "18.25"), ("GBP", "40")):
        services.record_exchange_rate(currency=currency, valid_from=date(2024, 1, 1), valid_to=date(2024, 1, 10),
                                      import_rate=Decimal(rate), actor=SYSTEM)
    parsed = parse_rate("25%")
    CommodityTaxRate.objects.create(hs_prefix="8703", category_en="Passenger cars", category_zh="小客車",
                                    text=parsed.text, kind=parsed.kind, structured=parsed.as_dict(),
                                    valid_from=date(2022, 1, 1))
    return summary
