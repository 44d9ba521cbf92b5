"""Payments benchmark (issue 7): banks' payment confirmations recorded on PostgreSQL by concurrent
bank processes, then a check that no posting was lost or doubled.

Setup (not timed): a fresh database with the sample tariff, the test world with the customs engine
and a second bank, and ``--orders`` real declarations taken by the customs engine to the
amount-due notice (channel C1), each with its payment order.

Measured: worker processes, two per bank, each recording its bank's confirmations back to back
with ``payments.confirmations.record_confirmation`` in its own transaction, as the customs engine
does for a delivered ``duty_payment.notification`` (the exchange's intake of the bank's message is
measured by the exchange benchmark, not here). The mix, per order: a full payment that releases
the case (customs' ``record_payment``: the paid and released transitions with their evidence and
the release notice to the declarant); for one order in ten the same transaction again (a resend),
for one in ten a second payment (paid twice: a refund order), and for one in ten the payment in
two parts. The two halves of a split payment, a payment and its resend or second payment go to
different processes, so they race.

A second phase pays ``--part-orders`` other orders NT$1 at a time (``--parts`` each): recorded
and set against the order, with customs' ``record_payment`` only adding to the case's paid amount
(no transition, no evidence), which shows what the payments side costs on its own.

Checks after the first phase: one confirmation per bank transaction; per order, the amounts set against
it equal its paid amount, which equals its amount; every case released with its amount paid once;
one refund order per second payment, of its whole amount; the guarantee ledger verifies. After the
second: each order and its case paid exactly its parts, one confirmation each, still awaiting payment.

Runs in its own process:

    .venv/bin/python bench/payments.py --json OUT.json [--orders 3000] [--processes 4]
"""

from __future__ import annotations

import argparse
import json
import os
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

