"""What a long-running process (web worker, background worker) does once its application is loaded.

Most of what a server holds lives as long as it does: modules, models, compiled validators, the
code lists. Python's cyclic garbage collector would still walk all of it on every full
collection, about a third of the CPU of validating a declaration. Freezing the heap once the
process is warm moves those objects out of the collector's view; what requests create is
collected as usual.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)


def freeze_heap() -> None:
    """Exempt everything alive now from future garbage collections (it is not freed, only not walked)."""
    gc.collect()
    gc.freeze()


def settle() -> None:
    """Warm the process-wide caches, then freeze the heap. Safe before the database exists."""
    from django.db import DatabaseError

    from singlewindow.codelists.selectors import code_lists
    from singlewindow.datamodel.codelists import ListName

    lookup = code_lists()
    try:
        for name in ListName:
            lookup.contains(name, "")
    except DatabaseError:  # not migrated yet: the lists load on first use instead
        logger.info("code lists not warmed: the database is not ready")
    freeze_heap()
