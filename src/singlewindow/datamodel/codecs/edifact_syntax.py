"""UN/EDIFACT interchange syntax (ISO 9735) for the customs messages: a hardened reader and a writer.

The message codecs (CUSDEC, CUSRES, CUSCAR) stand on this layer, so every envelope, separator,
character-set and control-count fault is caught here once, with a pointer of the form
``segment 7 (DOC), element 2, component 1`` and the same bilingual issue format as every codec.

Choices, made once for every message we exchange:

* **Directory D.96B.** Each UNH must read ``<type>:D:96B:UN``. D.96B is the directory in which most
  customs administrations implemented CUSDEC, CUSRES and CUSCAR, so brokers' software speaks it.
* **Syntax version 4, UNOW (UTF-8) when writing.** Declarations carry Chinese names, addresses and
  goods descriptions that no ISO 8859 level can hold; UNOW is the syntax-4 identifier for UTF-8.
  We read UNOW (version 4) and, for older partners, UNOA, UNOB (ASCII) and UNOC (ISO 8859-1) at
  version 3 or 4. Without a UNA the separators are ``: + . ? '`` for every level.
* **No functional groups.** UNG/UNE are rejected: customs messages travel one interchange per
  submission, and the UNZ count is then simply the number of messages.

Why the reader splits text itself: pydifact 0.2.3 tokenises one character at a time in Python
(about 1 µs per input character, near 2 ms for a ten-item declaration), which alone exceeds the
decode budget. Service characters are few, so after folding release sequences the reader splits
with ``str.split``; the tests check it against pydifact's parser on generated interchanges. An
interchange without line breaks is split a whole pass at a time (a list comprehension per level
instead of a loop per segment); anything unusual (a malformed tag, too many elements) is read again
segment by segment, so the fault reported is always the first in the text. pydifact still parses
the service string advice (``Characters``) and escapes the output (``Serializer``).
"""

from __future__ import annotations

import bisect
import functools
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time

from pydifact.control.characters import Characters
from pydifact.segments import Segment as PydifactSegment
from pydifact.serializer import Serializer

from singlewindow.datamodel.issues import Issue, MessageInvalid

DIRECTORY_VERSION = "D"
DIRECTORY_RELEASE = "96B"
CONTROLLING_AGENCY = "UN"
SYNTAX_IDENTIFIER = "UNOW"
SYNTAX_VERSION = "4"
SERVICE_STRING = ":+.? '"

MAX_BYTES = 4 * 1024 * 1024
MAX_SEGMENTS = 50_000
MAX_ELEMENTS = 99
MAX_COMPONENTS = 99
MAX_VALUE_CHARS = 512
MAX_ISSUES = 100

# syntax identifier -> (text encoding, repertoire)
_LEVELS: dict[str, str] = {"UNOA": "ascii", "UNOB": "ascii", "UNOC": "latin-1", "UNOW": "utf-8"}
_VERSIONS: dict[str, frozenset[str]] = {
    "UNOA": frozenset({"3", "4"}),
    "UNOB": frozenset({"3", "4"}),
    "UNOC": frozenset({"3", "4"}),
    "UNOW": frozenset({"4"}),
}
# ISO 646 invariant graphic characters; level A leaves out the lower-case letters.
_LEVEL_A = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,-()/='+:?!\"%&*;<>_"
_LEVEL_B = _LEVEL_A + "abcdefghijklmnopqrstuvwxyz"
_CONTROLS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f]")
_TAG = re.compile("[A-Z]{3}")
_DIGITS = re.compile("[0-9]+")
_MESSAGE_TYPE = re.compile("[A-Z]{6}")
_ENVELOPE_TAGS = frozenset({"UNA", "UNB", "UNG", "UNE", "UNH", "UNT", "UNZ"})
# Folded stand-ins for released service characters; control characters never survive the
# repertoire check, so they cannot clash with data.
_FOLDED = ("\x01", "\x02", "\x03", "\x04", "\x05")
_STAND_IN = re.compile("[\x01-\x05]")


# --------------------------------------------------------------------------------------------
# The parsed interchange
# --------------------------------------------------------------------------------------------


def segment_pointer(position: int, tag: str, element: int | None = None, component: int | None = None) -> str:
    """``segment 7 (DOC), element 2, component 1``: positions count from 1, UNB is segment 1."""
    pointer = f"segment {position} ({tag})" if tag else f"segment {position}"
    if element is not None:
        pointer += f", element {element}"
        if component is not None:
            pointer += f", component {component}"
    return pointer


