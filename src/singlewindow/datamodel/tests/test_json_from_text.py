"""Validating JSON straight from the text answers exactly as parsing it first and validating the dict.

Intake validates a JSON payload from its bytes (pydantic reads the text itself), which is much
cheaper than parsing into Python objects first. The parse is the reference: whatever it refuses
(syntax, a duplicate key, nesting), whatever issues the dict gives (codes, pointers, both
languages), and every figure it reads (down to a Decimal's exponent), the text path must match.
"""

from __future__ import annotations

import copy
import json
import math
import re
from decimal import Decimal
from typing import Annotated, Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydantic import Field, TypeAdapter

from singlewindow.datamodel import samples
from singlewindow.datamodel.codecs.json_codec import MAX_DEPTH, JsonCodec
from singlewindow.datamodel.codelists import InMemoryCodeLists
from singlewindow.datamodel.datasets import DATA_SETS, DataSet
from singlewindow.datamodel.datasets.base import AMOUNT_VALUE, MEASURE_VALUE, _plain
from singlewindow.datamodel.datasets.shape import Kind, shape_of
from singlewindow.datamodel.issues import MessageInvalid
from singlewindow.datamodel.tests.strategies import document
from singlewindow.datamodel.validation import validate_decoded, validate_document
from singlewindow.datamodel.validation.schema import validate_decoded_schema

JSON = JsonCodec()
CODE_LISTS = InMemoryCodeLists.from_names({
    "country": {c: (c, c) for c in ("TW", "CN", "VN", "US", "JP")},
    "currency": {c: (c, c) for c in ("USD", "TWD", "JPY")},
    "unit": {c: (c, c) for c in ("KGM", "PCE")},
    "package_type": {c: (c, c) for c in ("CT", "PK")},
    "transport_mode": {str(i): (str(i), str(i)) for i in range(10)},
    "hs2022": {"847130": ("Portable computers", "手提電腦")},
    "customs_office": {"TWKEL": ("Keelung", "基隆關")},
    "document_type": {"380": ("Invoice", "發票")},
})

Outcome = tuple[str, object]


def by_parse(dataset: str, payload: bytes) -> Outcome:
    """The reference: the codec's parse, then validation of the parsed dict."""
    try:
        model = validate_document(dataset, JSON.parse(payload), CODE_LISTS)
    except MessageInvalid as invalid:
        return "invalid", invalid.issues
    return "valid", model.model_dump_json()  # decimals as their text: exponents must agree too


def by_text(dataset: str, payload: bytes) -> Outcome:
    """What intake does: validate straight from the text."""
    try:
        model = validate_decoded(dataset, JSON.decode(payload, dataset), CODE_LISTS)
    except MessageInvalid as invalid:
        return "invalid", invalid.issues
    return "valid", model.model_dump_json()


class Pairs(list[tuple[str, Any]]):
    """An object written member by member, so that a key may appear twice."""


def write(value: Any, colon: str = ":") -> str:
    """JSON text of ``value``; ``Pairs`` keep repeated keys, non-finite floats come out as NaN/Infinity."""
    if isinstance(value, Pairs | dict):
        members = value if isinstance(value, Pairs) else value.items()
        return "{" + ",".join(f"{json.dumps(k)}{colon}{write(v, colon)}" for k, v in members) + "}"
    if isinstance(value, list):
        return "[" + ",".join(write(v, colon) for v in value) + "]"
    return json.dumps(value, ensure_ascii=False)


# What a careless or hostile sender puts where a value belongs.
ODD_VALUES = st.sampled_from([
    [], {}, "", "  ", "x", "a:b\"c\\d{[", "x" * 600, -1, 0, 7, 1.5, 25.0, 1e2, 1e16, 0.1 + 0.2, -0.0, 10**20,
    True, None, math.nan, math.inf, -math.inf, "NaN", "1_000", " 12.5 ", "00012.50", "1.2345678", "\u0663",
    "2026-13-01", "2026-11-20T09:30:00", [1], {"a": 1}, "12345678", "30000002",
]) | st.floats(allow_nan=False, allow_infinity=False) | st.decimals(allow_nan=False, allow_infinity=False).map(str)