TARGET_RATE = 500.0


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--postgres-url", default=os.environ.get(
        "SW_BENCH_POSTGRES_URL", os.environ.get("SW_TEST_POSTGRES_URL", run.DEFAULT_POSTGRES_URL)))
    parser.add_argument("--db-name", default="singlewindow_bench_payments")
    parser.add_argument("--orders", type=int, default=3000, help="payment orders (declarations) to pay")
    parser.add_argument("--part-orders", type=int, default=200,
                        help="orders paid NT$1 at a time in the second phase (0: leave the phase out)")
    parser.add_argument("--parts", type=int, default=10, help="NT$1 part payments per order in the second phase")
    parser.add_argument("--setup-processes", type=int, default=2, help="processes declaring during setup")
    parser.add_argument("--processes", type=int, default=4, help="confirming processes (split over two banks)")
    parser.add_argument("--json", type=Path, required=True)
    parser.add_argument("--worker", nargs=3, metavar=("PLAN", "START", "OUT"), help=argparse.SUPPRESS)
    parser.add_argument("--declare", nargs=3, metavar=("FIRST", "COUNT", "OUT"), help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- setup -------------------------------------------------------------------------------------


def build_world() -> Any:
    """The test world with the customs engine, the payment services of the catalogue and a second bank."""
    from singlewindow import testing
    from singlewindow.registry import pki
    from singlewindow.registry import services as registry
    from singlewindow.registry.actors import SYSTEM
    from singlewindow.registry.models import OrganisationRole

    world = testing.build_world(engine="customs")
    testing.define_payment_services(world)
    second = registry.create_organisation(code="t-bank-2", name_en="Org bank 2", name_zh="機構銀行二",
                                          roles=(OrganisationRole.BANK,), business_id="30000040", actor=SYSTEM)
    key = pki.issue_organisation_certificate(world.root, org_code=second.code, organisation_name=second.name_en)
    registry.register_certificate(organisation=second, pem=pki.certificate_to_pem(key.certificate), actor=SYSTEM)
    return world


def declare(first: int, count: int, out: str) -> int:
    """A setup process: ``count`` signed declarations through intake, each taken by the engine to amount due."""
    import django

    django.setup()
    from singlewindow import testing
    from singlewindow.customs import engine
    from singlewindow.exchange.engines import process_engine_delivery
    from singlewindow.exchange.intake import Envelope, submit_message
    from singlewindow.exchange.models import Delivery
    from singlewindow.registry.actors import Actor
    from singlewindow.registry.models import Organisation

    engine.SELECTOR[0] = lambda case, declaration, assessment: ("C1", 0.1, {"bench": True})
    trader = Organisation.objects.get(code="t-trader-a")
    key = _trader_key()
    actor = Actor(organisation=trader)
    for n in range(first, first + count):
        reference = f"BPAY-{n:06d}"
        payload = testing.encode(testing.declaration(reference=reference, ucr=f"6TW30000002-{reference}"))
        signature = _sign(key, payload, reference)
        result = submit_message(envelope=Envelope(message_type="import_declaration.submit", client_reference=reference,
                                                  content_type="application/json", payload=payload,
                                                  signature=signature), actor=actor)
        for delivery_id in Delivery.objects.filter(message=result.message).values_list("pk", flat=True):
            process_engine_delivery(delivery_id)
    Path(out).write_text("done")
    return 0


def _trader_key() -> Any:
    """The trader's key and certificate, written by the main process (the world is built once)."""
    from singlewindow.registry import pki

    pem = Path(os.environ["SW_PKI_DIR"], "bench-trader.key").read_text()
    chain = Path(os.environ["SW_PKI_DIR"], "bench-trader.pem").read_text()
    return pki.load_private_key_pem(pem), pki.load_certificates_pem(chain)


def _sign(key: Any, payload: bytes, reference: str) -> str:
    from singlewindow.exchange import jws

    return jws.sign_detached(payload, key[0], key[1], extra_header={"swt": "import_declaration.submit",
                                                                     "swr": reference})


def plan(orders: list[tuple[str, int]], banks: list[str], processes: int) -> list[list[dict[str, Any]]]:
    """Each process's confirmations; a payment's resend, second payment or second half goes to another process."""
    per: list[list[dict[str, Any]]] = [[] for _ in range(processes)]
    for n, (reference, amount) in enumerate(orders):
        bank = banks[n % len(banks)]
        # the two processes of this order's bank: processes are dealt to banks in turn
        mine = [p for p in range(processes) if banks[p % len(banks)] == bank]
        first, other = mine[n // len(banks) % len(mine)], mine[(n // len(banks) + 1) % len(mine)]
        base = {"reference": reference, "bank": bank}
        if n % 10 == 3:  # in two parts
            half = amount // 2
            per[first].append({**base, "tx": f"T{n}-a", "amount": half})
            per[other].append({**base, "tx": f"T{n}-b", "amount": amount - half})
            continue
        per[first].append({**base, "tx": f"T{n}", "amount": amount})
        if n % 10 == 5:  # resent
            per[other].append({**base, "tx": f"T{n}", "amount": amount})
        elif n % 10 == 7:  # paid twice
            per[other].append({**base, "tx": f"T{n}-again", "amount": amount})
    for part in per:  # interleave the orders so racing confirmations arrive close together
        part.sort(key=lambda c: int(c["tx"][1:].split("-")[0]))
    return per


def plan_parts(orders: list[tuple[str, int]], banks: list[str], processes: int,
               parts: int) -> list[list[dict[str, Any]]]:
    """NT$1 part payments, ``parts`` per order; an order's parts all go to one process, in turn with the others'."""
    per: list[list[dict[str, Any]]] = [[] for _ in range(processes)]
    for n, (reference, _) in enumerate(orders):
        per[n % processes].extend({"reference": reference, "bank": banks[n % len(banks)], "tx": f"P{n}-{k}",
                                   "amount": 1} for k in range(parts))
    for part in per:
        part.sort(key=lambda c: (int(c["tx"].split("-")[1]), c["tx"]))
    return per


# --- the measured phase ------------------------------------------------------------------------


def worker(plan_file: str, start: str, out: str) -> int:
    """One confirming process: wait for the common start, then record its confirmations back to back."""
    import django

    django.setup()
    from django.utils import timezone

    from singlewindow.datamodel.datasets.payments import DutyPayment
    from singlewindow.payments.confirmations import record_confirmation
    from singlewindow.registry.actors import Actor
    from singlewindow.registry.models import Organisation

    confirmations = json.loads(Path(plan_file).read_text())
    banks = {code: Organisation.objects.get(code=code) for code in {c["bank"] for c in confirmations}}
    office = Organisation.objects.get(code="t-customs-kel")
    actor = Actor(organisation=office, membership_role="engine")
    for bank in banks.values():
        bank.role_codes  # noqa: B018 - read the roles before the clock starts
    documents = [DutyPayment.model_validate({
        "transactionId": c["tx"], "paymentReferenceId": c["reference"],
        "paymentAmount": {"value": str(c["amount"]), "currencyId": "TWD"},
        "paymentDateTime": timezone.now().isoformat(), "financialInstitution": {"id": banks[c["bank"]].business_id},
    }) for c in confirmations]
    time.sleep(max(0.0, float(start) - time.time()))
    began, latencies, outcomes = time.perf_counter(), [], []
    for c, document in zip(confirmations, documents, strict=True):
        t = time.perf_counter()
        outcomes.append(record_confirmation(document, bank=banks[c["bank"]], actor=actor).outcome)
        latencies.append(time.perf_counter() - t)
    Path(out).write_text(json.dumps({"began": began, "ended": time.perf_counter(), "latencies": latencies,
                                     "outcomes": outcomes, "wall_start": time.time() - (time.perf_counter() - began)}))
    return 0


def run_workers(env: dict[str, str], parts: list[list[dict[str, Any]]], workdir: Path) -> dict[str, Any]:
    start = time.time() + 10
    processes, outs = [], []
    for n, part in enumerate(parts):
        path, out = workdir / f"w{n}.json", workdir / f"w{n}.out.json"
        path.write_text(json.dumps(part))
        outs.append(out)
        processes.append(subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--json", str(out),  # noqa: S603
                                           "--worker", str(path), str(start), str(out)], env=env))
    for process in processes:
        if process.wait(timeout=1200) != 0:
            raise SystemExit("a confirming process failed")
    results = [json.loads(out.read_text()) for out in outs]
    latencies = sorted(lat for r in results for lat in r["latencies"])
    wall = max(r["wall_start"] + (r["ended"] - r["began"]) for r in results) - min(r["wall_start"] for r in results)
    outcomes: dict[str, int] = {}
    for r in results:
        for outcome in r["outcomes"]:
            outcomes[outcome] = outcomes.get(outcome, 0) + 1
    return {"completed": len(latencies), "rate": len(latencies) / wall, "elapsed_s": wall,
            "p50_ms": 1000 * loadgen.percentile(latencies, 0.5), "p99_ms": 1000 * loadgen.percentile(latencies, 0.99),
            "processes": len(parts), "outcomes": outcomes}