@dataclass(slots=True, unsafe_hash=True)
class Segment:
    """One segment; elements and components are numbered from 1 as in the directory.

    Treat it as immutable (its parts are tuples, and it hashes by value). It is not declared
    frozen only because a frozen dataclass is six times slower to build, and an interchange has
    a segment per line of the declaration.
    """

    tag: str
    elements: tuple[tuple[str, ...], ...]
    position: int
    message_position: int = 0  # UNH is 1; 0 for UNB and UNZ

    def components(self, element: int) -> tuple[str, ...]:
        if 1 <= element <= len(self.elements):
            return self.elements[element - 1]
        return ()

    def component(self, element: int, component: int) -> str | None:
        """The value, or None when absent or empty (EDIFACT does not tell the two apart)."""
        parts = self.components(element)
        if 1 <= component <= len(parts):
            return parts[component - 1] or None
        return None

    def element(self, element: int) -> str | None:
        """A simple element's value (the first component of a composite)."""
        return self.component(element, 1)

    def pointer(self, element: int | None = None, component: int | None = None) -> str:
        return segment_pointer(self.position, self.tag, element, component)

    def optional(self, element: int, component: int = 1, *, max_length: int | None = None) -> str | None:
        """A conditional value; raises ``MessageInvalid`` when it is longer than the directory allows."""
        issues: list[Issue] = []
        value = _checked(self, element, component, False, max_length, issues)
        if issues:
            raise MessageInvalid(issues)
        return value

    def require(self, element: int, component: int = 1, *, max_length: int | None = None) -> str:
        """A mandatory value; raises ``MessageInvalid`` with this exact pointer when missing or too long."""
        issues: list[Issue] = []
        value = _checked(self, element, component, True, max_length, issues)
        if issues or value is None:
            raise MessageInvalid(issues)
        return value


@dataclass(frozen=True, slots=True)
class Party:
    """An interchange sender or recipient (UNB S002/S003)."""

    id: str
    qualifier: str | None = None


_Parsed = tuple[str, tuple[tuple[str, ...], ...]]
"""A segment's tag and elements, as read."""


@dataclass(frozen=True, slots=True)
class Message:
    """One UNH…UNT message; ``segments`` holds the body between them.

    The body is kept as read (``body``: tag and elements); the ``Segment`` objects, which know their
    positions, are made when first asked for, since the fast path of decoding needs none of them.
    """

    reference: str
    type: str
    version: str
    release: str
    agency: str
    association_code: str | None
    header: Segment
    body: tuple[_Parsed, ...]
    built: tuple[Segment, ...] | None = field(default=None, compare=False, repr=False)
    """The body as ``Segment`` objects, once made (or as the reader collected them)."""

    @property
    def segments(self) -> tuple[Segment, ...]:
        if self.built is None:
            start = self.header.position + 1
            object.__setattr__(self, "built", tuple([
                Segment(tag, elements, position, position - start + 2)
                for position, (tag, elements) in enumerate(self.body, start)]))
        assert self.built is not None
        return self.built


@dataclass(frozen=True, slots=True)
class Interchange:
    """UNB…UNZ with its messages. ``prepared_at`` is the sender's wall time: UNB carries no zone."""

    syntax_identifier: str
    syntax_version: str
    service_characters: str
    sender: Party
    recipient: Party
    prepared_at: datetime
    control_reference: str
    application_reference: str | None
    test: bool
    messages: tuple[Message, ...]


# --------------------------------------------------------------------------------------------
# Issues
# --------------------------------------------------------------------------------------------


def _issue(code: str, pointer: str, en: str, zh: str) -> Issue:
    return Issue(code, pointer, en, zh)


def _fail(code: str, pointer: str, en: str, zh: str) -> MessageInvalid:
    return MessageInvalid([_issue(code, pointer, en, zh)])


def _shown(text: str) -> str:
    """A short, printable excerpt of hostile input for an error message."""
    excerpt = text[:20] + ("..." if len(text) > 20 else "")
    return repr(excerpt)


def _checked(
    segment: Segment, element: int, component: int, required: bool, max_length: int | None, issues: list[Issue]
) -> str | None:
    value = segment.component(element, component)
    pointer = segment.pointer(element, component)
    if value is None:
        if required:
            issues.append(_issue("syntax.edifact.required", pointer, f"A value is required at {pointer}.",
                                 f"{pointer} 必須有值。"))
        return None
    if max_length is not None and len(value) > max_length:
        issues.append(_issue("syntax.edifact.too_long", pointer,
                             f"The value at {pointer} has {len(value)} characters; at most {max_length} are allowed.",
                             f"{pointer} 的值有 {len(value)} 個字元，最多 {max_length} 個。"))
        return None
    return value


# --------------------------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Service:
    component: str
    data: str
    decimal: str
    release: str
    repetition: str
    terminator: str

    @property
    def text(self) -> str:
        return self.component + self.data + self.decimal + self.release + self.repetition + self.terminator


