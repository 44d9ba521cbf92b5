"""The EDIFACT syntax layer: what a broker's interchange must look like to get past the envelope."""

from __future__ import annotations

import re
import warnings
from datetime import UTC, datetime, timedelta, timezone

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pydifact.parser import Parser

from singlewindow.datamodel.codecs.edifact_syntax import (
    MAX_COMPONENTS,
    MAX_ELEMENTS,
    MAX_VALUE_CHARS,
    Interchange,
    Party,
    Segment,
    _parse_each,
    _parse_plain,
    _service_string_advice,
    _split_segments,
    read_interchange,
    write_interchange,
)
from singlewindow.datamodel.issues import MessageInvalid

# A small import declaration as a broker's software would send it: D.96B CUSDEC, two items,
# one segment per line (CR LF after each terminator, as many systems write it).
CUSDEC_LINES = [
    "UNA:+.? '",
    "UNB+UNOW:4+22099131:ZZZ+TWCUSTOMS:ZZZ+20250301:0930+IC2503010001++CUSDEC'",
    "UNH+DEC0001+CUSDEC:D:96B:UN'",
    "BGM+929:::Import declaration+AW25030100001+9'",
    "CST++G3:105:159'",
    "LOC+22+TWKEL:139:6'",
    "LOC+35+US'",
    "DTM+137:20250301:102'",
    "GIS+23'",
    "MOA+39:125000.00:USD'",
    "FTX+AAI+++Keep dry?: fragile goods'",
    "RFF+ABT:AW1234567890'",
    "NAD+IM+22099131::TW++台灣貿易股份有限公司+台北市中正區忠孝西路一段1號+台北市++100+TW'",
    "NAD+DT+A123456789::TW++王小明'",
    "TDT+20+V123E+1++EVERGREEN:172+++9811000:146::EVER GIVEN'",
    "TOD+6++FOB'",
    "UNS+D'",
    "CST+1+8471300000:122:TW'",
    "FTX+AAA+++Notebook computer, 14 inch'",
    "LOC+27+CN'",
    "MEA+WT+AAB+KGM:1250.5'",
    "MOA+123:100000.00:USD'",
    "TAX+5+CUD+++:::0'",
    "CST+2+8504401400:122:TW'",
    "FTX+AAA+++Power adapter 65W'",
    "LOC+27+CN'",
    "MEA+WT+AAB+KGM:310'",
    "MOA+123:25000.00:USD'",
    "TAX+5+CUD+++:::2.5'",
    "UNS+S'",
    "CNT+5:2'",
    "UNT+30+DEC0001'",
    "UNZ+1+IC2503010001'",
]
CUSDEC = "\r\n".join(CUSDEC_LINES).encode() + b"\r\n"


def reject(payload: bytes, **options: object) -> list[tuple[str, str]]:
    with pytest.raises(MessageInvalid) as caught:
        read_interchange(payload, **options)
    return [(issue.code, issue.pointer) for issue in caught.value.issues]


def replace(old: str, new: str) -> bytes:
    assert old.encode() in CUSDEC
    return CUSDEC.replace(old.encode(), new.encode(), 1)


# ---------------------------------------------------------------------------------------------
# Reading a good interchange
# ---------------------------------------------------------------------------------------------


def test_cusdec_envelope_is_read():
    interchange = read_interchange(CUSDEC, expected_type="CUSDEC")

    assert (interchange.syntax_identifier, interchange.syntax_version) == ("UNOW", "4")
    assert interchange.sender == Party("22099131", "ZZZ")
    assert interchange.recipient == Party("TWCUSTOMS", "ZZZ")
    assert interchange.prepared_at == datetime(2025, 3, 1, 9, 30)  # noqa: DTZ001 - UNB carries no zone
    assert interchange.control_reference == "IC2503010001"
    assert interchange.application_reference == "CUSDEC"
    assert interchange.test is False
    [message] = interchange.messages
    assert (message.reference, message.type, message.version, message.release, message.agency) == (
        "DEC0001", "CUSDEC", "D", "96B", "UN")
    assert len(message.segments) == 28