def commit_latency(url: str, count: int = 200) -> float:
    """Milliseconds per committed one-row insert on the benchmark database: the disk's WAL flush.

    Every confirmation that releases a case writes evidence, and the evidence lock is held to the
    commit, so no more such transactions commit per second, machine-wide, than 1000 / this figure.
    """
    import psycopg

    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE bench_commit_probe (x int)")
        started = time.perf_counter()
        for n in range(count):
            with conn.transaction():
                conn.execute("INSERT INTO bench_commit_probe VALUES (%s)", (n,))
        elapsed = time.perf_counter() - started
        conn.execute("DROP TABLE bench_commit_probe")
    return 1000 * elapsed / count


# --- the checks --------------------------------------------------------------------------------


def check(orders: list[tuple[str, int]]) -> dict[str, Any]:
    """No posting lost or doubled: see the module's docstring."""
    from django.db.models import Count, Sum

    from singlewindow.customs.models import Case
    from singlewindow.payments.ledger import verify_ledger
    from singlewindow.payments.models import BankConfirmation, PaymentOrder, RefundOrder

    problems: list[str] = []
    doubled = BankConfirmation.objects.filter(refused=False).values("bank", "transaction_id").annotate(
        n=Count("id")).filter(n__gt=1).count()
    if doubled:
        problems.append(f"{doubled} bank transactions recorded more than once")
    applied = dict(BankConfirmation.objects.filter(refused=False).values("order__reference").annotate(
        s=Sum("applied")).values_list("order__reference", "s"))
    wanted = dict(orders)
    for order in PaymentOrder.objects.filter(reference__in=list(wanted)).select_related("case"):
        if not (applied.get(order.reference) == order.amount_paid == order.amount == wanted[order.reference]):
            problems.append(f"{order.reference}: applied {applied.get(order.reference)}, paid {order.amount_paid}, "
                            f"amount {order.amount}")
        if order.state != "paid" or order.case.state != "released" or order.case.amount_paid != order.amount:
            problems.append(f"{order.reference}: order {order.state}, case {order.case.state} paid "
                            f"{order.case.amount_paid}")
    twice = [reference for n, (reference, _) in enumerate(orders) if n % 10 == 7]
    refunds = RefundOrder.objects.filter(reason="double_payment")
    if refunds.count() != len(twice) or set(refunds.values_list("order__reference", flat=True)) != set(twice):
        problems.append(f"{refunds.count()} double-payment refunds, expected {len(twice)}")
    if RefundOrder.objects.exclude(reason="double_payment").exists():
        problems.append("refunds other than for double payments")
    released = Case.objects.filter(state="released").count()
    ledger = verify_ledger()
    return {"ok": not problems and ledger.ok, "problems": problems[:20], "released": released,
            "confirmations": BankConfirmation.objects.count(), "refunds": refunds.count()}


