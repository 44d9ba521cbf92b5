"""Configuration read from the environment, with embedded-mode defaults.

Everything a deployment changes comes from ``SW_*`` variables so that the same code runs as
one laptop process on SQLite or as many processes on PostgreSQL.
"""

from __future__ import annotations

import os
import secrets
from pathlib import Path


def data_dir() -> Path:
    """The directory holding the database, keys and generated files (``SW_DATA_DIR``)."""
    path = Path(os.environ.get("SW_DATA_DIR", "./var")).resolve()
    path.mkdir(parents=True, exist_ok=True)
    return path


def database_url() -> str:
    """``SW_DATABASE_URL``, or a SQLite file inside the data directory."""
    return os.environ.get("SW_DATABASE_URL") or f"sqlite:///{data_dir() / 'singlewindow.sqlite3'}"


def secret_key() -> str:
    """``SW_SECRET_KEY``, or a key generated once into the data directory and reused."""
    if key := os.environ.get("SW_SECRET_KEY"):
        return key
    path = data_dir() / "secret_key"
    if not path.exists():
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secrets.token_urlsafe(50))
    return path.read_text().strip()


def env_int(name: str, default: int) -> int:
    """An integer setting from the environment."""
    return int(os.environ.get(name, default))


def env_bool(name: str, default: bool) -> bool:
    """A boolean setting from the environment (1/true/yes/on)."""
    value = os.environ.get(name)
    if value is None:
        return default
    return value.strip().lower() in {"1", "true", "yes", "on"}
