"""``singlewindow express …``: wired into ``singlewindow.cli`` through ``add_parsers``."""

from __future__ import annotations

import argparse


def add_parsers(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """No express commands yet."""
