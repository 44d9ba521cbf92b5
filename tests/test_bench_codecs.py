"""The message-format benchmark still runs end to end, and a one-part run keeps the other part.

A smoke run with tiny durations: it proves the benchmark works, not how fast anything is.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
from pathlib import Path
from types import ModuleType

import pytest

ROOT = Path(__file__).resolve().parent.parent
BENCH = ROOT / "bench"


def _bench_module(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(f"bench_{name}", BENCH / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while the class is built
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def schemas(shared_data: Path) -> Path:
    found = shared_data / "wco-dec" / "schemas"
    if not found.is_dir():
        pytest.skip(f"WCO DEC schemas not found in the shared data directory ({found}); the XML baseline needs them")
    return found


def test_codec_benchmark_runs_and_writes_its_part_only(tmp_path: Path, schemas: Path) -> None:
    # given a benchmarks file whose exchange part holds earlier results
    output, raw = tmp_path / "benchmarks.md", tmp_path / "raw.json"
    exchange = "## Exchange (issue 2): signed intake\n\nearlier figures: 311/s\n"
    output.write_text(_bench_module("report").compose(None, {"exchange": exchange}))
    # when only the codec part runs, in smoke mode
    done = subprocess.run(
        [sys.executable, str(BENCH / "run.py"), "--only", "codecs", "--quick", "--codec-duration", "0.15",
         "--schemas", str(schemas), "--output", str(output), "--json", str(raw)],
        capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    # then every format has figures or says why not, beside its baseline
    formats = json.loads(raw.read_text())["formats"]["formats"]
    assert set(formats) == {"json", "wco-dec-xml", "edifact"}
    measurable = ["json", "wco-dec-xml", *(["edifact"] if formats["edifact"]["available"] else [])]
    for name in measurable:
        measured = formats[name]
        assert measured["round_trip"], name
        assert measured["throughput"]["ours"]["calls"] > 0 and measured["throughput"]["baseline"]["calls"] > 0
        assert measured["large"]["items"] == 99 and measured["large"]["heap_peak_mb"] > 0
    assert formats["wco-dec-xml"]["throughput"]["xsd_issues"] == 0
    if not formats["edifact"]["available"]:
        assert "edifact" in formats["edifact"]["reason"]
    # and the file keeps the exchange part while the formats part is new
    text = output.read_text()
    assert "earlier figures: 311/s" in text
    formats_part = _bench_module("report").parts_of(text)["formats"]
    assert "## Message formats (issue 3)" in formats_part and "Not measured yet" not in formats_part
    assert "| JSON |" in text and str(ROOT) not in text


def test_compose_keeps_the_part_not_run() -> None:
    report = _bench_module("report")
    first = report.compose(None, {"formats": "## Message formats (issue 3)\n\nformats v1\n"})
    assert "Not measured yet: run `.venv/bin/python bench/run.py --only exchange`" in first
    second = report.compose(first, {"exchange": "## Exchange (issue 2)\n\nexchange v1\n"})
    third = report.compose(second, {"formats": "## Message formats (issue 3)\n\nformats v2\n"})
    assert "exchange v1" in third and "formats v2" in third and "formats v1" not in third
    assert report.compose(third, {}) == third
