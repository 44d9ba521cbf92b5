"""UN/EDIFACT D.96B: CUSDEC for declarations (in and out), CUSCAR for manifests, CUSRES for responses.

The syntax layer (``edifact_syntax``) checks the interchange; the profiles (``edifact_cusdec``,
``edifact_cuscar``, ``edifact_cusres``) say where each harmonised field sits; the generic reader
and writer apply them. One interchange carries one message. Written interchanges are UTF-8
(UNOW), syntax version 4, sent by the Single Window; every JSON location decoded keeps its
``segment N (TAG), element E, component C`` position for error pointers. A message without a
structural fault is read by the fast reader (``edifact_fast``), and the positions are recorded
only if a report asks for one.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, datetime
from typing import Any

from singlewindow.datamodel.codecs import Decoded, edifact_cuscar, edifact_cusdec, edifact_cusres
from singlewindow.datamodel.codecs.edifact_fast import read_document
from singlewindow.datamodel.codecs.edifact_reader import Origins, Where, codec_issue, read_message
from singlewindow.datamodel.codecs.edifact_rules import CompiledProfile
from singlewindow.datamodel.codecs.edifact_syntax import Party, read_interchange, write_interchange
from singlewindow.datamodel.codecs.edifact_writer import write_message
from singlewindow.datamodel.datasets.base import DataSet
from singlewindow.datamodel.datasets.cargo import CargoManifest
from singlewindow.datamodel.issues import MessageInvalid

PROFILES: dict[str, CompiledProfile] = {
    **edifact_cusdec.COMPILED,
    "cargo_manifest": edifact_cuscar.COMPILED,
    "customs_response": edifact_cusres.COMPILED,
}
SENDER = Party("SINGLEWINDOW", "ZZZ")
"""The interchange sender of everything the Single Window writes (ZZZ: identity agreed between partners)."""
_RECIPIENTS = {"customs_response": "TRADER"}
MESSAGE_REFERENCE = "1"


class EdifactCodec:
    name = "edifact"
    content_types: tuple[str, ...] = ("application/edifact",)
    datasets: frozenset[str] | None = frozenset(PROFILES)

    def decode(self, payload: bytes, dataset: str) -> Decoded:
        compiled = _profile(dataset)
        interchange = read_interchange(payload, expected_type=compiled.profile.message)
        if len(interchange.messages) != 1:
            second = interchange.messages[1].header.pointer() if interchange.messages else ""
            raise MessageInvalid([codec_issue("syntax.edifact.message_count", second,
                                              what=str(len(interchange.messages)),
                                              message=compiled.profile.message)])
        decimal_mark = interchange.service_characters[2]
        message = interchange.messages[0]
        if dataset != "cargo_manifest":  # the manifest's assembly needs the positions at once
            fast = read_document(message, compiled, decimal_mark)
            if fast is not None:
                return Decoded(fast, Origins(load=lambda: _positions(payload, compiled)))
        document, origins, issues = read_message(message, compiled, decimal_mark)
        if dataset == "cargo_manifest" and not issues:
            origins, issues = edifact_cuscar.assemble(document, origins)
        if issues:
            raise MessageInvalid(issues)
        return Decoded(document, Origins(origins))

    def encode(self, document: DataSet, dataset: str) -> bytes:
        compiled = _profile(dataset)
        source: Any = edifact_cuscar.for_writing(document) if isinstance(document, CargoManifest) else document
        segments = write_message(compiled, source)
        digest = hashlib.blake2b(repr(segments).encode(), digest_size=7).hexdigest().upper()
        recipient = _RECIPIENTS.get(dataset) or getattr(document, "declaration_office_id", None) or "CUSTOMS"
        return write_interchange(SENDER, Party(recipient, "ZZZ"),
                                 [(compiled.profile.message, MESSAGE_REFERENCE, segments)],
                                 control_reference=digest, prepared_at=datetime.now(UTC),
                                 application_reference=compiled.profile.message)


def _positions(payload: bytes, compiled: CompiledProfile) -> dict[str, Where]:
    """The positions of a message the fast path read, for a report that asks for them.

    The interchange is read again from the payload rather than kept: a parsed message is a thousand
    small objects, and holding them while the document is validated would make every garbage
    collection in between walk them. Reading it again costs only on the rare report.
    """
    interchange = read_interchange(payload, expected_type=compiled.profile.message)
    return read_message(interchange.messages[0], compiled, interchange.service_characters[2])[1]


def _profile(dataset: str) -> CompiledProfile:
    compiled = PROFILES.get(dataset)
    if compiled is None:
        raise MessageInvalid([codec_issue("syntax.edifact.data_set", "", what=repr(dataset[:40]))])
    return compiled
