"""Load generator: replays pre-built HTTP/1.1 requests over keep-alive sockets.

Run as its own process so that it does not share a GIL with the benchmark driver:

    python bench/loadgen.py SPEC.json RESULT.json

The spec names a file of pre-serialised requests (see ``write_requests``), the target and the
mode: ``closed`` (N connections, each sends its next request as soon as the previous answer
arrived, for a fixed duration) or ``open`` (requests are scheduled at a fixed rate and latency
is measured from the scheduled send time, so a slow server cannot hide its queueing delay).
The client is a few lines over a raw socket: no header objects, no email parser, so its cost
per request is a few tens of microseconds.
"""

from __future__ import annotations

import contextlib
import itertools
import json
import resource
import socket
import struct
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

_LENGTH = struct.Struct(">I")


def write_requests(path: Path, requests: Sequence[bytes]) -> None:
    """Store requests as length-prefixed byte strings."""
    with path.open("wb") as handle:
        for request in requests:
            handle.write(_LENGTH.pack(len(request)))
            handle.write(request)


def read_requests(path: Path) -> list[bytes]:
    """Load the requests written by ``write_requests``."""
    data = path.read_bytes()
    requests: list[bytes] = []
    offset = 0
    while offset < len(data):
        (length,) = _LENGTH.unpack_from(data, offset)
        offset += _LENGTH.size
        requests.append(data[offset:offset + length])
        offset += length
    return requests


class Connection:
    """One keep-alive HTTP/1.1 connection with a minimal response parser."""

    def __init__(self, host: str, port: int, reconnect_every: int = 0) -> None:
        self.host, self.port = host, port
        self.reconnect_every = reconnect_every
        self.sent = 0
        self.reconnects = 0
        self.server_closed = False
        self._connect()

    def _connect(self) -> None:
        self.sock = socket.create_connection((self.host, self.port), timeout=60)
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.file = self.sock.makefile("rb")

    def close(self) -> None:
        self.file.close()
        self.sock.close()

    def reconnect(self) -> None:
        self.close()
        self.reconnects += 1
        self.server_closed = False
        self._connect()

    def roundtrip(self, request: bytes) -> tuple[int, bytes]:
        """Send one request; return the status code and the body."""
        if self.server_closed:  # the server said "Connection: close": a real client reconnects
            self.reconnect()
        elif self.reconnect_every and self.sent and self.sent % self.reconnect_every == 0:
            self.reconnect()  # a fresh connection may land on another server process
        self.sent += 1
        self.sock.sendall(request)
        line = self.file.readline(65537)
        if not line:
            raise ConnectionError("connection closed before a response")
        status = int(line.split(None, 2)[1])
        length, chunked, close = 0, False, False
        while True:
            header = self.file.readline(65537)
            if header in (b"\r\n", b"\n", b""):
                break
            name, _, value = header.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"transfer-encoding" and b"chunked" in value.lower():
                chunked = True
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = self._read_chunked() if chunked else self.file.read(length)
        self.server_closed = close
        return status, body

    def _read_chunked(self) -> bytes:
        parts: list[bytes] = []
        while True:
            size = int(self.file.readline(65537).split(b";")[0], 16)
            if size == 0:
                while self.file.readline(65537) not in (b"\r\n", b"\n", b""):
                    pass
                return b"".join(parts)
            parts.append(self.file.read(size))
            self.file.read(2)


@dataclass
class ThreadLog:
    """What one sending thread saw."""

    latencies: list[float] = field(default_factory=list)
    done_at: list[float] = field(default_factory=list)
    send_lag: float = 0.0
    statuses: dict[int, int] = field(default_factory=dict)
    first_error: str = ""
    reconnects: int = 0

    def record(self, status: int, body: bytes, expect: int, latency: float, done: float) -> None:
        self.statuses[status] = self.statuses.get(status, 0) + 1
        self.latencies.append(latency)
        self.done_at.append(done)
        if status != expect and not self.first_error:
            self.first_error = f"HTTP {status}: {body[:600].decode('utf-8', 'replace')}"


def _send(conn: Connection, request: bytes, log: ThreadLog, expect: int, start: float,
          ) -> None:
    try:
        status, body = conn.roundtrip(request)
    except (OSError, ValueError, IndexError) as error:
        status, body = 0, f"{type(error).__name__}: {error}".encode()
        with contextlib.suppress(OSError):
            conn.reconnect()
    done = time.perf_counter()
    log.record(status, body, expect, done - start, done)


def _indices(total: int, cycle: bool) -> Iterator[int]:
    counter = itertools.count()
    if cycle:
        return (i % total for i in counter)
    return counter


