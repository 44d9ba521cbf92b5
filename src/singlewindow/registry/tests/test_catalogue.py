"""The G2G service catalogue: consistent as data, registered once, with grants that say who may do what."""

from __future__ import annotations

from datetime import timedelta

import pytest

from singlewindow import demo
from singlewindow.codelists.sources.regulations import AGENCIES as REGULATION_AGENCIES
from singlewindow.exchange.intake import MESSAGE_TYPE as EXCHANGE_MESSAGE_TYPE
from singlewindow.registry import catalogue, selectors
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.catalogue import AGENCIES, OWNER, SERVICES, Agency, CatalogueError
from singlewindow.registry.models import (
    AccessGrant,
    AuditRecord,
    Organisation,
    OrganisationRole,
    Service,
    validate_business_id,
)
from singlewindow.registry.services import CatalogueLoad, create_organisation, define_service, load_catalogue


def _state() -> tuple[int, int, int, int]:
    return (Organisation.objects.count(), Service.objects.count(), AccessGrant.objects.count(),
            AuditRecord.objects.count())


# --------------------------------------------------------------------------- the data


def test_the_catalogue_is_at_least_18_agencies_and_100_services_and_consistent():
    assert len(AGENCIES) >= 18 and len(SERVICES) >= 100
    assert catalogue.check_catalogue() == []
    owners = {service.owner for service in SERVICES}
    assert owners == {agency.code for agency in AGENCIES}, "every agency owns at least one service"
    kinds = {service.kind for service in SERVICES}
    assert kinds == set(catalogue.KIND_TITLES)
    assert {service.security for service in SERVICES} == {Service.Security.CERTIFICATE, Service.Security.SIMPLE}


def test_every_business_id_passes_the_check_rule_and_the_model_validator():
    for agency in AGENCIES:
        validate_business_id(agency.business_id)  # raises ValidationError on a bad one


def test_every_message_type_is_one_the_exchange_accepts():
    assert catalogue.MESSAGE_TYPE.pattern == EXCHANGE_MESSAGE_TYPE.pattern
    assert all(EXCHANGE_MESSAGE_TYPE.match(service.message_type) for service in SERVICES)
    names = {s.message_type for s in SERVICES}
    assert {"business_registration.check", "permit_lookup.request", "permit_application.submit",
            "import_declaration.submit"} <= names


def test_the_catalogue_keeps_the_demo_agencies_and_every_agency_the_regulation_codes_name():
    catalogue_agencies = {agency.code: agency for agency in AGENCIES}
    for spec in demo.ORGANISATIONS:
        if set(spec.roles) & {OrganisationRole.PERMIT_AGENCY, OrganisationRole.PORT_AUTHORITY} \
                or spec.code == "tw-customs-admin":
            assert catalogue_agencies[spec.code].business_id == spec.business_id, spec.code
            assert set(catalogue_agencies[spec.code].roles) == set(spec.roles), spec.code
    assert set(REGULATION_AGENCIES) <= set(catalogue_agencies)


@pytest.mark.parametrize(("change", "expected"), [
    (lambda a, s: ((*a, Agency("tw-x", "X", "甲", "12345678")), s), "fails the check rule"),
    (lambda a, s: ((*a, Agency("tw-x", "X", "甲", a[0].business_id)), s), "duplicate business id"),
    (lambda a, s: (a, (*s, s[0])), "duplicate service code"),
    (lambda a, s: (a, (*s, catalogue.CatalogueService(**{**s[1].__dict__, "code": "x", "message_type": "Bad.Type1"}))),
     "is not <dataset>.<function>"),
    (lambda a, s: (a, (*s, catalogue.CatalogueService(**{**s[1].__dict__, "code": "x", "message_type": "x.y",
                                                         "senders": ("tw-nowhere",)}))), "neither a role"),
    (lambda a, s: (a, (*s, catalogue.CatalogueService(**{**s[1].__dict__, "code": "x", "message_type": "x.y",
                                                         "processing_time": timedelta(0)}))), "must be positive"),
    (lambda a, s: (a, (*s, catalogue.CatalogueService(**{**s[1].__dict__, "code": "x", "message_type": "x.y",
                                                         "kind": "gossip"}))), "unknown kind"),
    (lambda a, s: ((*a, Agency("tw-idle", "Idle", "閒置", "31000080")), s), "tw-idle: owns no service"),
], ids=["check-digit", "same-business-id", "same-code", "message-type", "unknown-grantee", "no-time", "kind",
        "idle-agency"])
