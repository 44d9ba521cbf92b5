"""The cargo screens: each role gets its desk, the warehouse records a receipt and files a report
from its phone-sized page, customs accepts, bad input comes back with the reason and changes
nothing, and outsiders are refused."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from singlewindow.cargo import forms
from singlewindow.cargo.errors import CargoError
from singlewindow.cargo.models import Bill, DiscrepancyReport, Receipt
from singlewindow.cargo.tests.world import CargoWorld, manifest, master, send


def logged_in(cargo: CargoWorld, name: str) -> Client:
    client = Client()
    assert client.login(username=cargo[name].username, password=cargo[name].password)
    return client


def test_each_role_gets_its_desk_and_outsiders_none(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-V", [master("BL-V", 10)]), "m-v")
    bill = Bill.objects.get(number="BL-V")
    warehouse = logged_in(cargo, "warehouse").get("/cargo/")
    assert warehouse.status_code == 200 and f'data-bill="{bill.number}"' in warehouse.content.decode()
    carrier = logged_in(cargo, "carrier").get("/cargo/")
    assert 'data-manifest="M-V"' in carrier.content.decode()
    detail = logged_in(cargo, "carrier").get(f"/cargo/manifests/{bill.manifest_id}/")
    assert detail.status_code == 200 and 'data-version="1"' in detail.content.decode()
    assert logged_in(cargo, "airline").get(f"/cargo/manifests/{bill.manifest_id}/").status_code == 404
    broker = logged_in(cargo, "trader_a").get("/cargo/?number=BL-V")
    assert 'data-found="BL-V"' in broker.content.decode()
    assert logged_in(cargo, "bank").get("/cargo/").status_code == 403
    assert Client().get("/cargo/").status_code == 302


def test_receipt_report_and_acceptance_on_the_screens(client: Any, cargo: CargoWorld) -> None:
    send(client, cargo["carrier"], manifest("M-W", [master("BL-W", 10)]), "m-w")
    bill = Bill.objects.get(number="BL-W")
    warehouse = logged_in(cargo, "warehouse")
    bad = warehouse.post(f"/cargo/bills/{bill.pk}/receipt/", {"packages": "-3", "gross_kg": "abc"})
    assert bad.status_code == 422 and 'data-error="cargo.bad_figures"' in bad.content.decode()
    assert not Receipt.objects.exists()
    done = warehouse.post(f"/cargo/bills/{bill.pk}/receipt/", {"packages": "9", "gross_kg": "290.5"})
    assert done.status_code == 302
    page = warehouse.get("/cargo/").content.decode()
    assert 'data-discrepancy="true"' in page
    assert warehouse.post(f"/cargo/bills/{bill.pk}/report/", {"note": "1 CT short"}).status_code == 302
    report = DiscrepancyReport.objects.get()
    carrier = logged_in(cargo, "carrier")
    assert f'data-report="{report.pk}"' in carrier.get("/cargo/").content.decode()
    assert carrier.post(f"/cargo/reports/{report.pk}/accept/", {}).status_code == 422  # not the carrier's to accept
    assert carrier.post(f"/cargo/reports/{report.pk}/confirm/", {}).status_code == 302
    customs = logged_in(cargo, "customs")
    assert f'data-report="{report.pk}"' in customs.get("/cargo/").content.decode()
    assert customs.post(f"/cargo/reports/{report.pk}/accept/", {}).status_code == 302
    bill.refresh_from_db()
    assert bill.packages == 9 and bill.manifest.version == 2


@pytest.mark.parametrize("typed", ["²", "١٢", "１２", "12\n3"])
def test_a_figure_in_other_digits_is_refused_with_the_reason_not_a_crash(typed: str) -> None:
    # ``str.isdigit`` takes these; ``int`` refuses a superscript (a 500) and reads the others.
    with pytest.raises(CargoError) as refused:
        forms.whole_number(typed)
    assert refused.value.code == "cargo.bad_figures"
