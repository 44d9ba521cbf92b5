"""Scale-out proof: two web and two worker processes on PostgreSQL, one worker killed mid-run.

Every declaration must reach the customs office's mailbox exactly once, the built-in customs
engine must answer each exactly once (its work and its acknowledgement share one transaction),
and the evidence log must verify afterwards.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from django.db import connection

from singlewindow import testing
from singlewindow.exchange.evidence import verify_evidence
from singlewindow.exchange.models import Delivery, Message
from singlewindow.exchange.selectors import document_of

pytestmark = [pytest.mark.scaleout, pytest.mark.django_db(transaction=True)]

MESSAGES = 120


def _database_url() -> str:
    s = connection.settings_dict
    user, password = quote(s["USER"], safe=""), quote(s["PASSWORD"], safe="")
    return f"postgres://{user}:{password}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


@pytest.fixture
def cluster(_pki_directory: Path, tmp_path: Path) -> Iterator[dict[str, object]]:
    if connection.vendor != "postgresql":
        pytest.skip("the scale-out proof runs on PostgreSQL (set SW_DATABASE_URL)")
    env = {
        **os.environ, "SW_DATABASE_URL": _database_url(), "SW_DATA_DIR": str(tmp_path),
        "SW_PKI_DIR": str(_pki_directory), "SW_SWEEP_GRACE_SECONDS": "3", "SW_LOG_LEVEL": "ERROR",
        "SW_SECRET_KEY": "scale-out-test",
    }
    ports = [testing.free_port(), testing.free_port()]
    webs = [
        subprocess.Popen([sys.executable, "-m", "gunicorn", "singlewindow.wsgi:application",
                          "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4",
                          "--log-level", "warning"], env=env)
        for port in ports
    ]
    workers = [
        subprocess.Popen([sys.executable, "-m", "singlewindow.cli", "worker", "--sweep-every", "1"], env=env)
        for _ in range(2)
    ]
    try:
        for port in ports:
            _wait_for(port)
        yield {"ports": ports, "workers": workers}
    finally:
        for process in webs + workers:
            if process.poll() is None:
                process.terminate()
        for process in webs + workers:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()


def _wait_for(port: int) -> None:
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            httpx.get(f"http://127.0.0.1:{port}/api/v1/evidence/checkpoints/latest", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.2)
    raise RuntimeError(f"web process on port {port} did not start")


def test_two_webs_two_workers_one_killed_every_message_delivered_once(cluster):
    world = testing.build_world(engine="customs")
    senders = [world["trader_a"], world["trader_b"], world["broker"]]
    ports = cluster["ports"]

    def submit(i: int) -> int:
        party = senders[i % len(senders)]
        business_id = party.organisation.business_id
        document = testing.declaration(ucr=f"6TW{business_id}-S{i:05d}", reference=f"R{i}",
                                       declarant=business_id, importer=business_id,
                                       office="TWKEL" if i % 2 else "TWKHH")
        payload = testing.encode(document)
        reference = f"scale-{i}"
        headers = {
            "Authorization": f"Bearer {party.token}", "Content-Type": "application/json",
            "X-SW-Message-Type": "import_declaration.submit", "X-SW-Client-Reference": reference,
            "X-SW-Signature": testing.sign(party, payload, message_type="import_declaration.submit",
                                           client_reference=reference),
        }
        url = f"http://127.0.0.1:{ports[i % 2]}/api/v1/messages"
        return httpx.post(url, content=payload, headers=headers, timeout=30).status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        statuses = list(pool.map(submit, range(MESSAGES // 3)))
        victim = cluster["workers"][0]
        victim.send_signal(signal.SIGKILL)  # mid-run: tasks it had claimed are lost with it
        statuses += list(pool.map(submit, range(MESSAGES // 3, MESSAGES)))
    assert statuses == [201] * MESSAGES

    declarations = Message.objects.filter(message_type="import_declaration.submit")
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        answered = Message.objects.filter(message_type="customs_response.notification").count()
        pending = Delivery.objects.filter(message__in=declarations).exclude(state="acknowledged").count()
        if answered >= MESSAGES and pending == 0:
            break
        time.sleep(0.5)
    assert declarations.count() == MESSAGES
    # exactly one delivery per declaration, to the office it named, acknowledged by the engine
    deliveries = Delivery.objects.filter(message__in=declarations)
    assert deliveries.count() == MESSAGES
    assert set(deliveries.values_list("state", flat=True)) == {"acknowledged"}
    for delivery in deliveries.select_related("message", "recipient"):
        office = "t-customs-kel" if int(delivery.message.client_reference.split("-")[1]) % 2 else "t-customs-khh"
        assert delivery.recipient.code == office
    # each notice of each declaration exactly once (received, accepted…), delivered once to its sender
    responses = Message.objects.filter(message_type="customs_response.notification")
    notices = [(d.declaration_message_id, d.status) for d in map(document_of, responses)]
    assert len(notices) == len(set(notices))
    assert sorted(m for m, status in notices if status == "received") == sorted(
        str(pk) for pk in declarations.values_list("pk", flat=True))
    assert Delivery.objects.filter(message__in=responses).count() == responses.count()
    report = verify_evidence()
    assert report.ok, report.problem
