"""Turn the results of ``bench/run.py`` into ``docs/benchmarks.md``.

The file has one part per benchmark, each between HTML comment markers. A run rewrites the parts
it measured and keeps the others as they were, so the exchange benchmark (which needs PostgreSQL
and a quiet machine) need not be repeated to refresh the message-format figures, and the reverse.
"""

from __future__ import annotations

import re
import statistics
from dataclasses import dataclass
from typing import Any

THROUGHPUT_TARGET = 300.0
P99_TARGET_MS = 100.0
P99_RATE = 100
SUSTAIN_RATE = 300
FLOOR_RATIO_TARGET = 0.5
RSS_TARGET_MB = 250.0
VERIFY_TARGET = 50_000.0
KEEPS_UP = 0.98  # a fixed-rate phase keeps up when it completes at >= 98 % of the rate


@dataclass(frozen=True)
class Check:
    measure: str
    target: str
    result: str
    passed: bool
    measured: bool = True
    """False when the measure could not be taken (a format not available yet): not a pass."""

    @property
    def verdict(self) -> str:
        if not self.measured:
            return "**not measured**"
        return "pass" if self.passed else "**FAIL**"


def _phase(results: dict[str, Any], name: str) -> dict[str, Any] | None:
    phase: dict[str, Any] | None = results["load"]["phases"].get(name)
    return phase


def peak_worker_mb(results: dict[str, Any]) -> float:
    """Largest peak RSS of any web worker (kernel high-water mark and 0.2 s samples)."""
    peaks = [p["vm_hwm_mb"] for p in results["load"]["web_processes"].values()
             if p["role"] == "worker"]
    for phase in results["load"]["phases"].values():
        peaks.extend(phase["peak_rss_mb"].values())
    return max(peaks, default=0.0)


def checks(results: dict[str, Any]) -> list[Check]:
    """Every target with its measured value and verdict."""
    out = []
    floor, intake = _phase(results, "floor_max"), _phase(results, "intake_max")
    assert floor is not None and intake is not None
    out.append(Check(
        "Signed intake, max throughput (closed loop)", f"≥ {THROUGHPUT_TARGET:.0f}/s",
        f"{intake['rate']:.0f}/s ({intake['errors']} errors)",
        intake["rate"] >= THROUGHPUT_TARGET and intake["errors"] == 0))
    sustain = _phase(results, f"intake_fixed_{SUSTAIN_RATE}")
    if sustain is not None:
        out.append(Check(
            f"Signed intake sustained at a fixed {SUSTAIN_RATE}/s (open loop)",
            f"completes ≥ {KEEPS_UP * SUSTAIN_RATE:.0f}/s, no errors",
            f"{sustain['rate']:.0f}/s, p99 {sustain['p99_ms']:.0f} ms ({sustain['errors']} errors)",
            sustain["rate"] >= KEEPS_UP * SUSTAIN_RATE and sustain["errors"] == 0))
    fixed = _phase(results, f"intake_fixed_{P99_RATE}")
    if fixed is not None:
        out.append(Check(
            f"p99 latency at a fixed {P99_RATE}/s", f"≤ {P99_TARGET_MS:.0f} ms",
            f"{fixed['p99_ms']:.1f} ms ({fixed['errors']} errors)",
            fixed["p99_ms"] <= P99_TARGET_MS and fixed["errors"] == 0))
    ratio = intake["rate"] / floor["rate"] if floor["rate"] else 0.0
    out.append(Check(
        "Intake throughput / floor baseline", f"≥ {FLOOR_RATIO_TARGET:.2f}",
        f"{ratio:.2f} ({intake['rate']:.0f}/s vs {floor['rate']:.0f}/s)",
        ratio >= FLOOR_RATIO_TARGET and floor["errors"] == 0))
    peak = peak_worker_mb(results)
    out.append(Check("Peak RSS of a web worker under load", f"≤ {RSS_TARGET_MB:.0f} MB",
                     f"{peak:.0f} MB", peak <= RSS_TARGET_MB))
    verify = results["verify"]["median"]
    out.append(Check(
        "`singlewindow evidence verify`", f"≥ {VERIFY_TARGET:,.0f} entries/s",
        f"{verify['rate']:,} entries/s ({verify['entries']:,} entries)",
        verify["rate"] >= VERIFY_TARGET))
    return out


def all_passed(results: dict[str, Any]) -> bool:
    return all(check.passed for check in checks(results))


def summary(results: dict[str, Any]) -> str:
    note = (f"(disturbed: other programs used up to {disturbance(results):.2f} cores)\n"
            if disturbance(results) > 0.2 else "")
    return note + "\n".join(f"{'PASS' if c.passed else 'FAIL'}  {c.measure}: {c.result} (target {c.target})"
                     for c in checks(results))


def _slice_lines(results: dict[str, Any]) -> list[str]:
    """Each alternated phase's rate per slice, in the order they ran."""
    phases = results["load"]["phases"]
    lines = [f"- `{name}` by slice: " + ", ".join(f"{rate:.0f}/s" for rate in phase["slice_rates"])
             for name, phase in phases.items() if phase.get("slice_rates")]
    pairs = [i / f for f, i in zip(phases.get("floor_max", {}).get("slice_rates", []),
                                   phases.get("intake_max", {}).get("slice_rates", []), strict=False) if f]
    if len(pairs) >= 4:  # the k-th slices of the two ran next to each other (ABBA)
        q1, median, q3 = statistics.quantiles(pairs, n=4)
        lines.append("- intake / floor by pair of neighbouring slices: " + ", ".join(f"{r:.2f}" for r in pairs)
                     + f" (median {median:.2f}, middle half {q1:.2f} to {q3:.2f})")
    floor, intake = phases.get("floor_max"), phases.get("intake_max")
    if floor and intake and floor["completed"] and intake["completed"]:
        floor_ms, intake_ms = cpu_ms_per_answer(floor), cpu_ms_per_answer(intake)
        lines.append(
            f"- CPU per answer (web, PostgreSQL, load generator): intake {intake_ms:.2f} ms, floor {floor_ms:.2f} ms, "
            f"a ratio of {floor_ms / intake_ms:.2f}: the throughput ratio had both kept the same cores busy "
            f"(the floor kept {_busy(floor):.2f}, intake {_busy(intake):.2f})")
    return [*lines, ""] if lines else []


