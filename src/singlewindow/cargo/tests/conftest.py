"""Fixtures of the cargo tests (the customs tariff fixtures come along for the clearance world)."""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from singlewindow.cargo.tests.world import CargoWorld, build_cargo_world
from singlewindow.customs.models.selection import SelectionSettings
from singlewindow.customs.tests.conftest import code_lists, national_mapping_file, nz_group  # noqa: F401


@pytest.fixture
def cargo(db: None, tmp_path: Path, national_mapping_file: Path, code_lists: None, nz_group: Any) -> CargoWorld:  # noqa: F811
    SelectionSettings.objects.update_or_create(pk=1, defaults={
        "random_c2_percent": Decimal(0), "random_c3_percent": Decimal(0)})  # C1 unless a rule hits
    return build_cargo_world(tmp_path, national_mapping_file)