def _locations(value: Any, here: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    found = [here]
    if isinstance(value, dict):
        for key, inner in value.items():
            found += _locations(inner, (*here, key))
    elif isinstance(value, list):
        for index, inner in enumerate(value):
            found += _locations(inner, (*here, index))
    return found


def _python_name(json_name: str) -> str:
    return re.sub(r"[A-Z]", lambda m: "_" + m.group().lower(), json_name)


@st.composite
def mutated(draw: st.DrawFn) -> tuple[str, Any]:
    """A valid document of some data set with one to three faults (or oddities) worked in."""
    if draw(st.booleans()):
        dataset = "import_declaration"
        tree: Any = samples.import_declaration(items=draw(st.integers(1, 3)))
    else:
        dataset = draw(st.sampled_from(sorted(DATA_SETS)))
        tree = copy.deepcopy(draw(document(DATA_SETS[dataset])))
    for _ in range(draw(st.integers(1, 3))):
        where = draw(st.sampled_from(_locations(tree)))
        parent: Any = tree
        for step in where[:-1]:
            parent = parent[step]
        if not where or isinstance(parent, Pairs):
            continue
        key = where[-1]
        action = draw(st.sampled_from(["replace", "replace", "drop", "unknown", "repeat", "both names"]))
        if action == "replace":
            parent[key] = draw(ODD_VALUES)
        elif isinstance(parent, list):
            continue
        elif action == "drop":
            del parent[key]
        elif action == "unknown":
            parent[key + "Extra"] = draw(ODD_VALUES)
        else:  # the same member again: the key itself, or the field's Python name
            again = key if action == "repeat" else _python_name(key)
            pairs = Pairs(parent.items())
            pairs.insert(draw(st.integers(0, len(pairs))), (again, draw(st.sampled_from([parent[key]])) if
                                                            draw(st.booleans()) else draw(ODD_VALUES)))
            if len(where) == 1:
                tree = pairs
            else:
                grand: Any = tree
                for step in where[:-2]:
                    grand = grand[step]
                grand[where[-2]] = pairs
    return dataset, tree


@settings(max_examples=150, deadline=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large, HealthCheck.filter_too_much])
@given(mutated(), st.sampled_from([":", ": ", " :\n "]))
def test_text_and_parsed_dict_give_the_same_issues_or_the_same_document(case: tuple[str, Any], colon: str) -> None:
    dataset, tree = case
    payload = write(tree, colon).encode()
    assert by_text(dataset, payload) == by_parse(dataset, payload)


@settings(max_examples=300, deadline=None)
@given(st.floats(allow_nan=False, allow_infinity=False, min_value=0) | st.integers(0, 10**17)
       | st.decimals(min_value=0, max_value=Decimal("1e14"), allow_nan=False).map(str))
def test_a_figure_gets_the_decimal_the_parse_gives_it(figure: float | int | str) -> None:
    document = samples.import_declaration()
    document["invoiceAmount"]["value"] = figure
    document["goodsShipment"]["governmentAgencyGoodsItem"][0]["commodity"]["goodsMeasure"][
        "netNetWeightMeasure"]["value"] = figure
    payload = write(document).encode()
    assert by_text("import_declaration", payload) == by_parse("import_declaration", payload)


@pytest.mark.parametrize("written, expected", [("25.0", "25.0"), ("1e2", "100.0"), ("25", "25"), ('"25.50"', "25.50"),
                                               ("1.5e-2", "0.015"), ("-0.0", "-0.0")])
def test_json_numbers_keep_the_exponent_pythons_json_gives(written: str, expected: str) -> None:
    payload = json.dumps(samples.import_declaration()).replace('"value": "1200.00"', f'"value": {written}', 1)
    model, issues = validate_decoded_schema("import_declaration", JSON.decode(payload.encode()))
    assert issues == [] and str(model.invoice_amount.value) == expected  # type: ignore[union-attr]


FIELDS = {
    "amount": (Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=3)], AMOUNT_VALUE, _plain(13, 3)),
    "measure": (Annotated[Decimal, Field(ge=0, max_digits=16, decimal_places=6)], MEASURE_VALUE, _plain(10, 6)),
}