def read_interchange(
    payload: bytes,
    *,
    max_bytes: int = MAX_BYTES,
    max_segments: int = MAX_SEGMENTS,
    expected_type: str | None = None,
) -> Interchange:
    """Parse and check one interchange; any fault raises ``MessageInvalid``, never another error.

    The byte limit is checked before anything else is done with the payload. ``expected_type``
    (e.g. ``"CUSDEC"``) rejects messages of any other type.
    """
    if len(payload) > max_bytes:
        raise _fail("syntax.edifact.too_large", "",
                    f"The interchange has {len(payload)} bytes; at most {max_bytes} are accepted.",
                    f"交換檔有 {len(payload)} 位元組，上限為 {max_bytes} 位元組。")
    if not payload.strip():
        raise _fail("syntax.edifact.empty", "", "The interchange is empty.", "交換檔沒有內容。")
    service, start = _service_string_advice(payload)
    identifier, version = _syntax_identifier(payload, start, service)
    text = _decoded(payload, start, identifier, service)
    raw_segments, stand_ins, line_breaks = _split_segments(text, start, service, max_segments)
    parsed = _parse_segments(raw_segments, stand_ins, line_breaks, service)
    return _assemble(parsed, identifier, version, service, expected_type)


def _service_string_advice(payload: bytes) -> tuple[_Service, int]:
    """The separators (UNA or the defaults) and the offset where UNB starts."""
    if not payload.startswith(b"UNA"):
        return _service_from(SERVICE_STRING), _skip_line_ends(payload, 0)
    advice = payload[3:9]
    if len(advice) < 6:
        raise _fail("syntax.edifact.separators", "UNA",
                    "The service string advice (UNA) must be followed by six service characters.",
                    "服務字串通知（UNA）之後必須有六個服務字元。")
    text = advice.decode("latin-1")
    service = _service_from(str(Characters.from_str("UNA" + text)))
    if not _plausible(service):
        raise _fail("syntax.edifact.separators", "UNA",
                    f"The service string advice (UNA) declares unusable service characters {text!r}: the "
                    "component, data element, release and terminator characters must be four different "
                    "printable ASCII punctuation characters and the decimal mark '.' or ','.",
                    f"服務字串通知（UNA）宣告的服務字元 {text!r} 無法使用：成分、資料元、釋放及區段結束字元"
                    "必須是四個不同的可列印 ASCII 標點符號，小數點必須是「.」或「,」。")
    return service, _skip_line_ends(payload, 9)


def _service_from(text: str) -> _Service:
    return _Service(text[0], text[1], text[2], text[3], text[4], text[5])


def _plausible(service: _Service) -> bool:
    functional = (service.component, service.data, service.release, service.terminator)
    if len(set(functional)) != 4 or service.decimal not in ".,":
        return False
    if any(not ("!" <= c <= "~") or c.isalnum() for c in functional):
        return False
    return service.repetition == " " or (
        "!" <= service.repetition <= "~" and not service.repetition.isalnum() and service.repetition not in functional
    )


def _skip_line_ends(payload: bytes, offset: int) -> int:
    while payload[offset:offset + 1] in (b"\r", b"\n"):
        offset += 1
    return offset


def _syntax_identifier(payload: bytes, start: int, service: _Service) -> tuple[str, str]:
    """Read UNB's syntax identifier from the raw bytes: it decides how the rest is decoded."""
    head = payload[start:start + 3]
    data = service.data.encode()
    if head != b"UNB":
        found = _shown(payload[start:start + 3].decode("latin-1"))
        raise _fail("syntax.edifact.envelope", "segment 1",
                    f"An interchange starts with UNB (optionally after UNA); found {found}.",
                    f"交換檔必須以 UNB 開頭（之前可有 UNA）；實際為 {found}。")
    after = payload[start + 3:start + 4]
    if after != data:
        if not after:
            raise _truncated("segment 1 (UNB)")
        raise _fail("syntax.edifact.separators", "segment 1 (UNB)",
                    f"UNB is followed by {after.decode('latin-1')!r}, but the data element separator is "
                    f"{service.data!r}; declare other separators in a UNA segment.",
                    f"UNB 之後是 {after.decode('latin-1')!r}，但資料元分隔字元是 {service.data!r}；"
                    "若使用其他分隔字元，請以 UNA 區段宣告。")
    end = payload.find(data, start + 4, start + 64)
    s001 = payload[start + 4:end if end >= 0 else start + 64]
    parts = s001.split(service.component.encode())
    identifier = parts[0].decode("latin-1")
    version = parts[1].decode("latin-1") if len(parts) > 1 else ""
    pointer = segment_pointer(1, "UNB", 1, 1)
    if identifier not in _LEVELS:
        raise _fail("syntax.edifact.syntax_identifier", pointer,
                    f"Syntax identifier {_shown(identifier)} is not supported; use UNOW (UTF-8), UNOC, UNOB or UNOA.",
                    f"不支援語法識別碼 {_shown(identifier)}；請使用 UNOW（UTF-8）、UNOC、UNOB 或 UNOA。")
    if version not in _VERSIONS[identifier]:
        allowed = " or ".join(sorted(_VERSIONS[identifier]))
        raise _fail("syntax.edifact.syntax_identifier", segment_pointer(1, "UNB", 1, 2),
                    f"{identifier} needs syntax version {allowed}; found {_shown(version)}.",
                    f"{identifier} 須使用語法版本 {allowed}；實際為 {_shown(version)}。")
    return identifier, version


