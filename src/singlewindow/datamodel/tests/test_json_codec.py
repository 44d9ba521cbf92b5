"""The JSON codec's hostile-input guards: nesting depth and members read from the bytes, duplicate keys refused.

Decoding JSON defers the parse: the document is parsed when first read, and syntax faults are raised
there (validation reads the text directly, see ``test_json_from_text``).
"""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from singlewindow.datamodel.codecs.json_codec import MAX_DEPTH, JsonCodec, _outside_strings, _too_deep_text
from singlewindow.datamodel.issues import MessageInvalid

JSON = JsonCodec()


def read(payload: bytes) -> dict[str, Any]:
    """The decoded document, parsed on reading: where syntax faults are raised."""
    return JSON.decode(payload).document


def _depth(value: Any) -> int:
    """The nesting depth as the parsed tree has it (the reference the byte scan must agree with)."""
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    if isinstance(value, list):
        return 1 + max((_depth(v) for v in value), default=0)
    return 0


# Text full of the characters that could fool a scan: brackets, quotes and backslashes inside strings.
TRICKY = st.text(st.sampled_from('{}[]"\\/:,ab \u00e9\u4e2d'), max_size=8)
VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | TRICKY,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(TRICKY, inner, max_size=3),
    max_leaves=40,
)


@settings(max_examples=300, deadline=None)
@given(VALUES, st.integers(min_value=0, max_value=6), st.booleans())
def test_depth_read_from_the_bytes_agrees_with_the_parsed_tree(value: Any, limit: int, ascii_only: bool) -> None:
    payload = json.dumps(value, ensure_ascii=ascii_only).encode()
    assert _too_deep_text(payload, limit) == (_depth(value) > limit)


def _members(value: Any) -> int:
    """How many object members the parsed tree holds (what the byte count must agree with)."""
    if isinstance(value, dict):
        return len(value) + sum(_members(v) for v in value.values())
    if isinstance(value, list):
        return sum(_members(v) for v in value)
    return 0


@settings(max_examples=300, deadline=None)
@given(VALUES, st.booleans(), st.sampled_from([(",", ":"), (", ", ": "), (",\n ", " :\t")]))
def test_members_read_from_the_bytes_agree_with_the_parsed_tree(value: Any, ascii_only: bool,
                                                                 separators: tuple[str, str]) -> None:
    payload = json.dumps(value, ensure_ascii=ascii_only, separators=separators).encode()
    assert _outside_strings(payload).count(b":") == _members(value)


def _nested(depth: int, text: str = "x") -> bytes:
    return (b'{"a":' * (depth - 1)) + json.dumps({"k": text}).encode() + b"}" * (depth - 1)


@pytest.mark.parametrize("text", ["plain", "{[{[{[", '\\"}}}}]]', "\\\\", "\u4e2d\u6587 [["])
def test_exactly_the_limit_is_accepted_and_one_more_is_not(text: str) -> None:
    assert JSON.decode(_nested(MAX_DEPTH, text)).document["a"]
    with pytest.raises(MessageInvalid) as raised:
        read(_nested(MAX_DEPTH + 1, text))
    assert [issue.code for issue in raised.value.issues] == ["syntax.too_deep"]


def test_brackets_inside_strings_do_not_count_as_nesting() -> None:
    payload = json.dumps({"a": "[" * 200, "b": "{" * 200, "c": '\\"' + "[" * 50}).encode()
    assert JSON.decode(payload).document["a"] == "[" * 200


def test_hostile_depth_far_beyond_the_parser_is_refused_as_too_deep() -> None:
    with pytest.raises(MessageInvalid) as raised:
        read(b"[" * 100_000 + b"]" * 100_000)
    assert [issue.code for issue in raised.value.issues] == ["syntax.too_deep"]


def test_a_duplicate_key_is_named_in_both_languages() -> None:
    with pytest.raises(MessageInvalid) as raised:
        read(b'{"a": {"b": 1, "c": 2, "b": 3}}')
    [issue] = raised.value.issues
    assert issue.code == "syntax.duplicate_key"
    assert "'b'" in issue.en and "'b'" in issue.zh


def test_a_number_too_long_to_convert_is_a_syntax_fault_not_a_crash() -> None:
    with pytest.raises(MessageInvalid) as raised:
        read(b'{"goodsItemQuantity": ' + b"9" * 5000 + b"}")
    [issue] = raised.value.issues
    assert issue.code == "syntax.json" and "digits" in issue.en and issue.zh


def test_decoding_defers_the_parse_until_the_document_is_read() -> None:
    decoded = JSON.decode(b'{"a": 1, "a": 2}')  # nothing is parsed yet
    assert decoded.source is not None and decoded.source.text == b'{"a": 1, "a": 2}'
    with pytest.raises(MessageInvalid):
        _ = decoded.document
