"""Benchmark the message formats: decode + validate per format on one core, beside a bare parse.

    .venv/bin/python bench/run.py --only codecs           # about a minute, no database
    .venv/bin/python bench/run.py --only codecs --quick   # smoke run, about ten seconds

The parent builds one realistic import declaration (10 goods items for throughput, 999 for the
large-message check), encodes it in every registered format and hands the bytes to child
processes pinned to one CPU:

* ``throughput``: for each format, our full intake pipeline (``codec.decode`` then
  ``validate_decoded`` with the real code lists) and the format's bare baseline (``json.loads``;
  lxml parse + XSD validation against the WCO DEC schemas; pydifact's ``Interchange.from_str``)
  run in alternating slices, so both see the same machine;
* ``large``: one fresh interpreter per format decodes and validates the 999-item declaration, for
  a clean peak-RSS figure, then repeats it under ``tracemalloc``.

A format whose codec is not registered (or cannot carry an import declaration) is reported as
not available; once it is registered it is measured with no change here.
"""

from __future__ import annotations

import gc
import json
import math
import os
import subprocess
import sys
import time
import tracemalloc
import warnings
from collections.abc import Callable
from copy import deepcopy
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Any

BENCH_DIR = Path(__file__).resolve().parent
ROOT = BENCH_DIR.parent
if str(BENCH_DIR) not in sys.path:
    sys.path.insert(0, str(BENCH_DIR))

import loadgen  # noqa: E402  (percentile)

if TYPE_CHECKING:
    from singlewindow.datamodel.codelists import InMemoryCodeLists

DATASET = "import_declaration"
FORMATS = ("json", "wco-dec-xml", "edifact")
ITEMS = 10
LARGE_ITEMS = 999
SLOW_SECONDS = 5.0
"""A large declaration slower than this is timed once and not traced."""
DEFAULT_SCHEMAS = ROOT.parent / "shared" / "data" / "wco-dec" / "schemas"


# --- the declaration -----------------------------------------------------------------------

# description, HS code, origin, unit price (USD), pieces, gross kg, net kg, packages, package type,
# import duty rate (%)
_GOODS: tuple[tuple[str, str, str, str, int, str, str, int, str, str], ...] = (
    ("Notebook computers, 14-inch, with power adapter", "84713000", "CN", "1200.00", 10, "30", "25.5", 10, "CT", "0"),
    ("Smartphones, 5G, 128 GB, unlocked", "85171300", "VN", "310.00", 20, "8.4", "6.2", 4, "CT", "0"),
    ("LCD monitors, 27-inch, IPS panel", "85285200", "CN", "155.00", 10, "62", "52", 10, "CT", "0"),
    ("Monochrome laser printers, A4", "84433200", "JP", "148.00", 6, "45", "40", 6, "CT", "0"),
    ("Switching power adapters, 65 W", "85044000", "TH", "2.40", 200, "12", "10.5", 4, "CT", "2.5"),
    ("Flash memory cards, 256 GB", "85235100", "KR", "2.20", 500, "3", "2.4", 2, "PK", "0"),
    ("Processors, monolithic integrated circuits", "85423100", "US", "104.00", 50, "1.5", "1.1", 1, "BX", "0"),
    ("Lithium-ion battery packs, 60 Wh", "85076000", "CN", "9.50", 80, "40", "36", 8, "CT", "4"),
    ("Flat panel display modules, LED", "85241100", "CN", "26.00", 40, "22", "19", 4, "CT", "0"),
    ("Wireless optical mice", "84716000", "CN", "1.50", 200, "10", "8", 5, "CT", "0"),
)
_RATE_TWD = Decimal("31.85")
_VAT = Decimal("5")
_CENT = Decimal("0.01")


def _address(line: str, city: str, postcode: str, country: str) -> dict[str, str]:
    return {"line": line, "cityName": city, "postcodeId": postcode, "countryCode": country}


