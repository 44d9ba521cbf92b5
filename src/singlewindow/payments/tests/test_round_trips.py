"""What a releasing confirmation costs the database connection on PostgreSQL: the order locked
(with the transaction's BEGIN in the same pipeline), the confirmation and the order's new amount,
the release's whole burst (the case, the hooks' statements, the evidence, the notice), COMMIT.

Every round trip is a wake-up and a system call pair for both processes, a good part of a
release's cost; these counts fail when a change adds one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from singlewindow.customs.models import Case
from singlewindow.datamodel.datasets.payments import DutyPayment
from singlewindow.payments.confirmations import record_confirmation
from singlewindow.payments.models import PaymentOrder
from singlewindow.payments.tests.conftest import DUE, Pay, build_pay
from singlewindow.registry.actors import Actor
from singlewindow.registry.models import Organisation

pytestmark = pytest.mark.skipif(connection.vendor != "postgresql", reason="pipelines are PostgreSQL's")


@pytest.fixture
def pay_tx(transactional_db: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Pay:
    return build_pay(tmp_path, monkeypatch)


def _confirm(pay: Pay, order: PaymentOrder, transaction_id: str, office: Organisation) -> str:
    bank = pay.bank.organisation
    document = DutyPayment.model_validate({
        "transactionId": transaction_id, "paymentReferenceId": order.reference,
        "paymentAmount": {"value": str(DUE), "currencyId": "TWD"}, "paymentDateTime": timezone.now().isoformat(),
        "financialInstitution": {"id": bank.business_id}})
    actor = Actor(organisation=office, membership_role="engine")
    return str(record_confirmation(document, bank=bank, actor=actor).outcome)


def test_a_releasing_confirmation_takes_three_round_trips_and_commit(pay_tx: Pay,
                                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    warm, order = (pay_tx.order(pay_tx.declare(reference)) for reference in ("TRIPS-0", "TRIPS-1"))
    office = pay_tx.world["customs"].organisation
    assert _confirm(pay_tx, warm, "TX-WARM", office) == "applied"  # registry and routing caches filled
    commands: list[bytes] = []
    sent_alone = psycopg.Connection._exec_command

    def spy(self: Any, command: Any, *args: Any, **kwargs: Any) -> Any:
        commands.append(bytes(command))
        return sent_alone(self, command, *args, **kwargs)

    monkeypatch.setattr(psycopg.Connection, "_exec_command", spy)
    with CaptureQueriesContext(connection) as queries:
        assert _confirm(pay_tx, order, "TX-TRIPS", office) == "applied"
    assert Case.objects.get(pk=order.case_id).state == "released"
    # Django logs the transaction's BEGIN and COMMIT as queries of their own; psycopg sent only the COMMIT alone
    sent = [q["sql"] for q in queries.captured_queries if q["sql"] not in ("BEGIN", "COMMIT")]
    assert len(sent) == 3, " ||| ".join(sql[:300] for sql in sent)
    assert commands == [b"COMMIT"]
