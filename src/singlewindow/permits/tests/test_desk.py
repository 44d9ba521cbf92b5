"""The hosted permit desk's pages: who gets in, the inbox and its filters, the four decisions,
and that a bad form changes nothing."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.test import Client

from singlewindow.customs.tests.clearance import channel_chooser
from singlewindow.permits.models import Application, Permit
from singlewindow.permits.tests.flow import DESK_PASSWORD, Flow, build_flow


@pytest.fixture(autouse=True)
def _c1(monkeypatch: pytest.MonkeyPatch) -> None:
    channel_chooser(monkeypatch)


@pytest.fixture
def flow(db: None, tmp_path: Path) -> Flow:
    return build_flow(tmp_path)


@pytest.fixture
def desk(client: Client, flow: Flow) -> Client:
    assert client.login(username="desk", password=DESK_PASSWORD)
    return client


def application(client: Any, flow: Flow, reference: str = "DESK-1") -> Application:
    case = flow.declare(Client(), reference)
    return flow.application(case, "TQ1")


def test_the_inbox_lists_the_agencys_open_applications(desk: Client, flow: Flow) -> None:
    tq1 = application(desk, flow)
    page = desk.get("/permits/desk/")
    assert page.status_code == 200
    assert tq1.reference in page.content.decode()
    assert "DRV-" not in desk.get("/permits/desk/?status=approved").content.decode()


def test_the_overdue_list(desk: Client, flow: Flow) -> None:
    tq1 = application(desk, flow)
    assert tq1.reference not in desk.get("/permits/desk/?overdue=1").content.decode()
    Application.objects.filter(pk=tq1.pk).update(due_at=tq1.submitted_at - timedelta(hours=1))
    page = desk.get("/permits/desk/?overdue=1").content.decode()
    assert tq1.reference in page and 'data-overdue="true"' in page


@pytest.mark.parametrize("query", ["status=bogus", "age=99y", "overdue=yes", "status=" + "x" * 5000])
def test_odd_filters_fall_back_to_the_defaults(desk: Client, flow: Flow, query: str) -> None:
    assert desk.get(f"/permits/desk/?{query}").status_code == 200


def test_approving_on_the_desk_issues_the_permit(desk: Client, flow: Flow) -> None:
    tq1 = application(desk, flow)
    response = desk.post(f"/permits/desk/{tq1.pk}/approve/", {"permit_number": "TQ-77", "valid_from": "",
                                                              "valid_to": "", "granted-1": "10"})
    assert response.status_code == 302
    tq1.refresh_from_db()
    assert tq1.status == "approved" and tq1.permit is not None and tq1.permit.number == "TQ-77"
    assert "TQ-77" in desk.get(f"/permits/desk/{tq1.pk}/").content.decode()


@pytest.mark.parametrize(("action", "form"), [
    ("approve", {"permit_number": "", "granted-1": "10"}),
    ("approve", {"permit_number": "TQ-1", "granted-1": "ten"}),
    ("approve", {"permit_number": "TQ-1", "granted-1": "1e5"}),
    ("approve", {"permit_number": "TQ-1", "granted-1": "0"}),
    ("approve", {"permit_number": "TQ-1", "granted-1": "10", "valid_from": "2026-02-30"}),
    ("approve", {"permit_number": "TQ-1", "granted-1": "10", "valid_from": "2026-03-02", "valid_to": "2026-03-01"}),
    ("approve-partially", {"permit_number": "TQ-1", "granted-1": "11"}),
    ("reject", {"reasons_en": "", "reasons_zh": ""}),
    ("reject", {"reasons_en": "x" * 501}),
    ("request-information", {"reasons_en": "\n".join(["a"] * 11)}),
])
def test_a_bad_form_is_refused_and_changes_nothing(desk: Client, flow: Flow, action: str,
                                                   form: dict[str, str]) -> None:
    tq1 = application(desk, flow)
    response = desk.post(f"/permits/desk/{tq1.pk}/{action}/", form)
    assert response.status_code == 422 and 'id="action-error"' in response.content.decode()
    tq1.refresh_from_db()
    assert tq1.status == "submitted" and not Permit.objects.exists()


def test_requesting_information_and_rejecting(desk: Client, flow: Flow) -> None:
    tq1 = application(desk, flow)
    desk.post(f"/permits/desk/{tq1.pk}/request-information/", {"reasons_en": "Send the invoice",
                                                               "reasons_zh": "請補送發票"})
    tq1.refresh_from_db()
    assert tq1.status == "information_requested" and tq1.reasons[0]["zh"] == "請補送發票"
    desk.post(f"/permits/desk/{tq1.pk}/reject/", {"reasons_en": "Not eligible", "reasons_zh": "不符規定"})
    tq1.refresh_from_db()
    assert tq1.status == "rejected"


def test_another_agencys_application_is_not_found(client: Client, flow: Flow) -> None:
    tp1 = flow.application(flow.declare(Client(), "DESK-2"), "TP1")
    assert client.login(username="desk", password=DESK_PASSWORD)
    assert client.get(f"/permits/desk/{tp1.pk}/").status_code == 404
    assert client.post(f"/permits/desk/{tp1.pk}/approve/", {"permit_number": "X", "granted-1": "1"}).status_code == 404
    tp1.refresh_from_db()
    assert tp1.status == "submitted"


@pytest.mark.parametrize(("who", "status"), [("trader_a", 403), ("customs", 403), (None, 302)])
def test_only_agencies_use_the_desk(client: Client, flow: Flow, who: str | None, status: int) -> None:
    if who is not None:
        party = flow.world[who]
        assert client.login(username=party.username, password=party.password)
    assert client.get("/permits/desk/").status_code == status


def test_an_agencys_own_application_service_reaches_the_desk(desk: Client, flow: Flow) -> None:
    """``quarantine_inspection.apply`` carries a permit application, like the Single Window's own service."""
    import json

    from singlewindow import testing
    from singlewindow.permits.tests.flow import run_engines
    from singlewindow.registry import services as registry
    from singlewindow.registry.actors import SYSTEM
    from singlewindow.registry.models import AccessGrant, OrganisationRole, Service

    service = registry.define_service(code="desk-own", name_en="Import quarantine", owner=flow.desk,
                                      message_type="quarantine_inspection.apply", data_set="permit_application",
                                      security=Service.Security.SIMPLE, actor=SYSTEM)
    registry.grant_access(service=service, direction=AccessGrant.Direction.SEND, role=OrganisationRole.TRADER,
                          actor=SYSTEM)
    registry.grant_access(service=service, direction=AccessGrant.Direction.RECEIVE, organisation=flow.desk,
                          actor=SYSTEM)
    trader = flow.world["trader_a"]
    body = json.dumps({
        "functionalReferenceId": "OWN-1", "typeCode": "851", "regulationCode": "TQ1",
        "agency": {"id": flow.desk.code}, "applicant": {"id": trader.organisation.business_id, "name": "Org trader_a"},
        "goodsItem": [{"sequenceNumeric": 1, "description": "Orchids", "classificationId": "060390",
                       "quantity": {"value": "40", "unitCode": "KGM"}}],
    }).encode()
    response = Client().post("/api/v1/messages", data=body, **testing.submit_headers(
        trader, body, message_type="quarantine_inspection.apply", client_reference="own-1", signed=False))
    assert response.status_code == 201, response.content
    run_engines()
    application = Application.objects.get(reference="OWN-1")
    assert application.agency == flow.desk and application.origin == "direct"
    assert "OWN-1" in desk.get("/permits/desk/").content.decode()
