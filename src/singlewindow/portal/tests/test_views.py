"""Portal pages and the back office, through Django's test client."""

from __future__ import annotations

import hashlib
from zoneinfo import ZoneInfo

import pytest
from django.contrib.auth.models import User
from django.test import Client
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from singlewindow import testing
from singlewindow.exchange.models import Delivery, EvidenceEntry, WebhookEndpoint
from singlewindow.portal import selectors
from singlewindow.registry import pki, trust
from singlewindow.registry.models import (
    ApiToken,
    AuditRecord,
    Certificate,
    Organisation,
    RevokedCertificate,
    TrustAnchor,
)

UCR = "6TW30000002-IMP0001"


def submit(party: testing.Party, *, reference: str = "c-1", ucr: str = UCR) -> dict:
    """Submit a signed import declaration through the API, as the party's system would."""
    payload = testing.encode(testing.declaration(ucr=ucr, reference=reference))
    response = Client().post("/api/v1/messages", data=payload,
                             **testing.submit_headers(party, payload, client_reference=reference))
    assert response.status_code == 201, response.content
    return response.json()["receipt"]


def login(client: Client, party: testing.Party) -> None:
    assert client.login(username=party.username, password=party.password)


@pytest.fixture
def receipt(world: testing.World) -> dict:
    return submit(world["trader_a"])


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", "", "pw-root-12345")


@pytest.fixture
def admin_client(client: Client, superuser: User) -> Client:
    client.force_login(superuser)
    return client


# --------------------------------------------------------------------------- pages


def test_anonymous_home_is_the_public_landing_page_in_chinese(client, db):
    body = client.get("/").content.decode()
    assert "單一窗口" in body and "Single Window" in body
    assert 'href="/api/docs"' in body and 'href="/login/"' in body
    assert "一次申報" in body  # the landing headline, zh-Hant by default


def test_login_page_logs_in_and_lands_on_the_home_page(client, world):
    page = client.get("/login/")
    assert page.status_code == 200 and 'name="password"' in page.content.decode()
    response = client.post("/login/", {"username": "trader_a", "password": "pw-trader_a-12345"})
    assert response.status_code == 302 and response["Location"] == "/"
    assert "機構trader_a" in client.get("/").content.decode()


def test_a_login_sending_back_to_the_login_page_lands_on_the_home_page(client, world):
    response = client.post("/login/?next=/login/", {"username": "trader_a", "password": "pw-trader_a-12345"})
    assert response.status_code == 302 and response["Location"] == "/"
    again = client.get("/login/?next=/login/")  # logged in already: Django would loop and answer 500
    assert again.status_code == 302 and again["Location"] == "/"


def test_login_with_a_wrong_password_is_refused(client, world):
    response = client.post("/login/", {"username": "trader_a", "password": "nope"})
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


def test_logout_is_a_post(client, world):
    login(client, world["trader_a"])
    assert client.post("/logout/").status_code == 302
    assert "_auth_user_id" not in client.session


def test_trader_sees_its_sent_message_receipt_and_delivery_state(client, world, receipt):
    login(client, world["trader_a"])
    body = client.get("/").content.decode()
    assert receipt["message_id"] in body
    assert "c-1" in body
    assert f"#{receipt['evidence_seq']}" in body
    assert 'data-recipient="t-customs-kel"' in body and 'data-state="pending"' in body
    assert "data-push-state" not in body  # how pushes fare is the recipient's business
    assert f'href="/consignments/{UCR}/"' in body
    taipei = parse_datetime(receipt["received_at"]).astimezone(ZoneInfo("Asia/Taipei"))
    assert taipei.strftime("%Y-%m-%d %H:%M:%S") in body


def test_agency_sees_its_mailbox_and_acknowledges(client, world, receipt):
    login(client, world["customs"])
    body = client.get("/").content.decode()
    delivery = Delivery.objects.get(message_id=receipt["message_id"])
    assert f'data-delivery="{delivery.pk}"' in body and UCR in body
    assert f'action="/mailbox/{delivery.pk}/acknowledge/"' in body
    response = client.post(f"/mailbox/{delivery.pk}/acknowledge/")
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.ACKNOWLEDGED
    # htmx gets just the updated row back; acknowledging again changes nothing
    row = client.post(f"/mailbox/{delivery.pk}/acknowledge/", HTTP_HX_REQUEST="true")
    assert row.status_code == 200
    fragment = row.content.decode()
    assert fragment.lstrip().startswith("<tr") and 'data-state="acknowledged"' in fragment
    # the sender now sees the acknowledgement
    login(client, world["trader_a"])
    assert 'data-state="acknowledged"' in client.get("/panels/sent/").content.decode()