def cpu_ms_per_answer(phase: dict[str, Any]) -> float:
    """The benchmark's own CPU per answered request: gunicorn, PostgreSQL's backends and the load generator."""
    spent = sum(float(phase[key]) for key in ("web_cpu_s", "pg_bench_cpu_s", "loadgen_cpu_s"))
    return 1000 * spent / int(phase["completed"])


def _busy(phase: dict[str, Any]) -> float:
    """Cores the whole machine kept busy during a phase."""
    return float(phase["machine_busy_cpu_s"]) / float(phase["wall_s"] or 1.0)


def _per_request(phase: dict[str, Any], key: str) -> str:
    if not phase["completed"]:
        return "–"
    return f"{1000 * phase[key] / phase['completed']:.2f}"


PHASE_LABELS = {
    "floor_max": "floor, max (closed loop)",
    "intake_max": "intake, max (closed loop)",
}


def other_cores(phase: dict[str, Any]) -> float:
    """Cores used during a phase by programs other than the benchmark's."""
    ours = sum(float(phase[key]) for key in (
        "web_cpu_s", "pg_bench_cpu_s", "pg_shared_cpu_s", "loadgen_cpu_s"))
    return max(0.0, float(phase["machine_busy_cpu_s"]) - ours) / float(phase["wall_s"] or 1.0)


def disturbance(results: dict[str, Any]) -> float:
    """Largest number of cores other programs used during a measured phase."""
    return max((other_cores(p) for n, p in results["load"]["phases"].items()
                if not n.startswith("warmup")), default=0.0)


def _phase_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| Phase | Answers | Rate /s | p50 ms | p90 ms | p99 ms | max ms | Errors | "
        "Web CPU ms/req | PG CPU ms/req | Load-gen CPU ms/req | Machine busy (cores) | "
        "Of which others (cores) |",
        "|---|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|--:|",
    ]
    for name, phase in results["load"]["phases"].items():
        if name.startswith("warmup"):
            continue
        label = PHASE_LABELS.get(name) or (
            f"intake, fixed {name.rsplit('_', 1)[1]}/s (open loop)" if name.startswith("intake_fixed")
            else name)
        busy = _busy(phase)
        others = other_cores(phase)
        rows.append(
            f"| {label} | {phase['completed']:,} | {phase['rate']:.0f} | {phase['p50_ms']:.1f} | "
            f"{phase['p90_ms']:.1f} | {phase['p99_ms']:.1f} | {phase['max_ms']:.0f} | "
            f"{phase['errors']} | {_per_request(phase, 'web_cpu_s')} | "
            f"{_per_request(phase, 'pg_bench_cpu_s')} | {_per_request(phase, 'loadgen_cpu_s')} | "
            f"{busy:.2f} | {others:.2f} |")
    return rows


def _activity_rows(results: dict[str, Any]) -> list[str]:
    phases = {n: p for n, p in results["load"]["phases"].items() if not n.startswith("warmup")}
    states = sorted({s for p in phases.values() for s in p["pg_activity"]})
    if not states:
        return []
    rows = ["| Phase | " + " | ".join(states) + " |", "|---|" + "--:|" * len(states)]
    for name, phase in phases.items():
        rows.append(f"| {name} | " + " | ".join(
            f"{phase['pg_activity'].get(s, 0.0):.2f}" for s in states) + " |")
    return rows


def _profile_section(profile: dict[str, Any] | None) -> list[str]:
    if not profile:
        return []
    calls = profile["calls"]
    lines = [
        "### Where the time goes (in-process profile)",
        "",
        f"{calls:,} signed submissions through Django's test client in the benchmark process, "
        f"one thread, same database, no HTTP: **{profile['ms_per_call']:.2f} ms per submission "
        f"wall, {profile.get('cpu_ms_per_call', 0.0):.2f} ms of it Python CPU**; the rest is "
        f"waiting for PostgreSQL. **{profile['queries_per_call']:.1f} SQL statements per "
        f"submission** (min {profile['queries_min_max'][0]}, max {profile['queries_min_max'][1]}, "
        "BEGIN and COMMIT included).",
        "",
        *_lock_lines(profile),
    ]
    packages = profile.get("by_package") or {}
    if packages:
        total = sum(packages.values()) or 1.0
        lines += ["Time per submission by package under the profiler (self time; C built-ins "
                  "are charged to the package that called them; the profiler's own overhead, "
                  "roughly proportional to the number of Python calls, inflates the Python "
                  "rows):", "",
                  "| Package | ms | Share |", "|---|--:|--:|"]
        lines += [f"| {name} | {ms:.2f} | {100 * ms / total:.0f} % |"
                  for name, ms in packages.items() if ms >= 0.005]
        lines.append("")
    lines += [
        "The application's own functions by cumulative time per submission (profiler "
        "overhead included):",
        "",
        "| Function | Calls | Cumulative ms | Self ms |",
        "|---|--:|--:|--:|",
    ]
    for row in profile["top_cumulative"]:
        lines.append(f"| `{row['function']}` | {row['ncalls'] / calls:.1f} | "
                     f"{row['cum_ms']:.2f} | {row['self_ms']:.2f} |")
    lines += ["", "Top functions by self time, per submission (`psycopg/connection.py(wait)` is "
              "the wait for PostgreSQL's answers):", "",
              "| Function | Calls | Self ms |", "|---|--:|--:|"]
    for row in profile["top_self"]:
        lines.append(f"| `{row['function']}` | {row['ncalls'] / calls:.1f} | {row['self_ms']:.3f} |")
    lines += ["", "SQL per submission, timed around each statement and COMMIT in the benchmark "
              "process (round trip included; 200 submissions):", "",
              "| Statement | Per submission | Mean ms | p90 ms |", "|---|--:|--:|--:|"]
    for label, q in profile.get("query_ms", {}).items():
        lines.append(f"| `{label}` | {q['per_call']:.1f} | {q['mean_ms']:.2f} | {q['p90_ms']:.2f} |")
    lines += ["", "The SQL of one submission:", "", "```sql"]
    lines += profile["queries"]
    lines += ["```", ""]
    return lines


