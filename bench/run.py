"""Run the benchmarks and write ``docs/benchmarks.md``: signed intake, then the message formats.

    .venv/bin/python bench/run.py                  # both parts (about 7 minutes)
    .venv/bin/python bench/run.py --only exchange  # signed intake on PostgreSQL (about 4 minutes)
    .venv/bin/python bench/run.py --only codecs    # message formats, no database (about a minute)
    .venv/bin/python bench/run.py --quick          # short phases, smaller evidence log

Exchange: creates a fresh database, builds the test world, starts gunicorn on 127.0.0.1 serving
the real application plus a floor endpoint (``bench/floor_app.py``), drives it with a separate
load-generator process (``bench/loadgen.py``), then times ``singlewindow evidence verify``.
Message formats: see ``bench/formats.py``. A run of one part keeps the other part of the file.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import os
import re
import secrets
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
from psycopg import sql

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
sys.path.insert(0, str(BENCH_DIR))

import formats  # noqa: E402
import loadgen  # noqa: E402
import probes  # noqa: E402
import report  # noqa: E402

DEFAULT_POSTGRES_URL = "postgres://sw:sw@127.0.0.1:5432/singlewindow"
MESSAGE_TYPE = "import_declaration.submit"
INTAKE_PATH = "/api/v1/messages"
FLOOR_PATH = "/bench/floor"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--quick", action="store_true", help="short phases (a smoke run)")
    parser.add_argument("--only", choices=("exchange", "codecs", "clearance", "permits", "cargo", "express",
                                           "payments"),
                        help="run one part; the other part of the output file is kept as it was")
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SW_BENCH_POSTGRES_URL", os.environ.get("SW_TEST_POSTGRES_URL", DEFAULT_POSTGRES_URL)),
        help="a role that may create databases (default: SW_BENCH_POSTGRES_URL)")
    parser.add_argument("--db-name", default="singlewindow_bench", help="dropped and re-created")
    # One thread per process: two or four threads per worker did not change the intake/floor ratio
    # (docs/performance.md), and five single-thread workers keep both cores busy.
    parser.add_argument("--workers", type=int, default=5, help="gunicorn worker processes (2 x cores + 1)")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--worker-class", default="gthread")
    parser.add_argument("--concurrency", type=int, default=16,
                        help="connections of the closed-loop (max throughput) phases")
    parser.add_argument("--reconnect-every", type=int, default=100, metavar="N",
                        help="each client connection re-connects after N requests (0: never)")
    parser.add_argument("--max-duration", type=float, help="seconds per max-throughput phase")
    # Eight slices of four seconds: the machine's speed moves by a third within seconds, and more,
    # shorter pairs of neighbouring slices let it weigh on floor and intake alike.
    parser.add_argument("--max-slices", type=int,
                        help="slices each max-throughput phase is run in, floor and intake alternating")
    parser.add_argument("--fixed-duration", type=float, help="seconds per fixed-rate phase")
    parser.add_argument("--rates", default="100,300", help="fixed rates, requests/s")
    parser.add_argument("--evidence-entries", type=int, help="top the evidence log up to this")
    parser.add_argument("--profile-calls", type=int, help="in-process intake calls to profile")
    parser.add_argument("--codec-duration", type=float,
                        help="message formats: seconds each series runs (default 5, quick 0.3)")
    parser.add_argument("--codec-cpu", type=int, help="message formats: the CPU to pin to (default: the quieter)")
    parser.add_argument("--schemas", type=Path, default=formats.DEFAULT_SCHEMAS,
                        help="WCO DEC schemas directory for the XML baseline")
    parser.add_argument("--output", type=Path, default=ROOT / "docs" / "benchmarks.md")
    parser.add_argument("--json", type=Path, help="also write the raw results here, by part")
    parser.add_argument("--keep-db", action="store_true", help="keep the benchmark database")
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    parser.add_argument("--wait-quiet", type=float, default=0.0, metavar="SECONDS",
                        help="first wait up to this long for the machine to be idle")
    args = parser.parse_args(argv)
    quick = args.quick
    args.max_duration = args.max_duration or (5.0 if quick else 32.0)
    args.max_slices = args.max_slices or (2 if quick else 8)
    args.fixed_duration = args.fixed_duration or (10.0 if quick else 30.0)
    args.evidence_entries = args.evidence_entries or (50_000 if quick else 200_000)
    args.profile_calls = args.profile_calls if args.profile_calls is not None else (
        500 if quick else 2000)
    args.rate_list = [float(r) for r in args.rates.split(",") if r]
    return args


# --- database and Django -----------------------------------------------------------------


def with_database(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{name}"))


def recreate_database(admin_url: str, name: str) -> None:
    """Drop and create the benchmark database (never the one named in ``admin_url``)."""
    if urlsplit(admin_url).path.strip("/") == name:
        raise SystemExit("the benchmark database must differ from the administrative one")
    drop_database(admin_url, name)
    with psycopg.connect(admin_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(admin_url: str, name: str, attempts: int = 10) -> None:
    """Drop the database, waiting out an autovacuum worker on it (a role without superuser
    rights may not end that process, so the drop fails until the worker is done)."""
    for attempt in range(attempts):
        try:
            with psycopg.connect(admin_url, autocommit=True) as conn:
                conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))
            return
        except psycopg.errors.InsufficientPrivilege:
            if attempt == attempts - 1:
                raise
            time.sleep(1.0)


def bench_env(workdir: Path, database_url: str) -> dict[str, str]:
    """The environment of a benchmark's own Django: its database, fresh data and PKI directories under
    ``workdir``, a new secret, quiet logs and the real task queue."""
    env = {**os.environ, "SW_DATABASE_URL": database_url, "SW_DATA_DIR": str(workdir / "data"),
           "SW_PKI_DIR": str(workdir / "pki"), "SW_LOG_LEVEL": "ERROR", "SW_SECRET_KEY": secrets.token_urlsafe(32),
           "DJANGO_SETTINGS_MODULE": "singlewindow.settings"}
    for key in ("SW_DEBUG", "SW_TASKS_IMMEDIATE"):
        env.pop(key, None)
    (workdir / "pki").mkdir(exist_ok=True)
    return env


def server_facts(url: str) -> dict[str, str]:
    names = ("server_version", "shared_buffers", "synchronous_commit", "fsync", "max_connections")
    facts = {}
    with psycopg.connect(url, autocommit=True) as conn:
        for name in names:
            row = conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            facts[name] = str(row[0]) if row else "?"
    return facts


def cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run the ``singlewindow`` command against the benchmark environment."""
    return subprocess.run([sys.executable, "-m", "singlewindow.cli", *args], env=env,  # noqa: S603
                          capture_output=True, text=True, check=False)


