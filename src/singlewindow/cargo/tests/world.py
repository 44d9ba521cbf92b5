"""The cargo test world: the customs clearance world plus a sea carrier, an air carrier, a
warehouse and a port authority, the cargo services as the catalogue defines them (manifests and
release notices certificate-based), and helpers to file manifests and run the customs engine."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

from singlewindow import testing
from singlewindow.customs.tests.clearance import clearance_world
from singlewindow.exchange.engines import process_engine_delivery
from singlewindow.exchange.identity import pki_dir
from singlewindow.exchange.models import Delivery
from singlewindow.registry import pki
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM, Actor
from singlewindow.registry.models import AccessGrant, Organisation, OrganisationRole, Service

R = OrganisationRole
CERT, SIMPLE = Service.Security.CERTIFICATE, Service.Security.SIMPLE
CARGO_PARTIES = (
    ("carrier", "t-carrier-sea", "30000061", (R.CARRIER,)),
    ("airline", "t-carrier-air", "30000071", (R.CARRIER,)),
    ("warehouse", "t-warehouse", "30000066", (R.WAREHOUSE_OPERATOR,)),
    ("warehouse_2", "t-warehouse-2", "30000077", (R.WAREHOUSE_OPERATOR,)),
    ("port", "t-port", "30000050", (R.PORT_AUTHORITY,)),
)
SERVICES = (
    ("cargo-manifest", "cargo_manifest.submit", CERT, (R.CARRIER, R.FORWARDER), (R.CUSTOMS_OFFICE,)),
    ("cargo-conveyance", "conveyance_report.submit", CERT, (R.CARRIER, R.PORT_AUTHORITY),
     (R.CUSTOMS_OFFICE, R.PORT_AUTHORITY)),
    ("cargo-response", "customs_response.cargo_notification", SIMPLE, (R.CUSTOMS_OFFICE,),
     (R.CARRIER, R.PORT_AUTHORITY)),
    ("cargo-release", "release_notice.notification", CERT, (R.CUSTOMS_OFFICE,),
     (R.WAREHOUSE_OPERATOR, R.TRADER, R.CUSTOMS_BROKER)),
)


@dataclass
class CargoWorld:
    world: testing.World

    def __getitem__(self, name: str) -> testing.Party:
        return self.world[name]

    def actor(self, name: str) -> Actor:
        return Actor(organisation=self.world[name].organisation, membership_role="manager")

    @property
    def office(self) -> Organisation:
        return self.world["customs"].organisation


def build_cargo_world(tmp_path: Path | None = None, national_mapping_file: Path | None = None) -> CargoWorld:
    """With a tariff (declarations are assessed) when given the customs tests' mapping file."""
    if tmp_path is not None and national_mapping_file is not None:
        world = clearance_world(tmp_path, national_mapping_file)
    else:
        world = testing.build_world(engine="customs")
    for name, code, business_id, roles in CARGO_PARTIES:
        org = registry.create_organisation(code=code, name_en=f"Org {name}", name_zh=f"機構{name}", roles=roles,
                                           business_id=business_id, actor=SYSTEM)
        key = pki.issue_organisation_certificate(world.root, org_code=code, organisation_name=f"Org {name}")
        registry.register_certificate(organisation=org, pem=pki.certificate_to_pem(key.certificate), actor=SYSTEM)
        _, token = registry.issue_api_token(organisation=org, name="test", actor=SYSTEM)
        password = f"pw-{name}-12345"
        registry.add_member(organisation=org, username=name, password=password, role="manager", actor=SYSTEM)
        world.parties[name] = testing.Party(org, key, token, name, password)
    owner = world["customs"].organisation
    for code, message_type, security, senders, receivers in SERVICES:
        service = registry.define_service(code=code, name_en=code, owner=owner, message_type=message_type,
                                          security=security, processing_time=timedelta(hours=1), actor=SYSTEM)
        for role in senders:
            registry.grant_access(service=service, direction=AccessGrant.Direction.SEND, role=role, actor=SYSTEM)
        for role in receivers:
            registry.grant_access(service=service, direction=AccessGrant.Direction.RECEIVE, role=role, actor=SYSTEM)
    install_office_key(world["customs"])
    return CargoWorld(world)


def install_office_key(party: testing.Party) -> None:
    """The customs office's signing key where the release notice looks for it (as the demo writes it)."""
    folder = pki_dir() / "orgs"
    folder.mkdir(exist_ok=True)
    (folder / f"{party.code}.key").write_text(pki.private_key_to_pem(party.key.private_key))
    (folder / f"{party.code}.pem").write_text(pki.certificate_to_pem(party.key.certificate))


