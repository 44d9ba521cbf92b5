"""WSGI entry point for the benchmark: the real application with ``/bench/floor`` added.

gunicorn loads it as ``floor_app:application`` with ``--pythonpath`` pointing at ``bench/``.
Every request, the real intake included, runs through the normal Django handler with the
project's settings and middleware; only the URLconf gains the floor endpoint.
"""

from __future__ import annotations

import os

import django
from django.conf import settings

CREATE_TABLE = """
CREATE TABLE IF NOT EXISTS bench_floor (
    id bigserial PRIMARY KEY,
    digest text NOT NULL,
    received_at timestamptz NOT NULL
)
"""
_LOCK_KEY = 0x5E_F1_00_12  # advisory lock: workers start together, create the table once


def ensure_floor_table() -> None:
    """Create ``bench_floor`` if it is missing (safe when several workers start at once)."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_lock(%s)", [_LOCK_KEY])
        try:
            cursor.execute(CREATE_TABLE)
        finally:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [_LOCK_KEY])
    connection.close()


os.environ.setdefault("DJANGO_SETTINGS_MODULE", "singlewindow.settings")
django.setup(set_prefix=False)
settings.ROOT_URLCONF = "floor_urls"
ensure_floor_table()

from django.core.handlers.wsgi import WSGIHandler  # noqa: E402

from singlewindow.runtime import settle  # noqa: E402

application = WSGIHandler()
settle()  # as singlewindow.wsgi does: warm caches, then freeze the heap