def _decoded(payload: bytes, start: int, identifier: str, service: _Service) -> str:
    """Decode with the declared level's encoding and refuse characters outside its repertoire."""
    encoding = _LEVELS[identifier]
    try:
        text = payload.decode(encoding)
    except UnicodeDecodeError as exc:
        prefix = payload[:exc.start].decode(encoding)
        pointer = _locate(prefix, start, len(prefix), service)
        raise _fail("syntax.edifact.encoding", pointer,
                    f"Byte {exc.start} (0x{payload[exc.start]:02x}) is not valid in {identifier} ({encoding}).",
                    f"第 {exc.start} 位元組（0x{payload[exc.start]:02x}）不符合 {identifier}（{encoding}）編碼。",
                    ) from None
    bad = _forbidden(identifier, service.text).search(text, start)
    if bad is not None:
        pointer = _locate(text, start, bad.start(), service)
        char = bad.group()
        raise _fail("syntax.edifact.encoding", pointer,
                    f"Character U+{ord(char):04X} is outside syntax level {identifier}.",
                    f"字元 U+{ord(char):04X} 不在語法等級 {identifier} 的字元集內。")
    return text


@functools.lru_cache(maxsize=32)
def _forbidden(identifier: str, service_text: str) -> re.Pattern[str]:
    if identifier in ("UNOA", "UNOB"):
        allowed = (_LEVEL_A if identifier == "UNOA" else _LEVEL_B) + service_text.replace(" ", "") + "\r\n"
        return re.compile("[^" + "".join(re.escape(c) for c in sorted(set(allowed))) + "]")
    return _CONTROLS


@functools.lru_cache(maxsize=32)
def _folding(service_text: str) -> tuple[re.Pattern[str], dict[str, str], dict[int, str]]:
    """How released service characters are folded into stand-ins and restored afterwards."""
    service = _service_from(service_text)
    specials = [service.component, service.data, service.terminator, service.release, service.repetition]
    fold = {char: stand_in for char, stand_in in zip(specials, _FOLDED, strict=True) if char != " "}
    restore = {ord(stand_in): char for char, stand_in in fold.items()}
    return re.compile(re.escape(service.release) + "(.)", re.DOTALL), fold, restore


def _fold(text: str, service: _Service) -> str:
    if service.release not in text:
        return text
    pattern, fold, _ = _folding(service.text)
    return pattern.sub(lambda match: fold.get(match.group(1), match.group(1)), text)


def _locate(text: str, start: int, index: int, service: _Service) -> str:
    """The pointer of the segment holding character ``index`` (error paths only)."""
    before = _fold(text[start:index], service)
    number = before.count(service.terminator) + 1
    current = before.rsplit(service.terminator, 1)[-1].lstrip("\r\n")[:3]
    return segment_pointer(number, current if _TAG.fullmatch(current) else "")


def _truncated(pointer: str) -> MessageInvalid:
    return _fail("syntax.edifact.truncated", pointer,
                 "The interchange ends in the middle of a segment; it was cut short in transfer.",
                 "交換檔在區段中途結束，傳輸時可能被截斷。")


def _split_segments(text: str, start: int, service: _Service,
                    max_segments: int) -> tuple[list[str], int, bool]:
    """Raw segment texts (released characters folded), how many stand-ins folding left, whether lines break."""
    body = text[start:].rstrip("\r\n")
    stand_ins = 0
    if service.release in body:
        body = _fold(body, service)
        stand_ins = sum(body.count(stand_in) for stand_in in _FOLDED)
    terminator = service.terminator
    if terminator not in body:
        if any(tag in body for tag in ("UNH", "UNT", "UNZ")):
            raise _fail("syntax.edifact.separators", segment_pointer(1, "UNB"),
                        f"No segment terminator {terminator!r} was found, yet the text holds several segments; "
                        "declare the separators actually used in a UNA segment.",
                        f"找不到區段結束字元 {terminator!r}，但內容含有多個區段；請以 UNA 區段宣告實際使用的分隔字元。")
        raise _truncated(segment_pointer(1, "UNB"))
    count = body.count(terminator)
    if count > max_segments:
        raise _fail("syntax.edifact.too_many_segments", "",
                    f"The interchange has {count} segments; at most {max_segments} are accepted.",
                    f"交換檔有 {count} 個區段，上限為 {max_segments} 個。")
    raw = body.split(terminator)
    last = raw.pop()
    if last:
        current = last.lstrip("\r\n")[:3]
        raise _truncated(segment_pointer(count + 1, current if _TAG.fullmatch(current) else ""))
    return raw, stand_ins, "\n" in body or "\r" in body


_SHORT = min(MAX_ELEMENTS, MAX_COMPONENTS, MAX_VALUE_CHARS)
"""A segment shorter than this has too few separators to break the element or component limit, and
no value too long."""

_KNOWN_TAGS: set[str] = set()
"""Tags already seen to be well formed: a set lookup instead of a pattern match per segment."""


