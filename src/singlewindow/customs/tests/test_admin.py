"""Back-office screens for the tariff: they render, edits are audited, and rates are re-parsed on save."""

import json

import pytest
from django.contrib import admin
from django.contrib.auth.models import User

from singlewindow.customs.models import CommodityTaxRate, ExchangeRate, TariffLine, TariffSchedule
from singlewindow.registry.admin import AuditedAdmin
from singlewindow.registry.models import AuditRecord

pytestmark = pytest.mark.django_db


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", "", "pw-root-12345")


def test_every_customs_model_in_the_back_office_is_audited():
    from singlewindow.customs import models

    registered = {model: model_admin for model, model_admin in admin.site._registry.items()
                  if model._meta.app_label == "customs"}
    assert set(registered) >= {models.TariffSchedule, models.TariffLine, models.OriginGroup, models.CommodityTaxRate,
                               models.ExchangeRate, models.SelectionRule, models.TraderProfile, models.MraPartner,
                               models.SelectionSettings}
    assert all(isinstance(model_admin, AuditedAdmin) for model_admin in registered.values())


@pytest.mark.parametrize("url", [
    "/admin/customs/tariffschedule/", "/admin/customs/tariffline/", "/admin/customs/tariffline/?q=wine",
    "/admin/customs/origingroup/", "/admin/customs/commoditytaxrate/", "/admin/customs/exchangerate/",
])
def test_changelists_render(client, superuser, national_schedule, url):
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 200


def test_schedules_come_from_imports_not_the_add_form(client, superuser):
    client.force_login(superuser)
    assert client.get("/admin/customs/tariffschedule/add/").status_code == 403


def line_form(line: TariffLine, rate_text: str, regulations: list[int]) -> dict[str, object]:
    rate = line.rates.get(column="general")
    return {
        "schedule": line.schedule_id, "code": line.code, "description_en": line.description_en,
        "description_zh": line.description_zh, "unit": line.unit, "valid_from": "2022-01-01", "valid_to": "",
        "regulation_codes": regulations, "attributes": json.dumps(line.attributes),
        "rates-TOTAL_FORMS": "1", "rates-INITIAL_FORMS": "1", "rates-MIN_NUM_FORMS": "0", "rates-MAX_NUM_FORMS": "1000",
        "rates-0-id": rate.pk, "rates-0-line": line.pk, "rates-0-column": "general", "rates-0-origin_group": "",
        "rates-0-label": "", "rates-0-text": rate_text,
    }


def test_editing_a_rate_reparses_it_and_audits_old_and_new(client, superuser, national_schedule):
    client.force_login(superuser)
    line = TariffLine.objects.get(code="8471300000")
    regulations = list(line.regulation_codes.values_list("pk", flat=True))
    response = client.post(f"/admin/customs/tariffline/{line.pk}/change/",
                           line_form(line, "5% MIN 10 TWD / item", regulations))
    assert response.status_code == 302, response.content.decode()[:2000]
    rate = line.rates.get(column="general")
    assert (rate.kind, str(rate.ad_valorem), rate.structured["seasons"][0]["formula"]["min"][0]["unit"]) == (
        "min_max", "5.0000", "NAR")
    record = AuditRecord.objects.get(action="change", object_type="DutyRate")
    assert record.changes["text"] == {"old": "0%", "new": "5% MIN 10 TWD / item"}


def test_changing_a_lines_regulation_codes_is_audited(client, superuser, national_schedule):
    from singlewindow.codelists.models import RegulationCode

    client.force_login(superuser)
    line = TariffLine.objects.get(code="8471300000")
    response = client.post(f"/admin/customs/tariffline/{line.pk}/change/",
                           line_form(line, "0%", [RegulationCode.objects.get(code="C01").pk]))
    assert response.status_code == 302
    record = AuditRecord.objects.get(action="change", object_type="TariffLine")
    assert record.changes["regulation_codes"] == {"old": ["C02"], "new": ["C01"]}


def test_a_commodity_tax_rate_the_assessment_cannot_compute_is_refused(client, superuser):
    client.force_login(superuser)
    response = client.post("/admin/customs/commoditytaxrate/add/", {
        "hs_prefix": "2203", "category_en": "Beer", "category_zh": "啤酒", "text": "Entry Price", "valid_from": "",
        "valid_to": "", "is_sample": "on", "note": ""})
    assert response.status_code == 200 and "entry price" in response.content.decode()
    assert not CommodityTaxRate.objects.exists()
    response = client.post("/admin/customs/commoditytaxrate/add/", {
        "hs_prefix": "2203", "category_en": "Beer", "category_zh": "啤酒", "text": "26 TWD / l", "valid_from": "",
        "valid_to": "", "is_sample": "on", "note": ""})
    assert response.status_code == 302
    assert CommodityTaxRate.objects.get().kind == "specific"
    assert AuditRecord.objects.filter(action="create", object_type="CommodityTaxRate").exists()


def test_overlapping_exchange_rate_periods_are_refused(client, superuser, national_schedule):
    client.force_login(superuser)
    response = client.post("/admin/customs/exchangerate/add/", {
        "currency": "USD", "valid_from": "2024-01-08", "valid_to": "2024-01-20", "import_rate": "31.1",
        "export_rate": "", "source": "", })
    assert response.status_code == 200 and "covers part of this period" in response.content.decode()
    response = client.post("/admin/customs/exchangerate/add/", {
        "currency": "USD", "valid_from": "2024-01-11", "valid_to": "2024-01-20", "import_rate": "31.1",
        "export_rate": "", "source": "", })
    assert response.status_code == 302
    assert ExchangeRate.objects.filter(currency="USD").count() == 2
    assert TariffSchedule.objects.get(name="test-national").is_default