def _goods_item(position: int) -> dict[str, Any]:
    """One goods item with what a broker files: parties, documents, duty lines, packaging."""
    (description, hs, origin, unit_price, pieces, gross, net, packages, package_type,
     duty_rate) = _GOODS[(position - 1) % len(_GOODS)]
    price = (Decimal(unit_price) * pieces).quantize(_CENT)
    value_twd = (price * _RATE_TWD).quantize(Decimal(1))
    duty = (value_twd * Decimal(duty_rate) / 100).quantize(Decimal(1))
    vat_base = value_twd + duty
    vat = (vat_base * _VAT / 100).quantize(Decimal(1))
    twd = "TWD"
    return {
        "customsValueAmount": {"value": str(price), "currencyId": "USD"},
        "sequenceNumeric": position,
        "statisticalValueAmount": {"value": str(price), "currencyId": "USD"},
        "transactionNatureCode": "11",
        "additionalDocument": [
            {"id": f"INV-2026-1120-{position:04d}", "typeCode": "380"},
            {"categoryCode": "C", "id": f"CO{origin}-2026-{position:06d}", "typeCode": "861"},
        ],
        "commodity": {
            "description": description,
            "classification": [{"id": hs, "identificationTypeCode": "HS"}],
            "dutyTaxFee": [
                {"adValoremTaxBaseAmount": {"value": str(value_twd), "currencyId": twd}, "dutyRegimeCode": "100",
                 "taxRateNumeric": duty_rate, "typeCode": "A00",
                 "payment": {"methodCode": "A", "taxAssessedAmount": {"value": str(duty), "currencyId": twd}}},
                {"adValoremTaxBaseAmount": {"value": str(vat_base), "currencyId": twd},
                 "taxRateNumeric": str(_VAT), "typeCode": "B00",
                 "payment": {"methodCode": "A", "taxAssessedAmount": {"value": str(vat), "currencyId": twd}}},
            ],
            "goodsMeasure": {
                "grossMassMeasure": {"value": gross, "unitCode": "KGM"},
                "netNetWeightMeasure": {"value": net, "unitCode": "KGM"},
                "tariffQuantity": {"value": str(pieces), "unitCode": "PCE"},
            },
            "invoiceLine": {"itemChargeAmount": {"value": str(price), "currencyId": "USD"}},
            "transportEquipment": [{"sequenceNumeric": 1 + (position - 1) % 2}],
        },
        "customsValuation": {"methodCode": "1"},
        "governmentProcedure": [{"currentCode": "40", "previousCode": "00"}],
        "origin": [{"countryCode": origin, "typeCode": "1"}],
        "packaging": [{"sequenceNumeric": 1, "marksNumbersId": f"FT/TPE/{position:04d}/1-{packages}",
                       "quantityQuantity": packages, "typeCode": package_type}],
    }


