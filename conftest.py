"""Fixtures shared by every test suite."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, settings

from singlewindow import testing

SHARED_DATA = Path(__file__).resolve().parent.parent / "shared" / "data"

# Property tests judge correctness, not speed: on a busy machine (CI, or two suites at once)
# drawing examples can stall for seconds, which must not fail a test.
settings.register_profile("singlewindow", deadline=None, suppress_health_check=[HealthCheck.too_slow])
settings.load_profile("singlewindow")


@pytest.fixture(scope="session", autouse=True)
def _pki_directory(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One throwaway demo CA and Single Window key for the whole run."""
    from django.conf import settings

    from singlewindow.exchange.identity import ensure_demo_pki, reset_identity_cache

    directory = tmp_path_factory.mktemp("pki")
    settings.SW_PKI_DIR = str(directory)
    reset_identity_cache()
    ensure_demo_pki(directory)
    return directory


@pytest.fixture(autouse=True)
def _fresh_trust_cache(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test starts with empty reference-data caches, and its process does not read the shared
    cache stamp: within one process a change reaches the caches at once (``cache.changed``), the
    stamp only tells other processes, and a read of it every few seconds would land in one query
    count of a test and not in another. ``testing.CacheClock`` turns the reads back on."""
    from singlewindow.registry import cache

    cache.invalidate()
    monkeypatch.setattr(cache, "_checked_at", math.inf)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Test users' passwords hashed with MD5: the real hasher's million PBKDF2 rounds cost half a second
    per user, several seconds for every test world (seven users). A server a test starts as a process of
    its own keeps the real hashers and could not check these; such tests use API tokens."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def world(db: None) -> testing.World:
    return testing.build_world()


@pytest.fixture(scope="session")
def shared_data() -> Path:
    if not SHARED_DATA.exists():
        pytest.skip(f"shared data directory not found beside the repository ({SHARED_DATA})")
    return SHARED_DATA
