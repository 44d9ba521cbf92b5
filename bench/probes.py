"""Process probes for the benchmark: CPU time, resident memory and PostgreSQL activity.

Everything here reads ``/proc`` (Linux) or ``pg_stat_activity``; nothing changes the system.
"""

from __future__ import annotations

import os
import re
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

CLOCK_TICKS = os.sysconf("SC_CLK_TCK")
PROC = Path("/proc")


def _read(path: Path) -> str:
    try:
        return path.read_text()
    except (OSError, UnicodeDecodeError):
        return ""


def _stat_fields(pid: int) -> list[str]:
    text = _read(PROC / str(pid) / "stat")
    if not text:
        return []
    # the command name may hold spaces and brackets: split after its closing bracket
    return text.rsplit(")", 1)[1].split()


def parent_of(pid: int) -> int:
    """The parent pid, or 0 when the process is gone."""
    fields = _stat_fields(pid)
    return int(fields[1]) if fields else 0


def cpu_seconds(pid: int) -> float:
    """User plus system CPU time of one process so far (0 when it is gone)."""
    fields = _stat_fields(pid)
    if not fields:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / CLOCK_TICKS


def status_kb(pid: int, key: str) -> int:
    """A ``/proc/<pid>/status`` value in kB (``VmRSS``, ``VmHWM``); 0 when missing."""
    for line in _read(PROC / str(pid) / "status").splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def pids() -> list[int]:
    return [int(p.name) for p in PROC.iterdir() if p.name.isdigit()]


def children_of(parent: int) -> list[int]:
    """Direct children of ``parent``."""
    return [pid for pid in pids() if parent_of(pid) == parent]


_CLIENT_BACKEND = re.compile(r"^postgres: [^:]+: \S+ (\S+) (?:\S*\(\d+\)|\[local\])")


def postgres_processes(db_name: str) -> tuple[list[int], list[int], list[int]]:
    """PostgreSQL processes: backends of ``db_name``, shared ones, other databases' backends."""
    bench: list[int] = []
    shared: list[int] = []
    foreign: list[int] = []
    for pid in pids():
        if _read(PROC / str(pid) / "comm").strip() != "postgres":
            continue
        title = _read(PROC / str(pid) / "cmdline").replace("\0", " ").strip()
        match = _CLIENT_BACKEND.match(title)
        if match is None:
            shared.append(pid)  # postmaster, WAL writer, checkpointer, autovacuum...
        elif match[1] == db_name:
            bench.append(pid)
        else:
            foreign.append(pid)
    return bench, shared, foreign


def system_cpu() -> tuple[float, float]:
    """Machine-wide (busy, total) CPU seconds since boot, summed over all cores."""
    for line in _read(PROC / "stat").splitlines():
        if line.startswith("cpu "):
            values = [int(v) for v in line.split()[1:9]]
            idle = values[3] + values[4]
            total = sum(values)
            return (total - idle) / CLOCK_TICKS, total / CLOCK_TICKS
    return 0.0, 0.0


def machine() -> dict[str, Any]:
    """CPU model, core count, memory and load of this machine."""
    model = next((line.split(":", 1)[1].strip() for line in _read(PROC / "cpuinfo").splitlines()
                  if line.startswith("model name")), "unknown")
    mem_kb = next((int(line.split()[1]) for line in _read(PROC / "meminfo").splitlines()
                   if line.startswith("MemTotal:")), 0)
    return {
        "cpu_model": model,
        "cores": os.cpu_count() or 0,
        "cores_usable": len(os.sched_getaffinity(0)),
        "ram_gib": mem_kb / 1024 / 1024,
        "kernel": _read(PROC / "sys/kernel/osrelease").strip(),
        "loadavg": _read(PROC / "loadavg").split()[:3],
    }


@dataclass
class CpuSnapshot:
    at: float
    web: dict[int, float]
    pg_bench: dict[int, float]
    pg_shared: dict[int, float]
    pg_foreign: dict[int, float]
    busy: float
    total: float


def _diff(before: dict[int, float], after: dict[int, float]) -> float:
    return sum(value - before.get(pid, 0.0) for pid, value in after.items())


@dataclass
class Sampler:
    """Samples web-process memory and PostgreSQL backend states every ``interval`` seconds."""

    master_pid: int
    db_name: str
    conninfo: str
    interval: float = 0.2
    peak_rss_kb: dict[int, int] = field(default_factory=dict)
    activity: Counter[str] = field(default_factory=Counter)
    activity_samples: int = 0
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def web_pids(self) -> list[int]:
        return [self.master_pid, *children_of(self.master_pid)]

    def snapshot(self) -> CpuSnapshot:
        bench, shared, foreign = postgres_processes(self.db_name)
        busy, total = system_cpu()
        return CpuSnapshot(
            at=time.perf_counter(),
            web={pid: cpu_seconds(pid) for pid in self.web_pids()},
            pg_bench={pid: cpu_seconds(pid) for pid in bench},
            pg_shared={pid: cpu_seconds(pid) for pid in shared},
            pg_foreign={pid: cpu_seconds(pid) for pid in foreign},
            busy=busy, total=total,
        )

    def cpu_between(self, before: CpuSnapshot, after: CpuSnapshot) -> dict[str, Any]:
        """CPU seconds per group between two snapshots, and the wall time."""
        workers = {str(pid): after.web[pid] - before.web.get(pid, 0.0) for pid in after.web if pid != self.master_pid}
        return {
            "worker_cpu_s": sorted(workers.values(), reverse=True),
            "worker_cpu_by_pid": workers,
            "wall_s": after.at - before.at,
            "web_cpu_s": _diff(before.web, after.web),
            "pg_bench_cpu_s": _diff(before.pg_bench, after.pg_bench),
            "pg_shared_cpu_s": _diff(before.pg_shared, after.pg_shared),
            "pg_foreign_cpu_s": _diff(before.pg_foreign, after.pg_foreign),
            "machine_busy_cpu_s": after.busy - before.busy,
        }

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()

    def take_activity(self) -> dict[str, float]:
        """Average number of bench backends per state since the last call, then reset."""
        samples = max(self.activity_samples, 1)
        averages = {state: count / samples for state, count in sorted(self.activity.items())}
        self.activity.clear()
        self.activity_samples = 0
        return averages

    def _run(self) -> None:
        query = (
            "SELECT state, wait_event_type, wait_event FROM pg_stat_activity "
            "WHERE datname = %s AND pid <> pg_backend_pid() AND backend_type = 'client backend'"
        )
        with psycopg.connect(self.conninfo, autocommit=True) as conn:
            while not self._stop.wait(self.interval):
                for pid in children_of(self.master_pid):
                    rss = status_kb(pid, "VmRSS")
                    self.peak_rss_kb[pid] = max(self.peak_rss_kb.get(pid, 0), rss)
                rows = conn.execute(query, [self.db_name]).fetchall()
                for state, wait_type, wait_event in rows:
                    label = str(state)
                    if state == "active" and wait_type:
                        label = f"active, waiting on {wait_type}:{wait_event}"
                    self.activity[label] += 1
                self.activity_samples += 1
