"""Clearance benchmark (issue 4): signed declarations at a fixed rate through the real web server
and a real worker running the customs engine, on PostgreSQL; the time from each submission to the
C1 release-ready notice (the amount-due notice, or the release when nothing is due) in the
declarant's mailbox; and in-process risk selection throughput (rules plus learned score).

Runs in its own process (``bench/run.py --only clearance`` starts it) because it needs a Django set
up on its own database:

    .venv/bin/python bench/clearance.py --json OUT.json [--rate 50] [--duration 30]
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import loadgen  # noqa: E402
import probes  # noqa: E402
import run  # noqa: E402

SHARED = BENCH_DIR.parent.parent / "shared" / "data" / "risk"
RELEASE_READY = ("awaiting_payment", "released")
TARGET_P50_S, TARGET_P99_S, TARGET_SCORING = 1.0, 3.0, 2000.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SW_BENCH_POSTGRES_URL", os.environ.get("SW_TEST_POSTGRES_URL", run.DEFAULT_POSTGRES_URL)))
    parser.add_argument("--db-name", default="singlewindow_bench_clearance")
    parser.add_argument("--rate", type=float, default=50.0, help="declarations per second")
    parser.add_argument("--duration", type=float, default=30.0, help="seconds of submissions")
    parser.add_argument("--web-workers", type=int, default=2)
    parser.add_argument("--engine-workers", type=int, default=1, help="singlewindow worker processes")
    parser.add_argument("--scoring", type=int, default=5000, help="declarations for the scoring figure")
    parser.add_argument("--json", type=Path, required=True)
    return parser.parse_args(argv)


def _percentile(values: list[float], share: float) -> float:
    return loadgen.percentile(sorted(values), share)


def release_ready_latencies(message_ids: list[str]) -> dict[str, Any]:
    """Seconds from each declaration's receipt to its release-ready notice's receipt, by channel."""
    from singlewindow.customs.models import Case, CaseEvent
    from singlewindow.customs.notifications import notice_reference
    from singlewindow.exchange.models import Message

    cases = {str(c.message_id): c for c in Case.objects.filter(message_id__in=message_ids)}
    received = {str(pk): at for pk, at in Message.objects.filter(pk__in=message_ids).values_list("pk", "received_at")}
    # A notice is named by its event's position in the case (events are stored in that order).
    by_pk = {case.pk: case for case in cases.values()}
    positions: dict[int, int] = {}
    references: dict[str, int] = {}
    ready: set[int] = set()
    for case_id, state in CaseEvent.objects.filter(case__in=by_pk).order_by("case_id", "pk").values_list(
            "case_id", "to_state"):
        positions[case_id] = positions.get(case_id, 0) + 1
        if state in RELEASE_READY and case_id not in ready:
            ready.add(case_id)
            references[notice_reference(by_pk[case_id], positions[case_id])] = case_id
    noticed = {references[ref]: at for ref, at in Message.objects.filter(
        client_reference__in=references).values_list("client_reference", "received_at")}
    by_channel: dict[str, list[float]] = {}
    for message_id, case in cases.items():
        if case.pk in noticed:
            by_channel.setdefault(case.channel, []).append((noticed[case.pk] - received[message_id]).total_seconds())
    states: dict[str, int] = {}
    for case in cases.values():
        states[case.state] = states.get(case.state, 0) + 1
    return {"cases": len(cases), "submitted": len(message_ids), "states": states,
            "by_channel": {ch: _stats(v) for ch, v in sorted(by_channel.items())}}


def _stats(values: list[float]) -> dict[str, float]:
    return {"count": len(values), "p50_s": _percentile(values, 0.5), "p90_s": _percentile(values, 0.9),
            "p99_s": _percentile(values, 0.99), "max_s": max(values), "mean_s": statistics.fmean(values)}


def scoring_throughput(count: int, data_dir: Path) -> dict[str, Any]:
    """In-process selection of ``count`` declarations in one batch: rules, learned score, explanation."""
    from singlewindow import testing
    from singlewindow.customs.selection.current import select_many
    from singlewindow.customs.selection.facts import facts_from_declaration
    from singlewindow.datamodel.validation import validate_document

    documents = [validate_document("import_declaration", testing.declaration(
        reference=f"S-{i}", ucr=f"6TW30000002-S{i:07d}", items=1 + i % 3)) for i in range(200)]
    facts = [facts_from_declaration(documents[i % len(documents)]) for i in range(count)]  # type: ignore[arg-type]
    select_many(facts[:50])  # load the model and the rules
    started, cpu = time.perf_counter(), time.process_time()
    selections = select_many(facts)
    wall, cpu_s = time.perf_counter() - started, time.process_time() - cpu
    channels: dict[str, int] = {}
    for selection in selections:
        channels[selection.channel] = channels.get(selection.channel, 0) + 1
    return {"count": count, "seconds": wall, "rate": count / wall, "cpu_rate": count / cpu_s if cpu_s else 0.0,
            "channels": channels, "model": any(s.score is not None for s in selections)}


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    started_at = datetime.now(UTC)
    bench_url = run.with_database(args.postgres_url, args.db_name)
    run.recreate_database(args.postgres_url, args.db_name)
    results: dict[str, Any] = {"started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"), "rate": args.rate,
                               "duration": args.duration, "machine": probes.machine()}
    with tempfile.TemporaryDirectory(prefix="sw-bench-clearance-") as tmp:
        workdir = Path(tmp)
        env = run.bench_env(workdir, bench_url)
        for command in (("migrate", "--verbosity", "0"), ("tariff", "sample")):
            done = run.cli(env, *command)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
        trained = (SHARED / "korea-synthetic-train.csv")
        if trained.exists():
            done = run.cli(env, "risk", "train", "--history", str(trained), "--mapping", "korea-synthetic")
            results["model_trained"] = done.returncode == 0
        run.setup_django(env)
        from singlewindow import testing
        from singlewindow.customs.models.selection import SelectionSettings

        world = testing.build_world(engine="customs")
        if (Path(env["SW_DATA_DIR"]) / "risk" / "korea-synthetic.json").exists():
            SelectionSettings.objects.update_or_create(pk=1, defaults={"model_file": "risk/korea-synthetic.json"})
        results["scoring"] = scoring_throughput(args.scoring, Path(env["SW_DATA_DIR"]))
        from django.db import connections

        connections.close_all()
        port = testing.free_port()
        count = int(args.rate * args.duration)
        warm = run.build_requests(world, tag="cw", count=50, port=port, path=run.INTAKE_PATH)
        measured = run.build_requests(world, tag="cm", count=count, port=port, path=run.INTAKE_PATH)
        gunicorn_args = argparse.Namespace(workers=args.web_workers, threads=2, worker_class="gthread")
        workers = [subprocess.Popen([sys.executable, "-m", "singlewindow.cli", "worker", "--interval", "0.05"],
                                    env=env) for _ in range(args.engine_workers)]
        try:
            with run.gunicorn(gunicorn_args, env, port) as server:
                sampler = probes.Sampler(server.pid, args.db_name, bench_url)
                sampler.start()
                try:
                    phases = run.Phases(workdir, port, sampler, 100)
                    phases.run("warmup", warm, mode="closed", concurrency=4, duration=30)
                    before = {pid: probes.cpu_seconds(pid) for pid in (w.pid for w in workers)}
                    load = phases.run("declarations", measured, mode="open", rate=args.rate,
                                      duration=args.duration, concurrency=32)
                    results["intake"] = {k: load[k] for k in ("completed", "rate", "p50_ms", "p99_ms", "errors")}
                    results["drain_s"] = _drain(timeout=120)
                    results["engine_cpu_ms_per_declaration"] = 1000 * sum(
                        probes.cpu_seconds(pid) - cpu for pid, cpu in before.items()) / max(count, 1)
                finally:
                    sampler.stop()
        finally:
            for worker in workers:
                worker.terminate()
                worker.wait(timeout=20)
        ids = _message_ids(measured)
        results["latency"] = release_ready_latencies(ids)
    connections.close_all()
    run.drop_database(args.postgres_url, args.db_name)
    results["duration_s"] = (datetime.now(UTC) - started_at).total_seconds()
    args.json.write_text(json.dumps(results, indent=2, default=str))
    return 0


def _drain(timeout: float) -> float:
    """Seconds until the engine has acknowledged every delivery to a customs office."""
    from singlewindow.exchange.models import Delivery

    started = time.perf_counter()
    while time.perf_counter() - started < timeout:
        if not Delivery.objects.filter(recipient__engine="customs").exclude(state=Delivery.State.ACKNOWLEDGED).exists():
            break
        time.sleep(0.2)
    return time.perf_counter() - started


def _message_ids(requests: list[bytes]) -> list[str]:
    """The messages the measured requests created, found by their client references."""
    from singlewindow.exchange.models import Message

    references = [r.split(b"X-SW-Client-Reference: ", 1)[1].split(b"\r\n", 1)[0].decode() for r in requests]
    return [str(pk) for pk in Message.objects.filter(client_reference__in=references).values_list("pk", flat=True)]


if __name__ == "__main__":
    sys.exit(main())
