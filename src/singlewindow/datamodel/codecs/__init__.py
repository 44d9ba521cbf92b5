"""The codec registry: formats are decoded at the edge into one harmonised structure.

A codec turns payload bytes into the data set's JSON-shaped dict (and a harmonised document
back into bytes). The exchange looks codecs up by the request's content type. Decoding also
keeps, for each JSON location, where it came from in the submitted format (an XPath, an
EDIFACT segment position), so that validation errors point into what the sender wrote.

JSON is the exception to "decode, then validate the dict": its codec hands over the text itself
(``Decoded.source``) and the schema layer validates straight from it, parsing into a dict only
when something is wrong or when a caller reads ``Decoded.document``.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, Protocol

from singlewindow.datamodel.datasets.base import DataSet
from singlewindow.datamodel.issues import Issue


class Source(Protocol):
    """Submitted text the schema layer may validate directly, without the parsed dict (JSON).

    Validating the text straight into the data set saves parsing it into Python objects first (a
    quarter of the work for a typical declaration), but the validator reads the text its own way:
    what the codec's parse refuses and the validator lets through (a key given twice) is refused
    here, on the validated result.
    """

    @property
    def text(self) -> bytes:
        """The submitted text, as received."""

    def check(self, members: int) -> None:
        """Raise ``MessageInvalid`` as the codec's parse would for a text the validator accepted.

        ``members`` is how many elements the validated document holds, counted over every nested class.
        """


class Decoded:
    """A decoded message: the JSON-shaped document and where each part came from.

    A codec may hand over the document lazily (``parse``), with the submitted text to validate from
    (``source``): the document is then parsed only when read, and its syntax faults are raised there.
    """

    __slots__ = ("_document", "_parse", "origins", "source")

    def __init__(self, document: dict[str, Any] | None = None, origins: Mapping[str, str] | None = None, *,
                 parse: Callable[[], dict[str, Any]] | None = None, source: Source | None = None) -> None:
        if (document is None) == (parse is None):
            raise TypeError("give either the document or the function that parses it")
        self._document = document
        self._parse = parse
        self.origins: Mapping[str, str] = origins if origins is not None else {}
        """JSON pointer -> pointer in the submitted format; empty when the format is JSON."""
        self.source = source

    @property
    def document(self) -> dict[str, Any]:
        """The JSON-shaped document; parsed on first use when the codec deferred it."""
        if self._document is None:
            assert self._parse is not None
            self._document = self._parse()
        return self._document

    def locate(self, pointer: str) -> str:
        """The submitted-format pointer of the nearest enclosing location that has one."""
        if not self.origins:
            return pointer
        probe = pointer
        while probe:
            if probe in self.origins:
                suffix = pointer[len(probe):]
                return self.origins[probe] + (f" (then {suffix})" if suffix else "")
            probe = probe.rsplit("/", 1)[0]
        return self.origins.get("", pointer)

    def relocate(self, issues: list[Issue]) -> list[Issue]:
        """The same issues, pointing into the submitted format."""
        if not self.origins:
            return issues
        return [replace(found, pointer=self.locate(found.pointer)) for found in issues]


class Codec(Protocol):
    name: str
    content_types: tuple[str, ...]
    datasets: frozenset[str] | None
    """The data sets this format carries; None for every data set."""

    def decode(self, payload: bytes, dataset: str) -> Decoded:
        """Parse payload bytes; raise ``MessageInvalid`` with pointers on syntax faults.

        A codec that defers parsing (JSON) raises them when the document is first read instead.
        """

    def encode(self, document: DataSet, dataset: str) -> bytes:
        """Render a validated harmonised document in this format."""


_BY_CONTENT_TYPE: dict[str, Codec] = {}
_BY_NAME: dict[str, Codec] = {}


def register_codec(codec: Codec) -> None:
    _BY_NAME[codec.name] = codec
    for content_type in codec.content_types:
        _BY_CONTENT_TYPE[content_type] = codec


def codec_for_content_type(content_type: str) -> Codec | None:
    """The codec for a Content-Type header value (parameters such as charset ignored)."""
    media_type = content_type.split(";", 1)[0].strip().lower()
    return _BY_CONTENT_TYPE.get(media_type)


def codec_named(name: str) -> Codec | None:
    return _BY_NAME.get(name)


def codec_names() -> list[str]:
    return sorted(_BY_NAME)


def carries(codec: Codec, dataset: str) -> bool:
    return codec.datasets is None or dataset in codec.datasets


def _register_builtin() -> None:
    from singlewindow.datamodel.codecs.edifact import EdifactCodec
    from singlewindow.datamodel.codecs.json_codec import JsonCodec
    from singlewindow.datamodel.codecs.wco_dec import WcoDecXmlCodec

    register_codec(JsonCodec())
    register_codec(WcoDecXmlCodec())
    register_codec(EdifactCodec())


_register_builtin()
