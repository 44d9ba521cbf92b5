"""``singlewindow tariff import|show|sample|assess``: load and inspect the tariff, assess a declaration file.

Wired into ``singlewindow.cli`` through ``add_parsers``; each handler sets Django up itself, so
``--help`` works without a database.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from pathlib import Path

from singlewindow.datamodel.identifiers import is_digits

MAX_DECLARATION_BYTES = 10 * 1024 * 1024


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    tariff = sub.add_parser("tariff", help="tariff schedules: import a CSV, show a code, load the sample, assess")
    tariff_sub = tariff.add_subparsers(dest="tariff_command", required=True)
    load = tariff_sub.add_parser("import", help="load a tariff CSV through a column mapping (replaces its lines)")
    load.add_argument("file", help="the CSV file (UTF-8)")
    load.add_argument("--mapping", required=True, help="a preset (uk-global-tariff) or a mapping .json file")
    load.add_argument("--schedule", help="schedule name (default: the mapping's)")
    load.add_argument("--default", action="store_true", help="make it the schedule assessments use")
    load.set_defaults(handler=cmd_tariff_import)
    show = tariff_sub.add_parser("show", help="print the lines and rates under a code")
    show.add_argument("code", help="8 or 10 digits, or a prefix (dots allowed)")
    show.add_argument("--schedule", help="only this schedule")
    show.add_argument("--limit", type=int, default=50, help="at most this many lines (default 50)")
    show.set_defaults(handler=cmd_tariff_show)
    sample = tariff_sub.add_parser("sample", help="load the demo's sample schedule (sample data, not law)")
    sample.set_defaults(handler=cmd_tariff_sample)
    assess = tariff_sub.add_parser("assess", help="print the duties and taxes of an import declaration file")
    assess.add_argument("file", help="declaration file: JSON, WCO DEC XML or UN/EDIFACT ('-' for standard input)")
    assess.add_argument("--schedule", help="schedule name (default: the default schedule)")
    assess.add_argument("--on", type=date.fromisoformat, help="assessment date YYYY-MM-DD (default: the declaration's)")
    assess.set_defaults(handler=cmd_tariff_assess)


def _setup() -> None:
    from singlewindow.cli import _setup_django

    _setup_django()


class _Progress:
    """One self-overwriting progress line per stage on standard error."""

    def __init__(self) -> None:
        self.stage = ""

    def __call__(self, stage: str, done: int, total: int) -> None:
        if self.stage and stage != self.stage:
            print(file=sys.stderr)
        self.stage = stage
        of = f" / {total:,}" if total else ""
        print(f"\r  {stage} lines {done:>7,}{of}", end="", file=sys.stderr, flush=True)

    def end(self) -> None:
        if self.stage:
            print(file=sys.stderr)
            self.stage = ""


def _fail(lines: list[str]) -> int:
    for line in lines:
        print(f"singlewindow tariff: {line}" if line is lines[0] else line, file=sys.stderr)
    return 2


def cmd_tariff_import(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.customs.tariff import services
    from singlewindow.customs.tariff.errors import TariffError
    from singlewindow.customs.tariff.mapping import load_mapping
    from singlewindow.registry.actors import SYSTEM

    path = Path(options.file)
    if not path.is_file():
        return _fail([f"no such file: {path} / 找不到檔案：{path}"])
    progress = _Progress()
    try:
        mapping = load_mapping(options.mapping)
        summary = services.import_schedule(source=path, mapping=mapping, schedule=options.schedule, actor=SYSTEM,
                                           progress=progress)
        if options.default:
            services.set_default_schedule(name=summary.schedule, actor=SYSTEM)
    except TariffError as error:
        progress.end()
        return _fail([*error.lines(), "Nothing was written. / 未寫入任何資料。"])
    progress.end()
    print(f"schedule {summary.schedule}: {summary.lines:,} lines loaded ({summary.replaced:,} replaced) "
          f"in {summary.seconds:.1f} s")
    print(f"  rates: {summary.rates:,} ({summary.parsed:,} parsed, {summary.unparsed:,} kept as text)")
    for kind, count in sorted(summary.kinds.items()):
        print(f"    {kind:<12} {count:>7,}")
    for form, count in summary.unparsed_forms.items():
        print(f"    not understood x{count}: {form}")
    if summary.regulation_links:
        print(f"  regulation codes linked: {summary.regulation_links:,}")
    if summary.not_in_hs:
        print(f"  lines whose first six digits are not an HS 2022 subheading: {summary.not_in_hs:,}")
    return 0


def cmd_tariff_show(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.customs import selectors
    from singlewindow.datamodel.codelists import normalise_hs

    code = normalise_hs(options.code)
    if not is_digits(code) or not 2 <= len(code) <= 10:
        return _fail([f"{options.code!r} is not a tariff code / 不是稅則號別"])
    schedule = None
    if options.schedule:
        schedule = selectors.schedule_by_name(options.schedule)
        if schedule is None:
            return _fail([f"no schedule {options.schedule!r} / 查無稅則表"])
    limit = max(1, options.limit)
    lines = list(selectors.lines_for_code(code, schedule=schedule)[:limit + 1])
    if not lines:
        print(f"no tariff line under {code} / 查無 {code} 之稅則號別")
        return 1
    for line in lines[:limit]:
        valid = f"{line.valid_from or '...'} - {line.valid_to or '...'}"
        sample = "  [SAMPLE 範例]" if line.schedule.is_sample else ""
        print(f"{line.schedule.name}  {line.code}  {line.description_en[:90]}{sample}")
        if line.description_zh:
            print(f"    {line.description_zh[:90]}")
        print(f"    valid 有效期間 {valid}  unit 單位 {line.unit or '-'}")
        for rate in line.rates.all():
            group = f" {rate.origin_group.code}" if rate.origin_group else ""
            label = f" ({rate.label})" if rate.label else ""
            problem = f"  -- not understood: {rate.problem}" if rate.problem else ""
            print(f"    {rate.column}{group}{label}: {rate.text}  [{rate.kind}]{problem}")
        regulations = ", ".join(f"{r.code} {r.name_zh}" for r in line.regulation_codes.all())
        if regulations:
            print(f"    regulations 輸出入規定: {regulations}")
    if len(lines) > limit:
        print(f"... more lines under {code}; use --limit / 尚有更多，請用 --limit")
    return 0


def cmd_tariff_sample(options: argparse.Namespace) -> int:
    _setup()
    from singlewindow.customs.tariff import services
    from singlewindow.customs.tariff.errors import TariffError
    from singlewindow.registry.actors import SYSTEM

    progress = _Progress()
    try:
        summary = services.load_sample_schedule(actor=SYSTEM, progress=progress)
    except TariffError as error:
        progress.end()
        return _fail(error.lines())
    progress.end()
    print(f"sample schedule {summary.schedule}: {summary.lines:,} lines, {summary.rates:,} rates, "
          f"{summary.regulation_links:,} regulation links (SAMPLE DATA, not law / 範例資料，非法定稅率)")
    return 0


def cmd_tariff_assess(options: argparse.Namespace) -> int:
    from singlewindow.datamodel.datasets import Declaration
    from singlewindow.datamodel.tools import ToolError, check

    try:
        stream = sys.stdin.buffer if options.file == "-" else Path(options.file).open("rb")  # noqa: SIM115
        with stream:
            payload = stream.read(MAX_DECLARATION_BYTES + 1)
        if len(payload) > MAX_DECLARATION_BYTES:
            return _fail([f"the file is larger than {MAX_DECLARATION_BYTES:,} bytes / 檔案過大"])
        checked = check(payload)
    except (ToolError, OSError) as error:
        return _fail([str(error)])
    if checked.model is None or not isinstance(checked.model, Declaration):
        faults = [f"{issue.code} {issue.pointer}: {issue.en} / {issue.zh}" for issue in checked.issues[:20]]
        return _fail([f"not a valid declaration ({checked.dataset}) / 不是有效的報單", *faults])
    _setup()
    from singlewindow.customs.assessment.errors import AssessmentError
    from singlewindow.customs.assessment.service import assess_declaration

    try:
        result = assess_declaration(checked.model, on=options.on, schedule=options.schedule)
    except AssessmentError as error:
        return _fail(["cannot assess / 無法核計", *(
            f"  item {p.item if p.item is not None else '-'}: {p.en}\n  {' ' * 6}{p.zh}" for p in error.problems)])
    print("\n".join(result.render()))
    return 0
