"""The canonical JSON codec, hardened against hostile input."""

from __future__ import annotations

import json
from typing import Any

from singlewindow.datamodel.codecs import Decoded
from singlewindow.datamodel.datasets.base import DataSet, to_document
from singlewindow.datamodel.issues import Issue, MessageInvalid

MAX_DEPTH = 32


def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _DuplicateKey(key)
        result[key] = value
    return result


class _DuplicateKey(ValueError):
    pass


def _depth(document: Any) -> int:
    """Nesting depth, walked iteratively so hostile input cannot exhaust the stack."""
    deepest = 0
    stack: list[tuple[Any, int]] = [(document, 1)]
    while stack:
        node, level = stack.pop()
        if isinstance(node, dict):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in node.values())
        elif isinstance(node, list):
            deepest = max(deepest, level)
            stack.extend((v, level + 1) for v in node)
    return deepest


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
        if _depth(document) > MAX_DEPTH:
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