def declaration(items: int) -> dict[str, Any]:
    """A valid import declaration of ``items`` goods items, as full as a broker's usual filing.

    Starts from ``samples.import_declaration`` and adds what a real one carries: addresses,
    the broker, seller and buyer, transport, container and seals, freight, exchange rate,
    guarantee, documents, and per item two duty lines (import duty and business tax), documents,
    origin, procedure and packaging. Totals agree, so the business rules pass.
    """
    from singlewindow.datamodel import samples

    document = deepcopy(samples.import_declaration(items=items, reference="FT-2026-112001",
                                                   ucr="6TW30000002-FT2026112001"))
    goods = [_goods_item(i) for i in range(1, items + 1)]
    invoice_total = sum(Decimal(g["commodity"]["invoiceLine"]["itemChargeAmount"]["value"]) for g in goods)
    gross_total = sum(Decimal(g["commodity"]["goodsMeasure"]["grossMassMeasure"]["value"]) for g in goods)
    taipei = _address("No. 100, Sec. 1, Zhongxiao E. Rd., Zhongzheng Dist.", "Taipei", "100", "TW")
    document.update({
        "issueDateTime": "2026-11-20T09:30:00+08:00",
        "issueLocationId": "TWTPE",
        "invoiceAmount": {"value": str(invoice_total), "currencyId": "USD"},
        "totalGrossMassMeasure": {"value": str(gross_total), "unitCode": "KGM"},
        "totalPackageQuantity": sum(g["packaging"][0]["quantityQuantity"] for g in goods),
        "declarant": {"id": "30000002", "name": "Formosa Trading Co., Ltd.", "address": taipei},
        "agent": {"name": "Harbour Customs Brokerage Co.", "id": "30000007", "functionCode": "2",
                  "address": _address("No. 5, Gangxi St., Ren'ai Dist.", "Keelung", "200", "TW")},
        "additionalDocument": [{"id": "EGLV142600123456", "typeCode": "705"}],
        "borderTransportMeans": {"name": "EVER GIVEN", "id": "9811000", "identificationTypeCode": "10",
                                 "typeCode": "150", "registrationNationalityCode": "PA", "modeCode": "1"},
        "consignment": {
            "carrier": {"name": "Evergreen Marine Corp.", "id": "30000013"},
            "freight": {"paymentMethodCode": "A"},
            "itinerary": [{"sequenceNumeric": 1, "routingCountryCode": "CN"},
                          {"sequenceNumeric": 2, "routingCountryCode": "TW"}],
        },
        "currencyExchange": [{"currencyTypeCode": "USD", "rateNumeric": str(_RATE_TWD)}],
        "obligationGuarantee": [{"amountAmount": {"value": "500000", "currencyId": "TWD"},
                                 "id": "GTE-30000002-2026", "securityDetailsCode": "1"}],
    })
    shipment = document["goodsShipment"]
    shipment.update({
        "importer": {"id": "30000002", "name": "Formosa Trading Co., Ltd.", "address": taipei},
        "seller": {"name": "Shenzhen Bright Electronics Ltd.",
                   "address": _address("88 Keji Rd., Nanshan District", "Shenzhen", "518057", "CN")},
        "buyer": {"id": "30000002", "name": "Formosa Trading Co., Ltd."},
        "consignment": {
            "containerCode": "1",
            "arrivalTransportMeans": {"name": "EVER GIVEN", "id": "9811000", "identificationTypeCode": "10",
                                      "typeCode": "150", "modeCode": "1"},
            "goodsLocation": {"name": "Keelung Port Container Terminal, Pier 20", "id": "KEL20",
                              "typeCode": "A", "address": {"typeCode": "U", "cityName": "Keelung",
                                                           "countryCode": "TW"}},
            "loadingLocation": {"name": "Yantian", "id": "CNYTN"},
            "transportEquipment": [
                {"sequenceNumeric": 1, "id": "EGHU1234565", "seal": [{"sequenceNumeric": 1, "id": "SL778812"}]},
                {"sequenceNumeric": 2, "id": "EGHU7654328", "seal": [{"sequenceNumeric": 1, "id": "SL778813"}]},
            ],
        },
        "customsValuation": {"freightChargeAmount": {"value": "1850.00", "currencyId": "USD"}},
        "exportCountry": {"id": "CN"},
        "invoice": {"id": "INV-2026-1120", "issueDateTime": "2026-11-18"},
        "tradeTerms": {"conditionCode": "CIF", "locationId": "TWKEL", "locationName": "Keelung"},
        "warehouse": {"id": "KELCY20", "typeCode": "R"},
        "previousDocument": [{"categoryCode": "Z", "id": "EGLV142600123456", "typeCode": "705"}],
        "governmentAgencyGoodsItem": goods,
    })
    return document


# --- pipelines and baselines ---------------------------------------------------------------

Work = Callable[[bytes], object]


def code_lists() -> InMemoryCodeLists:
    """The real code lists, straight from their sources (no database)."""
    from singlewindow.codelists.sources import in_memory

    return in_memory()


def pipeline(format_name: str, lists: InMemoryCodeLists) -> Work:
    """What intake does with a payload: decode, then validate with code lists and rules."""
    from singlewindow.datamodel.codecs import codec_named
    from singlewindow.datamodel.validation import validate_decoded

    codec = codec_named(format_name)
    assert codec is not None

    def run(payload: bytes) -> object:
        return validate_decoded(DATASET, codec.decode(payload, DATASET), lists)

    return run


