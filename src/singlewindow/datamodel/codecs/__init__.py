"""The codec registry: formats are decoded at the edge into one harmonised structure.

A codec turns payload bytes into the data set's JSON-shaped dict (and back). The exchange looks
codecs up by the request's content type; later formats (WCO DEC XML, UN/EDIFACT) register here.
"""

from __future__ import annotations

from typing import Any, Protocol


class Codec(Protocol):
    name: str
    content_types: tuple[str, ...]

    def decode(self, payload: bytes) -> dict[str, Any]:
        """Parse payload bytes; raise ``MessageInvalid`` with pointers on syntax faults."""

    def encode(self, document: dict[str, Any]) -> bytes:
        """Render a harmonised document in this format."""


_BY_CONTENT_TYPE: dict[str, Codec] = {}


def register_codec(codec: Codec) -> None:
    for content_type in codec.content_types:
        _BY_CONTENT_TYPE[content_type] = codec


def codec_for_content_type(content_type: str) -> Codec | None:
    """The codec for a Content-Type header value (parameters such as charset ignored)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return _BY_CONTENT_TYPE.get(media_type)


def _register_builtin() -> None:
    from singlewindow.datamodel.codecs.json_codec import JsonCodec

    register_codec(JsonCodec())


_register_builtin()