def test_segments_carry_interchange_and_message_positions():
    message = read_interchange(CUSDEC).messages[0]

    # UNB is segment 1 (UNA is the service string advice, not a segment), UNH segment 2
    assert (message.header.position, message.header.message_position) == (2, 1)
    bgm, first_nad = message.segments[0], message.segments[9]
    assert (bgm.tag, bgm.position, bgm.message_position) == ("BGM", 3, 2)
    assert (first_nad.tag, first_nad.position, first_nad.message_position) == ("NAD", 12, 11)
    assert [s.tag for s in message.segments[13:16]] == ["UNS", "CST", "FTX"]
    assert (message.segments[-1].tag, message.segments[-1].position) == ("CNT", 30)


def test_accessors_number_elements_and_components_from_one():
    segments = read_interchange(CUSDEC).messages[0].segments
    nad, ftx, tax = segments[9], segments[7], segments[19]

    assert nad.element(1) == "IM"
    assert nad.component(2, 1) == "22099131"
    assert nad.component(2, 2) is None  # empty component
    assert nad.component(2, 3) == "TW"
    assert nad.element(3) is None  # empty element
    assert nad.element(4) == "台灣貿易股份有限公司"
    assert nad.element(12) is None  # beyond the end
    assert nad.components(2) == ("22099131", "", "TW")
    assert ftx.element(4) == "Keep dry: fragile goods"  # release character removed
    assert tax.component(5, 4) == "0"
    assert nad.pointer(2, 3) == "segment 12 (NAD), element 2, component 3"


def test_require_names_the_exact_place_of_a_missing_value():
    nad = read_interchange(CUSDEC).messages[0].segments[9]

    assert nad.require(2, 3, max_length=3) == "TW"
    with pytest.raises(MessageInvalid) as caught:
        nad.require(2, 2)
    [issue] = caught.value.issues
    assert (issue.code, issue.pointer) == ("syntax.edifact.required", "segment 12 (NAD), element 2, component 2")
    assert issue.en and issue.zh


def test_values_longer_than_the_directory_allows_are_refused():
    nad = read_interchange(CUSDEC).messages[0].segments[9]

    assert nad.optional(3) is None
    with pytest.raises(MessageInvalid) as caught:
        nad.optional(4, max_length=5)
    [issue] = caught.value.issues
    assert (issue.code, issue.pointer) == ("syntax.edifact.too_long", "segment 12 (NAD), element 4, component 1")


def test_single_line_and_unoc_interchanges_are_read():
    single_line = CUSDEC.replace(b"\r\n", b"")
    assert read_interchange(single_line).messages[0].segments[9].element(4) == "台灣貿易股份有限公司"

    latin = "".join(CUSDEC_LINES[1:]).replace("UNOW:4", "UNOC:3").replace("王小明", "Société Générale")
    latin = re.sub("[\u4e00-\u9fff]+", "X", latin)
    interchange = read_interchange(latin.encode("latin-1"))
    assert interchange.syntax_identifier == "UNOC"
    assert interchange.messages[0].segments[10].element(4) == "Société Générale"


def test_syntax_3_short_dates_and_test_indicator():
    payload = (b"UNB+UNOA:3+SENDER+RECIPIENT+250301:0930+REF1++++++1'UNH+1+CUSCAR:D:96B:UN'"
               b"BGM+85+MANIFEST?:1+9'UNT+3+1'UNZ+1+REF1'")

    interchange = read_interchange(payload, expected_type="CUSCAR")

    assert interchange.sender == Party("SENDER")
    assert interchange.messages[0].segments[0].element(2) == "MANIFEST:1"
    assert interchange.prepared_at == datetime(2025, 3, 1, 9, 30)  # noqa: DTZ001
    assert interchange.test is True


# ---------------------------------------------------------------------------------------------
# Writing
# ---------------------------------------------------------------------------------------------

SENDER = Party("22099131", "ZZZ")
RECIPIENT = Party("TWCUSTOMS", "ZZZ")
PREPARED = datetime(2025, 3, 1, 1, 30, tzinfo=UTC)


def write(segments: list[tuple[str, list[object]]], **options: object) -> bytes:
    return write_interchange(SENDER, RECIPIENT, [("CUSDEC", "DEC1", segments)],
                             control_reference="IC1", prepared_at=PREPARED, **options)