def decode_only(format_name: str) -> Work:
    from singlewindow.datamodel.codecs import codec_named

    codec = codec_named(format_name)
    assert codec is not None
    return lambda payload: codec.decode(payload, DATASET)


def baseline(format_name: str, schemas: Path | None) -> tuple[Work | None, str]:
    """The format's bare parse (and, for XML, bare XSD validation); or None and why not."""
    if format_name == "json":
        return json.loads, ""
    if format_name == "wco-dec-xml":
        return _xsd_baseline(schemas)
    if format_name == "edifact":
        from pydifact.exceptions import MissingImplementationWarning
        from pydifact.segmentcollection import Interchange

        # pydifact warns that it ships no segment definitions for the directories it meets; it
        # still parses, which is all the baseline asks
        warnings.simplefilter("ignore", MissingImplementationWarning)
        return (lambda payload: Interchange.from_str(payload.decode("utf-8"))), ""
    return None, f"no baseline defined for {format_name}"


def _xsd_baseline(schemas: Path | None) -> tuple[Work | None, str]:
    from lxml import etree

    from singlewindow.datamodel.codecs.xml import wco_declaration_schemas

    if schemas is None or not schemas.is_dir():
        return None, f"WCO DEC schemas not found at {display_path(schemas)}"
    validator = wco_declaration_schemas(schemas).validator()
    validator.warm_up()
    parser = etree.XMLParser(resolve_entities=False, no_network=True)

    def run(payload: bytes) -> object:
        return validator.validate(etree.fromstring(payload, parser))

    return run, ""


def display_path(path: Path | None) -> str:
    """A path as the report may show it: relative to the repository, never this machine's layout."""
    if path is None:
        return "(none)"
    return os.path.relpath(path.resolve(), ROOT)


# --- preparation (parent) ------------------------------------------------------------------


@dataclass(frozen=True)
class Prepared:
    format: str
    payload: Path
    large: Path
    warm: Path
    bytes: int
    large_bytes: int
    round_trip: bool


def prepare(workdir: Path, large_items: int = LARGE_ITEMS) -> dict[str, Prepared | str]:
    """Encode the declarations in every format; a format that cannot is reported with the reason."""
    from singlewindow.datamodel.codecs import carries, codec_named
    from singlewindow.datamodel.validation import validate_document

    lists = code_lists()
    models = {count: validate_document(DATASET, declaration(count), lists)
              for count in (1, ITEMS, large_items)}
    out: dict[str, Prepared | str] = {}
    for name in FORMATS:
        codec = codec_named(name)
        if codec is None:
            out[name] = f"no codec registered under {name!r}"
            continue
        if not carries(codec, DATASET):
            out[name] = f"the {name} codec does not carry {DATASET}"
            continue
        try:
            encoded = {count: codec.encode(model, DATASET) for count, model in models.items()}
            again = validate_document(DATASET, codec.decode(encoded[ITEMS], DATASET).document, lists)
        except Exception as exc:  # a codec in progress: report it, measure the others
            out[name] = f"encoding or decoding failed: {type(exc).__name__}: {str(exc)[:200]}"
            continue
        files = {}
        for count, payload in encoded.items():
            files[count] = workdir / f"{name}-{count}.bin"
            files[count].write_bytes(payload)
        out[name] = Prepared(name, files[ITEMS], files[large_items], files[1], len(encoded[ITEMS]),
                             len(encoded[large_items]), again == models[ITEMS])
    return out


# --- children ------------------------------------------------------------------------------


def pin(cpu: int) -> list[int]:
    os.sched_setaffinity(0, {cpu})
    return sorted(os.sched_getaffinity(0))


