"""The canonical JSON codec, hardened against hostile input."""

from __future__ import annotations

import json
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


# Bytes that matter for nesting: brackets, and the quotes and escapes that say whether a bracket is text.
_STRUCTURE = bytes(b if b in b'{}[]"\\' else ord(".") for b in range(256))


def _too_deep_text(payload: bytes, limit: int = MAX_DEPTH) -> bool:
    """Whether the JSON text (already parsed, so well formed) nests deeper than ``limit``.

    Read from the bytes at C speed instead of walking the parsed tree in Python: escaped
    backslashes and quotes are dropped, then string contents, leaving only the brackets outside
    strings; each round removes the innermost empty pairs, so the number of rounds is the depth.
    UTF-8 continuation bytes are never ASCII, so working on bytes is exact.
    """
    reduced = payload.translate(_STRUCTURE)
    if b"\\" in reduced:
        reduced = reduced.replace(b"\\\\", b"").replace(b'\\"', b"")
    # Quotes now alternate open/close; dropping adjacent pairs keeps every bracket on its side.
    brackets = reduced.translate(None, b".\\").replace(b'""', b"")
    if b'"' in brackets:
        brackets = b"".join(brackets.split(b'"')[::2])
    rounds = 0
    while brackets:
        if rounds == limit:
            return True
        # the marker keeps a pair uncovered in this round from matching until the next
        brackets = brackets.replace(b"{}", b"\0").replace(b"[]", b"\0").replace(b"\0", b"")
        rounds += 1
    return False


class JsonCodec:
    name = "json"
    content_types: tuple[str, ...] = ("application/json",)
    datasets: frozenset[str] | None = None

    def decode(self, payload: bytes, dataset: str = "") -> Decoded:
        return Decoded(self.parse(payload))

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
