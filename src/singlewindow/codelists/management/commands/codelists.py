"""``singlewindow codelists load [--only NAME ...]`` and ``singlewindow codelists status``."""

from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from singlewindow.codelists import selectors, services
from singlewindow.codelists.errors import CodeListError
from singlewindow.codelists.services import LoadResult
from singlewindow.codelists.sources import SOURCES
from singlewindow.registry.actors import SYSTEM


class Command(BaseCommand):
    help = "Load the code lists from their sources, or show what is loaded."

    def add_arguments(self, parser: ArgumentParser) -> None:
        sub = parser.add_subparsers(dest="action", required=True)
        load = sub.add_parser("load", help="load or update code lists (idempotent)")
        load.add_argument("--only", nargs="+", metavar="NAME", choices=[str(name) for name in SOURCES],
                          help=f"load only these lists ({', '.join(SOURCES)})")
        sub.add_parser("status", help="show each list's version, size and load time")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["action"] == "load":
            self._load(options.get("only"))
        else:
            self._status()

    def _load(self, only: list[str] | None) -> None:
        try:
            results = services.load_code_lists(actor=SYSTEM, only=only, report=self._progress)
        except CodeListError as error:
            raise CommandError(error.detail) from None
        changed = [r for r in results if r.changed]
        self.stdout.write(self.style.SUCCESS(
            f"{len(results)} lists, {sum(r.total for r in results)} codes: "
            f"{sum(r.created for r in results)} added, {sum(r.updated for r in results)} updated, "
            f"{len(changed)} lists changed."))

    def _progress(self, result: LoadResult) -> None:
        if not result.changed:
            detail = "unchanged"
        else:
            detail = f"{result.created} added, {result.updated} updated"
            if result.removed:
                detail += f", {result.removed} removed"
        if result.not_in_source:
            detail += f", {result.not_in_source} kept though no longer in the source"
        self.stdout.write(f"  {result.name:<16} {result.total:>6} codes  {result.version}  ({detail})")

    def _status(self) -> None:
        lists = list(selectors.code_list_summaries())
        if not lists:
            self.stdout.write("No code lists loaded yet: run `singlewindow codelists load`.")
            return
        for code_list in lists:
            loaded = (timezone.localtime(code_list.loaded_at).isoformat(timespec="seconds")
                      if code_list.loaded_at else "-")
            count = getattr(code_list, "value_count", 0)
            self.stdout.write(f"  {code_list.name:<16} {count:>6} codes  {code_list.version}  loaded {loaded}")
