"""Demo data of the cargo app, loaded by ``singlewindow.demo.seed`` after the organisations exist.

Oceanic Shipping Lines files a signed sea manifest with Keelung Customs through the exchange
(the customs engine records it at once), reports the vessel's arrival, and the Keelung container
terminal warehouse tallies the bill the example declaration cites (``examples/submit_declaration.py``:
12 cartons of laptops and batteries for Formosa Electronics); Skyway Air Cargo files a small air
manifest. Citing bill ``OCEA26KEL000123`` (type 705) in the declaration's goods shipment lets it
match and release against the bill.
"""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from typing import Any

from django.utils import timezone

from singlewindow.exchange.engines import process_engine_delivery
from singlewindow.exchange.identity import pki_dir
from singlewindow.exchange.intake import Envelope, submit_message
from singlewindow.exchange.jws import sign_detached
from singlewindow.exchange.models import Delivery
from singlewindow.registry import pki
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation

SEA_CARRIER, AIR_CARRIER, WAREHOUSE = "tw-carrier-oceanic", "tw-carrier-skyway", "tw-warehouse-keelung"
DEMO_BILL = "OCEA26KEL000123"
"""The bill the example declaration should cite (PreviousDocument, type code 705)."""


def _goods(description: str, packages: int) -> list[dict[str, Any]]:
    return [{"sequenceNumeric": 1, "description": description, "packageQuantity": packages, "packageTypeCode": "CT"}]


def sea_manifest(warehouse_id: str) -> dict[str, Any]:
    arrival = timezone.now().replace(microsecond=0) - timedelta(hours=2)
    return {
        "functionCode": "9", "functionalReferenceId": "OCEA-DEMO-0001", "typeCode": "IMP",
        "issueDateTime": (arrival - timedelta(days=1)).isoformat(), "declarationOfficeId": "TWKEL",
        "carrier": {"id": "30000061", "name": "Oceanic Shipping Lines"},
        "borderTransportMeans": {"name": "OCEANIC STAR", "id": "9876543", "identificationTypeCode": "10",
                                 "modeCode": "1", "registrationNationalityCode": "TW"},
        "conveyanceReferenceId": "OS026N", "arrivalDateTime": arrival.isoformat(),
        "consignment": [
            {"sequenceNumeric": 1, "transportContractDocument": {"id": DEMO_BILL, "typeCode": "705"},
             "consignor": {"name": "Shenzhen Portable Computing Ltd."},
             "consignee": {"id": "30000002", "name": "Formosa Electronics Co., Ltd."},
             "loadingLocation": {"id": "CNSZX", "name": "Shenzhen"},
             "unloadingLocation": {"id": warehouse_id, "name": "Keelung Container Terminal Warehouse"},
             "totalPackageQuantity": 12, "totalGrossMassMeasure": {"value": "118.5", "unitCode": "KGM"},
             "transportEquipment": [{"sequenceNumeric": 1, "id": "OCLU1234565"}],
             "goodsItem": [{"sequenceNumeric": 1, "description": "Portable computers and battery packs",
                            "classificationId": "847130", "packageQuantity": 12, "packageTypeCode": "CT"}]},
            {"sequenceNumeric": 2, "transportContractDocument": {"id": "OCEA26KEL000124", "typeCode": "705"},
             "consignee": {"id": "30000007", "name": "Pacific Fine Foods Co., Ltd."},
             "unloadingLocation": {"id": warehouse_id, "name": "Keelung Container Terminal Warehouse"},
             "totalPackageQuantity": 40, "totalGrossMassMeasure": {"value": "820", "unitCode": "KGM"},
             "goodsItem": _goods("Canned fruit", 40)},
        ],
    }