def _known_tag(tag: str) -> bool:
    if _TAG.fullmatch(tag) is None:
        return False
    if len(_KNOWN_TAGS) < 1000:  # 17,576 tags exist; hostile input cannot grow this further
        _KNOWN_TAGS.add(tag)
    return True


def _parse_segments(raw_segments: list[str], stand_ins: int, line_breaks: bool, service: _Service) -> list[_Parsed]:
    """Tag and elements of each segment; ``stand_ins`` released characters are to be restored on the way."""
    if not line_breaks:
        parsed = _parse_plain(raw_segments, stand_ins, service)
        if parsed is not None:
            return parsed
    return _parse_each(raw_segments, stand_ins, line_breaks, service)


def _parse_plain(raw_segments: list[str], stand_ins: int, service: _Service) -> list[_Parsed] | None:
    """``_parse_each`` for an interchange without line breaks, done a whole pass at a time; None to let
    ``_parse_each`` go segment by segment when a tag is malformed or a segment has too many elements
    (so that the first fault in the text is the one reported).
    """
    data, component = service.data, service.component
    split = [raw.split(data) for raw in raw_segments]
    tag_list = [parts[0] for parts in split]
    tags = set(tag_list)
    if not tags <= _KNOWN_TAGS and not all(map(_known_tag, tags)):
        return None
    # only segments at least this long can hold too many elements or components, or too long a value
    # (most are short, so the limits are checked on the few long ones)
    long = [raw for raw in raw_segments if len(raw) >= _SHORT]
    if long and max(map(str.count, long, itertools.repeat(data))) > MAX_ELEMENTS:
        return None
    elements = [tuple([tuple(part.split(component)) if component in part else (part,) for part in parts[1:]])
                for parts in split]
    if stand_ins:
        restore = _folding(service.text)[2]
        ends = list(itertools.accumulate(map(len, raw_segments)))
        joined = "".join(raw_segments)
        held: set[int] = set()  # the segments holding stand-ins
        for stand_in in _FOLDED:
            at = joined.find(stand_in)
            while at >= 0:
                held.add(bisect.bisect_right(ends, at))
                at = joined.find(stand_in, at + 1)
        for index in held:
            elements[index] = tuple([tuple([c.translate(restore) for c in part.split(component)])
                                     for part in split[index][1:]])
    # no value can be too long in a short segment, nor can an element have too many components
    # without that many separators
    if long and (max(map(len, long)) > MAX_VALUE_CHARS
                 or max(map(str.count, long, itertools.repeat(component))) >= MAX_COMPONENTS):
        for position, raw in enumerate(raw_segments, 1):
            if len(raw) > MAX_VALUE_CHARS or raw.count(component) >= MAX_COMPONENTS:
                _check_limits(position, split[position - 1][0], elements[position - 1])
    return list(zip(tag_list, elements, strict=True))


def _parse_each(raw_segments: list[str], stand_ins: int, line_breaks: bool, service: _Service) -> list[_Parsed]:
    """Segment by segment: the reference reading, and the one that reports a malformed segment."""
    data, component = service.data, service.component
    restore = _folding(service.text)[2]
    parsed: list[_Parsed] = []
    append = parsed.append
    tags = _KNOWN_TAGS
    for position, raw in enumerate(raw_segments, 1):
        if line_breaks and raw[:1] in ("\r", "\n"):
            raw = raw.lstrip("\r\n")
        parts = raw.split(data)
        tag = parts[0]
        if tag not in tags and not _known_tag(tag):
            raise _fail("syntax.edifact", segment_pointer(position, ""),
                        f"Segment {position} does not start with a three-letter tag (found {_shown(raw)}); it is "
                        "malformed or uses other separators than the declared ones.",
                        f"第 {position} 個區段不是以三個字母的標籤開頭（實際為 {_shown(raw)}）；"
                        "格式錯誤或使用了未宣告的分隔字元。")
        if line_breaks and ("\n" in raw or "\r" in raw):
            raise _fail("syntax.edifact.encoding", segment_pointer(position, tag),
                        "Line breaks are allowed only between segments.",
                        "換行字元只能出現在區段之間。")
        if len(parts) > MAX_ELEMENTS + 1:
            raise _fail("syntax.edifact.too_large", segment_pointer(position, tag),
                        f"The segment has {len(parts) - 1} data elements; at most {MAX_ELEMENTS} are accepted.",
                        f"此區段有 {len(parts) - 1} 個資料元，上限為 {MAX_ELEMENTS} 個。")
        del parts[0]
        if stand_ins and (here := len(_STAND_IN.findall(raw))):
            stand_ins -= here  # once every stand-in is restored, later segments need no search
            elements = tuple([tuple([c.translate(restore) for c in part.split(component)]) for part in parts])
        else:
            elements = tuple([tuple(part.split(component)) for part in parts])
        # no value can be too long in a short segment, nor can an element have too many components
        # without that many separators
        if len(raw) > MAX_VALUE_CHARS or raw.count(component) >= MAX_COMPONENTS:
            _check_limits(position, tag, elements)
        append((tag, elements))
    return parsed