def _lock_lines(profile: dict[str, Any]) -> list[str]:
    hold = profile.get("lock_hold_ms")
    if not hold:
        return []
    return [
        "The evidence-head row lock is held from the head update to the commit. Intake sends "
        "its whole write as one pipelined round trip that is its own transaction "
        "(`evidence._run_locked_committing`), and the lock is held for the part of it from the "
        "head update to the commit; the timer can only see the whole round trip, which took "
        f"**{hold['p50']:.2f} ms** (median; p90 {hold['p90']:.2f} ms, p99 {hold['p99']:.2f} ms) "
        "per submission with no contention. The lock's hold is shorter, so serialising on it "
        f"leaves intake room for more than {1000 / hold['p50']:.0f} submissions/s whatever the "
        "number of processes (less once CPU contention stretches the critical section).",
        "",
    ]


def render_exchange(results: dict[str, Any]) -> str:
    """The exchange part of ``docs/benchmarks.md``."""
    load, machine, versions = results["load"], results["machine"], results["versions"]
    settings, pg = results["settings"], versions["postgresql"]
    evidence, verify = results["evidence"], results["verify"]
    all_checks = checks(results)
    passed = sum(c.passed for c in all_checks)
    lines = [
        f"## {PART_TITLES['exchange']}",
        "",
        f"Signed intake over HTTP on PostgreSQL, measured by `bench/run.py` on {results['started_at']}."
        + (" **Quick run: short phases and a smaller evidence log; not for comparison.**"
           if results["quick"] else ""),
        "",
        "It needs PostgreSQL and a role that may create databases: `--postgres-url` or "
        "`SW_BENCH_POSTGRES_URL` (falls back to `SW_TEST_POSTGRES_URL`, then "
        "`postgres://sw:sw@127.0.0.1:5432/singlewindow`). The database `singlewindow_bench` is "
        "dropped and re-created. `--workers`, `--threads`, `--concurrency`, `--rates` change the "
        "set-up; `--json FILE` keeps the raw figures; `--check` exits 1 when a target is missed.",
        "",
        f"### Results: {passed} of {len(all_checks)} targets met",
        "",
        *([f"**Disturbed run:** other programs used up to {disturbance(results):.2f} of the "
           f"{machine['cores']} cores during a measured phase (see *of which others* below); "
           "throughput and latency are understated.", ""]
          if disturbance(results) > 0.2 else []),
        "| Measure | Target | Result | |",
        "|---|---|---|---|",
    ]
    for check in all_checks:
        lines.append(f"| {check.measure} | {check.target} | {check.result} | {check.verdict} |")
    lines += [
        "",
        f"Server: `{load['gunicorn']}` (the real application plus `/bench/floor`).",
        "",
        "#### Phases",
        "",
        *_phase_rows(results),
        "",
        "Latency of the open-loop phases is measured from each request's *scheduled* send "
        "time, so queueing behind a slow answer counts. CPU columns are CPU seconds per "
        "answered request: gunicorn (master and workers), the PostgreSQL backends serving the "
        "benchmark database, and the load generator. *Machine busy* is all CPU use on the "
        f"machine (of {machine['cores']} cores) during the phase; *of which others* is what "
        "remains after gunicorn, the benchmark's PostgreSQL backends, PostgreSQL's shared "
        "processes (WAL writer, checkpointer…) and the load generator: other programs, "
        "including other databases' backends, running on the machine at the same time.",
        "",
        *_slice_lines(results),
    ]
    for name, phase in load["phases"].items():
        spread = phase.get("worker_cpu_s") or []
        if not name.startswith("warmup") and len(spread) > 1 and phase["wall_s"]:
            lines.append(f"- `{name}`: CPU of each gunicorn worker, busiest first: "
                         + ", ".join(f"{cpu / phase['wall_s']:.2f}" for cpu in spread)
                         + " cores.")
    for name in ("intake_max", f"intake_fixed_{SUSTAIN_RATE}"):
        phase = load["phases"].get(name)
        if phase and phase.get("max_send_lag_ms") is not None:
            lines.append(f"- `{name}`: largest send lag behind schedule "
                         f"{phase['max_send_lag_ms']:.0f} ms.")
        if phase and phase["first_error"]:
            lines.append(f"- `{name}`: first error: `{phase['first_error'][:300]}`")
    lines += [
        "",
        "#### PostgreSQL backends of the benchmark database (average count per state)",
        "",
        "Sampled from `pg_stat_activity` every 0.2 s. *idle in transaction* means a backend "
        "waits for Python inside an open transaction; *waiting on Lock* means it waits for "
        "another transaction's row lock (the evidence head).",
        "",
        *_activity_rows(results),
        "",
        "#### Memory",
        "",
        "| Process | Peak RSS (VmHWM) | RSS at end |",
        "|---|--:|--:|",
    ]
    for process in load["web_processes"].values():
        lines.append(f"| gunicorn {process['role']} | {process['vm_hwm_mb']:.0f} MB | "
                     f"{process['vm_rss_mb']:.0f} MB |")
    lines += [
        "",
        "#### Evidence log",
        "",
        f"The load phases left {evidence['from_load']:,} entries; {evidence['added']:,} more "
        f"`message.received`-shaped entries were appended with `append_evidence` (1,000 per "
        f"transaction, {evidence['append_per_s']:,.0f} entries/s in-process) and a checkpoint "
        f"signed after each batch, {evidence['total']:,} entries in all. "
        f"`singlewindow evidence verify` ran {len(verify['attempts'])} times (median shown "
        "above):",
        "",
        "| Run | Entries | Checkpoints | Verify time | Rate (command's own) | Wall time incl. start-up |",
        "|--:|--:|--:|--:|--:|--:|",
    ]
    for i, attempt in enumerate(verify["attempts"], 1):
        lines.append(f"| {i} | {attempt['entries']:,} | {attempt['checkpoints']:,} | "
                     f"{attempt['seconds']:.2f} s | {attempt['rate']:,}/s | "
                     f"{attempt['wall_s']:.2f} s ({attempt['wall_rate']:,.0f}/s) |")
    lines += ["", *_profile_section(results["profile"])]
    load_before, load_after = machine["loadavg"], results["machine_after"]["loadavg"]
    lines += [
        "### Machine",
        "",
        f"- CPU: {machine['cpu_model']}, {machine['cores']} cores "
        f"({machine['cores_usable']} usable by the benchmark)",
        f"- RAM: {machine['ram_gib']:.1f} GiB; Linux {machine['kernel']}",
        f"- Python {versions['python']}, Django {versions['django']}, gunicorn "
        f"{versions['gunicorn']}, psycopg {versions['psycopg']}",
        f"- PostgreSQL {pg['server_version']} on the same machine (shared_buffers "
        f"{pg['shared_buffers']}, synchronous_commit {pg['synchronous_commit']}, fsync "
        f"{pg['fsync']}, max_connections {pg['max_connections']})",
        f"- Other activity: {machine.get('busy_cores_before', 0.0):.2f} cores busy in the 5 s "
        f"before the run; load average before / after: {' '.join(load_before)} / "
        f"{' '.join(load_after)}",
        f"- Run took {results['duration_s'] / 60:.1f} minutes on {results['started_at']}",
        "",
        "### Method",
        "",
        "1. A fresh database is created and migrated (`singlewindow migrate`); the benchmark "
        "process builds the test world with `singlewindow.testing.build_world()`: traders, a "
        "broker, two customs offices *without an engine*, certificates from a throw-away CA, "
        "API tokens, services and grants. No worker runs, so nothing competes with intake.",
        "2. Every request is signed before its phase starts (ES256 detached JWS with `swt`/`swr`, "
        f"about {load['signing_us_per_request']:.0f} µs each, never timed), each with its own "
        "client reference and UCR; senders rotate among two traders and a broker, the office "
        "between the two customs offices, declarations hold one to three goods items.",
        "3. gunicorn serves `bench/floor_app.py`: the real WSGI application whose URLconf adds "
        "`/bench/floor`, a view that verifies the detached signature with "
        "`singlewindow.exchange.jws.verify_detached` and inserts one row. Both endpoints run "
        "through the same Django handler and middleware in the same server processes. "
        "`SW_LOG_LEVEL=ERROR`, no access log.",
        "4. The load generator is a separate process (`bench/loadgen.py`) with one thread and "
        "one keep-alive connection per concurrent request, writing pre-serialised HTTP/1.1 "
        "requests to raw sockets; each connection is re-opened after "
        f"{settings.get('reconnect_every', 0)} requests (0: never), as a client pool with a "
        "connection lifetime would, so connections spread over the gunicorn workers. Closed loop: "
        f"{settings['concurrency']} connections back to back for {settings['max_duration']:.0f} s. "
        f"Open loop: requests scheduled at a fixed rate for {settings['fixed_duration']:.0f} s, "
        "latency measured from the scheduled send time (no coordinated omission). Every intake "
        "answer must be 201 and every floor answer 201; anything else is an error.",
        "5. Order: warm-up (400 floor, 400 intake requests, discarded; then `ANALYZE`) → floor "
        "max and intake max → intake at each fixed rate → in-process profile → evidence top-up → "
        "`singlewindow evidence verify`. The two max phases run in "
        f"{settings.get('max_slices', 1)} slices each, alternating in ABBA order (floor, intake, "
        "intake, floor, …), so that drift in a shared machine's speed over the minute weighs on "
        "both alike; each row above sums its slices (latency percentiles over every answer). "
        "Ratio = intake max / floor max. The ratio of each pair of neighbouring slices is listed "
        "under *Phases*: its spread is how far the machine's speed moved within the run.",
        "6. Memory: RSS of each gunicorn worker sampled from `/proc` every 0.2 s, plus the "
        "kernel's high-water mark (`VmHWM`) at the end of the load phases.",
        "",
        "### Notes",
        "",
        "- Server, database and load generator share the same cores, as they would on a "
        "single small host; the CPU columns show who used them. Figures from a machine with "
        "other work running are lower than the machine can do; check the load average and "
        "the *Machine busy* column against the sum of the other CPU columns.",
        f"- gunicorn set-up: {settings['workers']} workers × {settings['threads']} thread(s) "
        f"({settings['worker_class']}). The default, five single-thread workers (2 × cores + 1), "
        "keeps the cores busy for both endpoints. Two or four threads per worker move the floor "
        "and intake alike and leave the ratio where it was. Three single-thread workers raise "
        "intake (its processes wait less for a core) "
        "but leave the floor's cores partly idle, so the ratio would flatter intake; "
        "`docs/performance.md` has the figures. Sync workers close the connection "
        "after each answer; reconnecting under load stalled for seconds. `--workers`, `--threads` "
        "and `--worker-class` change it.",
        "- Each keep-alive connection stays with the gunicorn worker that accepted it, so the "
        "load on the workers can be uneven: with never-closed connections one of three "
        "workers sometimes received none, and results varied by half from run to run. The "
        "load generator therefore re-opens connections (`--reconnect-every`); the per-worker "
        "CPU lines under *Phases* show the balance achieved.",
        "- The floor baseline pays the same HTTP, WSGI and middleware costs as intake but no "
        "authentication, validation, authorisation, certificate-chain check, routing, "
        "evidence chaining, receipt signing or consignment bookkeeping. Its insert goes through "
        "the same connection check and pipelined round trip as intake's writes.",
    ]
    return "\n".join(lines) + "\n"


