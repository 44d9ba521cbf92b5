"""The demo's sample schedule: one line per HS 2022 subheading, labelled sample, with regulations."""

from datetime import date
from decimal import Decimal as D

import pytest

from singlewindow.codelists.models import CodeValue, RegulationCode
from singlewindow.customs.assessment.result import ChargeCode
from singlewindow.customs.assessment.service import assess_declaration
from singlewindow.customs.models import CommodityTaxRate, ExchangeRate, TariffLine, TariffSchedule
from singlewindow.customs.tariff.errors import TariffError, TariffErrorCode
from singlewindow.customs.tariff.services import load_sample_schedule
from singlewindow.datamodel import samples
from singlewindow.datamodel.codelists import ListName
from singlewindow.datamodel.datasets.declaration import ImportDeclaration
from singlewindow.registry.actors import SYSTEM

pytestmark = pytest.mark.django_db


def regulations(code: str) -> list[str]:
    return sorted(TariffLine.objects.get(schedule__name="tw-sample", code=code).regulation_codes.values_list(
        "code", flat=True))


def test_the_sample_schedule_has_a_line_per_subheading_is_labelled_sample_and_assesses(code_lists):
    summary = load_sample_schedule(actor=SYSTEM)
    subheadings = CodeValue.objects.filter(code_list__name=ListName.HS2022, attributes__level=6).count()
    assert summary.lines == subheadings > 5000 and summary.unparsed == 0 and summary.not_in_hs == 0
    schedule = TariffSchedule.objects.get(name="tw-sample")
    assert schedule.is_sample and schedule.is_default and "not the law" in schedule.title_en
    assert "範例" in schedule.title_zh
    assert regulations("02011000") == ["B01", "F01"]  # meat: quarantine and food inspection
    assert regulations("06011000") == ["B01"]  # bulbs: plant quarantine
    assert regulations("22042100") == ["F01", "W01"]  # wine: food and alcohol inspection
    assert regulations("85171300") == ["C02"]  # phones: commodity inspection
    rice = TariffLine.objects.get(schedule__name="tw-sample", code="10063000").rates.get(column="general")
    assert (rice.kind, rice.specific_amount, rice.specific_currency) == ("specific", D("45.0000"), "TWD")
    laptop = TariffLine.objects.get(schedule__name="tw-sample", code="84713000")
    assert sorted(laptop.rates.values_list("column", "origin_group__code")) == [
        ("general", None), ("preferential", "sample-nz"), ("preferential", "sample-sg")]
    assert CommodityTaxRate.objects.filter(is_sample=True).count() > 10
    assert ExchangeRate.objects.get(currency="USD").is_sample
    # the sample declaration: 10 laptops, 1,200 USD CIF, from China. Sample USD rate 31.00:
    # CIF 37,200; duty 0 % (chapter 84); business 5 % x 37,200 = 1,860; fee 0.04 % x 37,200 = 14.88 -> 15
    result = assess_declaration(ImportDeclaration.model_validate(samples.import_declaration()), on=date(2025, 3, 1))
    assert result.is_sample and result.items[0].customs_value == D(37200)
    assert result.totals()[ChargeCode.BUSINESS_TAX] == D(1860) and result.total == D(1875)
    assert "SAMPLE DATA" in result.render()[0]


def test_loading_the_sample_again_changes_nothing(code_lists):
    first = load_sample_schedule(actor=SYSTEM)
    lines = TariffLine.objects.count()
    second = load_sample_schedule(actor=SYSTEM)
    assert second.replaced == first.lines and TariffLine.objects.count() == lines
    assert ExchangeRate.objects.filter(currency="USD").count() == 1


def test_the_sample_needs_the_code_lists(db):
    RegulationCode.objects.all().delete()
    with pytest.raises(TariffError) as raised:
        load_sample_schedule(actor=SYSTEM)
    assert raised.value.code == TariffErrorCode.NO_CODE_LISTS
    assert not TariffSchedule.objects.exists()
