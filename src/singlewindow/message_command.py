"""``singlewindow message validate|convert``: the data-model tools on files, for people and scripts."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from singlewindow.datamodel.codelists import CodeLists
from singlewindow.datamodel.tools import Checked, ToolError, check
from singlewindow.datamodel.tools import convert as convert_payload


def _read(name: str) -> bytes:
    return sys.stdin.buffer.read() if name == "-" else Path(name).read_bytes()


def _code_lists(options: argparse.Namespace) -> CodeLists | None:
    """The database's code lists, unless ``--offline``: validation then matches the exchange's."""
    if options.offline:
        return None
    from singlewindow.cli import _setup_django

    _setup_django()
    from singlewindow.codelists.selectors import code_lists

    return code_lists()


def _report(checked: Checked, as_json: bool) -> None:
    if as_json:
        print(json.dumps({"format": checked.format, "dataset": checked.dataset, "valid": not checked.issues,
                          "errors": [found.as_dict() for found in checked.issues]}, ensure_ascii=False, indent=2))
        return
    if not checked.issues:
        print(f"valid ({checked.dataset}, {checked.format})")
        return
    for found in checked.issues:
        print(f"{found.code}  {found.pointer or '/'}\n    {found.en}\n    {found.zh}")
    print(f"{len(checked.issues)} error(s) in this {checked.dataset} ({checked.format})")


def validate(options: argparse.Namespace) -> int:
    try:
        checked = check(_read(options.file), fmt=options.format, dataset=options.dataset,
                        code_lists=_code_lists(options))
    except (ToolError, OSError) as error:
        print(f"singlewindow message: {error}", file=sys.stderr)
        return 2
    _report(checked, options.json)
    return 1 if checked.issues else 0


def convert(options: argparse.Namespace) -> int:
    try:
        checked, output = convert_payload(_read(options.file), to=options.to, fmt=options.format,
                                          dataset=options.dataset, code_lists=_code_lists(options))
    except (ToolError, OSError) as error:
        print(f"singlewindow message: {error}", file=sys.stderr)
        return 2
    if output is None:
        _report(checked, options.json)
        return 1
    sys.stdout.buffer.write(output)
    return 0