# --- message formats (issue 3) -------------------------------------------------------------

FORMAT_LABELS = {"json": "JSON", "wco-dec-xml": "WCO DEC XML", "edifact": "UN/EDIFACT (CUSDEC)"}
FORMAT_TARGETS = {"json": 2000.0, "wco-dec-xml": 300.0, "edifact": 1000.0}
LARGE_SECONDS_TARGET = 1.0
LARGE_MB_TARGET = 100.0
FORMAT_BASELINES = {
    "json": "`json.loads`",
    "wco-dec-xml": "lxml parse + XSD validation",
    "edifact": "pydifact `Interchange.from_str`",
}
FULL_SHARE = 0.9  # below this share of its core the measuring process was held up by others


def _label(name: str) -> str:
    return FORMAT_LABELS.get(name, name)


def _large_peak_mb(large: dict[str, Any]) -> float:
    return max(float(large["rss_delta_mb"]), float(large["heap_peak_mb"] or 0.0))


def _heap(large: dict[str, Any]) -> str:
    return "not traced" if large["heap_peak_mb"] is None else f"{large['heap_peak_mb']:.0f} MB"


def format_checks(results: dict[str, Any]) -> list[Check]:
    """Throughput and large-declaration targets of every format, measured or not."""
    items, large_items = results["settings"]["items"], results["settings"]["large_items"]
    out = []
    for name, entry in results["formats"].items():
        target = FORMAT_TARGETS.get(name, 0.0)
        measure = f"{_label(name)}: {items}-item declarations, decode + validate, one core"
        if not entry["available"]:
            out.append(Check(measure, f"≥ {target:,.0f}/s", f"not available: {entry['reason']}", False, False))
            continue
        ours = entry["throughput"]["ours"]
        out.append(Check(measure, f"≥ {target:,.0f}/s", f"{ours['rate']:,.0f}/s", ours["rate"] >= target))
    limits = f"< {LARGE_SECONDS_TARGET:.0f} s and < {LARGE_MB_TARGET:.0f} MB"
    for name, entry in results["formats"].items():
        measure = f"{_label(name)}: one {large_items}-item declaration, decode + validate"
        if not entry["available"]:
            out.append(Check(measure, limits, "not available", False, False))
            continue
        large = entry["large"]
        slowest, peak = max(large["times_s"]), _large_peak_mb(large)
        out.append(Check(
            measure, limits,
            f"{slowest:.2f} s, {peak:.0f} MB (RSS +{large['rss_delta_mb']:.0f} MB, heap peak {_heap(large)})",
            slowest < LARGE_SECONDS_TARGET and peak < LARGE_MB_TARGET))
    return out