@pytest.mark.django_db
def test_an_inconsistent_catalogue_is_refused_before_anything_is_written(change, expected):
    agencies, services = change(AGENCIES, SERVICES)
    assert any(expected in problem for problem in catalogue.check_catalogue(agencies, services))
    before = _state()
    with pytest.raises(CatalogueError, match="服務目錄"):
        load_catalogue(actor=SYSTEM, agencies=agencies, services=services)
    assert _state() == before and Organisation.objects.count() == 0


# --------------------------------------------------------------------------- loading


@pytest.fixture
def loaded(db: None) -> CatalogueLoad:
    return load_catalogue(actor=SYSTEM)


def _grant_names(service: Service) -> set[tuple[str, str]]:
    return {(g.direction, g.organisation.code if g.organisation else g.role)
            for g in service.grants.select_related("organisation")}


def _expected_names(entry: catalogue.CatalogueService) -> set[tuple[str, str]]:
    def name(value: str) -> str:
        return entry.owner if value == OWNER else value

    return ({(AccessGrant.Direction.SEND, name(v)) for v in entry.senders}
            | {(AccessGrant.Direction.RECEIVE, name(v)) for v in entry.receivers})


def test_loading_registers_every_agency_and_service_with_its_grants(loaded):
    assert len(loaded.agencies_created) == len(AGENCIES) and len(loaded.services_created) == len(SERVICES)
    assert loaded.skipped == ()
    assert Organisation.objects.count() == len(AGENCIES)
    for agency in AGENCIES:
        org = Organisation.objects.get(code=agency.code)
        assert (org.business_id, org.name_zh) == (agency.business_id, agency.name_zh)
        assert org.role_codes == frozenset(agency.roles)
        assert org.owned_services.exists(), agency.code
    assert Service.objects.count() == len(SERVICES)
    for entry in SERVICES:
        service = Service.objects.get(code=entry.code)
        assert (service.owner.code, service.message_type, service.security, service.processing_time) == (
            entry.owner, entry.message_type, entry.security, entry.processing_time)
        assert _grant_names(service) == _expected_names(entry), entry.code
    assert AccessGrant.objects.count() == loaded.grants_created


def test_loading_twice_changes_nothing(loaded):
    before = _state()
    again = load_catalogue(actor=SYSTEM)
    assert not again.changed and again.grants_created == 0 and again.skipped == ()
    assert _state() == before


def test_grants_say_who_may_send_and_receive(loaded):
    """Through the same selectors the exchange asks: an agency answers its own checks, and only its own."""
    by_code = {o.code: o for o in Organisation.objects.all()}
    bsmi, commerce, customs = by_code["tw-bsmi"], by_code["tw-commerce"], by_code["tw-customs-admin"]
    trader = create_organisation(code="t-trader", name_en="T", roles=[OrganisationRole.TRADER], actor=SYSTEM)
    check = Service.objects.get(message_type="business_registration.check")
    assert selectors.may_send(customs, check) and selectors.may_send(bsmi, check)
    assert selectors.may_receive(commerce, check)
    assert not selectors.may_receive(bsmi, check) and not selectors.may_send(trader, check)
    imports = Service.objects.get(message_type="import_declaration.submit")
    assert selectors.may_send(trader, imports) and selectors.may_receive(customs, imports)
    assert not selectors.may_send(bsmi, imports)
    statistics = Service.objects.get(message_type="trade_statistics.batch")
    assert selectors.may_receive(by_code["tw-dgbas"], statistics) and not selectors.may_receive(bsmi, statistics)