def test_writer_produces_the_envelope_with_correct_counts():
    payload = write_interchange(
        SENDER, RECIPIENT,
        [("CUSRES", "R1", [("BGM", ["962", "AW1", "9"])]), ("CUSRES", "R2", [("BGM", ["962", "AW2", "9"]),
                                                                           ("DTM", [["137", "20250301", "102"]])])],
        control_reference="IC42", prepared_at=datetime(2025, 3, 1, 9, 30, tzinfo=timezone(timedelta(hours=8))),
    )

    assert payload == (
        b"UNA:+.? 'UNB+UNOW:4+22099131:ZZZ+TWCUSTOMS:ZZZ+20250301:0130+IC42'"
        b"UNH+R1+CUSRES:D:96B:UN'BGM+962+AW1+9'UNT+3+R1'"
        b"UNH+R2+CUSRES:D:96B:UN'BGM+962+AW2+9'DTM+137:20250301:102'UNT+4+R2'"
        b"UNZ+2+IC42'"
    )
    assert [m.reference for m in read_interchange(payload, expected_type="CUSRES").messages] == ["R1", "R2"]


def test_writer_escapes_service_characters_and_keeps_chinese():
    tricky = "Plan A+B: 50% off? It's 'final'"
    payload = write([("FTX", ["AAA", None, None, [tricky, "第二行：貨物說明"]]),
                     ("NAD", ["IM", ["22099131", "", "TW"], None, "台灣貿易?股份'有限:公司+"])])

    assert b"Plan A?+B?: 50% off?? It?'s ?'final?'" in payload
    ftx, nad = read_interchange(payload).messages[0].segments
    assert ftx.components(4) == (tricky, "第二行：貨物說明")
    assert nad.element(4) == "台灣貿易?股份'有限:公司+"
    assert nad.components(2) == ("22099131", "", "TW")


def test_writer_drops_trailing_empty_elements_and_components():
    payload = write([("TAX", ["5", "CUD", None, None, ["", "", "", "5", "", ""], None, ""])])
    assert b"TAX+5+CUD+++:::5'" in payload


def test_writer_output_is_deterministic_and_accepts_read_segments():
    first = write([("BGM", ["929", "AW1", "9"])], application_reference="CUSDEC", test=True)
    assert first == write([("BGM", ["929", "AW1", "9"])], application_reference="CUSDEC", test=True)
    assert b"+IC1++CUSDEC++++1'" in first

    message = read_interchange(CUSDEC).messages[0]
    again = write_interchange(SENDER, RECIPIENT, [("CUSDEC", "DEC0001", message.segments)],
                              control_reference="IC2503010001", prepared_at=datetime(2025, 3, 1, 9, 30, tzinfo=UTC))
    assert again == CUSDEC.replace(b"\r\n", b"").replace(b"++CUSDEC'", b"'", 1)


@pytest.mark.parametrize(
    ("segments", "options", "fault"),
    [
        ([("FTX", ["AAA", None, None, "two\nlines"])], {}, "line breaks"),
        ([("FTX", ["AAA", None, None, "bell\x07"])], {}, "control characters"),
        ([("ftx", ["AAA"])], {}, "three capital letters"),
        ([("UNT", ["2", "DEC1"])], {}, "written by the envelope"),
        ([("UNS", [None, ""])], {}, "no data"),
        ([("FTX", ["AAA", None, None, "x" * (MAX_VALUE_CHARS + 1)])], {}, "longer than"),
        ([("BGM", ["929"])], {"control_reference": "X" * 15}, "control reference"),
        ([("BGM", ["929"])], {"prepared_at": datetime(2025, 3, 1)}, "timezone-aware"),  # noqa: DTZ001
    ],
)
def test_writer_refuses_what_cannot_be_sent(segments, options, fault):
    arguments: dict[str, object] = {"control_reference": "IC1", "prepared_at": PREPARED, **options}
    with pytest.raises(ValueError, match=fault):
        write_interchange(SENDER, RECIPIENT, [("CUSDEC", "DEC1", segments)], **arguments)