def test_mailbox_hides_acknowledged_items_unless_asked(client, world, receipt):
    login(client, world["customs"])
    delivery = Delivery.objects.get(message_id=receipt["message_id"])
    client.post(f"/mailbox/{delivery.pk}/acknowledge/")
    assert f'data-delivery="{delivery.pk}"' not in client.get("/panels/mailbox/").content.decode()
    everything = client.get("/panels/mailbox/?show=all").content.decode()
    assert f'data-delivery="{delivery.pk}"' in everything


def test_mailbox_pages_forward_from_a_cursor(client, world, monkeypatch):
    monkeypatch.setattr(selectors, "MAILBOX_PAGE_SIZE", 1)
    first = submit(world["trader_a"], reference="p-1", ucr="6TW30000002-PAGE1")
    second = submit(world["trader_a"], reference="p-2", ucr="6TW30000002-PAGE2")
    login(client, world["customs"])
    page_one = client.get("/panels/mailbox/").content.decode()
    assert "PAGE1" in page_one and "PAGE2" not in page_one
    assert f"after={first['evidence_seq']}" in page_one
    page_two = client.get(f"/panels/mailbox/?after={first['evidence_seq']}").content.decode()
    assert "PAGE2" in page_two and "PAGE1" not in page_two
    assert f"after={second['evidence_seq']}" not in page_two  # no further page


def test_another_organisation_sees_neither_sent_nor_mailbox(client, world, receipt):
    delivery = Delivery.objects.get(message_id=receipt["message_id"])
    for outsider in ("trader_b", "customs_2"):
        login(client, world[outsider])
        body = client.get("/").content.decode()
        assert receipt["message_id"] not in body and UCR not in body
        assert client.get(f"/consignments/{UCR}/").status_code == 404
        assert client.get(f"/consignments/{UCR}/events/").status_code == 404
        assert client.get(f"/messages/{receipt['message_id']}/").status_code == 404
        assert client.post(f"/mailbox/{delivery.pk}/acknowledge/").status_code == 404
    delivery.refresh_from_db()
    assert delivery.state == Delivery.State.PENDING


def test_timeline_page_shows_events_to_parties(client, world, receipt):
    login(client, world["trader_a"])
    body = client.get(f"/consignments/{UCR}/").content.decode()
    assert 'data-kind="message.received"' in body
    assert "收到機構trader_a傳送之進口報單" in body
    assert f'href="/messages/{receipt["message_id"]}/"' in body
    assert UCR in client.get("/consignments/").content.decode()


def test_message_detail_shows_the_receipt_to_its_sender_only(client, world, receipt):
    message_url = f"/messages/{receipt['message_id']}/"
    login(client, world["trader_a"])
    body = client.get(message_url).content.decode()
    assert receipt["payload_sha256"] in body and receipt["leaf_hash"] in body
    assert "<details>" in body  # the receipt signature, folded away
    assert f'href="/api/v1/messages/{receipt["message_id"]}/payload"' in body
    assert 'data-recipient="t-customs-kel"' in body
    login(client, world["customs"])
    body = client.get(message_url).content.decode()
    assert receipt["payload_sha256"] in body and receipt["leaf_hash"] not in body
    # the payload link works with the portal session
    payload = client.get(f"/api/v1/messages/{receipt['message_id']}/payload")
    assert payload.status_code == 200 and payload["X-SW-Payload-SHA256"] == receipt["payload_sha256"]


def test_language_switch_changes_the_page_language(client, world):
    login(client, world["trader_a"])
    chinese = client.get("/").content.decode()
    assert "寄出的訊息" in chinese and 'lang="zh-Hant-TW"' in chinese
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    english = client.get("/").content.decode()
    assert "Sent messages" in english and "寄出的訊息" not in english
    assert 'lang="en"' in english and "Org trader_a" in english
    client.post("/i18n/setlang/", {"language": "zh-hant", "next": "/"})
    assert "寄出的訊息" in client.get("/").content.decode()