def _check_limits(position: int, tag: str, elements: tuple[tuple[str, ...], ...]) -> None:
    """Bound long segments: EDIFACT has only two levels, so counts and lengths are all there is."""
    for e, components in enumerate(elements, 1):
        if len(components) > MAX_COMPONENTS:
            raise _fail("syntax.edifact.too_large", segment_pointer(position, tag, e),
                        f"The element has {len(components)} components; at most {MAX_COMPONENTS} are accepted.",
                        f"此資料元有 {len(components)} 個成分，上限為 {MAX_COMPONENTS} 個。")
        for c, value in enumerate(components, 1):
            if len(value) > MAX_VALUE_CHARS:
                raise _fail("syntax.edifact.too_large", segment_pointer(position, tag, e, c),
                            f"The value has {len(value)} characters; at most {MAX_VALUE_CHARS} are accepted.",
                            f"此值有 {len(value)} 個字元，上限為 {MAX_VALUE_CHARS} 個。")


class _Open:
    """A message being collected between its UNH and UNT."""

    __slots__ = ("body", "header", "identifier", "parsed", "reference")

    def __init__(self, header: Segment, reference: str, identifier: tuple[str, ...]):
        self.header = header
        self.reference = reference
        self.identifier = identifier
        self.body: list[Segment] = []
        self.parsed: list[_Parsed] | None = None
        """The whole body at once, as read, when the interchange is one plain message."""


def _assemble(
    parsed: list[_Parsed], identifier: str, version: str, service: _Service, expected_type: str | None
) -> Interchange:
    issues: list[Issue] = []
    unb = Segment(parsed[0][0], parsed[0][1], 1)
    sender, recipient, prepared_at, reference, application_reference, test = _header(unb, issues)
    messages: list[Message] = []
    current: _Open | None = None
    opened = 0  # UNZ counts every UNH, so a message without UNT does not also upset the count
    closed = False
    steps: Iterable[tuple[int, _Parsed]] = enumerate(parsed[1:], 2)
    body: list[_Parsed] | None = None
    last = len(parsed)
    if (last > 4 and parsed[1][0] == "UNH" and parsed[-2][0] == "UNT" and parsed[-1][0] == "UNZ"
            and _ENVELOPE_TAGS.isdisjoint([tag for tag, _ in parsed[2:-2]])):
        # one message and nothing unusual around it: its body is taken whole, the loop sees the envelope
        body = parsed[2:-2]
        steps = ((2, parsed[1]), (last - 1, parsed[-2]), (last, parsed[-1]))
    for position, (tag, elements) in steps:
        if len(issues) >= MAX_ISSUES:
            break
        if tag == "UNH":
            segment = Segment(tag, elements, position, 1)
        elif current is not None and tag != "UNZ":
            segment = Segment(tag, elements, position, position - current.header.position + 1)
        else:
            segment = Segment(tag, elements, position)
        if tag == "UNH":
            if current is not None:
                issues.append(_missing_unt(current))
            current = _open_message(segment, expected_type, issues)
            if body is not None:
                current.parsed = body
            opened += 1
        elif tag == "UNT":
            if current is None:
                issues.append(_issue("syntax.edifact.envelope", segment.pointer(),
                                     "UNT without a preceding UNH.", "UNT 之前沒有對應的 UNH。"))
            else:
                messages.append(_close_message(current, segment, issues))
                current = None
        elif tag == "UNZ":
            if current is not None:
                issues.append(_missing_unt(current))
                current = None
            _check_trailer(segment, reference, opened, issues)
            if position != len(parsed):
                issues.append(_issue("syntax.edifact.envelope", segment_pointer(position + 1, parsed[position][0]),
                                     "Nothing may follow UNZ.", "UNZ 之後不得再有區段。"))
            closed = True
            break
        elif tag in _ENVELOPE_TAGS:
            issues.append(_issue("syntax.edifact.envelope", segment.pointer(),
                                 f"{tag} is not allowed here (functional groups and nested interchanges are not "
                                 "supported).", f"此處不得出現 {tag}（不支援功能群組及巢狀交換檔）。"))
        elif current is None:
            issues.append(_issue("syntax.edifact.envelope", segment.pointer(),
                                 f"{tag} stands outside any UNH-UNT message.", f"{tag} 不在任何 UNH…UNT 訊息之內。"))
        else:
            current.body.append(segment)
    if not closed and len(issues) < MAX_ISSUES:
        last = len(parsed)
        issues.append(_issue("syntax.edifact.truncated", segment_pointer(last, parsed[-1][0]),
                             "The interchange ends without UNZ; it was cut short in transfer.",
                             "交換檔缺少 UNZ 結尾，傳輸時可能被截斷。"))
    if closed and not messages and not issues:
        issues.append(_issue("syntax.edifact.envelope", unb.pointer(), "The interchange holds no message.",
                             "交換檔內沒有任何訊息。"))
    if issues:
        raise MessageInvalid(issues[:MAX_ISSUES])
    return Interchange(identifier, version, service.text, sender, recipient, prepared_at, reference,
                       application_reference, test, tuple(messages))


