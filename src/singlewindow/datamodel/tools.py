"""What the ``singlewindow message`` command does, without Django: detect, validate, convert.

Brokers and integrators run these on files before sending them; the answers are the same the
exchange would give, pointers in the file's own format included.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from singlewindow.datamodel.codecs import Codec, carries, codec_named
from singlewindow.datamodel.codelists import CodeLists
from singlewindow.datamodel.datasets import DATA_SETS, DataSet
from singlewindow.datamodel.issues import Issue, MessageInvalid
from singlewindow.datamodel.validation import validate_decoded

_XML_TYPE_CODE = re.compile(rb"<(?:\w+:)?TypeCode>\s*(EX|IM|CO)", re.IGNORECASE)
_JSON_TYPE_CODE = re.compile(rb'"typeCode"\s*:\s*"(EX|IM|CO)', re.IGNORECASE)


class ToolError(Exception):
    """The file cannot be handled as asked (unknown format or data set); the text says why."""


@dataclass(frozen=True)
class Checked:
    format: str
    dataset: str
    model: DataSet | None
    issues: list[Issue]


def detect_format(payload: bytes) -> str:
    head = payload.lstrip(b"\xef\xbb\xbf \t\r\n")[:3]
    if head.startswith(b"{"):
        return "json"
    if head.startswith(b"<"):
        return "wco-dec-xml"
    if head in (b"UNA", b"UNB"):
        return "edifact"
    raise ToolError("cannot tell the format: expected JSON, WCO DEC XML or UN/EDIFACT (use --format)")


def detect_dataset(payload: bytes, fmt: str) -> str:
    """The data set a file carries, from its own markers; JSON without a declaration type needs ``--dataset``."""
    if fmt == "wco-dec-xml":
        if b"RES-DMS" in payload[:4096] or b"<Response" in payload[:4096]:
            return "customs_response"
        return _declaration_kind(_XML_TYPE_CODE.search(payload))
    if fmt == "edifact":
        if b"CUSCAR" in payload[:512]:
            return "cargo_manifest"
        if b"CUSRES" in payload[:512]:
            return "customs_response"
        document = re.search(rb"BGM\+(830|929)\b", payload[:4096])  # goods declaration for export / import
        if document:
            return "export_declaration" if document.group(1) == b"830" else "import_declaration"
        return _declaration_kind(re.search(rb"BGM\+(?:\d+:[^+']*\+)?[^']*?(EX|IM)", payload[:4096]))
    if b'"goodsShipment"' in payload:
        return _declaration_kind(_JSON_TYPE_CODE.search(payload))
    raise ToolError("cannot tell the data set of this JSON document (use --dataset)")


def _declaration_kind(found: re.Match[bytes] | None) -> str:
    return "export_declaration" if found and found.group(1).upper() == b"EX" else "import_declaration"


def codec_for(fmt: str, dataset: str) -> Codec:
    codec = codec_named(fmt)
    if codec is None:
        raise ToolError(f"unknown format {fmt!r}")
    if not carries(codec, dataset):
        raise ToolError(f"the {fmt} format does not carry the {dataset} data set")
    return codec


def check(payload: bytes, *, fmt: str | None = None, dataset: str | None = None,
          code_lists: CodeLists | None = None) -> Checked:
    """Every fault in ``payload`` (syntax, schema, code lists, business rules), pointing into its format."""
    fmt = fmt or detect_format(payload)
    dataset = dataset or detect_dataset(payload, fmt)
    if dataset not in DATA_SETS:
        raise ToolError(f"unknown data set {dataset!r}; known: {', '.join(DATA_SETS)}")
    codec = codec_for(fmt, dataset)
    try:
        decoded = codec.decode(payload, dataset)
    except MessageInvalid as invalid:
        return Checked(fmt, dataset, None, invalid.issues)
    try:
        model = validate_decoded(dataset, decoded, code_lists)
    except MessageInvalid as invalid:
        return Checked(fmt, dataset, None, decoded.relocate(invalid.issues))
    return Checked(fmt, dataset, model, [])


def convert(payload: bytes, *, to: str, fmt: str | None = None, dataset: str | None = None,
            code_lists: CodeLists | None = None) -> tuple[Checked, bytes | None]:
    """The message in format ``to``; nothing is written when the input is not valid."""
    checked = check(payload, fmt=fmt, dataset=dataset, code_lists=code_lists)
    if checked.model is None:
        return checked, None
    return checked, codec_for(to, checked.dataset).encode(checked.model, checked.dataset)