def test_user_without_an_organisation_gets_a_clear_message(client, db):
    User.objects.create_user("drifter", password="pw-drifter-12345")
    client.login(username="drifter", password="pw-drifter-12345")
    body = client.get("/").content.decode()
    assert "您的帳號尚未連結到任何機構" in body
    assert client.get("/panels/mailbox/").status_code == 200


def test_staff_see_the_back_office_link(client, world, superuser):
    login(client, world["trader_a"])
    assert 'href="/admin/"' not in client.get("/").content.decode()
    client.force_login(superuser)
    assert 'href="/admin/"' in client.get("/").content.decode()


def test_panels_ask_htmx_to_reload_to_the_login_page_when_logged_out(client, db):
    response = client.get("/panels/sent/", HTTP_HX_REQUEST="true")
    assert response.status_code == 204 and response["HX-Redirect"] == "/login/"
    assert client.get("/panels/sent/")["Location"].startswith("/login/?next=")


def test_static_assets_are_served_locally(client, db):
    body = client.get("/").content.decode()
    assert "/static/portal/htmx.min.js" in body and "/static/portal/site.css" in body
    assert "https://" not in body.split("<body")[0]  # nothing fetched from a CDN


def test_not_found_page_is_the_portal_page(client, world):
    login(client, world["trader_a"])
    response = client.get("/consignments/NOPE/")
    assert response.status_code == 404 and "找不到" in response.content.decode()


# --------------------------------------------------------------------------- back office


def _organisation_form(**overrides: str) -> dict[str, str]:
    data = {
        "code": "tw-new-org", "business_id": "", "name_en": "New Org", "name_zh": "新機構",
        "office_code": "", "engine": "", "is_active": "on",
        "roles-TOTAL_FORMS": "1", "roles-INITIAL_FORMS": "0", "roles-MIN_NUM_FORMS": "0",
        "roles-MAX_NUM_FORMS": "1000", "roles-0-role": "trader",
        "memberships-TOTAL_FORMS": "0", "memberships-INITIAL_FORMS": "0",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
    }
    data.update(overrides)
    return data