def _header(unb: Segment, issues: list[Issue]) -> tuple[Party, Party, datetime, str, str | None, bool]:
    sender = Party(_checked(unb, 2, 1, True, 35, issues) or "", _checked(unb, 2, 2, False, 4, issues))
    recipient = Party(_checked(unb, 3, 1, True, 35, issues) or "", _checked(unb, 3, 2, False, 4, issues))
    prepared_at = _prepared_at(unb, issues)
    reference = _checked(unb, 5, 1, True, 14, issues) or ""
    application_reference = _checked(unb, 7, 1, False, 14, issues)
    return sender, recipient, prepared_at, reference, application_reference, unb.element(11) == "1"


def _prepared_at(unb: Segment, issues: list[Issue]) -> datetime:
    """UNB date (CCYYMMDD, or YYMMDD as syntax 3 writes it) and time (HHMM)."""
    day, hour = unb.component(4, 1) or "", unb.component(4, 2) or ""
    try:
        if not (_DIGITS.fullmatch(day) and _DIGITS.fullmatch(hour) and len(day) in (6, 8) and len(hour) == 4):
            raise ValueError
        year = int(day[:-4]) + (2000 if len(day) == 6 else 0)
        return datetime.combine(date(year, int(day[-4:-2]), int(day[-2:])), time(int(hour[:2]), int(hour[2:])))
    except ValueError:
        pointer = unb.pointer(4)
        issues.append(_issue("syntax.edifact", pointer,
                             f"The preparation date and time at {pointer} must be CCYYMMDD:HHMM.",
                             f"{pointer} 的製作日期時間必須為 CCYYMMDD:HHMM 格式。"))
        return datetime.combine(date.min, time())


def _open_message(unh: Segment, expected_type: str | None, issues: list[Issue]) -> _Open:
    reference = _checked(unh, 1, 1, True, 14, issues) or ""
    identifier = tuple(unh.components(2)) + ("",) * 5
    message_type = _checked(unh, 2, 1, True, 6, issues)
    if message_type is not None and expected_type is not None and message_type != expected_type:
        issues.append(_issue("syntax.edifact.message_type", unh.pointer(2, 1),
                             f"Expected a {expected_type} message; found {_shown(message_type)}.",
                             f"預期為 {expected_type} 訊息；實際為 {_shown(message_type)}。"))
    elif message_type is not None and not _MESSAGE_TYPE.fullmatch(message_type):
        issues.append(_issue("syntax.edifact.message_type", unh.pointer(2, 1),
                             f"{_shown(message_type)} is not a message type.",
                             f"{_shown(message_type)} 不是訊息類型。"))
    if identifier[1:4] != (DIRECTORY_VERSION, DIRECTORY_RELEASE, CONTROLLING_AGENCY):
        found = ":".join(identifier[1:4])
        issues.append(_issue("syntax.edifact.message_version", unh.pointer(2, 2),
                             f"Messages must use directory D.96B (D:96B:UN); found {_shown(found)}.",
                             f"訊息必須使用 D.96B 目錄（D:96B:UN）；實際為 {_shown(found)}。"))
    return _Open(unh, reference, identifier)


def _close_message(message: _Open, unt: Segment, issues: list[Issue]) -> Message:
    parsed = message.parsed
    expected = (len(parsed) if parsed is not None else len(message.body)) + 2
    _check_count(unt, expected, "segments in the message", "訊息內的區段數", issues)
    reference = unt.element(2)
    if reference != message.reference:
        issues.append(_issue("syntax.edifact.control_reference", unt.pointer(2),
                             f"UNT names message {_shown(reference or '')} but UNH opened "
                             f"{_shown(message.reference)}.",
                             f"UNT 的訊息參考號 {_shown(reference or '')} 與 UNH 的 "
                             f"{_shown(message.reference)} 不符。"))
    identifier = message.identifier
    return Message(message.reference, identifier[0], identifier[1], identifier[2], identifier[3],
                   identifier[4] or None, message.header,
                   tuple(parsed) if parsed is not None else tuple([(s.tag, s.elements) for s in message.body]),
                   None if parsed is not None else tuple(message.body))


def _check_trailer(unz: Segment, reference: str, messages: int, issues: list[Issue]) -> None:
    _check_count(unz, messages, "messages in the interchange", "交換檔內的訊息數", issues)
    if unz.element(2) != reference:
        issues.append(_issue("syntax.edifact.control_reference", unz.pointer(2),
                             f"UNZ names interchange {_shown(unz.element(2) or '')} but UNB opened "
                             f"{_shown(reference)}.",
                             f"UNZ 的交換控制參考號 {_shown(unz.element(2) or '')} 與 UNB 的 "
                             f"{_shown(reference)} 不符。"))