def format_summary(results: dict[str, Any]) -> str:
    return "\n".join(
        f"{'PASS' if c.passed else ('FAIL' if c.measured else 'N/A ')}  {c.measure}: {c.result} (target {c.target})"
        for c in format_checks(results))


def _cpu_share(results: dict[str, Any]) -> float:
    """The smallest share of its core the measuring process got during a throughput series."""
    shares = [series["cpu_share"] for entry in results["formats"].values() if entry["available"]
              for key, series in entry["throughput"].items() if isinstance(series, dict)]
    return min(shares, default=1.0)


def _us(value: float) -> str:
    return f"{value:,.0f}"


def _throughput_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| Format | Size | Ours /s | p50 µs | p99 µs | of which decode, p50 µs | Baseline | Baseline /s | "
        "Baseline p50 µs | Ours / baseline | Core share (ours, baseline) |",
        "|---|--:|--:|--:|--:|--:|---|--:|--:|--:|--:|",
    ]
    for name, entry in results["formats"].items():
        if not entry["available"]:
            rows.append(f"| {_label(name)} | – | not available | | | | {FORMAT_BASELINES.get(name, '')} | | | | |")
            continue
        measured = entry["throughput"]
        ours, decode, base = measured["ours"], measured["decode"], measured.get("baseline")
        cells = [f"{_label(name)}", f"{entry['bytes'] / 1024:.1f} KiB", f"{ours['rate']:,.0f}", _us(ours["p50_us"]),
                 _us(ours["p99_us"]), _us(decode["p50_us"]), FORMAT_BASELINES.get(name, "")]
        if base:
            cells += [f"{base['rate']:,.0f}", _us(base["p50_us"]), f"{ours['rate'] / base['rate']:.3f}",
                      f"{ours['cpu_share']:.2f}, {base['cpu_share']:.2f}"]
        else:
            cells += [f"not measured: {measured['baseline_reason']}", "", "", f"{ours['cpu_share']:.2f}"]
        rows.append("| " + " | ".join(cells) + " |")
    return rows


def _large_rows(results: dict[str, Any]) -> list[str]:
    rows = [
        "| Format | Size | Decode + validate, each run | Bare baseline | Peak RSS growth | Python heap peak "
        "(tracemalloc) | RSS before |",
        "|---|--:|--:|--:|--:|--:|--:|",
    ]
    for name, entry in results["formats"].items():
        if not entry["available"]:
            rows.append(f"| {_label(name)} | – | not available | | | | |")
            continue
        large = entry["large"]
        runs = ", ".join(f"{t:.3f} s" for t in large["times_s"])
        base = f"{large['baseline_s']:.3f} s" if large.get("baseline_s") is not None else "–"
        rows.append(f"| {_label(name)} | {entry['large_bytes'] / (1024 * 1024):.2f} MiB | {runs} | {base} | "
                    f"{large['rss_delta_mb']:.1f} MB | {_heap(large)} | "
                    f"{large['rss_before_mb']:.0f} MB |")
    return rows


def _times(count: int) -> str:
    return "once" if count == 1 else f"{count} times"