@pytest.mark.parametrize("kind", sorted(FIELDS))
@settings(max_examples=200, deadline=None)
@given(data=st.data())
def test_plain_figures_taken_as_written_are_what_pydantic_would_accept(kind: str, data: st.DataObject) -> None:
    constrained, fast, pattern = FIELDS[kind]
    text = data.draw(st.from_regex(rf"\A{pattern}\Z") | st.text("0123456789.", min_size=1, max_size=20))
    full, ours = TypeAdapter(constrained), TypeAdapter(Annotated[constrained, fast])
    try:
        expected: Decimal | str = full.validate_python(text)
    except ValueError:
        expected = "refused"
    try:
        got: Decimal | str = ours.validate_python(text)
    except ValueError:
        got = "refused"
    assert repr(got) == repr(expected)


def _depth(model: type[DataSet], seen: tuple[type[DataSet], ...] = ()) -> int:
    """How deep a document of ``model`` can nest in JSON: one level per object and per array."""
    assert model not in seen, f"{model.__name__} contains itself: documents could nest without bound"
    deepest = 0
    for field in shape_of(model):
        if field.kind in (Kind.CLASS, Kind.VALUE) and field.model is not None:
            deepest = max(deepest, _depth(field.model, (*seen, model)) + (1 if field.repeats else 0))
    return 1 + deepest


@pytest.mark.parametrize("dataset", sorted(DATA_SETS))
def test_no_data_set_nests_beyond_the_depth_limit(dataset: str) -> None:
    # the text path checks nesting only when validation fails: a valid document is as deep as its classes
    assert _depth(DATA_SETS[dataset]) <= MAX_DEPTH


def _declaration_text() -> str:
    return json.dumps(samples.import_declaration(items=2))


@pytest.mark.parametrize("payload, code", [
    # the last value is valid, so only the duplicate is wrong: pydantic alone would keep it
    (_declaration_text()[:-1] + ', "functionalReferenceId": "REF-2"}', "syntax.duplicate_key"),
    (_declaration_text().replace('"goodsItemQuantity"', '"goodsItemQuantity": 2, "goodsItemQuantity"', 1),
     "syntax.duplicate_key"),
    (_declaration_text().replace('"value": "2400.00"', '"value": NaN', 1), "schema.invalid"),
    (_declaration_text().replace('"value": "2400.00"', '"value": Infinity', 1), "schema.invalid"),
    ("\ufeff" + _declaration_text(), "syntax.json"),
    (_declaration_text() + " x", "syntax.json"),
    ("[" + _declaration_text() + "]", "syntax.not_object"),
    ('{"a":' * 40 + "1" + "}" * 40, "syntax.too_deep"),
])
def test_what_the_parse_refuses_the_text_path_refuses_alike(payload: str, code: str) -> None:
    assert by_text("import_declaration", payload.encode()) == by_parse("import_declaration", payload.encode())
    outcome, issues = by_text("import_declaration", payload.encode())
    assert outcome == "invalid" and [found.code for found in issues] == [code]  # type: ignore[attr-defined]


@pytest.mark.parametrize("payload", [
    _declaration_text().replace('"functionalReferenceId": "REF-1"', '"functionalReferenceId": "\\ud800"', 1),
    _declaration_text()[:-1] + ', "functional_reference_id": "REF-2"}',
    _declaration_text().replace("REF-1", 'REF\\"1: \\\\ {[', 1),
], ids=["lone-surrogate-escape", "json-and-python-names", "escapes-and-structure-in-text"])
def test_what_only_one_reader_might_refuse_is_decided_by_the_parse(payload: str) -> None:
    assert by_text("import_declaration", payload.encode()) == by_parse("import_declaration", payload.encode())


def test_invalid_utf8_is_an_encoding_fault() -> None:
    payload = _declaration_text().encode().replace(b"REF-1", b"REF-\xff", 1)
    outcome, issues = by_text("import_declaration", payload)
    assert outcome == "invalid" and [found.code for found in issues] == ["syntax.encoding"]  # type: ignore[attr-defined]
