"""Self-service certificate registration and the service catalogue."""

from singlewindow import testing
from singlewindow.registry import pki
from singlewindow.registry.models import AuditRecord, Certificate


def test_a_manager_registers_a_new_certificate_for_its_own_organisation(client, world):
    trader = world["trader_a"]
    fresh = pki.issue_organisation_certificate(world.root, org_code=trader.code, organisation_name="Org A")
    response = client.post("/api/v1/registry/certificates", {"pem": pki.certificate_to_pem(fresh.certificate)},
                           content_type="application/json", **trader.auth())
    assert response.status_code == 201
    assert response.json()["fingerprint"] == pki.fingerprint(fresh.certificate)
    assert Certificate.objects.get(fingerprint=pki.fingerprint(fresh.certificate)).organisation == trader.organisation
    assert AuditRecord.objects.filter(action="register_certificate").count() == len(testing.WORLD_ORGS) + 1
    listed = client.get("/api/v1/registry/certificates", **trader.auth()).json()
    assert len(listed) == 2


def test_a_certificate_naming_another_organisation_is_refused_and_nothing_changes(client, world):
    trader = world["trader_a"]
    other = pki.issue_organisation_certificate(world.root, org_code=world["trader_b"].code, organisation_name="B")
    before = Certificate.objects.count()
    response = client.post("/api/v1/registry/certificates", {"pem": pki.certificate_to_pem(other.certificate)},
                           content_type="application/json", **trader.auth())
    assert response.status_code == 422
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "registry.certificate_organisation_mismatch"
    assert Certificate.objects.count() == before
    garbage = client.post("/api/v1/registry/certificates", {"pem": "-----BEGIN CERTIFICATE-----\nxx"},
                          content_type="application/json", **trader.auth())
    assert garbage.status_code == 422 and Certificate.objects.count() == before


def test_the_catalogue_lists_services_with_their_security_and_processing_time(client, world):
    services = client.get("/api/v1/registry/services", **world["bank"].auth()).json()
    imports = next(s for s in services if s["message_type"] == "import_declaration.submit")
    assert imports["security"] == "certificate" and imports["processing_hours"] == 1.0


def test_registry_api_needs_authentication(client, db):
    assert client.get("/api/v1/registry/certificates").status_code == 401


def test_a_viewer_may_not_register_certificates(client, world):
    from django.contrib.auth.models import User

    from singlewindow.registry.models import Membership

    trader = world["trader_a"]
    viewer = User.objects.create_user("viewer", password="pw-viewer-12345")
    Membership.objects.create(user=viewer, organisation=trader.organisation, role="viewer")
    client.force_login(viewer)
    fresh = pki.issue_organisation_certificate(world.root, org_code=trader.code, organisation_name="Org A")
    before = Certificate.objects.count()
    response = client.post("/api/v1/registry/certificates", {"pem": pki.certificate_to_pem(fresh.certificate)},
                           content_type="application/json", HTTP_X_CSRFTOKEN="x")
    assert response.status_code == 403 and response.json()["code"] == "registry.not_permitted"
    assert Certificate.objects.count() == before