def _hot_spot_rows(results: dict[str, Any]) -> list[str]:
    rows = ["| Format | Function (self time) | Share |", "|---|---|--:|"]
    for name, entry in results["formats"].items():
        if entry["available"]:
            rows += [f"| {_label(name)} | `{spot['function']}` | {spot['share']:.0%} |"
                     for spot in entry["throughput"].get("profile", [])]
    return rows


def _format_notes(results: dict[str, Any]) -> list[str]:
    notes = []
    for name, entry in results["formats"].items():
        if not entry["available"]:
            notes.append(f"- {_label(name)}: not measured, {entry['reason']}. It is measured as soon as a codec "
                         f"is registered under `{name}`; `bench/formats.py` needs no change.")
            continue
        if not entry["round_trip"]:
            notes.append(f"- {_label(name)}: **decoding the encoded declaration does not give back the same "
                         "model**; the format loses part of the declaration, so its figures cover less data.")
        issues = entry["throughput"].get("xsd_issues")
        if issues:
            notes.append(f"- {_label(name)}: our encoding of the declaration has {issues} XSD faults.")
        if not entry["large"].get("peak_reset", True):
            notes.append(f"- {_label(name)}: the kernel's peak-RSS mark could not be reset, so the RSS growth "
                         "of the large declaration may be understated.")
    return notes


def render_formats(results: dict[str, Any]) -> str:
    """The message-format part of ``docs/benchmarks.md``."""
    settings, machine, versions = results["settings"], results["machine"], results["versions"]
    all_checks = format_checks(results)
    passed = sum(c.passed for c in all_checks)
    unmeasured = sum(not c.measured for c in all_checks)
    share = _cpu_share(results)
    large_items = settings["large_items"]
    lines = [
        f"## {PART_TITLES['formats']}",
        "",
        f"Decode + validate per format on one core, measured by `bench/run.py` on {results['started_at']} "
        f"in {results['duration_s']:.0f} s."
        + (" **Quick run: tiny durations and a smaller large declaration; not for comparison.**"
           if results["quick"] else ""),
        "",
        "No database needed. The XML baseline reads the WCO DEC DMS schemas from the shared data directory "
        f"beside the repository (`{results['schemas']}`, `--schemas DIR`)"
        + ("" if results["schemas_found"] else " — **not found in this run, so the XML baseline was not "
           "measured**") + ". `--codec-duration S` sets the seconds each series runs, `--codec-cpu N` the CPU.",
        "",
        f"### Results: {passed} of {len(all_checks)} targets met"
        + (f", {unmeasured} not measured" if unmeasured else ""),
        "",
        *([f"**Disturbed run:** the measuring process got as little as {share:.0%} of its core during a "
           "series (other programs ran on it), so rates are understated and p99 inflated; ratios to the "
           "baseline, measured in alternating slices, are less affected.", ""]
          if share < FULL_SHARE else []),
        "| Measure | Target | Result | |",
        "|---|---|---|---|",
        *[f"| {c.measure} | {c.target} | {c.result} | {c.verdict} |" for c in all_checks],
        "",
        f"### Throughput on one core ({settings['items']}-item declaration)",
        "",
        *_throughput_rows(results),
        "",
        "*Ours* is the whole intake step for a payload: `codec.decode` then `validate_document` with the code "
        "lists (schema, code lists, business rules); *of which decode* is `codec.decode` alone. *Ours / "
        "baseline* is the ratio of throughputs measured in the same process in alternating slices. "
        "*Core share* is process CPU time over wall time: below 1.00 something else ran on the core.",
        "",
        "Where *ours* spends its time: the functions with the most self time under `cProfile` over a "
        "short extra run of the same declaration (C functions appear under their own names; the "
        "profiler's overhead inflates Python functions that are called very often).",
        "",
        *_hot_spot_rows(results),
        "",
        f"### One {large_items}-item declaration (a fresh process per format)",
        "",
        *_large_rows(results),
        "",
        "The target counts the larger of the two memory figures. *Peak RSS growth* is the kernel's peak "
        "resident set during the first decode minus the resident set just before it; *Python heap peak* is "
        "`tracemalloc`'s peak over a separate run (tracing slows it, so that run is not timed). *RSS before* "
        "is the process with the code lists loaded and the payload read.",
        "",
        *_format_notes(results),
        *([""] if _format_notes(results) else []),
        "### Machine",
        "",
        f"- CPU: {machine['cpu_model']}, {machine['cores']} cores; every measurement ran in a child process "
        f"pinned to CPU {settings['cpu']} with `os.sched_setaffinity` (the quieter one over 1 s before the "
        "run, unless `--codec-cpu` names one)",
        f"- RAM: {machine['ram_gib']:.1f} GiB; Linux {machine['kernel']}",
        f"- Python {versions['python']}, lxml {versions['lxml']} (libxml2 {versions['libxml2']}), pydantic "
        f"{versions['pydantic']} (pydantic-core {versions['pydantic_core']}), pydifact {versions['pydifact']}",
        f"- Other activity: the machine averaged {results['busy_cores']:.2f} busy cores during the run, this "
        f"benchmark's own one included; load average before: {' '.join(machine['loadavg'])}",
        "",
        "### Method",
        "",
        f"1. The declaration is `samples.import_declaration(items={settings['items']})` filled in as a broker "
        "files one (`bench/formats.py`, `declaration()`): declarant, importer, broker, seller and buyer with "
        "addresses; vessel, two containers with seals, loading place, goods location, warehouse; freight, "
        "exchange rate, guarantee, bill of lading; and per item a different product (ten HS 2022 codes), "
        "invoice and origin-certificate references, import duty and business tax lines with their bases, "
        "valuation method, procedure, origin, measures and marked packages. It passes every validation "
        "layer with the real code lists. It is validated once, then encoded by each registered codec; "
        "decoding the encoding must give back the same model (see the notes when not).",
        "2. *Ours* does what intake does with a payload (`exchange.intake.decode_and_validate`): the "
        "format's codec decodes it, `validate_document` checks it against the data set schema, the code "
        "lists (all of them loaded in memory from `singlewindow.codelists.sources`, as the server holds "
        "them, without a database) and the business rules. XSD validation is not part of intake, so *ours* "
        "for XML does not include it; the baseline does.",
        "3. Baselines, on the same bytes: JSON `json.loads`; WCO DEC XML a plain lxml parse "
        "(`resolve_entities=False`, `no_network=True`) then XSD validation against the WCO DEC DMS schemas "
        "(compiled before timing); UN/EDIFACT pydifact's `Interchange.from_str` of the decoded text.",
        f"4. Throughput: one child process pinned to one CPU runs, per format, a warm-up of "
        f"{settings['warmup_s']:.2g} s per series, then alternates slices of {settings['slice_s']:.2g} s of "
        f"*ours* and the baseline until each has run {settings['duration_s']:g} s (and *decode* alone a "
        "quarter of that). Rate = calls / wall time of the slices; p50 and p99 from each call's time. The "
        "garbage collector stays on, as in the server.",
        f"5. Large declaration: per format a fresh child process on the same CPU loads the code lists, reads "
        "the payload, runs a one-item declaration three times (imports and caches), resets the kernel's "
        f"peak-RSS mark (`/proc/self/clear_refs`), then decodes and validates the {large_items}-item "
        f"declaration: timed {_times(settings['large_repeats'])}, then once more under `tracemalloc`, then "
        "the bare baseline once. When the first run takes over 5 s it is neither repeated nor traced (tracing "
        "slows it ten- to twentyfold); memory is then judged on the RSS figure alone.",
    ]
    return "\n".join(lines) + "\n"


