"""Load the built-in code lists whenever the database is migrated and a list is missing.

Validation treats a list that was never loaded as "no code is known", so a fresh database
must get its lists without anyone remembering a step: ``migrate`` (and so the demo, the test
databases and a flushed database) loads each missing list once. Later updates go through
``singlewindow codelists load``.
"""

from __future__ import annotations

from typing import Any

from singlewindow.codelists.models import CodeList
from singlewindow.codelists.services import load_code_lists
from singlewindow.codelists.sources import SOURCES
from singlewindow.registry.actors import SYSTEM


def load_missing_code_lists(using: str = "default", **_: Any) -> None:
    loaded = set(CodeList.objects.using(using).filter(loaded_at__isnull=False).values_list("name", flat=True))
    missing = [name for name in SOURCES if name not in loaded]
    if missing:
        load_code_lists(actor=SYSTEM, only=missing)
