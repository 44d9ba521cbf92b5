"""Test support: build a small, real world (orgs, CA, certificates, tokens, grants) via services.

Used by the test suites and the benchmarks; nothing here is imported by production code.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any, TypeVar

from singlewindow.datamodel import samples
from singlewindow.exchange import jws
from singlewindow.exchange.identity import ensure_demo_pki
from singlewindow.registry import pki
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM, Actor
from singlewindow.registry.models import AccessGrant, Organisation, OrganisationRole, Service

R = OrganisationRole


def free_port() -> int:
    """A loopback TCP port free now, for a server a test starts in a process of its own."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Party:
    organisation: Organisation
    key: pki.KeyPair
    token: str
    username: str
    password: str

    @property
    def code(self) -> str:
        return self.organisation.code

    def auth(self) -> dict[str, str]:
        return {"HTTP_AUTHORIZATION": f"Bearer {self.token}"}


@dataclass
class World:
    root: pki.KeyPair
    parties: dict[str, Party] = field(default_factory=dict)

    def __getitem__(self, name: str) -> Party:
        return self.parties[name]


# name, code, business id, roles, office code
WORLD_ORGS = (
    ("trader_a", "t-trader-a", "30000002", (R.TRADER,), ""),
    ("trader_b", "t-trader-b", "30000007", (R.TRADER,), ""),
    ("broker", "t-broker", "30000013", (R.CUSTOMS_BROKER,), ""),
    ("customs", "t-customs-kel", "30000018", (R.CUSTOMS_OFFICE,), "TWKEL"),
    ("customs_2", "t-customs-khh", "30000024", (R.CUSTOMS_OFFICE,), "TWKHH"),
    ("agency", "t-agency", "30000029", (R.PERMIT_AGENCY,), ""),
    ("bank", "t-bank", "30000034", (R.BANK,), ""),
)


def build_world(*, engine: str = "") -> World:
    """Organisations with users, tokens, registered certificates, services and grants."""
    root = ensure_demo_pki()
    registry.add_trust_anchor(name="test root", certificate=root.certificate, actor=SYSTEM)
    world = World(root=root)
    for name, code, business_id, roles, office in WORLD_ORGS:
        org = registry.create_organisation(
            code=code, name_en=f"Org {name}", name_zh=f"機構{name}", roles=roles, business_id=business_id,
            office_code=office, engine=engine if office else "", actor=SYSTEM,
        )
        key = pki.issue_organisation_certificate(root, org_code=code, organisation_name=f"Org {name}")
        registry.register_certificate(organisation=org, pem=pki.certificate_to_pem(key.certificate),
                                      actor=SYSTEM)
        _, token = registry.issue_api_token(organisation=org, name="test", actor=SYSTEM)
        password = f"pw-{name}-12345"
        registry.add_member(organisation=org, username=name, password=password, role="manager", actor=SYSTEM)
        world.parties[name] = Party(org, key, token, name, password)
    for principal in ("trader_a", "trader_b"):  # the broker declares for both traders, as in the demo
        registry.grant_mandate(principal=world[principal].organisation, agent=world["broker"].organisation,
                               valid_from=date(2020, 1, 1), actor=SYSTEM)
    owner = world["customs"].organisation
    for code, mtype, security, senders, receivers in (
        ("imp", "import_declaration.submit", Service.Security.CERTIFICATE, (R.TRADER, R.CUSTOMS_BROKER),
         (R.CUSTOMS_OFFICE,)),
        ("exp", "export_declaration.submit", Service.Security.SIMPLE, (R.TRADER, R.CUSTOMS_BROKER),
         (R.CUSTOMS_OFFICE,)),
        ("res", "customs_response.notification", Service.Security.SIMPLE, (R.CUSTOMS_OFFICE,),
         (R.TRADER, R.CUSTOMS_BROKER)),
    ):
        service = registry.define_service(code=code, name_en=code, owner=owner, message_type=mtype,
                                          security=security, processing_time=timedelta(hours=1),
                                          actor=SYSTEM)
        for role in senders:
            registry.grant_access(service=service, direction=AccessGrant.Direction.SEND, role=role, actor=SYSTEM)
        for role in receivers:
            registry.grant_access(service=service, direction=AccessGrant.Direction.RECEIVE, role=role,
                                  actor=SYSTEM)
    return world


def declaration(**options: Any) -> dict[str, Any]:
    """A valid import declaration document (see ``datamodel.samples.import_declaration``)."""
    return samples.import_declaration(**options)


def export_declaration(**options: Any) -> dict[str, Any]:
    return samples.export_declaration(**options)


