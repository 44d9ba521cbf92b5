"""Permits benchmark (issue 5): G2G verification with write-off on PostgreSQL with concurrent
clients, and a check that no write-off was lost or doubled.

Two phases on a fresh database, each with its own declarations against the same permits:

* ``http``: the real web server (gunicorn) answering ``POST /api/v1/permits/verify`` from the
  load generator's concurrent connections (closed loop), two customs offices' tokens;
* ``inprocess``: worker processes calling the service and signing the answer as the endpoint
  does, without HTTP (how fast the ledger itself goes).

Each permit line grants most of what the two phases' requests ask for, so the last requests for
each permit are refused (over quantity), and one request in twenty repeats an earlier one (a retry).
After each phase: for every line, written-off quantities == granted - balance; write-off rows
== the unique declaration items served while the balance lasted; one evidence entry per
write-off and per refusal.

Server: 3 gunicorn workers x 2 threads (gthread). Tried against 5 x 1 on the 2-core machine, it
answered as many or more verifications (about 490/s against 465/s on average over five
alternating runs each) at less web CPU per answer (2.4 against 2.8 ms): fewer processes
switching on two cores, and the evidence lock's critical section holds little Python here. A gthread worker
takes every connection it can, so without a cap the first worker to accept would keep most of
the keep-alive connections while the others idled; each worker is capped at its share
(``--worker-connections``) and clients re-connect every 100 requests, as many clients would.

Runs in its own process:

    .venv/bin/python bench/permits.py --json OUT.json [--duration 20] [--concurrency 16]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import loadgen  # noqa: E402
import probes  # noqa: E402
import run  # noqa: E402

PATH = "/api/v1/permits/verify"
TARGET_RATE = 500.0
AGENCY = "t-agency"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SW_BENCH_POSTGRES_URL", os.environ.get("SW_TEST_POSTGRES_URL", run.DEFAULT_POSTGRES_URL)))
    parser.add_argument("--db-name", default="singlewindow_bench_permits")
    parser.add_argument("--permits", type=int, default=40, help="permits the requests spread over")
    parser.add_argument("--duration", type=float, default=20.0, help="seconds per phase")
    parser.add_argument("--expected-rate", type=float, default=700.0,
                        help="requests built per second of a phase (more than can be answered)")
    parser.add_argument("--concurrency", type=int, default=16, help="HTTP client connections")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--reconnect-every", type=int, default=100, metavar="N",
                        help="each client connection re-connects after N requests (0: never)")
    parser.add_argument("--worker-connections", type=int, default=0, metavar="N",
                        help="connections one web worker holds at most (0: an even share of --concurrency)")
    parser.add_argument("--processes", type=int, default=4,
                        help="in-process phase: worker processes (0: leave the phase out)")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--worker", nargs=3, metavar=("REQUESTS", "START", "OUT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- the requests ------------------------------------------------------------------------------


def plan(tag: str, count: int, permits: int) -> list[dict[str, Any]]:
    """``count`` verification requests, round-robin over the permits; every 20th repeats the one before last."""
    requests: list[dict[str, Any]] = []
    for i in range(count):
        if i % 20 == 19:
            requests.append(dict(requests[-2]))
            continue
        requests.append({"permit_number": f"BP-{i % permits:04d}", "agency": AGENCY, "holder": "30000002",
                         "hs_code": "8471300000", "quantity": "1", "unit": "PCE",
                         "declaration_reference": f"{tag}-{i}", "item_sequence": 1 + i % 3,
                         "office": "customs" if i % 2 else "customs_2"})
    return requests


def granted_per_permit(args: argparse.Namespace) -> int:
    """Enough for most of both phases' requests, not for all: the last ones of each permit are refused."""
    asked = args.expected_rate * args.duration / args.permits
    return max(1, int(asked * 1.2))