@dataclass
class Series:
    """Per-call times (ns), wall and CPU seconds of one measured function."""

    times: list[int]
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def run_for(self, work: Work, payload: bytes, seconds: float) -> None:
        clock = time.perf_counter_ns
        cpu_started = time.process_time()
        started = now = clock()
        deadline = started + int(seconds * 1e9)
        while now < deadline:
            work(payload)
            after = clock()
            self.times.append(after - now)
            now = after
        self.wall_s += (now - started) / 1e9
        self.cpu_s += time.process_time() - cpu_started

    def summary(self) -> dict[str, Any]:
        ordered = sorted(self.times)
        return {
            "calls": len(ordered), "wall_s": self.wall_s, "cpu_s": self.cpu_s,
            "rate": len(ordered) / self.wall_s if self.wall_s else 0.0,
            "cpu_share": self.cpu_s / self.wall_s if self.wall_s else 0.0,
            "p50_us": loadgen.percentile(ordered, 0.5) / 1000,
            "p99_us": loadgen.percentile(ordered, 0.99) / 1000,
            "max_us": (ordered[-1] if ordered else 0) / 1000,
        }


def child_throughput(spec: dict[str, Any]) -> dict[str, Any]:
    """Alternate slices of our pipeline and the baseline until each has run ``duration`` s."""
    pinned = pin(spec["cpu"])
    lists = code_lists()
    from singlewindow.runtime import freeze_heap

    freeze_heap()  # as a server process does once warm (singlewindow.runtime.settle)
    schemas = Path(spec["schemas"]) if spec["schemas"] else None
    duration, slice_s = float(spec["duration"]), float(spec["slice"])
    rounds = max(1, math.ceil(duration / slice_s))
    out: dict[str, Any] = {"pinned": pinned}
    for name, file in spec["payloads"].items():
        payload = Path(file).read_bytes()
        ours, decoding = pipeline(name, lists), decode_only(name)
        base, reason = baseline(name, schemas)
        result: dict[str, Any] = {"baseline_reason": reason}
        if base is not None:
            try:
                checked = base(payload)
            except Exception as exc:  # a baseline that cannot read our output
                base, result["baseline_reason"] = None, f"baseline failed: {type(exc).__name__}: {exc}"[:300]
            else:
                if name == "wco-dec-xml":
                    result["xsd_issues"] = len(checked) if isinstance(checked, list) else 0
        series = {"ours": Series([]), "decode": Series([])}
        if base is not None:
            series["baseline"] = Series([])
        work = {"ours": ours, "decode": decoding, "baseline": base}
        for key in series:  # warm-up, discarded
            Series([]).run_for(work[key], payload, float(spec["warmup"]))  # type: ignore[arg-type]
        gc.collect()
        for _ in range(rounds):
            for key, measured in series.items():
                share = 0.25 if key == "decode" else 1.0  # the breakdown needs fewer samples
                measured.run_for(work[key], payload, slice_s * share)  # type: ignore[arg-type]
        result.update({key: measured.summary() for key, measured in series.items()})
        result["profile"] = hot_spots(ours, payload, min(1.0, duration / 5))
        out[name] = result
    return out


def hot_spots(work: Work, payload: bytes, seconds: float, limit: int = 5) -> list[dict[str, Any]]:
    """The functions with the most self time under cProfile, with their share of the total."""
    import cProfile
    import pstats

    profiler = cProfile.Profile()
    deadline = time.perf_counter() + seconds
    profiler.enable()
    while time.perf_counter() < deadline:
        work(payload)
    profiler.disable()
    stats: Any = pstats.Stats(profiler)
    rows = [(tottime, ncalls, where) for where, (_, ncalls, tottime, _cum, _callers) in stats.stats.items()]
    total = sum(row[0] for row in rows) or 1.0
    rows.sort(reverse=True)
    return [{"function": _location(*where), "share": tottime / total} for tottime, _ncalls, where in rows[:limit]]


def _location(filename: str, line: int, name: str) -> str:
    """``package/module.py:line(function)`` without this machine's paths."""
    for marker in ("/site-packages/", "/src/"):
        if marker in filename:
            return f"{filename.split(marker, 1)[1]}:{line}({name})"
    if "/lib/python" in filename:
        return f"stdlib/{filename.split('/lib/python', 1)[1].split('/', 1)[-1]}:{line}({name})"
    return name if filename == "~" else f"{Path(filename).name}:{line}({name})"