# ---------------------------------------------------------------------------------------------
# Rejections: each with its stable code and pointer
# ---------------------------------------------------------------------------------------------

LONG_VALUE = "X" * (MAX_VALUE_CHARS + 1)


@pytest.mark.parametrize(
    ("payload", "options", "expected"),
    [
        pytest.param(b"", {}, [("syntax.edifact.empty", "")], id="empty"),
        pytest.param(b" \r\n ", {}, [("syntax.edifact.empty", "")], id="blank"),
        pytest.param(b"\xff" * 2000, {"max_bytes": 1000}, [("syntax.edifact.too_large", "")],
                     id="oversize-before-parsing"),
        pytest.param(CUSDEC, {"max_segments": 10}, [("syntax.edifact.too_many_segments", "")], id="too-many-segments"),
        pytest.param(CUSDEC.replace("王".encode(), b"\xe7\x8e"), {}, [("syntax.edifact.encoding", "segment 13 (NAD)")],
                     id="not-utf8"),
        pytest.param(replace("Keep dry", "Keep\x00dry"), {}, [("syntax.edifact.encoding", "segment 10 (FTX)")],
                     id="control-character"),
        pytest.param(replace("UNOW:4", "UNOA:4"), {}, [("syntax.edifact.encoding", "segment 12 (NAD)")],
                     id="non-ascii-in-unoa"),
        pytest.param(re.sub(rb"[\x80-\xff]+", b"X", replace("UNOW:4", "UNOA:4")), {},
                     [("syntax.edifact.encoding", "segment 3 (BGM)")], id="lower-case-in-unoa"),
        pytest.param(replace("UNOW:4", "UNOY:4"), {},
                     [("syntax.edifact.syntax_identifier", "segment 1 (UNB), element 1, component 1")],
                     id="unsupported-level"),
        pytest.param(replace("UNOW:4", "UNOW:3"), {},
                     [("syntax.edifact.syntax_identifier", "segment 1 (UNB), element 1, component 2")],
                     id="utf8-needs-syntax-4"),
        pytest.param(b"UNA:+.?", {}, [("syntax.edifact.separators", "UNA")], id="una-cut-short"),
        pytest.param(replace("UNA:+.? '", "UNA::.? '"), {}, [("syntax.edifact.separators", "UNA")],
                     id="una-duplicate-separators"),
        pytest.param(replace("UNA:+.? '", "UNAA+.? '"), {}, [("syntax.edifact.separators", "UNA")],
                     id="una-letter-as-separator"),
        pytest.param(replace("UNA:+.? '", "UNA:|.? '"), {}, [("syntax.edifact.separators", "segment 1 (UNB)")],
                     id="una-declares-other-data-separator"),
        pytest.param(CUSDEC.replace(b"UNA:+.? '\r\n", b"").replace(b"'", b"~"), {},
                     [("syntax.edifact.separators", "segment 1 (UNB)")], id="undeclared-terminator"),
        pytest.param(replace("DTM+137", "DTM*137"), {}, [("syntax.edifact", "segment 7")],
                     id="segment-with-other-separator"),
        pytest.param(replace("UNB+UNOW:4+22099131:ZZZ+TWCUSTOMS:ZZZ+20250301:0930+IC2503010001++CUSDEC'\r\n", ""),
                     {}, [("syntax.edifact.envelope", "segment 1")], id="missing-unb"),
        pytest.param(replace("UNZ+1+IC2503010001'", ""), {}, [("syntax.edifact.truncated", "segment 31 (UNT)")],
                     id="missing-unz"),
        pytest.param(CUSDEC[:-10], {}, [("syntax.edifact.truncated", "segment 32 (UNZ)")], id="cut-mid-segment"),
        pytest.param(CUSDEC.rstrip()[:-1] + b"?'", {}, [("syntax.edifact.truncated", "segment 32 (UNZ)")],
                     id="last-terminator-released"),
        pytest.param(replace("UNZ+1+", "UNZ+2+"), {},
                     [("syntax.edifact.control_count", "segment 32 (UNZ), element 1")], id="unz-count"),
        pytest.param(replace("UNZ+1+IC2503010001", "UNZ+1+IC2503010002"), {},
                     [("syntax.edifact.control_reference", "segment 32 (UNZ), element 2")], id="unz-reference"),
        pytest.param(replace("UNT+30+DEC0001'\r\n", ""), {},
                     [("syntax.edifact.envelope", "segment 2 (UNH)")], id="missing-unt"),
        pytest.param(replace("UNT+30", "UNT+29"), {},
                     [("syntax.edifact.control_count", "segment 31 (UNT), element 1")], id="unt-count"),
        pytest.param(replace("UNT+30+DEC0001", "UNT+30+DEC0002"), {},
                     [("syntax.edifact.control_reference", "segment 31 (UNT), element 2")], id="unt-reference"),
        pytest.param(CUSDEC, {"expected_type": "CUSCAR"},
                     [("syntax.edifact.message_type", "segment 2 (UNH), element 2, component 1")],
                     id="unexpected-message-type"),
        pytest.param(replace("CUSDEC:D:96B:UN", "CUSDEC:D:01B:UN"), {},
                     [("syntax.edifact.message_version", "segment 2 (UNH), element 2, component 2")],
                     id="other-directory"),
        pytest.param(replace("UNH+DEC0001", "UNG+CUSDEC+A+B+250301:0930+1+UN+D:96B'\r\nUNH+DEC0001"), {},
                     [("syntax.edifact.envelope", "segment 2 (UNG)")], id="functional-group"),
        pytest.param(replace("UNZ+1", "CNT+5:2'\r\nUNZ+1"), {},
                     [("syntax.edifact.envelope", "segment 32 (CNT)")], id="segment-outside-message"),
        pytest.param(replace("UNZ+1+IC2503010001'", "UNZ+1+IC2503010001'UNZ+1+IC2503010001'"), {},
                     [("syntax.edifact.envelope", "segment 33 (UNZ)")], id="data-after-unz"),
        pytest.param(replace("20250301:0930", "20251301:0930"), {},
                     [("syntax.edifact", "segment 1 (UNB), element 4")], id="impossible-date"),
        pytest.param(replace("Keep dry", "Keep\r\ndry"), {}, [("syntax.edifact.encoding", "segment 10 (FTX)")],
                     id="line-break-inside-segment"),
        pytest.param(replace("Keep dry?: fragile goods", LONG_VALUE), {},
                     [("syntax.edifact.too_large", "segment 10 (FTX), element 4, component 1")], id="value-too-long"),
        pytest.param(replace("GIS+23", "GIS+" + ":" * 200), {},
                     [("syntax.edifact.too_large", "segment 8 (GIS), element 1")], id="too-many-components"),
        pytest.param(replace("GIS+23", "GIS" + "+" * 200), {}, [("syntax.edifact.too_large", "segment 8 (GIS)")],
                     id="too-many-elements"),
    ],
)
def test_rejections_carry_code_and_pointer(payload, options, expected):
    assert reject(payload, **options) == expected