def raw_http(request: dict[str, Any], token: str, port: int) -> bytes:
    body = json.dumps({k: v for k, v in request.items() if k != "office"}).encode()
    head = (f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nAuthorization: Bearer {token}\r\n"
            f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n\r\n")
    return head.encode("latin-1") + body


def prepare(world: Any, permits: int, granted: int) -> None:
    """The regulation, and the permits with one line each, all held by trader_a."""
    from django.utils import timezone

    from singlewindow.codelists.services import load_regulations
    from singlewindow.codelists.sources.regulations import Regulation
    from singlewindow.datamodel.datasets.permits import PermitDecision
    from singlewindow.permits.services import record_decision
    from singlewindow.registry.actors import Actor

    load_regulations(actor=_system(), regulations=[
        Regulation("BP1", "Benchmark permit", "測試許可", "import", "permit", AGENCY)])
    agency = world["agency"].organisation
    today = timezone.localdate()
    for n in range(permits):
        record_decision(PermitDecision.model_validate({
            "functionalReferenceId": f"D-{n}", "applicationReferenceId": f"A-{n}", "decisionCode": "approved",
            "issueDateTime": today.isoformat(), "permitId": f"BP-{n:04d}", "applicant": {"id": "30000002"},
            "expiryDateTime": today.replace(year=today.year + 1).isoformat(),
            "goodsItem": [{"sequenceNumeric": 1, "classificationId": "847130",
                           "quantity": {"value": str(granted), "unitCode": "PCE"}}],
        }), agency=agency, regulation_code="BP1", type_code="911", actor=Actor(organisation=agency))


def _system() -> Any:
    from singlewindow.registry.actors import SYSTEM

    return SYSTEM


# --- the checks --------------------------------------------------------------------------------


def check_ledger(sent: list[dict[str, Any]], granted: int, codes: dict[str, str],
                 before: dict[str, int]) -> dict[str, Any]:
    """Compare the ledger with what every request sent so far must have done (quantity 1 each).

    Per permit, the unique declaration items served while the balance lasted are written off
    (``min(unique, granted)``, whatever the order of arrival); every request for an item not
    written off is refused, and a repeat of a written-off item is answered again without a new
    entry. ``before`` holds the evidence counts before this phase, to report the phase's own.
    """
    from django.db.models import Count, Sum

    from singlewindow.exchange.models import EvidenceEntry
    from singlewindow.permits.models import PermitLine, WriteOff

    def key(r: dict[str, Any]) -> tuple[str, str, str, int]:
        return (r["permit_number"], codes[r["office"]], r["declaration_reference"], r["item_sequence"])

    unique: dict[str, set[tuple[str, str, str, int]]] = {}
    for request in sent:
        unique.setdefault(request["permit_number"], set()).add(key(request))
    rows = dict(WriteOff.objects.values("permit__number").annotate(n=Count("id")).values_list("permit__number", "n"))
    problems = []
    for line in PermitLine.objects.select_related("permit"):
        number = line.permit.number
        used = WriteOff.objects.filter(line=line, state="written_off").aggregate(s=Sum("quantity"))["s"] or Decimal(0)
        if used != line.granted - line.balance:
            problems.append(f"{number}: written off {used} but granted - balance = {line.granted - line.balance}")
        expected = min(len(unique.get(number, ())), granted)
        if rows.get(number, 0) != expected:
            problems.append(f"{number}: {rows.get(number, 0)} write-offs, expected {expected}")
    duplicates = WriteOff.objects.values("permit", "office", "declaration_ref", "item_sequence").annotate(
        n=Count("id")).filter(n__gt=1).count()
    written_keys = set(WriteOff.objects.values_list("permit__number", "office__code", "declaration_ref",
                                                    "item_sequence"))
    kinds = Counter(EvidenceEntry.objects.filter(kind__in=("permits.written_off", "permits.refused")).values_list(
        "kind", flat=True))
    expected_refused = sum(1 for r in sent if key(r) not in written_keys)
    if kinds["permits.written_off"] != len(written_keys) or kinds["permits.refused"] != expected_refused:
        problems.append(f"evidence: {kinds['permits.written_off']} write-offs and {kinds['permits.refused']} "
                        f"refusals, expected {len(written_keys)} and {expected_refused}")
    return {"ok": not problems and duplicates == 0, "problems": problems[:20], "duplicate_keys": duplicates,
            "write_offs": kinds["permits.written_off"] - before.get("permits.written_off", 0),
            "refusals": kinds["permits.refused"] - before.get("permits.refused", 0),
            "retries": len(sent) - len({key(r) for r in sent}) - before.get("retries", 0),
            "marks": {"permits.written_off": kinds["permits.written_off"], "permits.refused": kinds["permits.refused"],
                      "retries": len(sent) - len({key(r) for r in sent})}}


def cpu_figures(load: dict[str, Any]) -> dict[str, float]:
    """CPU per verification (web, this database's PostgreSQL backends, load generator) and the cores in use."""
    answered, wall = max(int(load["completed"]), 1), float(load["wall_s"]) or 1.0
    ours = sum(float(load[key]) for key in ("web_cpu_s", "pg_bench_cpu_s", "pg_shared_cpu_s", "loadgen_cpu_s"))
    return {"web_cpu_ms_per_req": 1000 * float(load["web_cpu_s"]) / answered,
            "pg_cpu_ms_per_req": 1000 * (float(load["pg_bench_cpu_s"]) + float(load["pg_shared_cpu_s"])) / answered,
            "loadgen_cpu_ms_per_req": 1000 * float(load["loadgen_cpu_s"]) / answered,
            "busy_cores": float(load["machine_busy_cpu_s"]) / wall,
            "others_cores": max(0.0, float(load["machine_busy_cpu_s"]) - ours) / wall}


# --- the in-process phase ----------------------------------------------------------------------


def worker(requests_file: str, start: str, out: str) -> int:
    """One worker process: wait for the common start, then verify its requests back to back."""
    import django

    django.setup()
    from singlewindow.permits.api import signed
    from singlewindow.permits.ledger import verify_and_write_off
    from singlewindow.registry.actors import Actor
    from singlewindow.registry.models import Organisation

    requests = json.loads(Path(requests_file).read_text())
    offices = {code: Actor(organisation=Organisation.objects.get(code=code))
               for code in {r["office_code"] for r in requests}}
    for actor in offices.values():
        assert actor.organisation is not None
        actor.organisation.role_codes  # noqa: B018 - read the roles before the clock starts
    time.sleep(max(0.0, float(start) - time.time()))
    began, latencies = time.perf_counter(), []
    for r in requests:
        t = time.perf_counter()
        answer = verify_and_write_off(
            permit_number=r["permit_number"], agency=r["agency"], holder=r["holder"], hs_code=r["hs_code"],
            quantity=Decimal(r["quantity"]), unit=r["unit"], declaration_ref=r["declaration_reference"],
            item_seq=r["item_sequence"], actor=offices[r["office_code"]])
        signed(answer.result)
        latencies.append(time.perf_counter() - t)
    Path(out).write_text(json.dumps({"began": began, "ended": time.perf_counter(), "latencies": latencies,
                                     "wall_start": time.time() - (time.perf_counter() - began)}))
    return 0


def run_inprocess(args: argparse.Namespace, env: dict[str, str], requests: list[dict[str, Any]],
                  codes: dict[str, str], workdir: Path) -> dict[str, Any]:
    slices = [requests[i::args.processes] for i in range(args.processes)]
    start = time.time() + 8
    processes, outs = [], []
    for n, part in enumerate(slices):
        path, out = workdir / f"w{n}.json", workdir / f"w{n}.out.json"
        path.write_text(json.dumps([{**r, "office_code": codes[r["office"]]} for r in part]))
        outs.append(out)
        processes.append(subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--json", str(out),  # noqa: S603
                                           "--worker", str(path), str(start), str(out)], env=env))
    for process in processes:
        if process.wait(timeout=600) != 0:
            raise SystemExit("an in-process worker failed")
    results = [json.loads(out.read_text()) for out in outs]
    latencies = sorted(lat for r in results for lat in r["latencies"])
    wall = max(r["wall_start"] + (r["ended"] - r["began"]) for r in results) - min(r["wall_start"] for r in results)
    return {"completed": len(latencies), "rate": len(latencies) / wall, "elapsed_s": wall,
            "p50_ms": 1000 * loadgen.percentile(latencies, 0.5),
            "p99_ms": 1000 * loadgen.percentile(latencies, 0.99), "processes": args.processes, "errors": 0}


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    started_at = datetime.now(UTC)
    bench_url = run.with_database(args.postgres_url, args.db_name)
    run.recreate_database(args.postgres_url, args.db_name)
    granted = granted_per_permit(args)
    results: dict[str, Any] = {"started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"), "machine": probes.machine(),
                               "postgres": run.server_facts(bench_url), "permits": args.permits,
                               "granted_per_permit": granted, "target_rate": TARGET_RATE}
    count = int(args.expected_rate * args.duration)
    with tempfile.TemporaryDirectory(prefix="sw-bench-permits-") as tmp:
        workdir = Path(tmp)
        env = run.bench_env(workdir, bench_url)
        done = run.cli(env, "migrate", "--verbosity", "0")
        if done.returncode != 0:
            raise SystemExit(f"migrate failed: {done.stderr[-2000:]}")
        run.setup_django(env)
        from django.db import connections

        from singlewindow import testing

        world = testing.build_world()
        prepare(world, args.permits, granted)
        codes = {name: world[name].organisation.code for name in ("customs", "customs_2")}
        tokens = {name: world[name].token for name in ("customs", "customs_2")}
        connections.close_all()

        print(f"permits: {args.permits} permits of {granted} units; {count} requests per phase", flush=True)
        port = testing.free_port()
        http_requests = plan("H", count, args.permits)
        raw = [raw_http(r, tokens[r["office"]], port) for r in http_requests]
        warm_sent = plan("W", 200, 1)
        warm = [raw_http(r, tokens[r["office"]], port) for r in warm_sent]
        server_args = argparse.Namespace(workers=args.web_workers, threads=args.threads, worker_class="gthread")
        # A gthread worker takes every connection it can while its threads are busy, so a few workers
        # would hold all the keep-alive connections and the rest idle: cap each at its share.
        share = args.worker_connections or args.threads + -(-args.concurrency // args.web_workers)
        server_env = {**env, "GUNICORN_CMD_ARGS": f"--worker-connections {share}"}
        with run.gunicorn(server_args, server_env, port) as server:
            sampler = probes.Sampler(server.pid, args.db_name, bench_url)
            sampler.start()
            try:
                # Keep-alive connections opened at once tend to land on one worker and stay there;
                # re-connecting spreads them over the workers, as many clients would.
                phases = run.Phases(workdir, port, sampler, args.reconnect_every)
                phases.run("permits_warmup", warm, path_expect=200, mode="closed", concurrency=4, duration=10)
                load = phases.run("permits_http", raw, path_expect=200, mode="closed",
                                  concurrency=args.concurrency, duration=args.duration)
            finally:
                sampler.stop()
        results["http"] = {k: load.get(k) for k in ("completed", "rate", "p50_ms", "p90_ms", "p99_ms", "errors",
                                                     "statuses", "exhausted", "worker_cpu_s")}
        results["http"].update(cpu_figures(load))
        results["http"]["server"] = (f"{args.web_workers} workers x {args.threads} threads (gthread), at most {share} "
                                     f"connections each, re-made every {args.reconnect_every} requests")
        results["http"]["pg_activity"] = load.get("pg_activity")
        # the warm-up's declarations (W-*, on permit BP-0000) count too
        results["http_check"] = check_ledger(warm_sent + http_requests[:load["completed"]], granted, codes, {})
        marks = results["http_check"]["marks"]
        connections.close_all()

        if args.processes:
            inproc_requests = plan("P", count, args.permits)
            results["inprocess"] = run_inprocess(args, env, inproc_requests, codes, workdir)
            sent = warm_sent + http_requests[:load["completed"]] + inproc_requests
            results["inprocess_check"] = check_ledger(sent, granted, codes, marks)
    connections.close_all()
    run.drop_database(args.postgres_url, args.db_name)
    results["duration_s"] = (datetime.now(UTC) - started_at).total_seconds()
    args.json.write_text(json.dumps(results, indent=2, default=str))
    for phase in ("http", "inprocess") if args.processes else ("http",):
        figures, check = results[phase], results[f"{phase}_check"]
        verdict = "pass" if figures["rate"] >= TARGET_RATE and check["ok"] and not figures["errors"] else "FAIL"
        cpu = (f", web CPU {figures['web_cpu_ms_per_req']:.2f} ms + PostgreSQL {figures['pg_cpu_ms_per_req']:.2f} ms "
               f"per answer, {figures['busy_cores']:.2f} cores busy ({figures['others_cores']:.2f} others)"
               if "web_cpu_ms_per_req" in figures else "")
        print(f"{phase}: {figures['completed']} answers, {figures['rate']:.0f}/s, p50 {figures['p50_ms']:.1f} ms, "
              f"p99 {figures['p99_ms']:.1f} ms, errors {figures['errors']}{cpu}; ledger "
              f"{'consistent' if check['ok'] else 'INCONSISTENT ' + '; '.join(check['problems'])} "
              f"({check['write_offs']} write-offs, {check['refusals']} refusals, {check['retries']} retries) "
              f"-> {verdict}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