def _status_kb(key: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def _reset_peak_rss() -> bool:
    """Reset the kernel's peak-RSS mark for this process (Linux 4.0+); False when refused."""
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def child_large(spec: dict[str, Any]) -> dict[str, Any]:
    """Decode + validate one large declaration in this fresh process: time, peak RSS, peak heap."""
    pinned = pin(spec["cpu"])
    name = spec["format"]
    lists = code_lists()
    run = pipeline(name, lists)
    warm, payload = Path(spec["warm"]).read_bytes(), Path(spec["payload"]).read_bytes()
    for _ in range(3):
        run(warm)  # first-call costs (lazy imports, caches) are not what a 999-item message costs
    base, _reason = baseline(name, Path(spec["schemas"]) if spec["schemas"] else None)
    gc.collect()
    rss_before = _status_kb("VmRSS")
    reset = _reset_peak_rss()
    hwm_before = _status_kb("VmHWM")
    started = time.perf_counter()
    model = run(payload)
    times = [time.perf_counter() - started]
    rss_peak = _status_kb("VmHWM")
    items = len(getattr(model, "items", []))
    del model
    gc.collect()
    # Far over the target already: repeating, and tracing (ten to twenty times slower), would only
    # stretch the benchmark by minutes; the RSS figure still stands for memory.
    slow = times[0] > SLOW_SECONDS
    for _ in range(0 if slow else int(spec["repeats"]) - 1):
        started = time.perf_counter()
        run(payload)
        times.append(time.perf_counter() - started)
    heap_peak = None
    if not slow:
        gc.collect()
        tracemalloc.start()
        run(payload)
        heap_peak = tracemalloc.get_traced_memory()[1] / (1024 * 1024)
        tracemalloc.stop()
    baseline_s = None
    if base is not None:
        started = time.perf_counter()
        base(payload)
        baseline_s = time.perf_counter() - started
    return {
        "pinned": pinned, "items": items, "times_s": times, "baseline_s": baseline_s,
        "rss_before_mb": rss_before / 1024, "rss_delta_mb": (rss_peak - rss_before) / 1024,
        "peak_reset": reset and hwm_before <= rss_before + 64,
        "heap_peak_mb": heap_peak,
    }


def child_main(argv: list[str]) -> int:
    kind, spec_file, out_file = argv
    spec = json.loads(Path(spec_file).read_text())
    result = child_throughput(spec) if kind == "throughput" else child_large(spec)
    Path(out_file).write_text(json.dumps(result))
    return 0


# --- parent --------------------------------------------------------------------------------


def _child(kind: str, spec: dict[str, Any], workdir: Path, tag: str) -> dict[str, Any]:
    spec_file, out_file = workdir / f"{tag}.spec.json", workdir / f"{tag}.out.json"
    spec_file.write_text(json.dumps(spec))
    subprocess.run([sys.executable, str(Path(__file__).resolve()), kind,  # noqa: S603
                    str(spec_file), str(out_file)], check=True)
    result: dict[str, Any] = json.loads(out_file.read_text())
    return result


def _busy_per_cpu() -> dict[int, int]:
    """Busy clock ticks since boot of each CPU, from ``/proc/stat``."""
    busy = {}
    for line in Path("/proc/stat").read_text().splitlines():
        name, *values = line.split()
        if name.startswith("cpu") and name[3:].isdigit():
            ticks = [int(v) for v in values[:8]]
            busy[int(name[3:])] = sum(ticks) - ticks[3] - ticks[4]  # minus idle and iowait
    return busy


def quietest_cpu(seconds: float = 1.0) -> int:
    """Of the CPUs this process may use, the one least busy over the next ``seconds``."""
    allowed = sorted(os.sched_getaffinity(0))
    before = _busy_per_cpu()
    time.sleep(seconds)
    after = _busy_per_cpu()
    return min(allowed, key=lambda cpu: (after.get(cpu, 0) - before.get(cpu, 0), -cpu))


def versions() -> dict[str, str]:
    from importlib.metadata import version

    from lxml import etree

    return {
        "python": sys.version.split()[0], "lxml": version("lxml"),
        "libxml2": ".".join(map(str, etree.LIBXML_VERSION)), "pydantic": version("pydantic"),
        "pydantic_core": version("pydantic-core"), "pydifact": version("pydifact"),
    }


def run(*, quick: bool, workdir: Path, cpu: int | None = None, duration: float | None = None,
        schemas: Path | None = DEFAULT_SCHEMAS) -> dict[str, Any]:
    """Measure every format; the raw figures for ``report.render_formats``."""
    import probes

    started_at = time.time()
    cpu = quietest_cpu() if cpu is None else cpu
    duration = duration or (0.3 if quick else 5.0)
    settings: dict[str, Any] = {
        "duration_s": duration, "slice_s": min(0.5, duration / 3), "warmup_s": min(1.0, duration / 3),
        "items": ITEMS, "large_items": 99 if quick else LARGE_ITEMS, "large_repeats": 1 if quick else 3, "cpu": cpu,
    }
    schemas_found = schemas is not None and schemas.is_dir()
    machine = probes.machine()
    busy_before = probes.system_cpu()
    print("message formats: preparing documents ...", flush=True)
    prepared = prepare(workdir, settings["large_items"])
    available = {name: p for name, p in prepared.items() if isinstance(p, Prepared)}
    formats: dict[str, dict[str, Any]] = {}
    for name, entry in prepared.items():
        if isinstance(entry, str):
            print(f"  {name}: not available ({entry})", flush=True)
            formats[name] = {"available": False, "reason": entry}
        else:
            formats[name] = {"available": True, "bytes": entry.bytes, "large_bytes": entry.large_bytes,
                             "round_trip": entry.round_trip}
    schema_arg = str(schemas) if schemas_found and schemas is not None else None
    if available:
        print(f"message formats: throughput on CPU {cpu} ...", flush=True)
        throughput = _child("throughput", {
            "cpu": cpu, "schemas": schema_arg, "duration": duration, "slice": settings["slice_s"],
            "warmup": settings["warmup_s"], "payloads": {n: str(p.payload) for n, p in available.items()},
        }, workdir, "throughput")
        for name in available:
            formats[name]["throughput"] = throughput[name]
            formats[name]["pinned"] = throughput["pinned"]
            _print_throughput(name, throughput[name])
    for name, entry in available.items():
        large = _child("large", {"cpu": cpu, "format": name, "schemas": schema_arg, "warm": str(entry.warm),
                                 "payload": str(entry.large), "repeats": settings["large_repeats"]},
                       workdir, f"large-{name}")
        formats[name]["large"] = large
        heap = "not traced" if large["heap_peak_mb"] is None else f"{large['heap_peak_mb']:.1f} MB"
        print(f"  {name}, {large['items']} items: {max(large['times_s']):.3f} s, RSS +{large['rss_delta_mb']:.1f} MB, "
              f"heap peak {heap}", flush=True)
    busy_after = probes.system_cpu()
    elapsed = time.time() - started_at
    return {
        "quick": quick,
        "started_at": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime(started_at)),
        "duration_s": elapsed,
        "machine": machine,
        "busy_cores": (busy_after[0] - busy_before[0]) / elapsed if elapsed else 0.0,
        "versions": versions(),
        "settings": settings,
        "schemas": display_path(schemas) if schemas is not None else None,
        "schemas_found": schemas_found,
        "formats": formats,
    }


def _print_throughput(name: str, result: dict[str, Any]) -> None:
    ours = result["ours"]
    line = f"  {name}: {ours['rate']:.0f}/s, p50 {ours['p50_us']:.0f} µs, p99 {ours['p99_us']:.0f} µs"
    base = result.get("baseline")
    if base:
        line += f"; baseline {base['rate']:.0f}/s (ratio {ours['rate'] / base['rate']:.2f})"
    else:
        line += f"; baseline not measured ({result['baseline_reason']})"
    print(line, flush=True)


if __name__ == "__main__":
    sys.exit(child_main(sys.argv[1:]))