@pytest.mark.parametrize(
    ("gis", "expected"),
    [
        pytest.param("GIS+" + ":" * (MAX_COMPONENTS - 1), [], id="components-at-limit"),
        pytest.param("GIS+" + ":" * MAX_COMPONENTS, [("syntax.edifact.too_large", "segment 8 (GIS), element 1")],
                     id="components-over-limit"),
        pytest.param("GIS" + "+" * MAX_ELEMENTS, [], id="elements-at-limit"),
        pytest.param("GIS" + "+" * (MAX_ELEMENTS + 1), [("syntax.edifact.too_large", "segment 8 (GIS)")],
                     id="elements-over-limit"),
        pytest.param("GIS+" + "X" * MAX_VALUE_CHARS, [], id="value-at-limit"),
        pytest.param("GIS+" + "X" * (MAX_VALUE_CHARS + 1),
                     [("syntax.edifact.too_large", "segment 8 (GIS), element 1, component 1")], id="value-over-limit"),
    ],
)
def test_limits_hold_at_their_bounds_in_an_interchange_without_line_breaks(gis, expected):
    # one line, as the Single Window writes it: read a whole pass at a time, which checks the limits only on
    # the segments long enough to break one; the bounds are the same as segment by segment
    payload = replace("GIS+23", gis).replace(b"\r\n", b"")
    if expected:
        assert reject(payload) == expected
    else:
        [message] = read_interchange(payload).messages
        assert any(tag == "GIS" for tag, _ in message.body)