def encode(document: dict[str, Any]) -> bytes:
    return json.dumps(document, ensure_ascii=False).encode()


def sign(party: Party, payload: bytes, *, message_type: str, client_reference: str,
         key: pki.KeyPair | None = None, chain: list[Any] | None = None) -> str:
    key = key or party.key
    return jws.sign_detached(
        payload, key.private_key, chain or [key.certificate],
        extra_header={"swt": message_type, "swr": client_reference},
    )


def submit_signed(party: Party, payload: bytes, client_reference: str, *,
                  message_type: str = "import_declaration.submit") -> Any:
    """Submit a JSON payload signed by ``party`` straight to intake, as that party; the ``IntakeResult``."""
    from singlewindow.exchange.intake import Envelope, submit_message

    envelope = Envelope(message_type, client_reference, "application/json", payload,
                        sign(party, payload, message_type=message_type, client_reference=client_reference))
    return submit_message(envelope=envelope, actor=Actor(organisation=party.organisation))


def submit_headers(party: Party, payload: bytes, *, message_type: str = "import_declaration.submit",
                   client_reference: str = "c-1", signed: bool = True,
                   content_type: str = "application/json") -> dict[str, str]:
    """Django test-client keyword headers for POST /api/v1/messages."""
    headers = {
        **party.auth(),
        "HTTP_X_SW_MESSAGE_TYPE": message_type,
        "HTTP_X_SW_CLIENT_REFERENCE": client_reference,
        "content_type": content_type,
    }
    if signed:
        headers["HTTP_X_SW_SIGNATURE"] = sign(party, payload, message_type=message_type,
                                              client_reference=client_reference)
    return headers


PAYMENT_MESSAGE_TYPES = ("duty_payment.notification", "electronic_guarantee.submit", "electronic_guarantee.suspend",
                         "electronic_guarantee.accept", "electronic_guarantee.close", "payment_response.notification")


def define_payment_services(world: World) -> None:
    """The catalogue's own lines for the payment and guarantee message types, owned by the world's
    customs office, with the grants the catalogue gives them."""
    from singlewindow.registry import catalogue

    owner = world["customs"].organisation
    for entry in catalogue.SERVICES:
        if entry.message_type not in PAYMENT_MESSAGE_TYPES:
            continue
        service = registry.define_service(code=entry.code, name_en=entry.name_en, owner=owner,
                                          message_type=entry.message_type, security=entry.security,
                                          processing_time=entry.processing_time, actor=SYSTEM)
        for direction, grantees in ((AccessGrant.Direction.SEND, entry.senders),
                                    (AccessGrant.Direction.RECEIVE, entry.receivers)):
            for role in grantees:
                registry.grant_access(service=service, direction=direction, role=role, actor=SYSTEM)


T = TypeVar("T")


def race(count: int, work: Callable[[int], T], *, raise_failures: bool = True) -> list[Any]:
    """Run ``work(i)`` in ``count`` threads released together, each closing its own connection.

    For PostgreSQL row-lock races. A failure in a thread fails the test here, in its own
    thread; with ``raise_failures=False`` each thread's exception is returned in its place, for
    tests that compare them.
    """
    from django.db import connections

    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=30)
            results[index] = work(index)
        except BaseException as error:  # reported in the test's thread
            results[index] = error
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(i,)) for i in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    failures = [r for r in results if isinstance(r, BaseException)]
    if raise_failures and failures:
        raise AssertionError(f"{len(failures)} of {count} threads failed: {failures!r}")
    return results


class CacheClock:
    """``time.monotonic`` under a test's control, for the reference-data cache (``registry.cache``): it
    starts with the shared stamp due to be read, whatever the tests before left."""

    def __init__(self, monkeypatch: Any) -> None:
        import math
        import time

        from singlewindow.registry import cache

        self.now = time.monotonic()
        monkeypatch.setattr(time, "monotonic", lambda: self.now)
        monkeypatch.setattr(cache, "_checked_at", -math.inf)

    def advance(self, seconds: float) -> None:
        self.now += seconds


@contextmanager
def migrated_back(*target: tuple[str, str]) -> Iterator[Any]:
    """The database migrated back to ``target`` for the block (it gets that state's models' registry),
    then forward to the latest migrations again, whatever the block did: later tests need the full schema."""
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    executor = MigrationExecutor(connection)
    try:
        executor.migrate(list(target))
        yield executor.loader.project_state(list(target)).apps
    finally:
        executor = MigrationExecutor(connection)
        executor.loader.build_graph()
        executor.migrate(executor.loader.graph.leaf_nodes())