def test_loading_keeps_what_an_operator_changed(loaded):
    service = Service.objects.get(code="bsmi-inspection-lookup")
    service.processing_time = timedelta(minutes=30)
    service.save()
    service.grants.filter(direction=AccessGrant.Direction.SEND).delete()
    before = _state()
    assert not load_catalogue(actor=SYSTEM).changed
    service.refresh_from_db()
    assert service.processing_time == timedelta(minutes=30)
    assert not service.grants.filter(direction=AccessGrant.Direction.SEND).exists()
    assert _state() == before


@pytest.mark.django_db
def test_agencies_registered_before_are_reused_not_duplicated():
    bsmi = create_organisation(code="tw-bsmi", name_en="BSMI (edited)", roles=[OrganisationRole.PERMIT_AGENCY],
                               business_id="30000034", actor=SYSTEM)
    result = load_catalogue(actor=SYSTEM)
    assert "tw-bsmi" not in result.agencies_created and result.skipped == ()
    assert Organisation.objects.filter(business_id="30000034").get().name_en == "BSMI (edited)"
    assert Service.objects.get(code="bsmi-inspection-lookup").owner == bsmi


@pytest.mark.django_db
def test_a_clashing_registration_is_skipped_and_reported_never_forced():
    other = create_organisation(code="x-registry", name_en="Another registry", roles=[OrganisationRole.PERMIT_AGENCY],
                                business_id="31000000", actor=SYSTEM)  # the catalogue's number for tw-mpb
    define_service(code="x-company-check", name_en="Company check", owner=other,
                   message_type="business_registration.check", security=Service.Security.CERTIFICATE, actor=SYSTEM)
    result = load_catalogue(actor=SYSTEM)
    skipped = "\n".join(result.skipped)
    assert "tw-mpb: business id 31000000 belongs to x-registry" in skipped
    assert "commerce-business-registration: message type business_registration.check belongs to service " \
           "x-company-check" in skipped
    assert "mpb-ship-registry: agency tw-mpb is not registered" in skipped
    assert "port-cargo-handling: agency tw-mpb is not registered" in skipped  # a grant names tw-mpb
    assert not Organisation.objects.filter(code="tw-mpb").exists()
    assert Service.objects.get(message_type="business_registration.check").code == "x-company-check"
    mpb_lines = sum(1 for s in SERVICES if s.owner == "tw-mpb" or "tw-mpb" in (*s.senders, *s.receivers))
    assert len(result.services_created) == len(SERVICES) - mpb_lines - 1
    assert len(result.agencies_created) == len(AGENCIES) - 1


@pytest.mark.django_db
def test_the_demo_registers_the_whole_catalogue_and_keeps_its_logins(monkeypatch, tmp_path):
    from singlewindow.codelists.models import RegulationCode

    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path))
    logins = demo.seed()
    agencies = Organisation.objects.filter(owned_services__isnull=False).distinct()
    assert agencies.count() == len(AGENCIES) >= 18 and Service.objects.count() == len(SERVICES) >= 100
    bsmi = Organisation.objects.get(code="tw-bsmi")
    assert bsmi.memberships.get().user.username == "bsmi" and "bsmi" in logins
    assert bsmi.owned_services.filter(message_type="commodity_inspection.lookup").exists()
    # agencies the demo did not create itself come from the catalogue, before the code lists link to them
    assert RegulationCode.objects.get(code="251").agency.code == "tw-ida"
    imports = Service.objects.get(code="customs-import-declaration")
    assert _grant_names(imports) == {("send", "trader"), ("send", "customs_broker"), ("receive", "customs_office")}