def test_every_problem_in_the_envelope_is_reported_at_once():
    payload = replace("UNT+30+DEC0001", "UNT+29+DEC0002").replace(b"UNZ+1+IC2503010001", b"UNZ+3+IC0")

    assert reject(payload) == [
        ("syntax.edifact.control_count", "segment 31 (UNT), element 1"),
        ("syntax.edifact.control_reference", "segment 31 (UNT), element 2"),
        ("syntax.edifact.control_count", "segment 32 (UNZ), element 1"),
        ("syntax.edifact.control_reference", "segment 32 (UNZ), element 2"),
    ]


def test_messages_are_bilingual_and_do_not_echo_long_input():
    with pytest.raises(MessageInvalid) as caught:
        read_interchange(replace("DTM+137", "DTM*137" + "A" * 5000))
    [issue] = caught.value.issues
    assert issue.en.isascii()
    assert re.search("[\u4e00-\u9fff]", issue.zh)
    assert len(issue.en) < 300 and len(issue.zh) < 300
    assert issue.as_dict()["message"] == {"en": issue.en, "zh-Hant": issue.zh}


def test_released_una_inside_data_does_not_change_the_separators():
    # pydifact looks for "'UNA" anywhere when a payload does not start with UNA; we never do
    payload = CUSDEC.replace(b"UNA:+.? '\r\n", b"").replace(b"Keep dry", b"Keep?'UNA?:|.?? ?'dry")
    assert read_interchange(payload).messages[0].segments[7].element(4) == "Keep'UNA:|.? 'dry: fragile goods"


# ---------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------

FUZZ = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def outcome(payload: bytes) -> Interchange | MessageInvalid:
    """Either a model or an error list; any other exception fails the test."""
    try:
        return read_interchange(payload, max_bytes=200_000)
    except MessageInvalid as invalid:
        assert invalid.issues
        for issue in invalid.issues:
            assert issue.code.startswith("syntax.edifact")
            assert isinstance(issue.pointer, str) and issue.en and issue.zh
        return invalid


@FUZZ
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_give_a_model_or_issues(payload):
    outcome(payload)


@FUZZ
@given(st.binary(max_size=300).map(lambda tail: b"UNA:+.? 'UNB+UNOW:4+" + tail))
def test_arbitrary_bytes_after_a_valid_start_give_a_model_or_issues(payload):
    outcome(payload)


SEGMENTS = CUSDEC.split(b"'\r\n")[:-1]
SERVICE = [b"'", b"+", b":", b"?", b"\r\n", b"UNA", b"UNH", b"UNT", b"UNZ", b"\xe7", b"\x00"]


@st.composite
def mutated_cusdec(draw: st.DrawFn) -> bytes:
    segments = [s + b"'" for s in SEGMENTS]
    for _ in range(draw(st.integers(1, 4))):
        index = draw(st.integers(0, len(segments) - 1))
        action = draw(st.sampled_from(["drop", "duplicate", "swap", "alter", "insert", "flip"]))
        segment = segments[index]
        if action == "drop" and len(segments) > 1:
            del segments[index]
        elif action == "duplicate":
            segments.insert(index, segment)
        elif action == "swap":
            other = draw(st.integers(0, len(segments) - 1))
            segments[index], segments[other] = segments[other], segment
        elif action == "alter" and segment:
            at = draw(st.integers(0, len(segment) - 1))
            segments[index] = segment[:at] + draw(st.sampled_from(SERVICE)) + segment[at + 1:]
        elif action == "insert":
            at = draw(st.integers(0, len(segment)))
            segments[index] = segment[:at] + draw(st.binary(min_size=1, max_size=8)) + segment[at:]
        elif action == "flip":
            old, new = draw(st.sampled_from([b"'", b"+", b":"])), draw(st.sampled_from([b"~", b"*", b"|", b"+"]))
            segments = [s.replace(old, new) for s in segments]
    payload = b"".join(segments)
    cut = draw(st.one_of(st.none(), st.integers(0, len(payload))))
    return payload if cut is None else payload[:cut]