def run_closed(spec: dict[str, Any], requests: list[bytes]) -> dict[str, Any]:
    """N connections, back to back, for ``duration`` seconds."""
    concurrency, duration = int(spec["concurrency"]), float(spec["duration"])
    expect, cycle = int(spec["expect"]), bool(spec.get("cycle", False))
    indices = _indices(len(requests), cycle)
    lock = threading.Lock()
    logs = [ThreadLog() for _ in range(concurrency)]
    conns = [Connection(spec["host"], int(spec["port"]), int(spec.get("reconnect_every", 0)))
             for _ in range(concurrency)]
    barrier = threading.Barrier(concurrency + 1)
    exhausted = threading.Event()
    window: dict[str, float] = {}

    def worker(n: int) -> None:
        log, conn = logs[n], conns[n]
        barrier.wait()
        deadline = window["start"] + duration
        while time.perf_counter() < deadline:
            with lock:
                index = next(indices)
            if index >= len(requests):
                exhausted.set()
                return
            _send(conn, requests[index], log, expect, time.perf_counter())

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    window["start"], cpu_start = time.perf_counter(), _cpu_seconds()
    barrier.wait()
    for thread in threads:
        thread.join()
    for conn in conns:
        conn.close()
    return _summary(logs, window["start"], conns, expect=expect, exhausted=exhausted.is_set(), cpu_start=cpu_start)


def run_open(spec: dict[str, Any], requests: list[bytes]) -> dict[str, Any]:
    """Requests scheduled at ``rate``/s for ``duration`` s; latency from the scheduled time."""
    rate, duration = float(spec["rate"]), float(spec["duration"])
    concurrency, expect = int(spec["concurrency"]), int(spec["expect"])
    total = min(int(rate * duration), len(requests))
    counter = itertools.count()
    lock = threading.Lock()
    logs = [ThreadLog() for _ in range(concurrency)]
    conns = [Connection(spec["host"], int(spec["port"]), int(spec.get("reconnect_every", 0)))
             for _ in range(concurrency)]
    barrier = threading.Barrier(concurrency + 1)
    window: dict[str, float] = {}

    def worker(n: int) -> None:
        log, conn = logs[n], conns[n]
        barrier.wait()
        start = window["start"]
        while True:
            with lock:
                index = next(counter)
            if index >= total:
                return
            scheduled = start + index / rate
            wait = scheduled - time.perf_counter()
            if wait > 0:
                time.sleep(wait)
            log.send_lag = max(log.send_lag, time.perf_counter() - scheduled)
            _send(conn, requests[index], log, expect, scheduled)

    threads = [threading.Thread(target=worker, args=(n,)) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    window["start"], cpu_start = time.perf_counter() + 0.2, _cpu_seconds()
    barrier.wait()
    for thread in threads:
        thread.join()
    for conn in conns:
        conn.close()
    result = _summary(logs, window["start"], conns, expect=expect, exhausted=False, cpu_start=cpu_start)
    result["scheduled"] = total
    result["target_rate"] = rate
    result["max_send_lag_ms"] = 1000 * max(log.send_lag for log in logs)
    return result


def percentile(sorted_values: Sequence[float], fraction: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return 0.0
    rank = max(1, min(len(sorted_values), int(-(-fraction * len(sorted_values) // 1))))
    return sorted_values[rank - 1]


def _cpu_seconds() -> float:
    """CPU time of this process (every thread) so far."""
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def _summary(logs: list[ThreadLog], start: float, conns: list[Connection], *, expect: int,
             exhausted: bool, cpu_start: float) -> dict[str, Any]:
    latencies = sorted(lat for log in logs for lat in log.latencies)
    done = sorted(t for log in logs for t in log.done_at)
    statuses: dict[str, int] = {}
    for log in logs:
        for status, count in log.statuses.items():
            statuses[str(status)] = statuses.get(str(status), 0) + count
    elapsed = (done[-1] - start) if done else 0.0
    per_second: dict[int, int] = {}
    for t in done:
        second = int(t - start)
        per_second[second] = per_second.get(second, 0) + 1
    full_seconds = [per_second.get(s, 0) for s in range(int(elapsed))]
    errors = sum(count for status, count in statuses.items() if status != str(expect))
    return {
        "completed": len(latencies),
        "errors": errors,
        "statuses": statuses,
        "first_error": next((log.first_error for log in logs if log.first_error), ""),
        "elapsed_s": elapsed,
        "rate": len(latencies) / elapsed if elapsed > 0 else 0.0,
        "per_second_min": min(full_seconds) if full_seconds else 0,
        "per_second_max": max(full_seconds) if full_seconds else 0,
        "p50_ms": 1000 * percentile(latencies, 0.50),
        "p90_ms": 1000 * percentile(latencies, 0.90),
        "p99_ms": 1000 * percentile(latencies, 0.99),
        "max_ms": 1000 * (latencies[-1] if latencies else 0.0),
        "mean_ms": 1000 * (sum(latencies) / len(latencies) if latencies else 0.0),
        "exhausted": exhausted,
        "reconnects": sum(conn.reconnects for conn in conns),
        # from the start of sending: reading the requests and connecting are not the load's cost
        "loadgen_cpu_s": _cpu_seconds() - cpu_start,
        "latencies_ms": [1000 * latency for latency in latencies],  # kept only when the spec asks
    }


def main(argv: Sequence[str]) -> int:
    """Entry point: ``loadgen.py SPEC.json RESULT.json``."""
    spec = json.loads(Path(argv[0]).read_text())
    requests = read_requests(Path(spec["requests"]))
    runner = run_closed if spec["mode"] == "closed" else run_open
    result = runner(spec, requests)
    if not spec.get("keep_latencies"):
        del result["latencies_ms"]
    Path(argv[1]).write_text(json.dumps(result))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
