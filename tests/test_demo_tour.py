"""The README's tour, end to end, as a new user runs it.

``singlewindow demo`` on an empty data directory creates the demo world and serves it;
``examples/submit_declaration.py`` signs and submits a declaration as the demo trader, checks the
signed receipt, follows the consignment's timeline until customs answers and checks the receipt's
evidence inclusion proof; ``singlewindow evidence verify`` then passes on the demo's data and names
the first entry that a direct change to the database broke.
"""

from __future__ import annotations

import os
import re
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from django.db import connection

from singlewindow import testing

ROOT = Path(__file__).resolve().parent.parent
START_SECONDS = 240  # a first run migrates and builds the demo world before it serves


@pytest.fixture
def demo_env(tmp_path: Path) -> dict[str, str]:
    """A new user's environment: an empty data directory and nothing else configured, so the demo runs on
    its embedded default (SQLite) and makes its own PKI and secret key."""
    if connection.vendor != "sqlite":
        pytest.skip("the demo's embedded default is SQLite: the SQLite pass runs the tour")
    env = {name: value for name, value in os.environ.items() if not name.startswith("SW_")}
    return {**env, "SW_DATA_DIR": str(tmp_path / "var"), "SW_LOG_LEVEL": "ERROR"}


@pytest.fixture
def demo(demo_env: dict[str, str], tmp_path: Path) -> Iterator[str]:
    """The URL of ``singlewindow demo`` serving (with its worker) until the test ends."""
    port = testing.free_port()
    log = (tmp_path / "demo.log").open("wb")
    process = subprocess.Popen([sys.executable, "-m", "singlewindow.cli", "demo", "--port", str(port)],
                               env=demo_env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        _wait_until_serving(url, process, tmp_path / "demo.log")
        yield url
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGTERM)  # the demo, its web server and its worker
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        log.close()


def _wait_until_serving(url: str, process: subprocess.Popen[bytes], log: Path) -> None:
    deadline = time.monotonic() + START_SECONDS
    while time.monotonic() < deadline:
        if process.poll() is not None:
            pytest.fail(f"singlewindow demo exited with {process.returncode}:\n{log.read_text()[-3000:]}")
        try:
            if httpx.get(f"{url}/api/v1/evidence/checkpoints/latest", timeout=2).status_code < 500:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    pytest.fail(f"singlewindow demo did not serve within {START_SECONDS} s:\n{log.read_text()[-3000:]}")


def _run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(list(args), env=env, cwd=ROOT, capture_output=True, text=True, timeout=300, check=False)


def _found(pattern: str, text: str) -> str:
    match = re.search(pattern, text)
    assert match is not None, f"{pattern!r} not in:\n{text}"
    return match.group(1)


def test_demo_serves_the_example_submission_and_the_evidence_log_catches_a_changed_row(demo, demo_env):
    example = _run(demo_env, sys.executable, "examples/submit_declaration.py", "--url", demo)
    assert example.returncode == 0, example.stdout + example.stderr
    assert "All checks passed." in example.stdout
    assert "Keelung Customs" in example.stdout  # the customs office answered on the timeline

    # The declaration is on its consignment's timeline for the trader, and for no other trader.
    ucr = _found(r"for UCR (\S+)", example.stdout)
    tokens = Path(demo_env["SW_DATA_DIR"]) / "demo"

    def timeline(organisation: str) -> httpx.Response:
        token = (tokens / f"{organisation}.token").read_text().strip()
        return httpx.get(f"{demo}/api/v1/consignments/{ucr}/timeline", timeout=10,
                         headers={"Authorization": f"Bearer {token}"})

    message_id = _found(r'"message_id": "([0-9a-f-]+)"', example.stdout)  # the receipt's
    events = timeline("tw-trader-formosa").json()["events"]
    assert any(event["message_id"] == message_id for event in events), events
    assert timeline("tw-trader-pacific").status_code == 404

    intact = _run(demo_env, sys.executable, "-m", "singlewindow.cli", "evidence", "verify")
    assert intact.returncode == 0, intact.stdout + intact.stderr
    assert "evidence intact" in intact.stdout

    database = sqlite3.connect(Path(demo_env["SW_DATA_DIR"]) / "singlewindow.sqlite3")
    with database:
        changed = database.execute(
            "UPDATE exchange_evidenceentry SET body = replace(body, '\"at\":', '\"at\" :') WHERE seq = 7").rowcount
    database.close()
    assert changed == 1
    broken = _run(demo_env, sys.executable, "-m", "singlewindow.cli", "evidence", "verify")
    assert broken.returncode != 0
    assert "at entry 7:" in broken.stdout + broken.stderr
