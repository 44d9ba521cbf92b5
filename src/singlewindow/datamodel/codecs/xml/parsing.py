"""Turn untrusted XML bytes into an lxml tree without letting the document reach anything else.

Each rule and why:

* The size limit is checked before parsing, so an oversized body costs nothing.
* Only UTF-8 is accepted (with or without a byte-order mark or an ``encoding="UTF-8"`` declaration),
  and the parser is told so rather than trusting the document: one encoding means one way to read
  every byte, and the WCO DEC and the exchange both use UTF-8.
* A DOCTYPE is refused before the parser sees it. Without a DTD there are no entities to expand
  (billion laughs, quadratic blow-up) and no external identifiers to fetch (XXE, parameter
  entities). Behind that check the parser is set not to load DTDs, resolve entities or use the
  network, and a resolver answers any external lookup libxml2 still attempts with nothing.
* Processing instructions are refused: a declaration carries data, not instructions to its reader,
  and silently dropping one could hide what the sender meant.
* Depth and element count are counted from parser events while the document streams in, so a
  hostile document is stopped without building all of it and without recursion. (The underlying
  parser never nests deeper than 256 levels whatever ``max_depth`` says.)
* Comments are left out of the returned tree; CDATA sections become plain text.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from lxml import etree

from singlewindow.datamodel.codecs.xml.pointers import xpath_of
from singlewindow.datamodel.issues import Issue, MessageInvalid

if TYPE_CHECKING:
    from lxml.etree._docloader import _InputDocument

DEFAULT_MAX_BYTES = 10 * 1024 * 1024
DEFAULT_MAX_DEPTH = 32
DEFAULT_MAX_ELEMENTS = 200_000

_CHUNK = 64 * 1024
_UTF8_BOM = b"\xef\xbb\xbf"
_OTHER_BOMS = (b"\xff\xfe", b"\xfe\xff", b"\x00\x00\xfe\xff")
_XML_DECLARATION = re.compile(rb"(?:\xef\xbb\xbf)?<\?xml([^>]{0,512})\?>")
_ENCODING_PSEUDO_ATTRIBUTE = re.compile(rb"\sencoding\s*=\s*([\"'])(.*?)\1", re.DOTALL)
_UTF8_NAMES = frozenset({b"utf-8", b"utf8"})
_SPACES = re.compile(rb"[ \t\r\n]*")
_LINE_SUFFIX = re.compile(r",\s*line \d+,\s*column \d+\s*$")
_SAFE_OPTIONS: dict[str, Any] = {
    "encoding": "utf-8",
    "resolve_entities": False,
    "load_dtd": False,
    "dtd_validation": False,
    "attribute_defaults": False,
    "no_network": True,
    "huge_tree": False,
    "remove_comments": True,
    "strip_cdata": True,
    "collect_ids": False,
}


def parse_xml(
    payload: bytes,
    *,
    max_bytes: int = DEFAULT_MAX_BYTES,
    max_depth: int = DEFAULT_MAX_DEPTH,
    max_elements: int = DEFAULT_MAX_ELEMENTS,
) -> etree._Element:
    """The root element of ``payload``; raises ``MessageInvalid`` for anything it will not read."""
    if len(payload) > max_bytes:
        raise _invalid(
            "syntax.xml.too_large",
            "",
            f"The message is {len(payload)} bytes; the limit is {max_bytes} bytes.",
            f"訊息大小為 {len(payload)} 位元組，超過上限 {max_bytes} 位元組。",
        )
    _require_utf8(payload)
    _check_prolog(payload)
    return _stream(payload, max_depth=max_depth, max_elements=max_elements)


def _invalid(code: str, pointer: str, en: str, zh: str) -> MessageInvalid:
    return MessageInvalid([Issue(code, pointer, en, zh)])


def _require_utf8(payload: bytes) -> None:
    if payload.startswith(_OTHER_BOMS):
        raise _invalid(
            "syntax.xml.encoding",
            "",
            "XML must be encoded in UTF-8; this message starts with a UTF-16 or UTF-32 byte-order mark.",
            "XML 必須以 UTF-8 編碼；此訊息開頭為 UTF-16 或 UTF-32 的位元組順序標記。",
        )
    declaration = _XML_DECLARATION.match(payload)
    if declaration is not None:
        declared = _ENCODING_PSEUDO_ATTRIBUTE.search(declaration.group(1))
        if declared is not None and declared.group(2).strip().lower() not in _UTF8_NAMES:
            name = declared.group(2).decode("ascii", "replace")
            raise _invalid(
                "syntax.xml.encoding",
                "",
                f"XML must be encoded in UTF-8; the message declares encoding {name!r}.",
                f"XML 必須以 UTF-8 編碼；此訊息宣告的編碼為 {name!r}。",
            )
    try:
        payload.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _invalid(
            "syntax.xml.encoding",
            "",
            f"XML must be encoded in UTF-8; byte {exc.start} is not valid UTF-8.",
            f"XML 必須以 UTF-8 編碼；第 {exc.start} 位元組不是有效的 UTF-8。",
        ) from None


def _check_prolog(payload: bytes) -> None:
    """Refuse a DOCTYPE, looking only where one may stand: before the root, among comments and PIs."""
    position = len(_UTF8_BOM) if payload.startswith(_UTF8_BOM) else 0
    while True:
        spaces = _SPACES.match(payload, position)
        position = spaces.end() if spaces is not None else position
        if payload.startswith(b"<?", position):
            end, closer = payload.find(b"?>", position + 2), 2
        elif payload.startswith(b"<!--", position):
            end, closer = payload.find(b"-->", position + 4), 3
        else:
            break
        if end < 0:
            return
        position = end + closer
    if position >= len(payload):
        raise _invalid("syntax.xml.empty", "", "The message contains no XML element.", "訊息中沒有任何 XML 元素。")
    if payload[position : position + 9].upper() == b"<!DOCTYPE":
        raise _doctype_refused()


def _doctype_refused() -> MessageInvalid:
    return _invalid(
        "syntax.xml.doctype",
        "",
        "Document type declarations (DOCTYPE, DTD, entities) are not accepted; remove them and send again.",
        "不接受文件類型宣告（DOCTYPE、DTD 或實體宣告）；請移除後重新送出。",
    )


class _Limits:
    """Follows parser events: the open elements (innermost last) and how many elements were seen."""

    def __init__(self, max_depth: int, max_elements: int) -> None:
        self.max_depth = max_depth
        self.max_elements = max_elements
        self.elements = 0
        self.stack: list[etree._Element] = []

    def follow(self, events: Iterable[tuple[str, etree._Element]]) -> None:
        """Check each event; only the three subscribed kinds arrive, each carrying its node."""
        for event, node in events:
            if event == "start":
                self.stack.append(node)
                self.elements += 1
                if len(self.stack) > self.max_depth:
                    raise _invalid(
                        "syntax.xml.too_deep",
                        xpath_of(node),
                        f"Elements are nested deeper than {self.max_depth} levels.",
                        f"XML 元素巢狀層數超過上限 {self.max_depth} 層。",
                    )
                if self.elements > self.max_elements:
                    raise _invalid(
                        "syntax.xml.too_many_elements",
                        xpath_of(node),
                        f"The message has more than {self.max_elements} elements.",
                        f"XML 元素數量超過上限 {self.max_elements} 個。",
                    )
            elif event == "end":
                self.stack.pop()
            elif event == "pi":
                parent = node.getparent()
                raise _invalid(
                    "syntax.xml.processing_instruction",
                    xpath_of(parent) if parent is not None else "",
                    "Processing instructions (<?...?>) are not accepted; only the XML declaration may use that form.",
                    "不接受處理指令（<?...?>）；只有 XML 宣告可使用此形式。",
                )


class _RefuseAll(etree.Resolver):
    """Second line of defence behind the DOCTYPE check: hand the parser nothing from outside."""

    def resolve(self, system_url: str | None, public_id: str | None, context: object) -> _InputDocument:
        return self.resolve_string(b"", context)


_REFUSE_ALL = _RefuseAll()


def _new_parser() -> etree.XMLPullParser:
    parser = etree.XMLPullParser(events=("start", "end", "pi"), **_SAFE_OPTIONS)
    parser.resolvers.add(_REFUSE_ALL)
    return parser


def _stream(payload: bytes, *, max_depth: int, max_elements: int) -> etree._Element:
    parser = _new_parser()
    limits = _Limits(max_depth, max_elements)
    failure: etree.XMLSyntaxError | None = None
    try:
        if len(payload) <= _CHUNK:
            parser.feed(payload)
            limits.follow(parser.read_events())
        else:
            view = memoryview(payload)
            for offset in range(0, len(payload), _CHUNK):
                parser.feed(bytes(view[offset : offset + _CHUNK]))
                limits.follow(parser.read_events())
        root = parser.close()
    except etree.XMLSyntaxError as exc:
        failure = exc
    # Events read before a syntax fault still count: a limit crossed earlier is the better report.
    limits.follow(parser.read_events())
    if failure is not None:
        raise _syntax_error(_precise(failure, payload), limits.stack[-1] if limits.stack else None)
    if root.getroottree().docinfo.doctype:
        raise _doctype_refused()
    return root


def _precise(failure: etree.XMLSyntaxError, payload: bytes) -> etree.XMLSyntaxError:
    """The streaming parser sometimes reports a fault without its place (e.g. an undeclared entity
    as "no element found" at line 0); a one-shot parse of the same bytes stops at the same fault and
    names it. Only failed documents pay for this, and none went past a limit."""
    if failure.position and failure.position[0] > 0:
        return failure
    try:
        etree.fromstring(payload, _one_shot_parser())
    except etree.XMLSyntaxError as exc:
        return exc
    return failure


def _one_shot_parser() -> etree.XMLParser:
    parser: etree.XMLParser = etree.XMLParser(**_SAFE_OPTIONS)
    parser.resolvers.add(_REFUSE_ALL)
    return parser


def _syntax_error(exc: etree.XMLSyntaxError, open_element: etree._Element | None) -> MessageInvalid:
    line, column = exc.position if exc.position else (exc.lineno, 0)
    detail = _LINE_SUFFIX.sub("", str(exc.msg or "malformed XML")).strip()
    return _invalid(
        "syntax.xml",
        xpath_of(open_element) if open_element is not None else "",
        f"Malformed XML at line {line}, column {column}: {detail}.",
        f"XML 格式錯誤：第 {line} 行第 {column} 欄（{detail}）。",
    )