def check_parts(orders: list[tuple[str, int]], parts: int) -> dict[str, Any]:
    """Every part recorded once: each order and its case paid exactly ``parts`` dollars, still waiting for the rest."""
    from singlewindow.payments.models import BankConfirmation, PaymentOrder

    problems = []
    for order in PaymentOrder.objects.filter(reference__in=[r for r, _ in orders]).select_related("case"):
        recorded = BankConfirmation.objects.filter(order=order, refused=False).count()
        if not (order.amount_paid == order.case.amount_paid == parts == recorded) or order.case.state != (
                "awaiting_payment"):
            problems.append(f"{order.reference}: order paid {order.amount_paid}, case paid {order.case.amount_paid} "
                            f"({order.case.state}), {recorded} confirmations, expected {parts}")
    return {"ok": not problems, "problems": problems[:20]}


# --- main --------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    if args.worker:
        return worker(*args.worker)
    if args.declare:
        return declare(int(args.declare[0]), int(args.declare[1]), args.declare[2])
    started_at = datetime.now(UTC)
    bench_url = run.with_database(args.postgres_url, args.db_name)
    run.recreate_database(args.postgres_url, args.db_name)
    results: dict[str, Any] = {"started_at": started_at.strftime("%Y-%m-%d %H:%M UTC"), "machine": probes.machine(),
                               "postgres": run.server_facts(bench_url), "orders": args.orders,
                               "target_rate": TARGET_RATE}
    with tempfile.TemporaryDirectory(prefix="sw-bench-payments-") as tmp:
        workdir = Path(tmp)
        env = run.bench_env(workdir, bench_url)
        for command in (("migrate", "--verbosity", "0"), ("tariff", "sample")):
            done = run.cli(env, *command)
            if done.returncode != 0:
                raise SystemExit(f"{' '.join(command)} failed: {done.stderr[-2000:]}")
        run.setup_django(env)
        from django.db import connections

        from singlewindow.registry import pki

        world = build_world()
        trader = world["trader_a"]
        (workdir / "pki" / "bench-trader.key").write_text(pki.private_key_to_pem(trader.key.private_key))
        (workdir / "pki" / "bench-trader.pem").write_text(pki.certificate_to_pem(trader.key.certificate))
        connections.close_all()

        print(f"payments: declaring {args.orders + args.part_orders} orders", flush=True)
        setup_started = time.perf_counter()
        total = args.orders + args.part_orders
        share = -(-total // args.setup_processes)
        declarers = [subprocess.Popen([sys.executable, str(Path(__file__).resolve()), "--json", str(args.json),  # noqa: S603
                                       "--declare", str(n * share), str(min(share, total - n * share)),
                                       str(workdir / f"d{n}")], env=env)
                     for n in range(args.setup_processes) if total - n * share > 0]
        for process in declarers:
            if process.wait(timeout=3600) != 0:
                raise SystemExit("a declaring process failed")
        results["setup_s"] = time.perf_counter() - setup_started

        from singlewindow.payments.models import PaymentOrder

        everything = [(reference, int(amount)) for reference, amount in
                      PaymentOrder.objects.filter(state="open").order_by("pk").values_list("reference", "amount")]
        if len(everything) != args.orders + args.part_orders:
            raise SystemExit(f"{len(everything)} open orders after setup, expected {args.orders + args.part_orders}")
        orders, part_orders = everything[:args.orders], everything[args.orders:]
        connections.close_all()
        parts = plan(orders, ["t-bank", "t-bank-2"], args.processes)
        print(f"payments: {sum(len(p) for p in parts)} confirmations over {args.processes} processes", flush=True)
        results["commit_ms_before"] = commit_latency(bench_url)
        results["confirmations"] = run_workers(env, parts, workdir)
        results["commit_ms_after"] = commit_latency(bench_url)
        results["check"] = check(orders)
        if part_orders:
            parts = plan_parts(part_orders, ["t-bank", "t-bank-2"], args.processes, args.parts)
            print(f"payments: {sum(len(p) for p in parts)} part payments over {args.processes} processes", flush=True)
            results["parts"] = run_workers(env, parts, workdir)
            results["parts_check"] = check_parts(part_orders, args.parts)
    connections.close_all()
    run.drop_database(args.postgres_url, args.db_name)
    results["duration_s"] = (datetime.now(UTC) - started_at).total_seconds()
    args.json.write_text(json.dumps(results, indent=2, default=str))
    figures, verdict_check = results["confirmations"], results["check"]
    verdict = "pass" if figures["rate"] >= TARGET_RATE and verdict_check["ok"] else "FAIL"
    print(f"payments: {figures['completed']} confirmations, {figures['rate']:.0f}/s, p50 {figures['p50_ms']:.1f} ms, "
          f"p99 {figures['p99_ms']:.1f} ms over {figures['processes']} processes; outcomes {figures['outcomes']}; "
          f"a bare commit took {results['commit_ms_before']:.1f} ms before, {results['commit_ms_after']:.1f} ms after; "
          f"postings {'consistent' if verdict_check['ok'] else 'INCONSISTENT ' + '; '.join(verdict_check['problems'])}"
          f" -> {verdict}", flush=True)
    if "parts" in results:
        figures, part_check = results["parts"], results["parts_check"]
        print(f"payments, part payments (no release): {figures['completed']} confirmations, {figures['rate']:.0f}/s, "
              f"p50 {figures['p50_ms']:.1f} ms, p99 {figures['p99_ms']:.1f} ms; postings "
              f"{'consistent' if part_check['ok'] else 'INCONSISTENT ' + '; '.join(part_check['problems'])}",
              flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())


def passed(results: dict[str, Any]) -> bool:
    return bool(results["check"]["ok"]) and results["confirmations"]["rate"] >= TARGET_RATE and (
        "parts_check" not in results or bool(results["parts_check"]["ok"]))


def summary(results: dict[str, Any]) -> str:
    figures = results["confirmations"]
    parts = f"; part payments {results['parts']['rate']:.0f}/s" if "parts" in results else ""
    return (f"{'PASS' if passed(results) else 'FAIL'}  payment confirmations: {figures['rate']:.0f}/s over "
            f"{figures['processes']} processes (target >= {TARGET_RATE:.0f}/s){parts}; postings "
            f"{'consistent' if results['check']['ok'] else 'INCONSISTENT'}")


def render(results: dict[str, Any]) -> str:
    """The payments part of ``docs/benchmarks.md``."""
    figures, checked = results["confirmations"], results["check"]
    lines = [
        "## Payments (issue 7): bank payment confirmations",
        "",
        f"Measured by `bench/payments.py` on {results['started_at']} in {results.get('duration_s', 0):.0f} s, "
        f"PostgreSQL {results['postgres'].get('server_version', '?')}. Machine: "
        f"{json.dumps(results['machine'], ensure_ascii=False)}.",
        "",
        f"{results['orders']:,} real declarations are taken by the customs engine to the amount-due notice, each "
        "with its payment order (not timed). Then processes, two per bank, record their banks' confirmations "
        "back to back, as the customs engine does for a delivered `duty_payment.notification`: a full payment "
        "releases the case (paid and released transitions, evidence, the release notice); one order in ten is "
        "confirmed twice (a resend), one in ten paid twice (a refund order), one in ten paid in two parts, "
        "and the parts of one order race in different processes. The exchange's intake of the banks' "
        "messages is measured by the exchange part.",
        "",
        "| Measure | Target | Result | |",
        "|---|---|---|---|",
        f"| confirmations recorded | >= {TARGET_RATE:.0f}/s | {figures['rate']:.0f}/s (p50 {figures['p50_ms']:.1f} ms, "
        f"p99 {figures['p99_ms']:.1f} ms, {figures['processes']} processes) | "
        f"{'met' if figures['rate'] >= TARGET_RATE else 'NOT met'} |",
        f"| no lost or double postings | all consistent | "
        f"{'consistent' if checked['ok'] else 'INCONSISTENT: ' + '; '.join(checked['problems'])} | "
        f"{'met' if checked['ok'] else 'NOT met'} |",
    ]
    if "parts" in results:
        parts = results["parts"]
        lines.append(f"| NT$1 part payments (no release) | | {parts['rate']:.0f}/s (p50 {parts['p50_ms']:.1f} ms) "
                     f"| {'consistent' if results['parts_check']['ok'] else 'INCONSISTENT'} |")
    lines += ["", f"Outcomes: {figures['outcomes']}. A bare commit took {results['commit_ms_before']:.1f} ms "
              f"before the run and {results['commit_ms_after']:.1f} ms after."]
    return "\n".join(lines) + "\n"