def house(number: str, packages: int, *, kg: str = "100", consignee: str = "30000002") -> dict[str, Any]:
    return {"sequenceNumeric": 1, "transportContractDocument": {"id": number, "typeCode": "714"},
            "consignee": {"id": consignee, "name": "Importer Co."}, "totalPackageQuantity": packages,
            "totalGrossMassMeasure": {"value": kg, "unitCode": "KGM"},
            "goodsItem": [{"sequenceNumeric": 1, "description": "Laptop computers", "packageQuantity": packages,
                           "packageTypeCode": "CT"}]}


def master(number: str, packages: int, *, houses: list[dict[str, Any]] | None = None, kg: str = "300",
           warehouse: str | None = "30000066", type_code: str = "705", sequence: int = 1) -> dict[str, Any]:
    found: dict[str, Any] = {
        "sequenceNumeric": sequence, "transportContractDocument": {"id": number, "typeCode": type_code},
        "consignee": {"id": "30000002", "name": "Importer Co."}, "totalPackageQuantity": packages,
        "totalGrossMassMeasure": {"value": kg, "unitCode": "KGM"},
        "goodsItem": [{"sequenceNumeric": 1, "description": "Laptop computers", "packageQuantity": packages,
                       "packageTypeCode": "CT"}],
    }
    if warehouse:
        found["unloadingLocation"] = {"id": warehouse, "name": "Keelung container yard"}
    if houses:
        for index, row in enumerate(houses, start=1):
            row["sequenceNumeric"] = index
        found["consignmentItem"] = houses
    return found


def manifest(reference: str, consignments: list[dict[str, Any]], *, function: str = "9", office: str = "TWKEL",
             voyage: str = "OC123E", carrier: str = "30000061", mode: str = "1") -> dict[str, Any]:
    return {
        "functionCode": function, "functionalReferenceId": reference, "typeCode": "IMP",
        "declarationOfficeId": office, "carrier": {"id": carrier, "name": "Carrier Co."},
        "borderTransportMeans": {"name": "EVER TEST", "id": "9811000", "modeCode": mode},
        "conveyanceReferenceId": voyage, "arrivalDateTime": "2026-03-02T08:00:00+00:00",
        "consignment": consignments,
    }


def conveyance(reference: str, *, kind: str = "ARR", voyage: str = "OC123E", actual: str | None = None,
               function: str = "9") -> dict[str, Any]:
    found: dict[str, Any] = {
        "functionCode": function, "functionalReferenceId": reference, "typeCode": kind,
        "borderTransportMeans": {"name": "EVER TEST", "id": "9811000", "modeCode": "1"},
        "conveyanceReferenceId": voyage, "carrier": {"id": "30000061", "name": "Carrier Co."},
        "portLocation": {"id": "TWKEL", "name": "Keelung"},
        "scheduledDateTime": "2026-03-02T08:00:00+00:00",
    }
    if actual:
        found["actualDateTime"] = actual
    return found


def send(client: Any, party: testing.Party, document: dict[str, Any], reference: str,
         message_type: str = "cargo_manifest.submit", *, expect: int = 201) -> Any:
    """Sign and submit a cargo message through the exchange, then run the customs engine."""
    body = testing.encode(document)
    headers = testing.submit_headers(party, body, message_type=message_type, client_reference=reference)
    response = client.post("/api/v1/messages", data=body, **headers)
    assert response.status_code == expect, response.content
    run_engine()
    return response


def run_engine() -> None:
    for _ in range(3):
        pending = list(Delivery.objects.filter(recipient__engine="customs").exclude(
            state=Delivery.State.ACKNOWLEDGED).order_by("seq").values_list("pk", flat=True))
        if not pending:
            return
        for delivery_id in pending:
            process_engine_delivery(delivery_id)


def cargo_answers(party: testing.Party) -> list[str]:
    """Remarks of the customs answers on cargo messages in the party's mailbox."""
    from singlewindow.exchange.selectors import document_of

    return [document_of(d.message).remarks or "" for d in Delivery.objects.filter(  # type: ignore[attr-defined]
        recipient=party.organisation, message__message_type="customs_response.cargo_notification").order_by("seq")]


def cite(document: dict[str, Any], bill: str, *, packages: int | None = None, type_code: str = "705") -> dict[str, Any]:
    document["goodsShipment"]["previousDocument"] = [{"id": bill, "typeCode": type_code}]
    if packages is not None:
        document["totalPackageQuantity"] = packages
    return document


__all__ = ["CargoWorld", "build_cargo_world", "cite", "conveyance", "house", "manifest", "master", "send"]
