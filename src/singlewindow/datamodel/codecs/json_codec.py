"""The canonical JSON codec, hardened against hostile input."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from singlewindow.datamodel.codecs import Decoded
from singlewindow.datamodel.datasets.base import DataSet, to_document
from singlewindow.datamodel.issues import Issue, MessageInvalid

MAX_DEPTH = 32


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result = dict(pairs)
    if len(result) != len(pairs):  # rare: find the key for the message
        seen: set[str] = set()
        for key, _ in pairs:
            if key in seen:
                raise _DuplicateKey(key)
            seen.add(key)
    return result


class _DuplicateKey(ValueError):
    pass


# Bytes that matter for structure: brackets, colons, and the quotes and escapes that say whether
# one of them is text.
_STRUCTURE = bytes(b if b in b'{}[]:"\\' else ord(".") for b in range(256))
_NOT_STRUCTURE = bytes(b for b in range(256) if b not in b'{}[]:"\\')


def _outside_strings(payload: bytes) -> bytes:
    """The brackets and colons of well-formed JSON text that stand outside strings, in order.

    Read from the bytes at C speed instead of walking a parsed tree in Python: escaped
    backslashes and quotes are dropped, then string contents. UTF-8 continuation bytes are never
    ASCII, so working on bytes is exact.
    """
    if b"\\" in payload:
        # string contents become dots first, so that an escape cannot pair with a quote after it
        reduced = payload.translate(_STRUCTURE).replace(b"\\\\", b"").replace(b'\\"', b"")
        kept = reduced.translate(None, b".\\")
    else:
        kept = payload.translate(None, _NOT_STRUCTURE)
    # Quotes now alternate open/close; dropping adjacent pairs keeps everything else on its side.
    kept = kept.replace(b'""', b"")
    if b'"' in kept:
        kept = b"".join(kept.split(b'"')[::2])
    return kept


def _deeper_than(brackets: bytes, limit: int) -> bool:
    """Whether balanced ``brackets`` nest deeper than ``limit``: each round removes the innermost pairs."""
    rounds = 0
    while brackets:
        if rounds == limit:
            return True
        # the marker keeps a pair uncovered in this round from matching until the next
        brackets = brackets.replace(b"{}", b"\0").replace(b"[]", b"\0").replace(b"\0", b"")
        rounds += 1
    return False


def _too_deep_text(payload: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text (already parsed, so well formed) nests deeper than ``limit``."""
    return _deeper_than(_outside_strings(payload).translate(None, b":"), limit)


@dataclass(frozen=True)
class JsonText:
    """The submitted JSON text, for the schema layer to validate directly (see ``codecs.Source``).

    The validator reading it keeps the last of a key given twice, where the parse refuses it. A JSON
    text has one colon outside strings per object member, and a validated document one set field per
    member (unknown members are refused), so the two counts differ exactly when a key is repeated --
    or, harmlessly, when a field is given under both its JSON and its Python name. Any difference
    runs the full parse, which refuses what it refuses. Nesting needs no check here: a validated
    document nests no deeper than its data set's classes, which stay within ``MAX_DEPTH`` (a test
    holds every data set to it); deeper text fails validation and meets the parse.
    """

    codec: JsonCodec
    payload: bytes

    @property
    def text(self) -> bytes:
        return self.payload

    def check(self, members: int) -> None:
        if _outside_strings(self.payload).count(b":") != members:
            self.codec.parse(self.payload)  # raises the duplicate key, or finds a field given under both names


class JsonCodec:
    name = "json"
    content_types: tuple[str, ...] = ("application/json",)
    datasets: frozenset[str] | None = None

    def decode(self, payload: bytes, dataset: str = "") -> Decoded:
        """The document, parsed when first read; validation reads the text directly instead."""
        return Decoded(parse=lambda: self.parse(payload), source=JsonText(self, payload))

    def parse(self, payload: bytes) -> dict[str, Any]:
        """The JSON object in ``payload``, or ``MessageInvalid`` saying what is wrong with it."""
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise MessageInvalid(
                [Issue("syntax.encoding", "", f"Payload is not UTF-8 (byte {exc.start}).",
                       f"訊息內容不是 UTF-8 編碼（第 {exc.start} 位元組）。")]
            ) from None
        try:
            document = json.loads(text, object_pairs_hook=_no_duplicate_keys)
        except _DuplicateKey as exc:
            raise MessageInvalid(
                [Issue("syntax.duplicate_key", "", f"Key {exc.args[0]!r} appears twice.",
                       f"欄位 {exc.args[0]!r} 重複出現。")]
            ) from None
        except RecursionError:
            raise MessageInvalid([_too_deep()]) from None
        except json.JSONDecodeError as exc:
            raise MessageInvalid(
                [Issue("syntax.json", "", f"Malformed JSON at line {exc.lineno} column {exc.colno}: {exc.msg}.",
                       f"JSON 格式錯誤：第 {exc.lineno} 行第 {exc.colno} 欄（{exc.msg}）。")]
            ) from None
        except ValueError:  # an integer too long to convert (Python's guard against quadratic parsing)
            raise MessageInvalid(
                [Issue("syntax.json", "", "Malformed JSON: a number has too many digits.",
                       "JSON 格式錯誤：數值位數過多。")]
            ) from None
        if not isinstance(document, dict):
            raise MessageInvalid(
                [Issue("syntax.not_object", "", "The payload must be a JSON object.",
                       "訊息內容必須是 JSON 物件。")]
            )
        if _too_deep_text(payload):
            raise MessageInvalid([_too_deep()])
        return document

    def encode(self, document: DataSet, dataset: str = "") -> bytes:
        return self.dumps(to_document(document))

    @staticmethod
    def dumps(document: dict[str, Any]) -> bytes:
        return json.dumps(document, ensure_ascii=False, separators=(",", ":")).encode()


def _too_deep() -> Issue:
    return Issue("syntax.too_deep", "", f"Nesting deeper than {MAX_DEPTH} levels.",
                 f"巢狀層數超過 {MAX_DEPTH} 層。")
