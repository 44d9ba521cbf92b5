"""The ``singlewindow`` command: demo, serve, worker, pki, evidence, and Django's commands."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import time
from collections.abc import Sequence

OWN_COMMANDS = {"demo", "serve", "worker", "pki", "evidence", "message", "tariff", "risk", "catalogue", "permits",
                "cargo", "express", "payments", "customs"}


def _setup_django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "singlewindow.settings")
    import django

    django.setup()


def main(argv: Sequence[str] | None = None) -> int:
    args = list(sys.argv[1:] if argv is None else argv)
    if not args or args[0] not in OWN_COMMANDS:
        os.environ.setdefault("DJANGO_SETTINGS_MODULE", "singlewindow.settings")
        from django.core.management import execute_from_command_line

        execute_from_command_line(["singlewindow", *args])
        return 0
    parser = _parser()
    options = parser.parse_args(args)
    try:
        result: int = options.handler(options)
    except BrokenPipeError:
        # The reader went away (``singlewindow tariff show 01 | head``): stop quietly, as
        # shell tools do, instead of printing a traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 141
    return result


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="singlewindow",
        description="Single Window. Any other first argument runs a Django management command.",
    )
    sub = parser.add_subparsers(dest="command", required=True)

    demo = sub.add_parser("demo", help="create the demo world (first run) and serve it")
    _host_port(demo)
    demo.add_argument("--no-serve", action="store_true", help="set up the demo data and exit")
    demo.set_defaults(handler=cmd_demo)

    serve = sub.add_parser("serve", help="run the web server and a worker in one command")
    _host_port(serve)
    serve.add_argument("--web-workers", type=int, default=3)
    serve.add_argument("--threads", type=int, default=2)
    serve.set_defaults(handler=cmd_serve)

    worker = sub.add_parser("worker", help="run background tasks, engines and the sweeper")
    worker.add_argument("--interval", type=float, default=0.2, help="idle poll interval, seconds")
    worker.add_argument("--sweep-every", type=float, default=5.0, help="sweeper period, seconds")
    worker.set_defaults(handler=cmd_worker)

    pki_cmd = sub.add_parser("pki", help="demo CA: create it, issue and register certificates")
    pki_sub = pki_cmd.add_subparsers(dest="pki_command", required=True)
    init = pki_sub.add_parser("init", help="create the demo root CA and the Single Window certificate")
    init.set_defaults(handler=cmd_pki_init)
    issue = pki_sub.add_parser("issue", help="issue a signing certificate to an organisation")
    issue.add_argument("org_code")
    issue.add_argument("--out", help="directory for <code>.key and <code>.pem (default: the pki dir)")
    issue.add_argument("--days", type=int, default=730)
    issue.add_argument("--no-register", action="store_true", help="do not register it to the organisation")
    issue.set_defaults(handler=cmd_pki_issue)
    revoke = pki_sub.add_parser("revoke", help="revoke a certificate serial (hex)")
    revoke.add_argument("serial")
    revoke.add_argument("--reason", default="")
    revoke.add_argument("--issuer", default="", help="the issuing CA's name (RFC 4514); by default the issuer "
                        "of the registered certificates holding the serial")
    revoke.set_defaults(handler=cmd_pki_revoke)

    evidence_cmd = sub.add_parser("evidence", help="evidence log: verify, checkpoint")
    ev_sub = evidence_cmd.add_subparsers(dest="evidence_command", required=True)
    verify = ev_sub.add_parser("verify", help="re-verify every entry and checkpoint")
    verify.set_defaults(handler=cmd_evidence_verify)
    checkpoint = ev_sub.add_parser("checkpoint", help="sign a checkpoint now")
    checkpoint.set_defaults(handler=cmd_evidence_checkpoint)

    message_cmd = sub.add_parser("message", help="validate or convert a message file (JSON, WCO DEC XML, EDIFACT)")
    msg_sub = message_cmd.add_subparsers(dest="message_command", required=True)
    validate = msg_sub.add_parser("validate", help="print every fault, or 'valid'; exit 1 on faults")
    convert = msg_sub.add_parser("convert", help="write the message in another format to stdout")
    convert.add_argument("--to", required=True, help="json, wco-dec-xml or edifact")
    for command in (validate, convert):
        command.add_argument("file", help="the message file ('-' for standard input)")
        command.add_argument("--format", help="json, wco-dec-xml or edifact (default: detected)")
        command.add_argument("--dataset", help="data set, e.g. import_declaration (default: detected)")
        command.add_argument("--json", action="store_true", help="machine-readable output")
        command.add_argument("--offline", action="store_true",
                             help="skip the code-list layer (no database needed)")
    validate.set_defaults(handler=cmd_message_validate)
    convert.set_defaults(handler=cmd_message_convert)

    from singlewindow.cargo import command as cargo_command
    from singlewindow.customs import command as customs_command
    from singlewindow.customs.risk import command as risk_command
    from singlewindow.customs.tariff import command as tariff_command
    from singlewindow.express import command as express_command
    from singlewindow.payments import command as payments_command
    from singlewindow.permits import command as permits_command
    from singlewindow.registry import catalogue_command

    tariff_command.add_parsers(sub)
    risk_command.add_parsers(sub)
    catalogue_command.add_parsers(sub)
    permits_command.add_parsers(sub)
    customs_command.add_parsers(sub)
    cargo_command.add_parsers(sub)
    express_command.add_parsers(sub)
    payments_command.add_parsers(sub)
    return parser


def _host_port(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8000)


def _migrate() -> None:
    from django.core.management import call_command

    call_command("migrate", interactive=False, verbosity=0)


def cmd_demo(options: argparse.Namespace) -> int:
    _setup_django()
    _migrate()
    from singlewindow import config, demo

    if demo.is_seeded():
        print(f"Demo data already present in {config.data_dir()}.")
        logins = demo.load_logins()
    else:
        print(f"Creating the demo world in {config.data_dir()} ...")
        logins = demo.seed()
    print("\nLogins (user / password):")
    for user, password in logins.items():
        print(f"  {user:<12} {password}")
    print(f"\nAPI tokens and signing keys: {demo.demo_dir()} and {config.data_dir() / 'pki'}")
    if options.no_serve:
        return 0
    return cmd_serve(options, migrated=True)


def cmd_serve(options: argparse.Namespace, migrated: bool = False) -> int:
    """Web (gunicorn) and worker as child processes; stop both on Ctrl+C or SIGTERM."""
    if not migrated:
        _setup_django()
        _migrate()
    from singlewindow.exchange.identity import ensure_demo_pki

    ensure_demo_pki()
    web_workers = getattr(options, "web_workers", 3)
    threads = getattr(options, "threads", 2)
    web = subprocess.Popen([  # noqa: S603
        sys.executable, "-m", "gunicorn", "singlewindow.wsgi:application",
        "--bind", f"{options.host}:{options.port}", "--workers", str(web_workers),
        "--threads", str(threads), "--worker-class", "gthread", "--access-logfile", "-",
        "--graceful-timeout", "5", "--timeout", "60",
    ])
    worker = subprocess.Popen([sys.executable, "-m", "singlewindow.cli", "worker"])
    print(f"Single Window at http://{options.host}:{options.port}/  (API docs: /api/docs)", flush=True)
    children = [web, worker]

    def stop(signum: int, frame: object) -> None:
        for child in children:
            if child.poll() is None:
                child.terminate()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    try:
        while all(child.poll() is None for child in children):
            time.sleep(0.5)
    finally:
        stop(signal.SIGTERM, None)
        for child in children:
            try:
                child.wait(timeout=15)
            except subprocess.TimeoutExpired:
                child.kill()
    return max(child.returncode or 0 for child in children)


def cmd_worker(options: argparse.Namespace) -> int:
    _setup_django()
    from singlewindow.exchange.worker import run_worker
    from singlewindow.runtime import settle

    settle()
    run_worker(interval=options.interval, sweep_every=options.sweep_every)
    return 0


def cmd_pki_init(options: argparse.Namespace) -> int:
    _setup_django()
    _migrate()
    from singlewindow.exchange.identity import ensure_demo_pki, pki_dir
    from singlewindow.registry import services
    from singlewindow.registry.actors import SYSTEM

    root = ensure_demo_pki()
    services.add_trust_anchor(name="Single Window Demo Root CA", certificate=root.certificate, actor=SYSTEM)
    print(f"Demo root CA and Single Window certificate in {pki_dir()}")
    return 0


def cmd_pki_issue(options: argparse.Namespace) -> int:
    _setup_django()
    from pathlib import Path

    from singlewindow.exchange.identity import load_root_ca, pki_dir, write_private_file
    from singlewindow.registry import pki, selectors, services
    from singlewindow.registry.actors import SYSTEM

    organisation = selectors.organisation_by_code(options.org_code)
    if organisation is None:
        print(f"error: no active organisation {options.org_code!r}", file=sys.stderr)
        return 2
    root = load_root_ca()
    issued = pki.issue_organisation_certificate(
        root, org_code=organisation.code, organisation_name=organisation.name_en,
        business_id=organisation.business_id, valid_days=options.days)
    out = Path(options.out) if options.out else pki_dir() / "orgs"
    out.mkdir(parents=True, exist_ok=True)
    write_private_file(out / f"{organisation.code}.key", pki.private_key_to_pem(issued.private_key))
    (out / f"{organisation.code}.pem").write_text(
        pki.certificate_to_pem(issued.certificate) + pki.certificate_to_pem(root.certificate))
    if not options.no_register:
        services.register_certificate(organisation=organisation,
                                      pem=pki.certificate_to_pem(issued.certificate), actor=SYSTEM)
    print(f"Issued serial {pki.serial_hex(issued.certificate)} to {organisation.code}: "
          f"{out / (organisation.code + '.pem')}")
    return 0


def cmd_pki_revoke(options: argparse.Namespace) -> int:
    _setup_django()
    from singlewindow.registry import services
    from singlewindow.registry.actors import SYSTEM
    from singlewindow.registry.errors import RegistryError

    try:
        revoked = services.revoke_certificate(serial=options.serial, reason=options.reason, issuer=options.issuer,
                                              actor=SYSTEM)
    except RegistryError as refused:
        print(f"not revoked: {refused.detail}", file=sys.stderr)
        return 1
    print(f"Revoked serial {revoked.serial} of {revoked.issuer or 'any issuer'}")
    return 0


def cmd_evidence_verify(options: argparse.Namespace) -> int:
    _setup_django()
    from singlewindow.exchange.evidence import verify_evidence

    started = time.perf_counter()
    report = verify_evidence()
    elapsed = time.perf_counter() - started
    rate = report.entries / elapsed if elapsed > 0 else 0.0
    if report.ok:
        print(f"evidence intact: {report.entries} entries, {report.checkpoints} checkpoints "
              f"verified in {elapsed:.2f} s ({rate:,.0f} entries/s)")
        return 0
    where = f" at entry {report.first_bad_seq}" if report.first_bad_seq is not None else ""
    print(f"evidence BROKEN{where}: {report.problem}", file=sys.stderr)
    return 1


def cmd_evidence_checkpoint(options: argparse.Namespace) -> int:
    _setup_django()
    from singlewindow.exchange.errors import ExchangeError
    from singlewindow.exchange.evidence import create_checkpoint

    try:
        checkpoint = create_checkpoint()
    except ExchangeError as refused:
        print(f"no checkpoint signed: {refused.detail}", file=sys.stderr)
        return 1
    if checkpoint is None:
        print("the evidence log is empty")
        return 0
    print(f"checkpoint at tree size {checkpoint.tree_size}: root {checkpoint.root_hash}")
    return 0


def cmd_message_validate(options: argparse.Namespace) -> int:
    from singlewindow import message_command

    return message_command.validate(options)


def cmd_message_convert(options: argparse.Namespace) -> int:
    from singlewindow import message_command

    return message_command.convert(options)


if __name__ == "__main__":
    sys.exit(main())
