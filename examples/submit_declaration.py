#!/usr/bin/env python3
"""Sign and submit an import declaration as a demo trader, then check everything we were told.

Run against a running demo with the same data directory:

    SW_DATA_DIR=./var .venv/bin/python examples/submit_declaration.py --url http://127.0.0.1:8000

Steps: sign the payload (detached JWS with the trader's certificate), submit it, verify the
Single Window's signed receipt, follow the consignment timeline until customs answers, then
fetch and verify the evidence inclusion proof of the submission against a signed checkpoint.
Exits non-zero if any step fails.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import httpx

from singlewindow.exchange import jws, merkle
from singlewindow.registry import pki

TRADER = "tw-trader-formosa"


def canonical(value: object) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def fail(step: str, detail: object) -> None:
    print(f"FAILED at {step}: {detail}", file=sys.stderr)
    sys.exit(1)


def item(sequence: int, description: str, hs: str, origin: str, net: str, gross: str, price: str,
         cartons: int) -> dict[str, object]:
    """One goods item in the harmonised (WCO class) shape."""
    return {
        "sequenceNumeric": sequence,
        "commodity": {
            "description": description,
            "classification": [{"id": hs, "identificationTypeCode": "HS"}],
            "goodsMeasure": {"grossMassMeasure": {"value": gross, "unitCode": "KGM"},
                             "netNetWeightMeasure": {"value": net, "unitCode": "KGM"},
                             "tariffQuantity": {"value": "40", "unitCode": "PCE"}},
            "invoiceLine": {"itemChargeAmount": {"value": price, "currencyId": "USD"}},
        },
        "origin": [{"countryCode": origin}],
        "packaging": [{"sequenceNumeric": 1, "quantityQuantity": cartons, "typeCode": "CT"}],
    }


def declaration(reference: str, ucr: str) -> dict[str, object]:
    return {
        "functionCode": "9",
        "functionalReferenceId": reference,
        "issueDateTime": datetime.now(UTC).isoformat(),
        "typeCode": "IMA",
        "goodsItemQuantity": 2,
        "declarationOfficeId": "TWKEL",
        "invoiceAmount": {"value": "18400.00", "currencyId": "USD"},
        "totalPackageQuantity": 12,
        "declarant": {"id": "30000002", "name": "Formosa Electronics Co., Ltd."},
        # The demo trader's commodity-inspection clearance (regulation C02) for both items.
        "additionalDocument": [{"id": "BSMI-DEMO-0001", "typeCode": "911"}],
        "goodsShipment": {
            "importer": {"id": "30000002", "name": "Formosa Electronics Co., Ltd."},
            "tradeTerms": {"conditionCode": "CIF", "locationId": "TWKEL"},
            "ucr": {"id": ucr},
            # the bill of lading the goods arrived under: customs matches it against the manifest
            "previousDocument": [{"id": "OCEA26KEL000123", "typeCode": "705"}],
            "governmentAgencyGoodsItem": [
                item(1, "Portable computers, 14 inch", "84713000", "CN", "72.0", "96.5", "16000.00", 8),
                item(2, "Lithium-ion battery packs", "85076000", "VN", "18.0", "22.0", "2400.00", 4),
            ],
        },
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--url", default="http://127.0.0.1:8000")
    parser.add_argument("--data-dir", default=os.environ.get("SW_DATA_DIR", "./var"))
    parser.add_argument("--timeout", type=float, default=60.0, help="seconds to wait for customs")
    args = parser.parse_args()
    data = Path(args.data_dir)
    token = (data / "demo" / f"{TRADER}.token").read_text().strip()
    key = pki.load_private_key_pem((data / "pki" / "orgs" / f"{TRADER}.key").read_bytes())
    chain = pki.load_certificates_pem((data / "pki" / "orgs" / f"{TRADER}.pem").read_bytes())
    root = pki.load_certificate_pem((data / "pki" / "root-ca.pem").read_bytes())

    stamp = datetime.now(UTC).strftime("%Y%m%d%H%M%S%f")
    ucr = f"6TW30000002-{stamp[-12:]}"
    client_reference = f"example-{stamp}"
    message_type = "import_declaration.submit"
    payload = json.dumps(declaration(f"FE-{stamp}", ucr), ensure_ascii=False).encode()
    signature = jws.sign_detached(payload, key, chain[:1],
                                  extra_header={"swt": message_type, "swr": client_reference})
    http = httpx.Client(base_url=args.url, headers={"Authorization": f"Bearer {token}"}, timeout=30)

    print(f"1. Submitting {message_type} for UCR {ucr} ({len(payload)} bytes, signed)")
    response = http.post("/api/v1/messages", content=payload, headers={
        "Content-Type": "application/json", "X-SW-Message-Type": message_type,
        "X-SW-Client-Reference": client_reference, "X-SW-Signature": signature,
    })
    if response.status_code != 201:
        fail("submit", f"HTTP {response.status_code}: {response.text}")
    answer = response.json()
    receipt = answer["receipt"]
    print("   receipt:", json.dumps(receipt, indent=2, ensure_ascii=False).replace("\n", "\n   "))

    print("2. Verifying the receipt's signature and content")
    signed = jws.verify_detached(answer["signature"], canonical(receipt))
    pki.verify_chain(signed.chain, trust_anchors=[root], revoked_serials=(), at=datetime.now(UTC))
    import hashlib

    if receipt["payload_sha256"] != hashlib.sha256(payload).hexdigest():
        fail("receipt", "payload digest differs from what we sent")
    print("   receipt signed by", signed.chain[0].subject.rfc4514_string())

    print("3. Following the consignment timeline until customs answers")
    deadline = time.monotonic() + args.timeout
    events: list[dict[str, object]] = []
    while time.monotonic() < deadline:
        timeline = http.get(f"/api/v1/consignments/{ucr}/timeline")
        if timeline.status_code != 200:
            fail("timeline", f"HTTP {timeline.status_code}: {timeline.text}")
        events = timeline.json()["events"]
        if any(e["kind"] == "message.received" and e["organisation"] != TRADER for e in events):
            break
        time.sleep(0.5)
    else:
        fail("timeline", f"no customs response within {args.timeout:.0f} s; events: {events}")
    for event in events:
        print(f"   #{event['evidence_seq']:>5}  {event['at']}  {event['title']['en']}")

    print("4. Checking the evidence inclusion proof against a signed checkpoint")
    proof = http.get(f"/api/v1/evidence/messages/{receipt['message_id']}/proof")
    if proof.status_code != 200:
        fail("proof", f"HTTP {proof.status_code}: {proof.text}")
    body = proof.json()
    checkpoint = body["checkpoint"]
    signed_checkpoint = jws.verify_detached(checkpoint["signature"], checkpoint["body"].encode())
    pki.verify_chain(signed_checkpoint.chain, trust_anchors=[root], revoked_serials=(), at=datetime.now(UTC))
    head = json.loads(checkpoint["body"])
    if body["leaf_hash"] != receipt["leaf_hash"] or body["leaf_index"] != receipt["evidence_seq"] - 1:
        fail("proof", "the proven entry is not the one in our receipt")
    if merkle.leaf_hash(canonical(body["entry"])) != bytes.fromhex(body["leaf_hash"]):
        fail("proof", "the entry does not hash to its leaf")
    ok = merkle.verify_inclusion(
        bytes.fromhex(body["leaf_hash"]), body["leaf_index"], head["tree_size"],
        [bytes.fromhex(h) for h in body["audit_path"]], bytes.fromhex(head["root_hash"]),
    )
    if not ok:
        fail("proof", "inclusion proof does not verify against the checkpoint root")
    print(f"   entry {receipt['evidence_seq']} is in the log of {head['tree_size']} entries "
          f"(root {head['root_hash'][:16]}…), checkpoint signature valid")
    print("All checks passed.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