def air_manifest(warehouse_id: str) -> dict[str, Any]:
    arrival = timezone.now().replace(microsecond=0) + timedelta(hours=5)
    houses = [{"sequenceNumeric": n, "transportContractDocument": {"id": f"SKH26{n:05d}", "typeCode": "703"},
               "consignee": {"id": "30000002", "name": "Formosa Electronics Co., Ltd."},
               "totalPackageQuantity": 2, "totalGrossMassMeasure": {"value": "9.5", "unitCode": "KGM"},
               "goodsItem": _goods("Electronic components", 2)} for n in range(1, 4)]
    return {
        "functionCode": "9", "functionalReferenceId": "SKY-DEMO-0001", "typeCode": "IMP",
        "declarationOfficeId": "TWKEL", "carrier": {"id": "30000071", "name": "Skyway Air Cargo"},
        "borderTransportMeans": {"name": "B-18001", "id": "B18001", "modeCode": "4"},
        "conveyanceReferenceId": "SK1203", "arrivalDateTime": arrival.isoformat(),
        "consignment": [{"sequenceNumeric": 1, "transportContractDocument": {"id": "297-12345675", "typeCode": "741"},
                         "consignee": {"id": "30000013", "name": "Harbour Customs Brokerage Co."},
                         "unloadingLocation": {"id": warehouse_id, "name": "Keelung Container Terminal Warehouse"},
                         "totalPackageQuantity": 6, "totalGrossMassMeasure": {"value": "28.5", "unitCode": "KGM"},
                         "consignmentItem": houses}],
    }


def arrival_report() -> dict[str, Any]:
    arrived = timezone.now().replace(microsecond=0) - timedelta(hours=1)
    return {"functionCode": "9", "functionalReferenceId": "OCEA-ARR-OS026N", "typeCode": "ARR",
            "borderTransportMeans": {"name": "OCEANIC STAR", "id": "9876543", "modeCode": "1"},
            "conveyanceReferenceId": "OS026N", "carrier": {"id": "30000061", "name": "Oceanic Shipping Lines"},
            "portLocation": {"id": "TWKEL", "name": "Keelung"}, "scheduledDateTime": arrived.isoformat(),
            "actualDateTime": arrived.isoformat()}


def _send(carrier: Organisation, message_type: str, reference: str, document: dict[str, Any]) -> None:
    """Sign with the carrier's demo key, submit, and let the customs engine take it now."""
    import json

    payload = json.dumps(document, ensure_ascii=False).encode()
    folder = pki_dir() / "orgs"
    key = pki.load_private_key_pem((folder / f"{carrier.code}.key").read_bytes())
    chain = pki.load_certificates_pem((folder / f"{carrier.code}.pem").read_bytes())
    signature = sign_detached(payload, key, chain[:1], extra_header={"swt": message_type, "swr": reference})
    result = submit_message(envelope=Envelope(message_type=message_type, client_reference=reference,
                                              content_type="application/json", payload=payload, signature=signature),
                            actor=Actor(organisation=carrier, membership_role="operator"))
    for delivery in Delivery.objects.filter(message=result.message, recipient__engine="customs"):
        process_engine_delivery(delivery.pk)


def load_demo(*, actor: Actor) -> None:
    """The demo manifests, the vessel's arrival and the warehouse's receipt of the example's bill."""
    from singlewindow.cargo.models import Bill
    from singlewindow.cargo.services import record_receipt

    carriers = {o.code: o for o in Organisation.objects.filter(code__in=(SEA_CARRIER, AIR_CARRIER, WAREHOUSE))}
    if len(carriers) < 3:
        return
    warehouse = carriers[WAREHOUSE]
    _send(carriers[SEA_CARRIER], "cargo_manifest.submit", "demo-manifest-os026n",
          sea_manifest(warehouse.business_id or ""))
    _send(carriers[SEA_CARRIER], "conveyance_report.submit", "demo-arrival-os026n", arrival_report())
    _send(carriers[AIR_CARRIER], "cargo_manifest.submit", "demo-manifest-sk1203",
          air_manifest(warehouse.business_id or ""))
    bill = Bill.objects.filter(number=DEMO_BILL, carrier=carriers[SEA_CARRIER]).first()
    if bill is not None:
        record_receipt(bill=bill, packages=12, gross_kg=Decimal("118.5"), note="Container OCLU1234565 devanned.",
                       actor=Actor(organisation=warehouse, membership_role="operator"))
    # Keelung enforces the match (the example declaration cites the bill); Kaohsiung leaves it optional.
    keelung = Organisation.objects.filter(code="tw-customs-keelung").first()
    if keelung is not None:
        from singlewindow.cargo.services import set_matching_rule

        set_matching_rule(office=keelung, require_bill=True, actor=actor)