def setup_django(env: dict[str, str]) -> None:
    os.environ.update(env)
    import django

    django.setup()


# --- requests ----------------------------------------------------------------------------


def build_requests(world: Any, *, tag: str, count: int, port: int, path: str) -> list[bytes]:
    """Signed import declarations as raw HTTP/1.1 requests, each with its own reference and UCR.

    Senders rotate among two traders and a broker, the office between the two customs
    offices, and the declaration holds one to three goods items.
    """
    from singlewindow import testing

    senders = [world["trader_a"], world["trader_b"], world["broker"]]
    importer_of_broker = world["trader_a"].organisation.business_id
    requests = []
    for i in range(count):
        party = senders[i % len(senders)]
        business_id = party.organisation.business_id
        reference = f"b-{tag}-{i}"
        document = testing.declaration(
            ucr=f"6TW{business_id}-{tag.upper()}{i:07d}", reference=f"R-{tag}-{i}",
            office="TWKEL" if i % 2 else "TWKHH", declarant=business_id,
            importer=importer_of_broker if party is world["broker"] else business_id,
            items=1 + i % 3,
        )
        payload = testing.encode(document)
        signature = testing.sign(party, payload, message_type=MESSAGE_TYPE, client_reference=reference)
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
            f"Authorization: Bearer {party.token}\r\nContent-Type: application/json\r\n"
            f"X-SW-Message-Type: {MESSAGE_TYPE}\r\nX-SW-Client-Reference: {reference}\r\n"
            f"X-SW-Signature: {signature}\r\nContent-Length: {len(payload)}\r\n\r\n"
        )
        requests.append(head.encode("latin-1") + payload)
    return requests


# --- server ------------------------------------------------------------------------------


def gunicorn_command(args: argparse.Namespace, port: int) -> list[str]:
    return [
        sys.executable, "-m", "gunicorn", "floor_app:application",
        "--pythonpath", str(BENCH_DIR), "--bind", f"127.0.0.1:{port}",
        "--workers", str(args.workers), "--threads", str(args.threads),
        "--worker-class", args.worker_class, "--keep-alive", "30", "--timeout", "60",
        "--graceful-timeout", "10", "--log-level", "error",
    ]


@contextlib.contextmanager
def gunicorn(args: argparse.Namespace, env: dict[str, str], port: int) -> Iterator[subprocess.Popen[bytes]]:
    process = subprocess.Popen(gunicorn_command(args, port), env=env)  # noqa: S603
    try:
        wait_for_server(port, process)
        yield process
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def wait_for_server(port: int, process: subprocess.Popen[bytes]) -> None:
    request = f"GET {FLOOR_PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode()
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit(f"gunicorn exited with status {process.returncode}")
        try:
            conn = loadgen.Connection("127.0.0.1", port)
            status, _ = conn.roundtrip(request)
            conn.close()
            if status == 405:
                return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit("gunicorn did not answer within 60 s")