def test_admin_add_and_change_organisation_are_audited(admin_client, superuser):
    response = admin_client.post("/admin/registry/organisation/add/", _organisation_form())
    assert response.status_code == 302, response.content.decode()[:2000]
    organisation = Organisation.objects.get(code="tw-new-org")
    created = registry_audits().get(object_type="Organisation", object_id=str(organisation.pk))
    assert created.action == "create" and created.actor == superuser
    assert created.changes["code"] == {"old": None, "new": "tw-new-org"}
    role = registry_audits().get(object_type="OrganisationRoleAssignment")
    assert role.action == "create" and role.changes["role"]["new"] == "trader"

    assignment = organisation.roles.get()
    response = admin_client.post(
        f"/admin/registry/organisation/{organisation.pk}/change/",
        _organisation_form(**{
            "name_en": "Renamed Org", "roles-INITIAL_FORMS": "1",
            "roles-0-id": str(assignment.pk), "roles-0-organisation": str(organisation.pk),
        }),
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    changed = registry_audits().filter(object_type="Organisation", action="change").get()
    assert changed.changes == {"name_en": {"old": "New Org", "new": "Renamed Org"}}


def test_admin_inline_role_removal_is_audited(admin_client):
    admin_client.post("/admin/registry/organisation/add/", _organisation_form())
    organisation = Organisation.objects.get(code="tw-new-org")
    assignment = organisation.roles.get()
    response = admin_client.post(
        f"/admin/registry/organisation/{organisation.pk}/change/",
        _organisation_form(**{
            "roles-INITIAL_FORMS": "1", "roles-0-id": str(assignment.pk),
            "roles-0-organisation": str(organisation.pk), "roles-0-DELETE": "on",
        }),
    )
    assert response.status_code == 302
    removed = registry_audits().get(object_type="OrganisationRoleAssignment", action="delete")
    assert removed.object_id == str(assignment.pk) and removed.changes["role"]["old"] == "trader"


def test_admin_organisation_list_filters_by_role_and_searches(admin_client, world):
    listing = admin_client.get("/admin/registry/organisation/?roles__role=customs_office")
    body = listing.content.decode()
    assert "t-customs-kel" in body and "t-trader-a" not in body
    assert "t-bank" in admin_client.get("/admin/registry/organisation/?q=30000034").content.decode()


def test_admin_certificate_refuses_garbage_and_foreign_certificates(admin_client, world):
    trader = world["trader_a"].organisation
    before = Certificate.objects.count()
    garbage = admin_client.post("/admin/registry/certificate/add/",
                                {"organisation": trader.pk, "pem": "not a certificate"})
    assert garbage.status_code == 200 and "PEM" in garbage.content.decode()
    foreign = pki.issue_organisation_certificate(world.root, org_code="t-trader-b",
                                                 organisation_name="Org trader_b")
    mismatch = admin_client.post("/admin/registry/certificate/add/", {
        "organisation": trader.pk, "pem": pki.certificate_to_pem(foreign.certificate)})
    assert mismatch.status_code == 200 and "t-trader-b" in mismatch.content.decode()
    assert Certificate.objects.count() == before


def test_admin_certificate_from_pem_is_registered_and_audited(admin_client, world):
    trader = world["trader_a"].organisation
    issued = pki.issue_organisation_certificate(world.root, org_code=trader.code,
                                                organisation_name="Org trader_a")
    response = admin_client.post("/admin/registry/certificate/add/", {
        "organisation": trader.pk, "pem": pki.certificate_to_pem(issued.certificate)})
    assert response.status_code == 302
    certificate = Certificate.objects.get(fingerprint=pki.fingerprint(issued.certificate))
    assert certificate.serial == pki.serial_hex(issued.certificate)
    assert certificate.organisation == trader and "t-trader-a" in certificate.subject
    assert registry_audits().filter(action="register_certificate",
                                      object_id=str(certificate.pk)).exists()


def test_admin_api_token_is_shown_once_and_only_its_hash_stored(admin_client, world):
    trader = world["trader_a"].organisation
    response = admin_client.post("/admin/registry/apitoken/add/",
                                 {"organisation": trader.pk, "name": "erp"}, follow=True)
    shown = [str(m) for m in response.context["messages"]]
    raw = next(text.split(": ")[-1] for text in shown if "sw_" in text)
    token = ApiToken.objects.get(name="erp")
    assert token.token_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in admin_client.get(f"/admin/registry/apitoken/{token.pk}/change/").content.decode()


def test_admin_revocation_takes_effect_for_signatures(admin_client, world,
                                                     django_capture_on_commit_callbacks):
    chain = [world["trader_a"].key.certificate]
    trust.chain_verifier().verify(chain, at=timezone.now())  # trusted, and now cached
    certificate = Certificate.objects.filter(organisation=world["trader_a"].organisation).get()
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post("/admin/registry/revokedcertificate/add/", {
            "serial": "0x" + certificate.serial.upper(), "reason": "key compromise"})
    assert response.status_code == 302
    revoked = RevokedCertificate.objects.get(serial=certificate.serial)
    with pytest.raises(pki.ChainError) as refused:
        trust.chain_verifier().verify(chain, at=timezone.now())
    assert refused.value.code == "certificate_revoked"
    certificate.refresh_from_db()
    assert not certificate.is_active
    # lifting the revocation in the back office is audited and trusted again at once
    with django_capture_on_commit_callbacks(execute=True):
        response = admin_client.post(f"/admin/registry/revokedcertificate/{revoked.pk}/delete/",
                                     {"post": "yes"})
    assert response.status_code == 302
    assert registry_audits().filter(object_type="RevokedCertificate", action="delete").exists()
    trust.chain_verifier().verify(chain, at=timezone.now())


def test_admin_audit_records_are_read_only(admin_client, world):
    record = registry_audits().first()
    assert admin_client.get(f"/admin/registry/auditrecord/{record.pk}/change/").status_code == 200
    assert admin_client.get(f"/admin/registry/auditrecord/{record.pk}/delete/").status_code == 403
    assert admin_client.get("/admin/registry/auditrecord/add/").status_code == 403


def test_admin_evidence_is_append_only(admin_client, receipt):
    entry = EvidenceEntry.objects.get(seq=receipt["evidence_seq"])
    url = f"/admin/exchange/evidenceentry/{entry.pk}/"
    assert admin_client.get(f"{url}change/").status_code == 200  # viewing is fine
    assert admin_client.post(f"{url}change/", {"kind": "forged"}).status_code == 403
    assert admin_client.get(f"{url}delete/").status_code == 403
    assert admin_client.post(f"{url}delete/", {"post": "yes"}).status_code == 403
    assert admin_client.get("/admin/exchange/evidenceentry/add/").status_code == 403
    bulk = admin_client.post("/admin/exchange/evidenceentry/", {
        "action": "delete_selected", "_selected_action": [entry.pk], "post": "yes"})
    assert bulk.status_code in {200, 302, 403}
    entry.refresh_from_db()
    assert entry.kind == "message.received"


def test_admin_message_view_never_offers_the_payload_for_editing(admin_client, receipt):
    url = f"/admin/exchange/message/{receipt['message_id']}/change/"
    body = admin_client.get(url).content.decode()
    assert receipt["payload_sha256"] in body and 'name="payload"' not in body
    assert admin_client.post(url, {}).status_code == 403


def test_admin_redeliver_action(admin_client, receipt):
    delivery = Delivery.objects.get(message_id=receipt["message_id"])
    refused = admin_client.post("/admin/exchange/delivery/", {
        "action": "redeliver_selected", "_selected_action": [delivery.pk]}, follow=True)
    # nothing to push to: refused, and the admin says why (in the page language)
    assert any("webhook" in str(m).lower() for m in refused.context["messages"])
    delivery.refresh_from_db()
    assert delivery.push_state == Delivery.PushState.NONE
    WebhookEndpoint.objects.create(organisation=delivery.recipient,
                                   url="https://agency.example.test/hook")
    response = admin_client.post("/admin/exchange/delivery/", {
        "action": "redeliver_selected", "_selected_action": [delivery.pk]})
    assert response.status_code == 302
    delivery.refresh_from_db()
    assert delivery.push_state == Delivery.PushState.PENDING
    assert EvidenceEntry.objects.filter(kind="delivery.redelivery_requested").exists()


def test_admin_trust_anchor_must_be_a_ca_and_is_audited(admin_client, world):
    leaf = pki.certificate_to_pem(world["trader_a"].key.certificate)
    refused = admin_client.post("/admin/registry/trustanchor/add/", {"name": "leaf", "pem": leaf})
    assert refused.status_code == 200 and not TrustAnchor.objects.filter(name="leaf").exists()
    garbage = admin_client.post("/admin/registry/trustanchor/add/", {"name": "junk", "pem": "junk"})
    assert garbage.status_code == 200 and not TrustAnchor.objects.filter(name="junk").exists()
    other_root = pki.create_root_ca("Another Root CA")
    response = admin_client.post("/admin/registry/trustanchor/add/", {
        "name": "another root", "pem": pki.certificate_to_pem(other_root.certificate)})
    assert response.status_code == 302
    anchor = TrustAnchor.objects.get(name="another root")
    assert anchor.fingerprint == pki.fingerprint(other_root.certificate)
    assert registry_audits().filter(action="trust", object_id=str(anchor.pk)).exists()


def test_admin_webhook_change_is_evidenced(admin_client, world):
    trader = world["trader_a"].organisation
    response = admin_client.post("/admin/exchange/webhookendpoint/add/", {
        "organisation": trader.pk, "url": "https://erp.example.test/hooks/sw", "is_active": "on"})
    assert response.status_code == 302
    assert WebhookEndpoint.objects.get(organisation=trader).url == "https://erp.example.test/hooks/sw"
    assert EvidenceEntry.objects.filter(kind="webhook.configured").exists()
    refused = admin_client.post("/admin/exchange/webhookendpoint/add/", {
        "organisation": world["trader_b"].organisation.pk, "url": "ftp://example.test/x"})
    assert refused.status_code == 200


def test_admin_other_exchange_records_are_read_only(admin_client, receipt):
    for model in ("checkpoint", "timelineevent", "message", "delivery", "consignment"):
        assert admin_client.get(f"/admin/exchange/{model}/").status_code == 200
        assert admin_client.get(f"/admin/exchange/{model}/add/").status_code == 403


def registry_audits():
    """Audit records of this test's own changes (the code lists loaded at migrate are set aside)."""
    return AuditRecord.objects.exclude(object_type__in=("CodeList", "RegulationCode"))
