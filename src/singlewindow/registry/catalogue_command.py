"""``singlewindow catalogue load|show``: register the G2G service catalogue, print what is registered.

Wired into ``singlewindow.cli`` through ``add_parsers``; each handler sets Django up itself, so
``--help`` works without a database.
"""

from __future__ import annotations

import argparse
import sys


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    cat = sub.add_parser("catalogue", help="G2G service catalogue: register the agencies and services, list them")
    cat_sub = cat.add_subparsers(dest="catalogue_command", required=True)
    load = cat_sub.add_parser("load", help="register the catalogue's missing agencies, services and grants")
    load.set_defaults(handler=cmd_catalogue_load)
    show = cat_sub.add_parser("show", help="print the counts and the registered services")
    show.add_argument("--agency", help="only this agency's services (organisation code, e.g. tw-bsmi)")
    show.add_argument("--kind", help="only this kind: filing, permit, verification, batch, realtime, notification")
    show.set_defaults(handler=cmd_catalogue_show)


def _setup() -> None:
    from singlewindow.cli import _setup_django

    _setup_django()


def cmd_catalogue_load(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.registry.actors import SYSTEM
    from singlewindow.registry.catalogue import CatalogueError
    from singlewindow.registry.services import load_catalogue

    try:
        result = load_catalogue(actor=SYSTEM)
    except CatalogueError as error:
        print(f"singlewindow catalogue: {error}", file=sys.stderr)
        print("Nothing was written. / 未寫入任何資料。", file=sys.stderr)
        return 2
    print(f"agencies created 新增機關: {len(result.agencies_created)}")
    print(f"services created 新增服務: {len(result.services_created)} ({result.grants_created} grants 授權)")
    if not result.changed:
        print("the catalogue was already registered / 服務目錄已登錄，未變更")
    for reason in result.skipped:
        print(f"  skipped 略過 {reason}")
    return 1 if result.skipped else 0


def cmd_catalogue_show(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.registry.catalogue import BY_CODE, KIND_TITLES
    from singlewindow.registry.selectors import service_catalogue

    if options.kind and options.kind not in KIND_TITLES:
        print(f"singlewindow catalogue: unknown kind {options.kind!r} / 未知的服務類別; "
              f"one of {', '.join(KIND_TITLES)}", file=sys.stderr)
        return 2
    services = list(service_catalogue())
    owners = {service.owner.code for service in services}
    certificate = sum(1 for service in services if service.security == "certificate")
    print(f"{len(owners)} agencies 機關 · {len(services)} services 服務 · {certificate} certificate-based 憑證簽章 · "
          f"{len(services) - certificate} simple 一般")
    shown = 0
    for service in services:
        entry = BY_CODE.get(service.code)
        kind = entry.kind if entry else "other"
        if (options.agency and service.owner.code != options.agency) or (options.kind and kind != options.kind):
            continue
        shown += 1
        hours = service.processing_time.total_seconds() / 3600
        print(f"{service.owner.code:<17} {service.code:<34} {service.message_type:<38} {kind:<12} "
              f"{service.security:<11} {hours:g} h  {service.name_zh or service.name_en}")
    return 0 if shown else 1