# --- clearance (issue 4) ------------------------------------------------------------------

CLEARANCE_P50_S, CLEARANCE_P99_S, SCORING_TARGET = 1.0, 3.0, 2000.0


def clearance_checks(results: dict[str, Any]) -> list[Check]:
    c1 = results.get("latency", {}).get("by_channel", {}).get("C1")
    scoring = results.get("scoring", {})
    rate = results.get("rate", 50.0)
    checks = [Check("Risk selection (rules + learned score + explanations), in process", f"≥ {SCORING_TARGET:,.0f}/s",
                    f"{scoring.get('rate', 0):,.0f}/s ({scoring.get('count', 0):,} declarations)",
                    scoring.get("rate", 0) >= SCORING_TARGET and bool(scoring.get("model")),
                    measured=bool(scoring))]
    if c1:
        checks.append(Check(f"Submission to C1 release-ready notice at {rate:.0f}/s, p50",
                            f"≤ {CLEARANCE_P50_S:.0f} s", f"{c1['p50_s']:.2f} s ({c1['count']:,} C1 declarations)",
                            c1["p50_s"] <= CLEARANCE_P50_S))
        checks.append(Check(f"Submission to C1 release-ready notice at {rate:.0f}/s, p99",
                            f"≤ {CLEARANCE_P99_S:.0f} s", f"{c1['p99_s']:.2f} s", c1["p99_s"] <= CLEARANCE_P99_S))
    else:
        checks.append(Check("Submission to C1 release-ready notice", "p50 ≤ 1 s, p99 ≤ 3 s", "no C1 declaration",
                            False, measured=False))
    return checks


def clearance_summary(results: dict[str, Any]) -> str:
    return "\n".join(f"{'PASS' if c.passed else 'FAIL'}  {c.measure}: {c.result} (target {c.target})"
                     for c in clearance_checks(results))


def render_clearance(results: dict[str, Any]) -> str:
    checks = clearance_checks(results)
    intake = results.get("intake", {})
    latency = results.get("latency", {})
    lines = [
        "## Clearance (issue 4): declaration to release-ready notice, risk selection",
        "",
        f"Measured by `bench/clearance.py` (started by `bench/run.py --only clearance`) on {results['started_at']}.",
        "",
        f"### Results: {sum(c.passed for c in checks)} of {len(checks)} targets met",
        "",
        "| Measure | Target | Result | |",
        "|---|---|---|---|",
        *[f"| {c.measure} | {c.target} | {c.result} | {c.verdict} |" for c in checks],
        "",
        f"Signed import declarations were submitted at a fixed {results['rate']:.0f}/s for "
        f"{results['duration']:.0f} s (open loop; {intake.get('completed', 0):,} answered, "
        f"{intake.get('errors', 0)} errors, intake p50 {intake.get('p50_ms', 0):.0f} ms, "
        f"p99 {intake.get('p99_ms', 0):.0f} ms) to gunicorn, while one `singlewindow worker` ran the customs "
        f"engine: it used {results.get('engine_cpu_ms_per_declaration', 0):.1f} ms of CPU per declaration and "
        f"needed {results.get('drain_s', 0):.1f} s after the last submission to finish.",
        "",
        "| Channel | Declarations | p50 s | p90 s | p99 s | max s | mean s |",
        "|---|--:|--:|--:|--:|--:|--:|",
        *[f"| {channel} | {f['count']:,} | {f['p50_s']:.2f} | {f['p90_s']:.2f} | {f['p99_s']:.2f} | "
          f"{f['max_s']:.2f} | {f['mean_s']:.2f} |" for channel, f in latency.get("by_channel", {}).items()],
        "",
        "States at the end: " + ", ".join(f"{state} {count:,}" for state, count in
                                          sorted(latency.get("states", {}).items())) + ".",
        "",
        "### Method",
        "",
        "1. A fresh PostgreSQL database; `migrate`, the sample tariff (`singlewindow tariff sample`), the learned "
        "risk model trained on the Korean synthetic history (`singlewindow risk train`) and named in the "
        "selection settings; the test world with the customs engine on both customs offices.",
        "2. *Release-ready* is the amount-due notice (the C1 case waits for payment) or the release notice when "
        "nothing is due. The latency of a declaration is the time from its receipt by the exchange to the receipt "
        "of that notice by the exchange (both `received_at`, so the same clock), which is when it is in the "
        "declarant's mailbox. C2 and C3 declarations wait for an officer and are not timed.",
        "3. Risk selection: one batch of declarations built from the sample declaration (1 to 3 items) through "
        "`customs.selection.current.select_many` with the rules, the settings and the learned model in force; "
        "wall time over the batch.",
        "",
    ]
    return "\n".join(lines)


