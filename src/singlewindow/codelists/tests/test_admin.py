"""Back-office screens for the code lists: they render, and edits are audited and take effect."""

import pytest

from singlewindow.codelists import selectors
from singlewindow.codelists.models import CodeList, CodeValue, RegulationCode
from singlewindow.datamodel.codelists import ListName
from singlewindow.registry.models import AuditRecord

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("url", [
    "/admin/codelists/codelist/",
    "/admin/codelists/codevalue/",
    "/admin/codelists/codevalue/?q=kilo",
    "/admin/codelists/regulationcode/",
])
def test_changelists_render_for_a_superuser(client, superuser, small_lists, agencies, url):
    from singlewindow.codelists import services
    from singlewindow.registry.actors import SYSTEM

    services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION])
    client.force_login(superuser)
    response = client.get(url)
    assert response.status_code == 200
    assert b"codelists" in response.content


def test_the_list_screen_shows_each_list_with_its_size(client, superuser, small_lists):
    client.force_login(superuser)
    page = client.get("/admin/codelists/codelist/").content.decode()
    assert "transport_mode" in page and "Rec 19" in page


def test_lists_cannot_be_added_or_deleted_in_the_back_office(client, superuser, small_lists):
    client.force_login(superuser)
    assert client.get("/admin/codelists/codelist/add/").status_code == 403
    unit = CodeList.objects.get(name="unit")
    assert client.post(f"/admin/codelists/codelist/{unit.pk}/delete/", {"post": "yes"}).status_code == 403
    assert CodeList.objects.filter(name="unit").exists()


def test_editing_a_code_is_audited_and_reaches_the_lookup(client, superuser, small_lists):
    client.force_login(superuser)
    lookup = selectors.code_lists()
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "公斤")
    kilogram = CodeValue.objects.get(code_list__name="unit", code="KGM")
    revision = kilogram.code_list.revision
    response = client.post(f"/admin/codelists/codevalue/{kilogram.pk}/change/", {
        "code_list": kilogram.code_list_id, "code": "KGM", "name_en": "kilogram", "name_zh": "公斤 (千克)",
        "parent_code": "", "valid_from": "", "valid_to": "", "attributes": '{"kind": "mass"}',
    })
    assert response.status_code == 302
    record = AuditRecord.objects.get(action="change", object_type="CodeValue")
    assert record.changes["name_zh"] == {"old": "公斤", "new": "公斤 (千克)"}
    assert CodeList.objects.get(name="unit").revision == revision + 1
    assert lookup.name(ListName.UNIT, "KGM") == ("kilogram", "公斤 (千克)")


def test_changing_a_regulations_agency_code_relinks_it(client, superuser, agencies):
    from singlewindow.codelists import services
    from singlewindow.registry.actors import SYSTEM

    services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION])
    client.force_login(superuser)
    regulation = RegulationCode.objects.get(code="C02")
    response = client.post(f"/admin/codelists/regulationcode/{regulation.pk}/change/", {
        "code": "C02", "name_en": regulation.name_en, "name_zh": regulation.name_zh, "direction": "import",
        "permit_type": "inspection", "agency_code": "tw-tfda", "agency_name_en": "TFDA",
        "agency_name_zh": "食藥署", "is_active": "on",
    })
    assert response.status_code == 302
    regulation.refresh_from_db()
    assert regulation.agency == agencies["tw-tfda"]
    assert CodeValue.objects.get(code_list__name=ListName.REGULATION, code="C02").attributes["agency_code"] == "tw-tfda"
    assert AuditRecord.objects.filter(action="change", object_type="RegulationCode").exists()


def test_the_regulation_list_is_edited_through_its_regulation_codes_only(client, superuser, agencies):
    from singlewindow.codelists import services
    from singlewindow.registry.actors import SYSTEM

    services.load_code_lists(actor=SYSTEM, only=[ListName.REGULATION, ListName.UNIT])
    client.force_login(superuser)
    mirrored = CodeValue.objects.get(code_list__name=ListName.REGULATION, code="C01")
    response = client.post(f"/admin/codelists/codevalue/{mirrored.pk}/change/", {
        "code_list": mirrored.code_list_id, "code": "C01", "name_en": "edited", "name_zh": "",
        "parent_code": "", "valid_from": "", "valid_to": "", "attributes": "{}",
    })
    assert response.status_code == 403
    mirrored.refresh_from_db()
    assert mirrored.name_en != "edited"
    add_form = client.get("/admin/codelists/codevalue/add/").content.decode()
    assert ">unit<" in add_form and ">regulation<" not in add_form