# --- phases ------------------------------------------------------------------------------


class Phases:
    """Runs load phases in a separate process and attaches server-side CPU and memory."""

    def __init__(self, workdir: Path, port: int, sampler: probes.Sampler,
                 reconnect_every: int) -> None:
        self.workdir, self.port, self.sampler = workdir, port, sampler
        self.reconnect_every = reconnect_every
        self.results: dict[str, dict[str, Any]] = {}

    def run(self, name: str, requests: list[bytes], *, path_expect: int = 201,
            **spec: Any) -> dict[str, Any]:
        request_file = self.workdir / f"{name}.req"
        spec_file, result_file = self.workdir / f"{name}.json", self.workdir / f"{name}.out.json"
        loadgen.write_requests(request_file, requests)
        spec_file.write_text(json.dumps({
            **spec, "host": "127.0.0.1", "port": self.port, "requests": str(request_file),
            "expect": path_expect, "reconnect_every": self.reconnect_every,
        }))
        self.sampler.peak_rss_kb.clear()
        self.sampler.take_activity()
        before = self.sampler.snapshot()
        subprocess.run([sys.executable, str(BENCH_DIR / "loadgen.py"),  # noqa: S603
                        str(spec_file), str(result_file)], check=True)
        after = self.sampler.snapshot()
        result: dict[str, Any] = json.loads(result_file.read_text())
        result.update(self.sampler.cpu_between(before, after))
        result["pg_activity"] = self.sampler.take_activity()
        result["peak_rss_mb"] = {str(pid): kb / 1024 for pid, kb in self.sampler.peak_rss_kb.items()}
        result["spec"] = {k: v for k, v in spec.items() if k not in ("cycle", "keep_latencies")}
        request_file.unlink()
        self.results[name] = result
        print(f"  {name}: {result['completed']} answers, {result['rate']:.1f}/s, "
              f"p50 {result['p50_ms']:.1f} ms, p99 {result['p99_ms']:.1f} ms, "
              f"errors {result['errors']}", flush=True)
        if result["first_error"]:
            print(f"    first error: {result['first_error'][:300]}", flush=True)
        return result


    def run_alternating(self, plan: list[tuple[str, list[bytes], bool]], *, slices: int, duration: float,
                        **spec: Any) -> None:
        """Run two closed-loop phases in ``slices`` slices each, in ABBA order, and merge each's slices.

        A shared machine's speed drifts over a minute (other tenants, frequency): run one phase after
        the other and the drift lands on their ratio. Alternating slices, in ABBA order so that a
        steady drift weighs on both alike, leave the ratio to the work itself. ``plan`` holds (name,
        requests, reusable): a phase whose requests may be sent again (the floor) starts each slice
        from the first; the others (intake: a client reference is taken once) go on where the last
        slice stopped.
        """
        (first, *_), (second, *_) = plan
        parts: dict[str, list[dict[str, Any]]] = {first: [], second: []}
        offsets = {name: 0 for name, _, _ in plan}
        for index in range(slices * 2):
            name, requests, reusable = plan[(index + index // 2) % 2]  # A B B A A B B A ...
            part = self.run(f"{name}_{len(parts[name]) + 1}", requests[offsets[name]:], **spec,
                            duration=duration / slices, cycle=reusable, keep_latencies=True)
            if not reusable:  # skip past every request this slice may have sent
                offsets[name] += part["completed"] + part["errors"] + int(spec.get("concurrency", 0))
            parts[name].append(self.results.pop(f"{name}_{len(parts[name]) + 1}"))
        for name, slices_run in parts.items():
            self.results[name] = merge_slices(slices_run)


def merge_slices(parts: list[dict[str, Any]]) -> dict[str, Any]:
    """One phase's result from its slices: counts and CPU summed, latency percentiles over every answer."""
    latencies = sorted(latency for part in parts for latency in part.pop("latencies_ms"))
    merged: dict[str, Any] = {key: sum(part[key] for part in parts) for key in (
        "completed", "errors", "elapsed_s", "reconnects", "loadgen_cpu_s", "wall_s", "web_cpu_s",
        "pg_bench_cpu_s", "pg_shared_cpu_s", "pg_foreign_cpu_s", "machine_busy_cpu_s")}
    statuses: dict[str, int] = {}
    workers: dict[str, float] = {}
    peaks: dict[str, float] = {}
    activity: dict[str, float] = {}
    for part in parts:
        for status, count in part["statuses"].items():
            statuses[status] = statuses.get(status, 0) + count
        for pid, cpu in part["worker_cpu_by_pid"].items():
            workers[pid] = workers.get(pid, 0.0) + cpu
        for pid, mb in part["peak_rss_mb"].items():
            peaks[pid] = max(peaks.get(pid, 0.0), mb)
        for state, count in part["pg_activity"].items():  # averages, weighted by each slice's length
            activity[state] = activity.get(state, 0.0) + count * part["wall_s"] / (merged["wall_s"] or 1.0)
    count = len(latencies)
    merged.update({
        "statuses": statuses, "first_error": next((p["first_error"] for p in parts if p["first_error"]), ""),
        "rate": merged["completed"] / merged["elapsed_s"] if merged["elapsed_s"] else 0.0,
        "per_second_min": min(p["per_second_min"] for p in parts),
        "per_second_max": max(p["per_second_max"] for p in parts),
        "p50_ms": loadgen.percentile(latencies, 0.50), "p90_ms": loadgen.percentile(latencies, 0.90),
        "p99_ms": loadgen.percentile(latencies, 0.99), "max_ms": latencies[-1] if latencies else 0.0,
        "mean_ms": sum(latencies) / count if count else 0.0,
        "exhausted": any(p["exhausted"] for p in parts),
        "worker_cpu_s": sorted(workers.values(), reverse=True), "worker_cpu_by_pid": workers,
        "peak_rss_mb": peaks, "pg_activity": activity,
        "spec": {**parts[0]["spec"], "duration": sum(p["spec"]["duration"] for p in parts),
                 "slices": len(parts)},
        "slice_rates": [p["rate"] for p in parts],
    })
    return merged


def timed(label: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def decorate(function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*a: Any, **k: Any) -> Any:
            print(f"{label} ...", flush=True)
            started = time.perf_counter()
            value = function(*a, **k)
            print(f"{label}: {time.perf_counter() - started:.1f} s", flush=True)
            return value
        return wrapper
    return decorate


@timed("load phases")
def run_load(args: argparse.Namespace, env: dict[str, str], world: Any, workdir: Path,
             bench_url: str) -> dict[str, Any]:
    from django.db import connections

    from singlewindow.testing import free_port

    port = free_port()
    connections.close_all()
    out: dict[str, Any] = {"port_note": "127.0.0.1, ephemeral port"}
    signing_started = time.perf_counter()
    warm_intake = build_requests(world, tag="w", count=400, port=port, path=INTAKE_PATH)
    floor_pool = build_requests(world, tag="f", count=3000, port=port, path=FLOOR_PATH)
    signing_s = time.perf_counter() - signing_started
    out["signing_us_per_request"] = 1e6 * signing_s / (len(warm_intake) + len(floor_pool))
    with gunicorn(args, env, port) as server:
        sampler = probes.Sampler(server.pid, args.db_name, bench_url)
        sampler.start()
        try:
            phases = Phases(workdir, port, sampler, args.reconnect_every)
            closed = {"mode": "closed", "concurrency": args.concurrency}
            warm_floor = phases.run("warmup_floor", floor_pool[:400], mode="closed", concurrency=8, duration=60)
            phases.run("warmup_intake", warm_intake, mode="closed", concurrency=8, duration=60)
            analyze(bench_url)
            # Intake is slower than the floor: a pool the floor's rate would use up is enough.
            pool = int(1.5 * warm_floor["rate"] * args.max_duration) + 3000
            intake_max = build_requests(world, tag="m", count=pool, port=port, path=INTAKE_PATH)
            phases.run_alternating([("floor_max", floor_pool, True), ("intake_max", intake_max, False)],
                                   slices=args.max_slices, duration=args.max_duration, **closed)
            for rate in args.rate_list:
                count = int(rate * args.fixed_duration)
                requests = build_requests(world, tag=f"r{int(rate)}", count=count, port=port,
                                          path=INTAKE_PATH)
                phases.run(f"intake_fixed_{int(rate)}", requests, mode="open", rate=rate,
                           duration=args.fixed_duration,
                           concurrency=max(32, min(256, int(rate * 0.25))))
            out["web_processes"] = {
                str(pid): {"role": "master" if pid == server.pid else "worker",
                           "vm_hwm_mb": probes.status_kb(pid, "VmHWM") / 1024,
                           "vm_rss_mb": probes.status_kb(pid, "VmRSS") / 1024}
                for pid in sampler.web_pids()
            }
        finally:
            sampler.stop()
    out["phases"] = phases.results
    out["gunicorn"] = " ".join(["gunicorn", *gunicorn_command(args, 0)[4:]]).replace(
        str(BENCH_DIR), "bench").replace("127.0.0.1:0", "127.0.0.1:PORT")
    return out


def analyze(url: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("ANALYZE")


# --- in-process profile ------------------------------------------------------------------


@timed("in-process profile")
def profile_intake(world: Any, calls: int) -> dict[str, Any]:
    """Single-threaded intake through the Django test client: time, profile and query count."""
    import cProfile
    import pstats

    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    from singlewindow import testing

    senders = [world["trader_a"], world["trader_b"], world["broker"]]
    trader = world["trader_a"].organisation.business_id

    def prepared(tag: str, count: int) -> list[tuple[bytes, dict[str, str]]]:
        items = []
        for i in range(count):
            party = senders[i % 3]
            bid = party.organisation.business_id
            payload = testing.encode(testing.declaration(
                ucr=f"6TW{bid}-{tag.upper()}{i:07d}", reference=f"R-{tag}-{i}",
                office="TWKEL" if i % 2 else "TWKHH", declarant=bid,
                importer=trader if party is world["broker"] else bid, items=1 + i % 3))
            items.append((payload, testing.submit_headers(
                party, payload, client_reference=f"b-{tag}-{i}")))
        return items

    client = Client()

    def submit(batch: list[tuple[bytes, dict[str, str]]]) -> None:
        for payload, headers in batch:
            response = client.post(INTAKE_PATH, data=payload, **headers)  # type: ignore[arg-type]
            if response.status_code != 201:
                raise RuntimeError(f"in-process intake answered {response.status_code}: "
                                   f"{response.content[:300]!r}")

    submit(prepared("pw", 50))
    plain = prepared("pt", calls)
    holds: list[float] = []
    with evidence_lock_timer(holds):
        started, cpu_started = time.perf_counter(), time.process_time()
        submit(plain)
        plain_ms = 1000 * (time.perf_counter() - started) / max(calls, 1)
        plain_cpu_ms = 1000 * (time.process_time() - cpu_started) / max(calls, 1)
    holds.sort()

    batch = prepared("pp", calls)
    profiler = cProfile.Profile()
    profiler.enable()
    submit(batch)
    profiler.disable()
    wall = pstats.Stats(profiler)

    counted = prepared("pq", 200)
    per_call: list[int] = []
    sample: list[str] = []
    query_ms: dict[str, list[float]] = {}
    with statement_timer(query_ms):
        for payload, headers in counted:
            with CaptureQueriesContext(connection) as queries:
                submit([(payload, headers)])
            per_call.append(len(queries.captured_queries))
            sample = [q["sql"] for q in queries.captured_queries]
    return {
        "calls": calls,
        "ms_per_call": plain_ms,
        "cpu_ms_per_call": plain_cpu_ms,
        "top_cumulative": _top(wall, "cumulative", calls, 25, own=True),
        "top_self": _top(wall, "tottime", calls, 20),
        "by_package": _by_package(wall, calls),
        "queries_per_call": statistics.mean(per_call),
        "queries_min_max": [min(per_call), max(per_call)],
        "queries": [_shorten_sql(q) for q in sample],
        "query_ms": {k: {"per_call": len(v) / len(counted), "mean_ms": statistics.mean(v),
                         "p90_ms": loadgen.percentile(sorted(v), 0.9)}
                     for k, v in query_ms.items()},
        "lock_hold_ms": {"p50": 1000 * loadgen.percentile(holds, 0.5),
                         "p90": 1000 * loadgen.percentile(holds, 0.9),
                         "p99": 1000 * loadgen.percentile(holds, 0.99)} if holds else None,
    }


@contextlib.contextmanager
def statement_timer(times: dict[str, list[float]]) -> Iterator[None]:
    """Time every SQL statement and COMMIT of the default connection (ms, by statement kind)."""
    from django.db import connection as default_connection

    connection: Any = default_connection

    def wrapper(execute: Any, sql_text: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql_text, params, many, context)
        finally:
            times.setdefault(_statement(sql_text), []).append(1000 * (time.perf_counter() - started))

    original_commit = connection._commit

    def timed_commit() -> None:
        started = time.perf_counter()
        try:
            original_commit()
        finally:
            times.setdefault("COMMIT", []).append(1000 * (time.perf_counter() - started))

    connection._commit = timed_commit
    try:
        with connection.execute_wrapper(wrapper):
            yield
    finally:
        del connection._commit  # back to the class's method


@contextlib.contextmanager
def evidence_lock_timer(holds: list[float]) -> Iterator[None]:
    """Record how long intake holds the evidence-head lock: from taking it to after the commit.

    Wraps ``evidence._run_locked`` and ``evidence._run_locked_committing`` for the duration, in
    this process only. The clock starts when the round trip whose statements take the lock is
    sent, so it over-counts by the sending (and by the statements queued before the lock's). It
    stops in an ``on_commit`` hook or, when the round trip is its own transaction (committed by
    the server at its end), when its results are back.
    """
    from django.db import transaction

    from singlewindow.exchange import evidence

    original, committing = evidence._run_locked, evidence._run_locked_committing

    def timed_run(batch: Any) -> Any:
        taken = time.perf_counter()
        transaction.on_commit(lambda: holds.append(time.perf_counter() - taken))
        return original(batch)

    def timed_committing(batch: Any) -> Any:
        taken = time.perf_counter()
        results = committing(batch)
        holds.append(time.perf_counter() - taken)
        return results

    evidence._run_locked, evidence._run_locked_committing = timed_run, timed_committing
    try:
        yield
    finally:
        evidence._run_locked, evidence._run_locked_committing = original, committing


def _where(filename: str) -> str:
    """A code location without this machine's paths."""
    for marker in ("/site-packages/", "/src/"):
        if marker in filename:
            return filename.split(marker, 1)[1]
    if "/lib/python" in filename:
        return "stdlib/" + filename.split("/lib/python", 1)[1].split("/", 1)[-1]
    return Path(filename).name if "/" in filename else filename


def _top(stats: Any, key: str, calls: int, limit: int, own: bool = False) -> list[dict[str, Any]]:
    """Heaviest functions per call."""
    rows = []
    for (filename, line, name), (_, ncalls, tottime, cumtime, _callers) in stats.stats.items():
        if own and "/singlewindow/" not in filename:
            continue
        rows.append({"function": f"{_where(filename)}:{line}({name})", "ncalls": ncalls,
                     "self_ms": 1000 * tottime / calls, "cum_ms": 1000 * cumtime / calls})
    rows.sort(key=lambda r: r["cum_ms" if key == "cumulative" else "self_ms"], reverse=True)
    return rows[:limit]


DB_WAIT = "(waiting for PostgreSQL)"


def _package(filename: str, name: str = "") -> str:
    if filename.endswith("psycopg/connection.py") and name == "wait":
        return DB_WAIT  # psycopg blocks on the socket here: the round trip, not Python work
    if "/site-packages/" in filename:
        return filename.split("/site-packages/", 1)[1].split("/", 1)[0]
    if "/singlewindow/" in filename:
        return "singlewindow"
    if "/lib/python" in filename:
        return "stdlib"
    return "bench" if filename.endswith(".py") else ""


def _by_package(stats: Any, calls: int) -> dict[str, float]:
    """Self time (ms per call) by package; C built-ins count for the package that called them."""
    totals: dict[str, float] = {}
    for (filename, _line, name), (_, _nc, tottime, _ct, callers) in stats.stats.items():
        package = _package(filename, name)
        if package:
            totals[package] = totals.get(package, 0.0) + tottime
            continue
        weights = {caller: value[3] for caller, value in callers.items()}
        total_weight = sum(weights.values())
        for caller, weight in weights.items():
            owner = _package(caller[0], caller[2]) or "C built-ins"
            share = tottime * (weight / total_weight if total_weight else 1 / len(weights))
            totals[owner] = totals.get(owner, 0.0) + share
        if not weights:
            totals["C built-ins"] = totals.get("C built-ins", 0.0) + tottime
    return dict(sorted(((k, 1000 * v / calls) for k, v in totals.items()),
                       key=lambda item: -item[1]))


def _statement(text: str) -> str:
    """``INSERT exchange_message``-style label of one SQL statement."""
    words = text.split(None, 1)
    verb = words[0].upper() if words else "?"
    pattern = {"SELECT": r'FROM "?(\w+)', "INSERT": r'INTO "?(\w+)', "UPDATE": r'UPDATE "?(\w+)',
               "DELETE": r'FROM "?(\w+)'}.get(verb)
    match = re.search(pattern, text) if pattern else None
    return f"{verb} {match[1]}" if match else verb


def _shorten_sql(text: str) -> str:
    text = re.sub(r"\s+", " ", text)
    text = re.sub(r"'[^']{24,}'", "'…'", text)
    return text if len(text) <= 160 else text[:157] + "…"


# --- evidence ----------------------------------------------------------------------------


@timed("evidence top-up")
def top_up_evidence(target: int, batch: int = 1000) -> dict[str, Any]:
    """Append real ``message.received``-shaped entries until the log holds ``target``.

    Uses ``append_evidence`` (the production append path) ``batch`` entries per transaction
    and signs a checkpoint after every batch, as a worker would every
    ``SW_CHECKPOINT_INTERVAL`` entries.
    """
    import hashlib

    from django.db import transaction
    from django.utils import timezone

    from singlewindow.exchange.evidence import append_evidence, create_checkpoint
    from singlewindow.exchange.intake import new_message_id
    from singlewindow.exchange.models import EvidenceHead

    head = EvidenceHead.objects.filter(pk=1).first()
    start_seq = head.seq if head else 0
    create_checkpoint()
    started = time.perf_counter()
    current = start_seq
    while current < target:
        size = min(batch - current % batch, target - current)
        with transaction.atomic():
            now = timezone.now()
            for _ in range(size):
                n = current + 1
                entry = append_evidence("message.received", {
                    "message_type": MESSAGE_TYPE, "sender": "t-trader-a",
                    "client_reference": f"b-e-{n}",
                    "payload_sha256": hashlib.sha256(str(n).encode()).hexdigest(),
                    "signer": hashlib.sha256(b"signer").hexdigest(),
                    "ucr": f"6TW30000002-E{n:07d}", "recipients": ["t-customs-kel"],
                }, message_id=new_message_id(), at=now)
                current = entry.seq
        create_checkpoint()
    elapsed = time.perf_counter() - started
    added = current - start_seq
    return {"from_load": start_seq, "added": added, "total": current,
            "append_per_s": added / elapsed if elapsed > 0 else 0.0}


@timed("evidence verify")
def verify_evidence(env: dict[str, str], runs: int = 3) -> dict[str, Any]:
    """Time ``singlewindow evidence verify`` (its own rate, and wall time with start-up)."""
    pattern = re.compile(r"evidence intact: (\d+) entries, (\d+) checkpoints verified in "
                         r"([\d.]+) s \(([\d,]+) entries/s\)")
    attempts: list[dict[str, Any]] = []
    for _ in range(runs):
        started = time.perf_counter()
        done = cli(env, "evidence", "verify")
        wall = time.perf_counter() - started
        match = pattern.search(done.stdout)
        if done.returncode != 0 or match is None:
            raise SystemExit(f"evidence verify failed: {done.stdout}{done.stderr}")
        entries, checkpoints = int(match[1]), int(match[2])
        attempts.append({"entries": entries, "checkpoints": checkpoints, "seconds": float(match[3]),
                         "rate": int(match[4].replace(",", "")), "wall_s": wall,
                         "wall_rate": entries / wall, "output": done.stdout.strip()})
    best = sorted(attempts, key=lambda a: a["rate"])[len(attempts) // 2]
    return {"median": best, "attempts": attempts}


# --- main --------------------------------------------------------------------------------


def busy_cores(seconds: float = 5.0) -> float:
    """Average number of busy cores on the machine over ``seconds``."""
    busy_before, _ = probes.system_cpu()
    time.sleep(seconds)
    busy_after, _ = probes.system_cpu()
    return (busy_after - busy_before) / seconds


def wait_quiet(limit: float, threshold: float = 0.25) -> float:
    """Wait (up to ``limit`` s) until under ``threshold`` cores are busy; return the last reading."""
    deadline = time.monotonic() + limit
    while True:
        busy = busy_cores()
        if busy < threshold or time.monotonic() >= deadline:
            return busy
        print(f"machine busy ({busy:.2f} cores), waiting ...", flush=True)


def run_exchange(args: argparse.Namespace) -> dict[str, Any]:
    """The exchange benchmark: signed intake on a fresh PostgreSQL database; its raw results."""
    idle_check = wait_quiet(args.wait_quiet) if args.wait_quiet else busy_cores()
    started_at = datetime.now(UTC)
    machine_before = probes.machine()
    machine_before["busy_cores_before"] = idle_check
    bench_url = with_database(args.postgres_url, args.db_name)
    print(f"benchmark database {args.db_name}: re-creating", flush=True)
    recreate_database(args.postgres_url, args.db_name)
    with tempfile.TemporaryDirectory(prefix="sw-bench-") as tmp:
        workdir = Path(tmp)
        env = bench_env(workdir, bench_url)
        migrated = cli(env, "migrate", "--verbosity", "0")
        if migrated.returncode != 0:
            raise SystemExit(f"migrate failed: {migrated.stderr}")
        setup_django(env)
        from singlewindow import testing

        world = testing.build_world()  # no engine: nothing but intake runs
        load = run_load(args, env, world, workdir, bench_url)
        profile = profile_intake(world, args.profile_calls) if args.profile_calls else None
        evidence = top_up_evidence(args.evidence_entries)
        from django.db import connections

        connections.close_all()
        verification = verify_evidence(env)
    import django
    import gunicorn as gunicorn_module  # type: ignore[import-untyped]

    results = {
        "quick": args.quick,
        "started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"),
        "duration_s": (datetime.now(UTC) - started_at).total_seconds(),
        "machine": machine_before,
        "machine_after": probes.machine(),
        "versions": {
            "python": sys.version.split()[0], "django": django.get_version(),
            "gunicorn": gunicorn_module.__version__, "psycopg": psycopg.__version__,
            "postgresql": server_facts(bench_url),
        },
        "settings": {
            "workers": args.workers, "threads": args.threads, "worker_class": args.worker_class,
            "concurrency": args.concurrency, "max_duration": args.max_duration, "max_slices": args.max_slices,
            "reconnect_every": args.reconnect_every,
            "fixed_duration": args.fixed_duration, "rates": args.rate_list,
            "evidence_entries": args.evidence_entries,
        },
        "load": load, "profile": profile, "evidence": evidence, "verify": verification,
    }
    if not args.keep_db:
        drop_database(args.postgres_url, args.db_name)
    return results


def run_formats(args: argparse.Namespace) -> dict[str, Any]:
    """The message-format benchmark (no database); its raw results."""
    with tempfile.TemporaryDirectory(prefix="sw-bench-formats-") as tmp:
        return formats.run(quick=args.quick, workdir=Path(tmp), cpu=args.codec_cpu,
                           duration=args.codec_duration, schemas=args.schemas)


def run_apart(script: str, args: argparse.Namespace, *extra: str) -> dict[str, Any]:
    """A benchmark that sets Django up on its own database, in its own process; its raw results."""
    with tempfile.TemporaryDirectory(prefix="sw-bench-part-") as tmp:
        out = Path(tmp) / "results.json"
        command = [sys.executable, str(BENCH_DIR / script), "--json", str(out), "--postgres-url", args.postgres_url,
                   *extra]
        subprocess.run(command, check=True)  # noqa: S603
        results: dict[str, Any] = json.loads(out.read_text())
    return results


def run_clearance(args: argparse.Namespace) -> dict[str, Any]:
    return run_apart("clearance.py", args, "--duration", "10" if args.quick else "30")


def run_permits(args: argparse.Namespace) -> dict[str, Any]:
    return run_apart("permits.py", args, "--duration", "5" if args.quick else "20")


def run_cargo(args: argparse.Namespace) -> dict[str, Any]:
    return run_apart("cargo.py", args, "--runs", "3" if args.quick else "5")


def run_express(args: argparse.Namespace) -> dict[str, Any]:
    return run_apart("express.py", args, "--duration", "5" if args.quick else "10")


def run_payments(args: argparse.Namespace) -> dict[str, Any]:
    return run_apart("payments.py", args, "--orders", "300" if args.quick else "3000")


def write_part(output: Path, name: str, text: str) -> None:
    """Replace one part of the output file, keeping the others as they are."""
    output.parent.mkdir(parents=True, exist_ok=True)
    previous = output.read_text() if output.exists() else None
    output.write_text(report.compose(previous, {name: text}))
    print(f"wrote the {name} part of {output.relative_to(ROOT) if output.is_relative_to(ROOT) else output}")


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    raw: dict[str, Any] = {}
    passed = True
    if args.only in (None, "codecs"):
        measured = raw["formats"] = run_formats(args)
        write_part(args.output, "formats", report.render_formats(measured))
        print(report.format_summary(measured))
        passed = passed and all(check.passed for check in report.format_checks(measured))
    if args.only in (None, "clearance"):
        cleared = raw["clearance"] = run_clearance(args)
        write_part(args.output, "clearance", report.render_clearance(cleared))
        print(report.clearance_summary(cleared))
        passed = passed and all(check.passed for check in report.clearance_checks(cleared))
    if args.only in (None, "permits"):
        permits = raw["permits"] = run_permits(args)
        write_part(args.output, "permits", report.render_permits(permits))
        print(report.permits_summary(permits))
        passed = passed and all(check.passed for check in report.permits_checks(permits))
    if args.only in (None, "cargo"):
        import cargo

        manifests = raw["cargo"] = run_cargo(args)
        write_part(args.output, "cargo", cargo.render(manifests))
        print(cargo.summary(manifests))
        passed = passed and cargo.passed(manifests)
    if args.only in (None, "express"):
        import express

        queue = raw["express"] = run_express(args)
        write_part(args.output, "express", express.render(queue))
        print(express.summary(queue))
        passed = passed and express.passed(queue)
    if args.only in (None, "payments"):
        import payments

        paid = raw["payments"] = run_payments(args)
        write_part(args.output, "payments", payments.render(paid))
        print(payments.summary(paid))
        passed = passed and payments.passed(paid)
    if args.only in (None, "exchange"):
        results = raw["exchange"] = run_exchange(args)
        write_part(args.output, "exchange", report.render_exchange(results))
        print(report.summary(results))
        passed = passed and report.all_passed(results)
    if args.json:
        args.json.write_text(json.dumps(raw, indent=2))
    return 1 if args.check and not passed else 0


if __name__ == "__main__":
    sys.exit(main())