# --- permits (issue 5) ------------------------------------------------------------------

PERMITS_TARGET = 500.0


def permits_checks(results: dict[str, Any]) -> list[Check]:
    checks = []
    for phase, label in (("http", "G2G verification with write-off over HTTP, concurrent clients"),
                         ("inprocess", "G2G verification with write-off in process, concurrent processes")):
        figures, check = results.get(phase), results.get(f"{phase}_check")
        if not figures or not check:
            continue
        ledger = "ledger consistent" if check["ok"] else "ledger INCONSISTENT"
        checks.append(Check(label, f"≥ {PERMITS_TARGET:,.0f}/s, no lost or double write-offs",
                            f"{figures['rate']:,.0f}/s, {figures['errors']} errors, {ledger} "
                            f"({check['write_offs']:,} write-offs, {check['refusals']:,} refusals)",
                            figures["rate"] >= PERMITS_TARGET and check["ok"] and not figures["errors"]))
    return checks


def permits_summary(results: dict[str, Any]) -> str:
    return "\n".join(f"{'PASS' if c.passed else 'FAIL'}  {c.measure}: {c.result} (target {c.target})"
                     for c in permits_checks(results))


def render_permits(results: dict[str, Any]) -> str:
    checks = permits_checks(results)
    http = results.get("http", {})
    lines = [
        "## Permits (issue 5): G2G verification with write-off",
        "",
        "Measured by `bench/permits.py` (started by `bench/run.py --only permits`) in "
        f"{results.get('duration_s', 0):.0f} s.",
        "",
        f"### Results: {sum(c.passed for c in checks)} of {len(checks)} targets met",
        "",
        "| Measure | Target | Result | |",
        "|---|---|---|---|",
        *[f"| {c.measure} | {c.target} | {c.result} | {c.verdict} |" for c in checks],
        "",
        f"HTTP phase: p50 {http.get('p50_ms', 0):.1f} ms, p90 {http.get('p90_ms', 0):.1f} ms, "
        f"p99 {http.get('p99_ms', 0):.1f} ms; web CPU {http.get('web_cpu_ms_per_req') or 0:.2f} ms and PostgreSQL "
        f"CPU {http.get('pg_cpu_ms_per_req') or 0:.2f} ms per verification; machine busy "
        f"{http.get('busy_cores') or 0:.2f} cores of which others {http.get('others_cores') or 0:.2f}.",
        "",
        "### Method",
        "",
        "A fresh PostgreSQL database with permits spread over the requests; each request verifies one "
        "declaration item (quantity 1) against a permit through `POST /api/v1/permits/verify` as a customs "
        "office, closed loop over several connections to gunicorn; then the same through the service in "
        "several processes. At the end the ledger is checked: for every line, the write-offs add up to "
        "granted minus balance, every request left exactly one write-off or one refusal, and no item is "
        "written off twice.",
        "",
    ]
    return "\n".join(lines)


# --- the whole file ------------------------------------------------------------------------

PART_TITLES = {
    "exchange": "Exchange (issue 2): signed intake",
    "formats": "Message formats (issue 3): decode and validate",
    "clearance": "Clearance (issue 4): declaration to release-ready notice, risk selection",
    "permits": "Permits (issue 5): G2G verification with write-off",
    "cargo": "Cargo (issue 6): manifest intake",
    "express": "Express (issue 6): appointment queue operations",
    "payments": "Payments (issue 7): bank payment confirmations",
}
PART_COMMANDS = {"exchange": "--only exchange", "formats": "--only codecs", "clearance": "--only clearance",
                 "permits": "--only permits", "cargo": "--only cargo",
                 "express": "--only express", "payments": "--only payments"}
_PART = re.compile(r"<!-- part (\w+): begin -->\n(.*?)<!-- part \1: end -->", re.DOTALL)


def parts_of(document: str) -> dict[str, str]:
    """The parts of an existing ``docs/benchmarks.md``, by name (empty when it has no markers)."""
    return {match[1]: match[2] for match in _PART.finditer(document)}


def compose(previous: str | None, fresh: dict[str, str]) -> str:
    """The whole file: the ``fresh`` parts, and every other part as ``previous`` had it."""
    kept = parts_of(previous or "")
    lines = [
        "# Benchmarks",
        "",
        "Written by `bench/run.py`. Each part below is measured and dated on its own: a full run rewrites "
        "them all, `--only exchange`, `--only codecs`, `--only clearance` or `--only permits` rewrites only its "
        "part (the text "
        "between that part's `<!-- part … -->` markers) and keeps the other parts' last results as they were.",
        "",
        "```sh",
        ".venv/bin/python bench/run.py                   # every part, about 11 minutes",
        ".venv/bin/python bench/run.py --only exchange   # signed intake on PostgreSQL, about 4 minutes",
        ".venv/bin/python bench/run.py --only codecs     # message formats, no database, about a minute",
        ".venv/bin/python bench/run.py --only clearance  # customs engine on PostgreSQL, about 2 minutes",
        ".venv/bin/python bench/run.py --only permits    # permit verification on PostgreSQL, about 2 minutes",
        ".venv/bin/python bench/run.py --quick           # smoke run of every part, about 2.5 minutes",
        "```",
        "",
        "`--check` exits 1 when a target of the parts run is missed; `--json FILE` keeps their raw figures.",
        "",
    ]
    for name, title in PART_TITLES.items():
        body = fresh.get(name) or kept.get(name) or (
            f"## {title}\n\nNot measured yet: run `.venv/bin/python bench/run.py {PART_COMMANDS[name]}`.\n")
        lines += [f"<!-- part {name}: begin -->", body.rstrip("\n"), f"<!-- part {name}: end -->", ""]
    return "\n".join(lines)
