"""Demo data of the payments app, loaded by ``singlewindow.demo.seed`` after the organisations exist."""

from __future__ import annotations

from singlewindow.registry.actors import Actor


def load_demo(*, actor: Actor) -> None:
    """Nothing yet."""