@FUZZ
@given(mutated_cusdec())
def test_mutated_interchanges_give_a_model_or_issues(payload):
    outcome(payload)


# Values a broker may type: service characters, Chinese, Latin-1, spaces; no control characters.
values = st.text(st.characters(blacklist_categories=("Cc", "Cs"), max_codepoint=0x2FFFF), max_size=12)
specials = st.text(st.sampled_from("'+:?*AB 中文é"), max_size=8)
component_values = st.one_of(values, specials)
elements = st.lists(st.one_of(component_values, st.lists(component_values, min_size=1, max_size=4)),
                    min_size=1, max_size=5)
tags = st.from_regex(r"\A[A-Z]{3}\Z").filter(lambda t: not t.startswith("UN"))
body = st.lists(st.tuples(tags, elements), min_size=1, max_size=8).filter(
    lambda segments: all(any(_components(e) for e in elements) for _, elements in segments))


def _components(element: str | list[str]) -> list[str]:
    parts = [element] if isinstance(element, str) else list(element)
    while parts and not parts[-1]:
        parts.pop()
    return parts


def _expected(elements: list[str | list[str]]) -> list[list[str]]:
    result = [_components(e) for e in elements]
    while result and not result[-1]:
        result.pop()
    return result


def _actual(segment: Segment) -> list[list[str]]:
    return _expected([list(c) for c in segment.elements])


@FUZZ
@given(body, st.lists(body, max_size=2))
def test_write_then_read_gives_back_every_value(first, others):
    messages = [("CUSDEC", f"M{i}", segments) for i, segments in enumerate([first, *others])]
    payload = write_interchange(SENDER, RECIPIENT, messages, control_reference="IC1", prepared_at=PREPARED)

    interchange = read_interchange(payload)

    assert [m.reference for m in interchange.messages] == [m[1] for m in messages]
    for (_, _, written), read in zip(messages, interchange.messages, strict=True):
        assert [s.tag for s in read.segments] == [tag for tag, _ in written]
        assert [_actual(s) for s in read.segments] == [_expected(e) for _, e in written]


@FUZZ
@given(body)
def test_reader_agrees_with_pydifact_on_valid_interchanges(segments):
    payload = write_interchange(SENDER, RECIPIENT, [("CUSDEC", "M1", segments)], control_reference="IC1",
                                prepared_at=PREPARED)
    text = payload.decode()

    ours = [(s.tag, _actual(s)) for s in read_interchange(payload).messages[0].segments]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = [s for s in Parser().parse(text) if s.tag not in ("UNA", "UNB", "UNH", "UNT", "UNZ")]
    assert ours == [(s.tag, _expected(list(s.elements))) for s in theirs]


@FUZZ
@given(body)
def test_whole_pass_and_segment_by_segment_parsing_agree(segments):
    # the reader splits an interchange without line breaks a whole pass at a time; the segment-by-segment
    # reading (line breaks, malformed segments) must give the same segments, released characters included
    payload = write_interchange(SENDER, RECIPIENT, [("CUSDEC", "M1", segments)], control_reference="IC1",
                                prepared_at=PREPARED)
    service, start = _service_string_advice(payload)
    raw, stand_ins, line_breaks = _split_segments(payload.decode(), start, service, 1000)

    assert not line_breaks
    assert _parse_plain(raw, stand_ins, service) == _parse_each(raw, stand_ins, line_breaks, service)


def test_line_breaks_between_segments_read_as_without():
    segments = [("BGM", [["929", "", "", "A?B"], "REF'1", "9"]), ("FTX", ["AAA", "", "", ["x+y", "z:w"]])]
    payload = write_interchange(SENDER, RECIPIENT, [("CUSDEC", "M1", segments)], control_reference="IC1",
                                prepared_at=PREPARED)
    broken = payload.replace(b"'", b"'\r\n").replace(b"?'\r\n", b"?'")

    assert read_interchange(broken) == read_interchange(payload)
