"""Express benchmark (issue 6): the appointment queue's operations on PostgreSQL over HTTP, and a
check that no slot was overbooked and no update was lost or doubled.

On a fresh database, the real web server (gunicorn, ``floor_app``) answers four closed-loop
phases from the load generator's concurrent connections:

* ``book``: ``POST /api/v1/express/appointments``, two brokers booking distinct bags round-robin
  over the slots; the slots hold about 90 % of what is asked, so the last requests for each slot are
  refused (409 ``express.slot_full``) -- concurrent bookings race for the last places;
* ``stage``: the terminal calls each booked bag to a lane (``POST …/stage`` with version 1); one
  request in twenty repeats the one before, a second clerk with a stale version (409);
* ``query``: anybody asks a bag's progress (``GET /api/v1/express/progress``, no token);
* ``mixed``: the three interleaved (new bookings into fresh slots, bags moved to the lane, queries);

then, without HTTP, ``inprocess``: worker processes calling the services and the selector directly,
each booking a bag, calling it to a lane and asking its progress in turn (how fast the queue
operations themselves go, with the web stack left out).

Checks after the run: for every slot, places taken == live bookings <= capacity, and each slot
got exactly ``min(asked, capacity)`` bookings; 201s == bookings made, 409s == refusals; one
evidence entry per booking and per stage change; every stage request either moved its bag once
(version 2) or was refused as stale.

Runs in its own process:

    .venv/bin/python bench/express.py --json OUT.json [--duration 10] [--concurrency 16]
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
from datetime import UTC, datetime, timedelta
from datetime import time as clock
from pathlib import Path
from typing import Any

BENCH_DIR = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH_DIR))

import loadgen  # noqa: E402
import probes  # noqa: E402
import run  # noqa: E402

BASE = "/api/v1/express"
TARGET_RATE = 500.0
TERMINAL = "b-express"
MASTER_PREFIX = "297"


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SW_BENCH_POSTGRES_URL", os.environ.get("SW_TEST_POSTGRES_URL", run.DEFAULT_POSTGRES_URL)))
    parser.add_argument("--db-name", default="singlewindow_bench_express")
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per phase")
    parser.add_argument("--expected-rate", type=float, default=900.0,
                        help="requests built per second of a phase (more than can be answered)")
    parser.add_argument("--capacity", type=int, default=40, help="places per slot (at least)")
    parser.add_argument("--concurrency", type=int, default=16, help="HTTP client connections")
    parser.add_argument("--web-workers", type=int, default=3, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--reconnect-every", type=int, default=100, metavar="N")
    parser.add_argument("--processes", type=int, default=4,
                        help="in-process phase: worker processes (0: leave the phase out)")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--worker", nargs=3, metavar=("REQUESTS", "START", "OUT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- requests ------------------------------------------------------------------------------------


def awb(serial7: int) -> str:
    body = f"{serial7:07d}"
    return f"{MASTER_PREFIX}-{body}{int(body) % 7}"


def http(method: str, path: str, port: int, token: str | None, body: dict[str, Any] | None = None) -> bytes:
    data = json.dumps(body).encode() if body is not None else b""
    head = f"{method} {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
    if token:
        head += f"Authorization: Bearer {token}\r\n"
    if body is not None:
        head += f"Content-Type: application/json\r\nContent-Length: {len(data)}\r\n"
    return (head + "\r\n").encode("latin-1") + data


def booking(tag: str, n: int, slot: str, broker: str) -> dict[str, Any]:
    """A booking of bag ``{tag}{n}`` (the master AWB changes every 500 bags)."""
    return {"kind": "book", "broker": broker, "slot": slot, "bag": f"{tag}{n}", "master": awb(1000000 + n // 500),
            "body": {"terminal": TERMINAL, "master_awb": awb(1000000 + n // 500), "bag_number": f"{tag}{n}",
                     "slot_starts_at": slot, "parcel_count": 1 + n % 5,
                     "priority": ("normal", "normal", "perishable", "medical")[n % 4]}}


def plan_bookings(tag: str, count: int, slots: list[str], per_slot: int) -> list[dict[str, Any]]:
    """Slot after slot, ``per_slot`` requests each (more than it holds): all connections race for
    the same slot's last places, then move on to the next."""
    return [booking(tag, n, slots[n // per_slot], "broker" if n % 2 else "broker_2") for n in range(count)]


def plan_stages(appointments: list[tuple[int, str, str]], count: int) -> list[dict[str, Any]]:
    """Call each booked bag to a lane once; every 20th request repeats the one before (stale)."""
    out: list[dict[str, Any]] = []
    for i, (pk, _, _) in enumerate(appointments):
        if len(out) >= count:
            break
        out.append({"kind": "stage", "id": pk, "body": {"stage": "called", "lane": f"L{1 + i % 2}", "version": 1}})
        if i % 20 == 19:
            out.append(dict(out[-1]))
    return out[:count]


def plan_queries(appointments: list[tuple[int, str, str]], count: int) -> list[dict[str, Any]]:
    return [{"kind": "query", "master": appointments[i % len(appointments)][1],
             "bag": appointments[i % len(appointments)][2]} for i in range(count)]


def raw(request: dict[str, Any], tokens: dict[str, str], port: int) -> bytes:
    if request["kind"] == "book":
        return http("POST", f"{BASE}/appointments", port, tokens[request["broker"]], request["body"])
    if request["kind"] == "stage":
        return http("POST", f"{BASE}/appointments/{request['id']}/stage", port, tokens["terminal"], request["body"])
    return http("GET", f"{BASE}/progress?master_awb={request['master']}&bag={request['bag']}", port, None)


# --- set-up and checks ---------------------------------------------------------------------------


def prepare(world: Any, slots: int, capacity: int) -> tuple[dict[str, str], list[list[str]]]:
    """The terminal with its token and two lanes, a second broker, and three days of slots from tomorrow."""
    from singlewindow.express import selectors, services
    from singlewindow.registry import services as registry
    from singlewindow.registry.actors import SYSTEM, Actor

    org = registry.create_organisation(code=TERMINAL, name_en="Bench express terminal", roles=(
        "warehouse_operator", "express_operator"), business_id="30000040", actor=SYSTEM)
    _, token = registry.issue_api_token(organisation=org, name="bench", actor=SYSTEM)
    broker_2 = registry.create_organisation(code="b-broker-2", name_en="Bench broker 2", roles=("customs_broker",),
                                            business_id="30000045", actor=SYSTEM)
    _, token_2 = registry.issue_api_token(organisation=broker_2, name="bench", actor=SYSTEM)
    tokens = {"terminal": token, "broker_2": token_2, "broker": world["broker"].token}
    actor = Actor(organisation=org)
    for lane in ("L1", "L2"):
        services.add_lane(code=lane, actor=actor)
    day = selectors.today() + timedelta(days=1)
    # three days of five-minute slots: for the book, the mixed and the in-process phase
    minutes = 5
    if slots * minutes > 23 * 60 + 55:
        raise SystemExit(f"{slots} slots do not fit in a day; raise --capacity or shorten --duration")
    end = (datetime.combine(day, clock(0)) + timedelta(minutes=minutes * slots)).time()
    first = services.open_slots(day=day, start=clock(0), end=end, minutes=minutes, capacity=capacity, actor=actor)
    second = services.open_slots(day=day + timedelta(days=1), start=clock(0), end=end, minutes=minutes,
                                 capacity=capacity, actor=actor)
    third = services.open_slots(day=day + timedelta(days=2), start=clock(0), end=end, minutes=minutes,
                                capacity=capacity, actor=actor)
    return tokens, [[s.starts_at.isoformat() for s in found] for found in (first, second, third)]


def booked_appointments(bags: set[str]) -> list[tuple[int, str, str]]:
    from singlewindow.express.models import Appointment

    rows = Appointment.objects.filter(bag_number__in=bags).order_by("pk").values_list("pk", "master_awb",
                                                                                      "bag_number")
    return [(pk, master, bag) for pk, master, bag in rows]


def check(books: list[dict[str, Any]], stages: list[dict[str, Any]], statuses: Counter[str],
          capacity: int) -> dict[str, Any]:
    """Compare the database with what every request sent must have done."""
    from django.db.models import Count, Q

    from singlewindow.exchange.models import EvidenceEntry
    from singlewindow.express.models import Appointment, Slot

    problems: list[str] = []
    asked = Counter(r["slot"] for r in books)
    live = Count("appointments", filter=~Q(appointments__stage="cancelled"))
    slots = {s.starts_at: s for s in Slot.objects.annotate(live=live)}
    made = 0
    for slot in slots.values():
        wanted = asked.get(slot.starts_at.isoformat(), 0)
        if slot.booked > slot.capacity or slot.booked != slot.live:
            problems.append(f"slot {slot.starts_at}: {slot.booked} taken, {slot.live} live, "
                            f"capacity {slot.capacity}")
        if wanted and slot.booked != min(wanted, capacity):
            problems.append(f"slot {slot.starts_at}: {slot.booked} booked of {wanted} asked (capacity {capacity})")
        made += slot.booked
    refused = len(books) - made
    moved = Appointment.objects.filter(version=2, stage="called").count()
    unique_moves = len({r["id"] for r in stages})
    kinds = Counter(EvidenceEntry.objects.filter(kind__in=("express.appointment.booked", "express.appointment.called"))
                    .values_list("kind", flat=True))
    if kinds["express.appointment.booked"] != made:
        problems.append(f"{kinds['express.appointment.booked']} booking entries for {made} bookings")
    if moved != unique_moves or kinds["express.appointment.called"] != unique_moves:
        problems.append(f"{moved} bags called ({kinds['express.appointment.called']} entries) for {unique_moves}")
    expected_409 = refused + (len(stages) - unique_moves)
    if statuses.get("201", 0) != made or statuses.get("409", 0) != expected_409:
        problems.append(f"answers: {statuses.get('201', 0)} x 201, {statuses.get('409', 0)} x 409; expected "
                        f"{made} and {expected_409}")
    others = {k: v for k, v in statuses.items() if k not in ("200", "201", "409")}
    if others:
        problems.append(f"unexpected statuses {others}")
    return {"ok": not problems, "problems": problems[:20], "bookings": made, "refused_full": refused,
            "called": moved, "stale_refused": len(stages) - unique_moves,
            "overbooked_slots": sum(1 for s in slots.values() if s.booked > s.capacity)}


def cpu_figures(load: dict[str, Any]) -> dict[str, float]:
    answered, wall = max(int(load["completed"]), 1), float(load["wall_s"]) or 1.0
    return {"web_cpu_ms_per_req": 1000 * float(load["web_cpu_s"]) / answered,
            "pg_cpu_ms_per_req": 1000 * (float(load["pg_bench_cpu_s"]) + float(load["pg_shared_cpu_s"])) / answered,
            "busy_cores": float(load["machine_busy_cpu_s"]) / wall}


# --- the in-process phase ------------------------------------------------------------------------


def worker(requests_file: str, start: str, out: str) -> int:
    """One worker process: at the common start, book each bag, call it to a lane (every 20th call
    twice, the second stale) and ask its progress, back to back."""
    import django

    django.setup()
    from singlewindow.express import selectors, services
    from singlewindow.express.errors import ExpressError
    from singlewindow.registry.actors import Actor
    from singlewindow.registry.models import Organisation

    requests = json.loads(Path(requests_file).read_text())
    actors = {code: Actor(organisation=Organisation.objects.get(code=code))
              for code in {TERMINAL, *(r["broker_code"] for r in requests)}}
    for actor in actors.values():
        assert actor.organisation is not None
        services.role_codes(actor.organisation)  # warm the role cache before the clock starts
    time.sleep(max(0.0, float(start) - time.time()))
    began, latencies, outcomes = time.perf_counter(), [], Counter[str]()
    sent: list[dict[str, Any]] = []

    def timed_call(kind: str, call: Any) -> Any:
        t = time.perf_counter()
        try:
            value = call()
            outcomes["201" if kind == "book" else "200"] += 1
        except ExpressError as error:
            value = None
            outcomes["409" if error.status == 409 else str(error.status)] += 1
        latencies.append(time.perf_counter() - t)
        return value

    for n, r in enumerate(requests):
        body = r["body"]
        sent.append({"kind": "book", "slot": r["slot"], "bag": r["bag"]})
        booked = timed_call("book", lambda b=body, r=r: services.book_appointment(
            terminal_code=b["terminal"], master_awb=b["master_awb"], bag_number=b["bag_number"],
            slot_starts_at=datetime.fromisoformat(b["slot_starts_at"]), parcel_count=b["parcel_count"],
            priority=b["priority"], actor=actors[r["broker_code"]]))
        if booked is not None:
            for _ in range(2 if n % 20 == 19 else 1):
                sent.append({"kind": "stage", "id": booked.pk})
                timed_call("stage", lambda a=booked: services.advance_appointment(
                    appointment_id=a.pk, to="called", lane_code="L1", version=1, actor=actors[TERMINAL]))
        sent.append({"kind": "query"})
        timed_call("query", lambda b=body: selectors.public_progress(b["master_awb"], b["bag_number"]))
    Path(out).write_text(json.dumps({"began": began, "ended": time.perf_counter(), "latencies": latencies,
                                     "wall_start": time.time() - (time.perf_counter() - began),
                                     "outcomes": outcomes, "sent": sent}))
    return 0


def run_inprocess(args: argparse.Namespace, env: dict[str, str], requests: list[dict[str, Any]],
                  codes: dict[str, str], workdir: Path) -> dict[str, Any]:
    slices = [requests[i::args.processes] for i in range(args.processes)]
    start = time.time() + 8
    processes, outs = [], []
    for n, part in enumerate(slices):
        path, out = workdir / f"w{n}.json", workdir / f"w{n}.out.json"
        path.write_text(json.dumps([{**r, "broker_code": codes[r["broker"]]} for r in part]))
        outs.append(out)
        processes.append(subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--json", str(out),  # noqa: S603
                                           "--worker", str(path), str(start), str(out)], env=env))
    for process in processes:
        if process.wait(timeout=900) != 0:
            raise SystemExit("an in-process worker failed")
    results = [json.loads(out.read_text()) for out in outs]
    latencies = sorted(lat for r in results for lat in r["latencies"])
    wall = max(r["wall_start"] + (r["ended"] - r["began"]) for r in results) - min(r["wall_start"] for r in results)
    outcomes: Counter[str] = Counter()
    for r in results:
        outcomes.update(r["outcomes"])
    sent = [item for r in results for item in r["sent"]]
    return {"completed": len(latencies), "rate": len(latencies) / wall, "elapsed_s": wall,
            "p50_ms": 1000 * loadgen.percentile(latencies, 0.5), "p99_ms": 1000 * loadgen.percentile(latencies, 0.99),
            "processes": args.processes, "statuses": dict(outcomes), "kinds": dict(Counter(i["kind"] for i in sent)),
            "errors": sum(v for k, v in outcomes.items() if k not in ("200", "201", "409")), "sent": sent}


# --- main ----------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    started_at = datetime.now(UTC)
    bench_url = run.with_database(args.postgres_url, args.db_name)
    run.recreate_database(args.postgres_url, args.db_name)
    count = int(args.expected_rate * args.duration)
    # each slot is asked 10 % more than it holds, so its last requests are refused; a day has 288
    # five-minute slots, so a long run gets roomier slots
    capacity = max(args.capacity, -(-count // (250 * 11 // 10)))
    per_slot = capacity * 11 // 10
    slots = -(-count // per_slot) + 1
    results: dict[str, Any] = {"started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"), "machine": probes.machine(),
                               "postgres": run.server_facts(bench_url), "slots": slots, "capacity": capacity,
                               "asked_per_slot": per_slot,
                               "target_rate": TARGET_RATE, "phases": {}}
    with tempfile.TemporaryDirectory(prefix="sw-bench-express-") as tmp:
        workdir = Path(tmp)
        env = run.bench_env(workdir, bench_url)
        done = run.cli(env, "migrate", "--verbosity", "0")
        if done.returncode != 0:
            raise SystemExit(f"migrate failed: {done.stderr[-2000:]}")
        run.setup_django(env)
        from django.db import connections

        from singlewindow import testing

        world = testing.build_world()
        tokens, (book_slots, mixed_slots, inproc_slots) = prepare(world, slots, capacity)
        codes = {"broker": world["broker"].code, "broker_2": "b-broker-2"}
        connections.close_all()
        port = testing.free_port()
        print(f"express: {slots} slots of {capacity} places, {per_slot} asked each; {count} requests per phase",
              flush=True)

        server_args = argparse.Namespace(workers=args.web_workers, threads=args.threads, worker_class="gthread")
        share = args.threads + -(-args.concurrency // args.web_workers)
        server_env = {**env, "GUNICORN_CMD_ARGS": f"--worker-connections {share}"}
        statuses: Counter[str] = Counter()
        sent_books: list[dict[str, Any]] = []
        sent_stages: list[dict[str, Any]] = []
        with run.gunicorn(server_args, server_env, port) as server:
            sampler = probes.Sampler(server.pid, args.db_name, bench_url)
            sampler.start()
            try:
                phases = run.Phases(workdir, port, sampler, args.reconnect_every)
                warm = plan_queries([(0, awb(1), "WARM")], 200)
                phases.run("express_warmup", [raw(r, tokens, port) for r in warm], path_expect=200, mode="closed",
                           concurrency=4, duration=5)

                def phase(name: str, requests: list[dict[str, Any]], expect: int) -> dict[str, Any]:
                    load = phases.run(name, [raw(r, tokens, port) for r in requests], path_expect=expect,
                                      mode="closed", concurrency=args.concurrency, duration=args.duration)
                    sent = requests[:load["completed"]]
                    sent_books.extend(r for r in sent if r["kind"] == "book")
                    sent_stages.extend(r for r in sent if r["kind"] == "stage")
                    statuses.update(load["statuses"])
                    figures = {k: load.get(k) for k in ("completed", "rate", "p50_ms", "p90_ms", "p99_ms", "statuses",
                                                        "exhausted")}
                    figures.update(cpu_figures(load))
                    figures["kinds"] = dict(Counter(r["kind"] for r in sent))
                    figures["errors"] = sum(v for k, v in load["statuses"].items() if k not in ("200", "201", "409"))
                    results["phases"][name] = figures
                    return figures

                phase("book", plan_bookings("B", count, book_slots, per_slot), 201)
                booked = booked_appointments({r["bag"] for r in sent_books})
                connections.close_all()
                half = len(booked) // 2
                phase("stage", plan_stages(booked[:half], count), 200)
                phase("query", plan_queries(booked, count), 200)
                # mixed: new bookings, the other half of the bags called, queries -- interleaved
                fresh = plan_bookings("M", count // 3, mixed_slots, per_slot)
                moves = plan_stages(booked[half:], count // 3)
                asks = plan_queries(booked, count // 3)
                mixed = [r for trio in zip(fresh, moves, asks, strict=False) for r in trio]
                phase("mixed", mixed, 200)
            finally:
                sampler.stop()
        connections.close_all()
        if args.processes:
            inproc = run_inprocess(args, env, plan_bookings("P", count // 3, inproc_slots, per_slot), codes, workdir)
            sent = inproc.pop("sent")
            sent_books.extend(r for r in sent if r["kind"] == "book")
            sent_stages.extend(r for r in sent if r["kind"] == "stage")
            statuses.update(inproc["statuses"])
            results["phases"]["inprocess"] = inproc
        results["check"] = check(sent_books, sent_stages, statuses, capacity)
        connections.close_all()
    run.drop_database(args.postgres_url, args.db_name)
    results["duration_s"] = (datetime.now(UTC) - started_at).total_seconds()
    args.json.write_text(json.dumps(results, indent=2, default=str))
    for name, figures in results["phases"].items():
        verdict = "pass" if figures["rate"] >= TARGET_RATE and not figures["errors"] else "FAIL"
        cpu = (f", web CPU {figures['web_cpu_ms_per_req']:.2f} ms + PostgreSQL {figures['pg_cpu_ms_per_req']:.2f} ms "
               f"per answer, {figures['busy_cores']:.2f} cores busy" if "web_cpu_ms_per_req" in figures
               else f", {figures['processes']} processes")
        print(f"{name}: {figures['completed']} answers {figures['kinds']}, {figures['rate']:.0f}/s, "
              f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms, statuses {figures['statuses']}"
              f"{cpu} -> {verdict}", flush=True)
    result = results["check"]
    print(f"check: {'consistent' if result['ok'] else 'INCONSISTENT ' + '; '.join(result['problems'])} "
          f"({result['bookings']} bookings, {result['refused_full']} refused as full, {result['called']} called, "
          f"{result['stale_refused']} stale updates refused, {result['overbooked_slots']} slots overbooked)",
          flush=True)
    return 0 if result["ok"] else 1


if __name__ == "__main__":
    sys.exit(main())


def passed(results: dict[str, Any]) -> bool:
    """Every phase at the target rate without errors, and the database consistent."""
    return bool(results["check"]["ok"]) and all(
        figures["rate"] >= TARGET_RATE and not figures["errors"] for figures in results["phases"].values())


def summary(results: dict[str, Any]) -> str:
    rates = ", ".join(f"{name} {figures['rate']:.0f}/s" for name, figures in results["phases"].items())
    return (f"{'PASS' if passed(results) else 'FAIL'}  express queue operations: {rates} (target >= "
            f"{TARGET_RATE:.0f}/s each); check {'consistent' if results['check']['ok'] else 'INCONSISTENT'}")


def render(results: dict[str, Any]) -> str:
    """The express part of ``docs/benchmarks.md``."""
    check_ = results["check"]
    lines = [
        "## Express (issue 6): appointment queue operations",
        "",
        f"Measured by `bench/express.py` on {results['started_at']} in {results.get('duration_s', 0):.0f} s, "
        f"PostgreSQL {results['postgres'].get('server_version', '?')}. Machine: "
        f"{json.dumps(results['machine'], ensure_ascii=False)}.",
        "",
        "Brokers' systems book bags into slots, the terminal calls bags to lanes (a second, stale call of every "
        "20th bag must be refused) and the public asks for progress, over HTTP (gunicorn, closed loop) against "
        f"PostgreSQL; {results['slots']} slots of {results['capacity']} places, each asked "
        f"{results['asked_per_slot']} times so the last requests are refused as full. *In process*: four "
        "processes calling the services directly, to show the cost of the web layer. Every write is one "
        "evidence entry.",
        "",
        "| Phase | Target | Rate | p50 / p99 | Web + PostgreSQL CPU per answer | |",
        "|---|---|---|---|---|---|",
    ]
    for name, figures in results["phases"].items():
        cpu = (f"{figures['web_cpu_ms_per_req']:.2f} + {figures['pg_cpu_ms_per_req']:.2f} ms"
               if "web_cpu_ms_per_req" in figures else f"{figures.get('processes', '?')} processes")
        verdict = "met" if figures["rate"] >= TARGET_RATE and not figures["errors"] else "NOT met"
        lines.append(f"| {name} | >= {TARGET_RATE:.0f}/s | {figures['rate']:.0f}/s | {figures['p50_ms']:.1f} / "
                     f"{figures['p99_ms']:.1f} ms | {cpu} | {verdict} |")
    lines += ["", f"Check: {'consistent' if check_['ok'] else 'INCONSISTENT: ' + '; '.join(check_['problems'])} "
              f"({check_['bookings']:,} bookings, {check_['refused_full']:,} refused as full, {check_['called']:,} "
              f"called, {check_['stale_refused']:,} stale updates refused, {check_['overbooked_slots']} slots "
              "overbooked)."]
    return "\n".join(lines) + "\n"