def _check_count(segment: Segment, expected: int, what_en: str, what_zh: str, issues: list[Issue]) -> None:
    declared = segment.element(1) or ""
    if not _DIGITS.fullmatch(declared) or len(declared) > 10 or int(declared) != expected:
        issues.append(_issue("syntax.edifact.control_count", segment.pointer(1),
                             f"{segment.tag} declares {_shown(declared)} {what_en}; there are {expected}.",
                             f"{segment.tag} 宣告的{what_zh}為 {_shown(declared)}，實際為 {expected}。"))


def _missing_unt(message: _Open) -> Issue:
    return _issue("syntax.edifact.envelope", message.header.pointer(),
                  f"Message {_shown(message.reference)} opened here has no UNT.",
                  f"此處開始的訊息 {_shown(message.reference)} 缺少 UNT 結尾。")


# --------------------------------------------------------------------------------------------
# Writing
# --------------------------------------------------------------------------------------------

OutElement = str | None | Sequence[str | None]
OutSegment = Segment | tuple[str, Sequence[OutElement]]
OutMessage = tuple[str, str, Sequence[OutSegment]]


def write_interchange(
    sender: Party,
    recipient: Party,
    messages: Sequence[OutMessage],
    *,
    control_reference: str,
    prepared_at: datetime,
    application_reference: str | None = None,
    test: bool = False,
) -> bytes:
    """UNA, UNB, each ``(type, reference, segments)`` wrapped in UNH…UNT, UNZ; UTF-8 (UNOW), D.96B.

    ``prepared_at`` must be timezone-aware and is written in UTC. Values are escaped, so ``' + : ?``
    round-trip; trailing empty elements and components are dropped as the syntax requires. Bad
    input is a programming error in the mapping and raises ``ValueError``.
    """
    if prepared_at.tzinfo is None:
        raise ValueError("prepared_at must be timezone-aware")
    if not messages:
        raise ValueError("an interchange needs at least one message")
    stamp = prepared_at.astimezone(UTC)
    _reference(control_reference, "control reference")
    optional_tail: list[OutElement] = ["", application_reference, "", "", "", "1" if test else ""]
    out = [_segment("UNB", [[SYNTAX_IDENTIFIER, SYNTAX_VERSION], [sender.id, sender.qualifier],
                            [recipient.id, recipient.qualifier], [f"{stamp:%Y%m%d}", f"{stamp:%H%M}"],
                            control_reference, *optional_tail])]
    for message_type, reference, segments in messages:
        if not _MESSAGE_TYPE.fullmatch(message_type):
            raise ValueError(f"message type {message_type!r} is not six capital letters")
        _reference(reference, "message reference")
        out.append(_segment("UNH", [reference, [message_type, DIRECTORY_VERSION, DIRECTORY_RELEASE,
                                                CONTROLLING_AGENCY]]))
        for item in segments:
            tag, elements = _out_parts(item)
            if tag in _ENVELOPE_TAGS:
                raise ValueError(f"{tag} is written by the envelope, not by the message")
            out.append(_segment(tag, elements))
        out.append(_segment("UNT", [str(len(segments) + 2), reference]))
    out.append(_segment("UNZ", [str(len(messages)), control_reference]))
    text = Serializer(Characters.from_str(SERVICE_STRING)).serialize(out, with_una_header=True)
    return text.encode("utf-8")


def _reference(value: str, what: str) -> None:
    if not value or len(value) > 14 or _CONTROLS.search(value):
        raise ValueError(f"{what} {value!r} must be 1 to 14 printable characters")


def _out_parts(item: OutSegment) -> tuple[str, Sequence[OutElement]]:
    if isinstance(item, Segment):
        return item.tag, item.elements
    return item


def _segment(tag: str, elements: Sequence[OutElement]) -> PydifactSegment:
    if not _TAG.fullmatch(tag):
        raise ValueError(f"segment tag {tag!r} is not three capital letters")
    values: list[str | list[str]] = []
    for element in elements:
        if element is None or isinstance(element, str):
            values.append(_value(tag, element))
        else:
            components = [_value(tag, c) for c in element]
            while components and not components[-1]:
                components.pop()
            values.append(components[0] if len(components) == 1 else components)
    while values and not values[-1]:
        values.pop()
    if not values:
        raise ValueError(f"segment {tag} has no data")
    if len(values) > MAX_ELEMENTS or any(isinstance(v, list) and len(v) > MAX_COMPONENTS for v in values):
        raise ValueError(f"segment {tag} has more elements or components than a reader accepts")
    return PydifactSegment(tag, *values)


def _value(tag: str, value: str | None) -> str:
    if value is None:
        return ""
    if _CONTROLS.search(value) or "\r" in value or "\n" in value:
        raise ValueError(f"segment {tag}: control characters and line breaks cannot be sent in EDIFACT")
    if len(value) > MAX_VALUE_CHARS:
        raise ValueError(f"segment {tag}: value longer than {MAX_VALUE_CHARS} characters")
    return value
