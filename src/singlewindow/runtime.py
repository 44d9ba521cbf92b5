"""What a long-running process (web worker, background worker) does once its application is loaded.

Most of what a server holds lives as long as it does: modules, models, compiled validators, the
code lists. Python's cyclic garbage collector would still walk all of it on every full
collection, about a third of the CPU of validating a declaration. Freezing the heap once the
process is warm moves those objects out of the collector's view; what requests create is
collected as usual.

A request creates thousands of short-lived objects (a declaration's validated model alone is a
few thousand), so with Python's default of a young collection every 700 allocations most
collections walk objects that are about to die anyway and promote the rest to older
generations, to be walked again. A young generation of 10,000 lets a request's objects die
before anyone looks at them: about 5 to 9 % less CPU per validated declaration, for a few
hundred kilobytes of garbage waiting at most.
"""

from __future__ import annotations

import gc
import logging

logger = logging.getLogger(__name__)


YOUNG_GENERATION = 10_000


def freeze_heap() -> None:
    """Exempt everything alive now from future garbage collections (it is not freed, only not walked),
    and let a request's garbage die young (see the module's docstring)."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(YOUNG_GENERATION, middle, old)


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
