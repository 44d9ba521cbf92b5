"""Cargo benchmark (issue 6): intake and recording of a 5,000-house-bill air manifest.

An air carrier files a signed ``cargo_manifest.submit`` of 50 master air waybills with 100 house
waybills each (5,050 bills, about 1.9 MB of JSON, close to the
exchange's default 2 MiB message limit) through ``POST /api/v1/messages`` in process
(Django's test client: the whole intake pipeline, signature verification included, without a
web server); the customs engine then takes the delivery and the cargo app records the manifest
with bulk inserts. Measured from the submission to the manifest being recorded (the engine's
transaction committed), split into intake and recording; each run files a new manifest (its own
reference and bill numbers) on the same database, so later runs record among earlier bills.
After each run: the manifest has 5,050 bills, 5,000 of them houses under their masters, and one
version.

Runs in its own process on a fresh PostgreSQL database (``--sqlite`` for a file database instead):

    .venv/bin/python bench/cargo.py --json OUT.json [--runs 5] [--houses 5000]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import probes  # noqa: E402
import run  # noqa: E402

TARGET_SECONDS = 2.0
MASTERS = 50


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SW_BENCH_POSTGRES_URL", os.environ.get("SW_TEST_POSTGRES_URL", run.DEFAULT_POSTGRES_URL)))
    parser.add_argument("--db-name", default="singlewindow_bench_cargo")
    parser.add_argument("--sqlite", action="store_true", help="a SQLite file database instead of PostgreSQL")
    parser.add_argument("--houses", type=int, default=5000, help="house bills in the manifest")
    parser.add_argument("--runs", type=int, default=5, help="manifests filed, one after the other")
    parser.add_argument("--json", type=Path, required=True)
    return parser.parse_args(argv)


def air_manifest(run_no: int, houses: int) -> dict[str, Any]:
    """An air import manifest: ``MASTERS`` master air waybills sharing ``houses`` house waybills."""
    per_master = -(-houses // MASTERS)
    consignments = []
    made = 0
    for m in range(MASTERS):
        count = min(per_master, houses - made)
        made += count
        consignments.append({
            "sequenceNumeric": m + 1,
            "transportContractDocument": {"id": f"297-{run_no:02d}{m:06d}", "typeCode": "741"},
            "consignee": {"id": "30000013", "name": "Harbour Forwarding"},
            "unloadingLocation": {"id": "TWTPE", "name": "Taoyuan air cargo terminal"},
            "totalPackageQuantity": 3 * count, "totalGrossMassMeasure": {"value": str(12 * count), "unitCode": "KGM"},
            "consignmentItem": [{
                "sequenceNumeric": h + 1,
                "transportContractDocument": {"id": f"H{run_no:02d}{m:03d}{h:05d}", "typeCode": "703"},
                "consignee": {"id": "30000002", "name": "Formosa Electronics"},
                "totalPackageQuantity": 3, "totalGrossMassMeasure": {"value": "12.5", "unitCode": "KGM"},
                "goodsItem": [{"sequenceNumeric": 1, "description": "Electronic components", "packageQuantity": 3,
                               "packageTypeCode": "CT"}],
            } for h in range(count)],
        })
    arrival = datetime.now(UTC) + timedelta(hours=6)
    return {"functionCode": "9", "functionalReferenceId": f"SKY-BENCH-{run_no:03d}", "typeCode": "IMP",
            "declarationOfficeId": "TWKEL", "carrier": {"id": "30000071", "name": "Skyway Air Cargo"},
            "borderTransportMeans": {"name": "B-18001", "id": "B18001", "modeCode": "4"},
            "conveyanceReferenceId": f"SK{run_no:04d}", "arrivalDateTime": arrival.isoformat(),
            "consignment": consignments}


def prepare() -> Any:
    """The test world with the customs engine, an air carrier and the manifest service (certificate-based)."""
    from singlewindow import testing
    from singlewindow.registry import pki
    from singlewindow.registry import services as registry
    from singlewindow.registry.actors import SYSTEM
    from singlewindow.registry.models import AccessGrant, OrganisationRole, Service

    world = testing.build_world(engine="customs")
    org = registry.create_organisation(code="t-skyway", name_en="Skyway Air Cargo", roles=(OrganisationRole.CARRIER,),
                                       business_id="30000071", actor=SYSTEM)
    key = pki.issue_organisation_certificate(world.root, org_code=org.code, organisation_name=org.name_en)
    registry.register_certificate(organisation=org, pem=pki.certificate_to_pem(key.certificate), actor=SYSTEM)
    _, token = registry.issue_api_token(organisation=org, name="bench", actor=SYSTEM)
    world.parties["airline"] = testing.Party(org, key, token, "airline", "")
    owner = world["customs"].organisation
    service = registry.define_service(code="cargo-manifest", name_en="Cargo manifest", owner=owner,
                                      message_type="cargo_manifest.submit", security=Service.Security.CERTIFICATE,
                                      processing_time=timedelta(hours=4), actor=SYSTEM)
    registry.grant_access(service=service, direction=AccessGrant.Direction.SEND, role=OrganisationRole.CARRIER,
                          actor=SYSTEM)
    registry.grant_access(service=service, direction=AccessGrant.Direction.RECEIVE,
                          role=OrganisationRole.CUSTOMS_OFFICE, actor=SYSTEM)
    return world


def one_run(world: Any, run_no: int, houses: int) -> dict[str, Any]:
    """File one manifest and record it; the times and the check of what was recorded."""
    from django.test import Client

    from singlewindow import testing
    from singlewindow.cargo.models import Bill, Manifest, ManifestVersion
    from singlewindow.exchange.engines import process_engine_delivery
    from singlewindow.exchange.models import Delivery

    party = world["airline"]
    body = testing.encode(air_manifest(run_no, houses))
    reference = f"bench-{run_no}"
    headers: dict[str, Any] = testing.submit_headers(party, body, message_type="cargo_manifest.submit",
                                                     client_reference=reference)
    client = Client()
    started = time.perf_counter()
    response = client.post("/api/v1/messages", data=body, **headers)
    received = time.perf_counter()
    if response.status_code != 201:
        raise SystemExit(f"intake refused the manifest: {response.status_code} {response.content[:500]!r}")
    delivery = Delivery.objects.get(message_id=response.json()["receipt"]["message_id"])
    process_engine_delivery(delivery.pk)
    recorded = time.perf_counter()
    manifest = Manifest.objects.get(carrier=party.organisation, reference=f"SKY-BENCH-{run_no:03d}")
    bills = Bill.objects.filter(manifest=manifest)
    check = {"bills": bills.count(), "houses": bills.filter(kind="house", master__isnull=False).count(),
             "versions": ManifestVersion.objects.filter(manifest=manifest).count()}
    check["ok"] = check == {"bills": houses + MASTERS, "houses": houses, "versions": 1}
    return {"bytes": len(body), "intake_s": received - started, "record_s": recorded - received,
            "total_s": recorded - started, "check": check}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = datetime.now(UTC)
    results: dict[str, Any] = {"started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"), "machine": probes.machine(),
                               "houses": args.houses, "masters": MASTERS, "target_s": TARGET_SECONDS}
    with tempfile.TemporaryDirectory(prefix="sw-bench-cargo-") as tmp:
        workdir = Path(tmp)
        if args.sqlite:
            database = f"sqlite:///{workdir / 'bench.sqlite3'}"
            results["database"] = "SQLite (file)"
        else:
            database = run.with_database(args.postgres_url, args.db_name)
            run.recreate_database(args.postgres_url, args.db_name)
            results["database"] = "PostgreSQL"
            results["postgres"] = run.server_facts(database)
        env = run.bench_env(workdir, database)
        done = run.cli(env, "migrate", "--verbosity", "0")
        if done.returncode != 0:
            raise SystemExit(f"migrate failed: {done.stderr[-2000:]}")
        run.setup_django(env)
        from django.db import connections

        world = prepare()
        runs = []
        for n in range(1, args.runs + 1):
            runs.append(one_run(world, n, args.houses))
            print(f"run {n}: {runs[-1]['total_s']:.2f} s (intake {runs[-1]['intake_s']:.2f} s, "
                  f"recording {runs[-1]['record_s']:.2f} s), {'ok' if runs[-1]['check']['ok'] else 'WRONG'}",
                  flush=True)
        connections.close_all()
    if not args.sqlite:
        run.drop_database(args.postgres_url, args.db_name)
    totals = [r["total_s"] for r in runs]
    results.update(runs=runs, median_s=statistics.median(totals), worst_s=max(totals),
                   median_intake_s=statistics.median(r["intake_s"] for r in runs),
                   median_record_s=statistics.median(r["record_s"] for r in runs),
                   ok=all(r["check"]["ok"] for r in runs),
                   duration_s=(datetime.now(UTC) - started_at).total_seconds())
    args.json.write_text(json.dumps(results, indent=2, default=str))
    print(summary(results))
    return 0 if passed(results) else 1


def passed(results: dict[str, Any]) -> bool:
    return bool(results["ok"]) and results["median_s"] < TARGET_SECONDS


def summary(results: dict[str, Any]) -> str:
    verdict = "PASS" if passed(results) else "FAIL"
    return (f"{verdict}  {results['houses']:,}-house-bill air manifest, submission to recorded: median "
            f"{results['median_s']:.2f} s (worst {results['worst_s']:.2f} s) (target < {TARGET_SECONDS:.0f} s)")


def render(results: dict[str, Any]) -> str:
    """The cargo part of ``docs/benchmarks.md``."""
    machine = results.get("machine", {})
    lines = [
        "## Cargo (issue 6): intake and recording of a large air manifest",
        "",
        f"Measured by `bench/cargo.py` on {results.get('database', '?')}, {results['started_at']}, in "
        f"{results.get('duration_s', 0):.0f} s. Machine: {json.dumps(machine, ensure_ascii=False)}.",
        "",
        f"An air carrier's signed manifest of {results['masters']} master air waybills and {results['houses']:,} "
        "house waybills (JSON) goes through the whole intake pipeline in process (`POST /api/v1/messages` by "
        "Django's test client: decoding, validation, signature, evidence, routing), then the customs engine "
        "takes the delivery and the cargo app records the manifest with bulk inserts. Timed from the submission "
        "to the engine's commit; each run files a new manifest on the same database.",
        "",
        "| Measure | Target | Result | |",
        "|---|---|---|---|",
        f"| submission to recorded (median of {len(results['runs'])}) | < {TARGET_SECONDS:.0f} s | "
        f"{results['median_s']:.2f} s (intake {results['median_intake_s']:.2f} s, recording "
        f"{results['median_record_s']:.2f} s; worst {results['worst_s']:.2f} s) | "
        f"{'met' if passed(results) else 'NOT met'} |",
        "",
        "| Run | Bytes | Intake (s) | Recording (s) | Total (s) | Bills recorded |",
        "|---|---|---|---|---|---|",
    ]
    for n, r in enumerate(results["runs"], start=1):
        lines.append(f"| {n} | {r['bytes']:,} | {r['intake_s']:.2f} | {r['record_s']:.2f} | {r['total_s']:.2f} | "
                     f"{r['check']['bills']:,}{'' if r['check']['ok'] else ' (WRONG)'} |")
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    sys.exit(main())
