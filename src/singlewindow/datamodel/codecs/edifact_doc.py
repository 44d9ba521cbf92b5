"""The UN/EDIFACT message implementation guide (``docs/edifact.md``), generated from the mapping tables.

Generated, never hand-edited, so the guide is what the codec does:
``python -m singlewindow.datamodel.codecs.edifact_doc > docs/edifact.md`` (a test fails when the
committed file is stale).
"""

from __future__ import annotations

import sys
from collections.abc import Iterator

from singlewindow.datamodel.codecs.edifact import PROFILES, SENDER
from singlewindow.datamodel.codecs.edifact_reader import CODES
from singlewindow.datamodel.codecs.edifact_rules import (
    DATE,
    EACH,
    LINK,
    SPREAD,
    VALUE,
    CompiledProfile,
    CompiledSeg,
    CompiledSlot,
    Node,
)
from singlewindow.datamodel.codecs.edifact_syntax import DIRECTORY_RELEASE, DIRECTORY_VERSION, SYNTAX_IDENTIFIER
from singlewindow.datamodel.datasets import DATA_SET_TITLES

_INTRO = f"""\
# UN/EDIFACT message implementation guide / UN/EDIFACT 訊息建置指引

Generated from the codec's mapping tables by `python -m singlewindow.datamodel.codecs.edifact_doc`;
do not edit by hand.

## Interchange

- **Directory** {DIRECTORY_VERSION}.{DIRECTORY_RELEASE} (`UNH+…+CUSDEC:D:96B:UN`); CUSDEC for import and export
  declarations (read and written), CUSCAR for cargo manifests (read and written), CUSRES for customs
  responses (written and read).
- **Syntax** version 4, level `{SYNTAX_IDENTIFIER}` (UTF-8) when written, with `UNA:+.? '`. Interchanges in UNOA,
  UNOB (ASCII) and UNOC (ISO 8859-1) at version 3 or 4 are read too, with the separators and decimal mark their
  UNA declares.
- **One message per interchange**, no functional groups (UNG/UNE). The UNB sender of what the Single Window
  writes is `{SENDER.id}:{SENDER.qualifier}`; the recipient is the customs office of the declaration (`CUSTOMS`
  when none is given), or `TRADER` for a response. The control reference is a digest of the message.
- **Content type** `application/EDIFACT` (matched without regard to case).

## Conventions

- *Position* `2.1` is element 2, component 1 of the segment, counted from 1 after the tag as in the
  directory; `4.1-5` is text spread over components 1 to 5.
- **Qualifiers.** Codes are those of the D.96B code lists where the list has one for the element;
  codes beginning with `Z` are agreed codes of this guide, used where D.96B has no home for a WCO
  element, so that no harmonised field is dropped.
- **Text** longer than one component allows (35 or 70 characters) continues in the next components of
  the same composite; when even all of them cannot hold it (a 512-character description in five
  components of 70), each component carries an equal longer share. Nothing is cut off.
- **Numbers** have no exponent and a decimal point; a decimal comma declared in UNA is read.
- **Dates** use DTM-style composites: `102` CCYYMMDD for a date, `304` CCYYMMDDHHMMSS followed by `UTC`
  for a date-time (always written in UTC), `204` for a date-time without a zone. `203`, `303` and zones
  such as `+0800` are read too.
- **Sequence numbers** of containers, seals and routing countries travel in `RFF+ZSQ` only when they are
  not simply the record's position (1, 2, 3…); without it the position is the sequence number.
- **Empty records.** A class holding no value at all is not written: EDIFACT cannot say "present but
  empty". A record opened by a segment that has no qualifier (DOC, SEL) and carries no other value is
  written with the agreed code `ZZZ` in an unused agency component.
- **Reading** is strict about structure and lenient about values: a segment that has no place at that
  point of the message, or a single segment given twice, is refused with its position; values are
  handed to validation as written, and its errors point back at the segment, element and component.
  Positions not listed here (code-list agencies, for example) are ignored.
"""


def render() -> str:
    lines = [_INTRO]
    written: dict[str, list[str]] = {}
    for dataset, compiled in PROFILES.items():
        title_en, title_zh = DATA_SET_TITLES[dataset]
        rows = list(_rows(compiled))
        lines += [f"## {title_en} / {title_zh}: {compiled.profile.message}", "", f"{compiled.profile.title}."]
        same = next((name for name, other in written.items() if _alike(other, rows)), None)
        if same is not None:
            code = next(code for seg in compiled.sections[0].segments if seg.key == ("BGM",)
                        for _, _, code in seg.rule.fixed)
            lines += [f"Data set `{dataset}`: the segments of `{same}` above, except that BGM 1.1 is `{code}`.", ""]
            continue
        written[dataset] = rows
        lines += [f"Data set `{dataset}`; segments are written in this order.", "",
                  "| Where | Segment | Position | Harmonised element | Meaning |", "|---|---|---|---|---|", *rows, ""]
        if dataset == "cargo_manifest":
            lines += ["A house bill is a `CNI` group like a master bill, with `RFF+MB` naming its master bill: its "
                      "fields are those of `/consignment/*/consignmentItem/*`, in the same positions. It is placed "
                      "under the nearest earlier master bill with that number; the writer puts each master's house "
                      "bills right after it.", ""]
    lines += ["## Error codes / 錯誤代碼", "",
              "Besides the syntax layer's `syntax.edifact.*` codes for the envelope and separators, the mapping "
              "reports:", "", "| Code | English | 中文 |", "|---|---|---|"]
    lines += [f"| `{code}` | {en.format(what='…', message='…')} | {zh.format(what='…', message='…')} |"
              for code, (en, zh) in CODES.items()]
    return "\n".join(lines) + "\n"


def _alike(first: list[str], second: list[str]) -> bool:
    """The same table but for BGM's fixed document code."""
    def plain(rows: list[str]) -> list[str]:
        return [row.split(" (1.1 `")[0] if "`BGM`" in row else row for row in rows]
    return plain(first) == plain(second)


def _rows(compiled: CompiledProfile) -> Iterator[str]:
    for section in compiled.sections:
        where = section.name if section.opener is None else f"{section.name} (after `UNS+{section.opener}`)"
        if section.opener:
            yield f"| {where} | `UNS+{section.opener}` | 1 |  | section control |"
        yield from _level(section, where, "")


def _level(node: Node, where: str, prefix: str) -> Iterator[str]:
    for seg in node.segments:
        yield from _segment_rows(seg, where, prefix)
    for group in node.groups:
        assert group.trigger is not None and group.rule is not None
        path = prefix + group.suffix + "/*"
        label = f"{where} › {getattr(group.rule, 'meaning', '') or group.name}"
        yield from _segment_rows(group.trigger, label, path, opens=True)
        yield from _level(group, label, path)


def _segment_rows(seg: CompiledSeg, where: str, prefix: str, *, opens: bool = False) -> Iterator[str]:
    name = _shown(seg)
    meaning = seg.rule.meaning + (" — opens the group" if opens else "")
    extras = [f"{e}.{c} `{code}`" for e, c, code in seg.rule.fixed]
    if seg.rule.marker:
        extras.append(f"{seg.rule.marker[0]}.{seg.rule.marker[1]} `{seg.rule.marker[2]}` when empty")
    if extras:
        meaning += " (" + "; ".join(extras) + ")"
    if not seg.slots:
        yield f"| {where} | `{name}` |  |  | {meaning} |"
    for slot in seg.slots:
        yield f"| {where} | `{name}` | {_position(slot)} | {_path(slot, prefix)} | {meaning} |"


def _shown(seg: CompiledSeg) -> str:
    """The segment as it starts in a message: ``NAD+IM``, ``MEA+WT+AAB``, ``GIS+…:ZSC``."""
    elements: list[list[str]] = []
    for (element, component), code in zip(seg.positions, seg.rule.qualifier, strict=True):
        while len(elements) < element:
            elements.append([])
        while len(elements[element - 1]) < component:
            elements[element - 1].append("…")
        elements[element - 1][component - 1] = code
    return "+".join([seg.rule.tag, *(":".join(parts) for parts in elements)])


def _position(slot: CompiledSlot) -> str:
    if slot.kind == SPREAD:
        return f"{slot.element}.{slot.component}-{slot.component + slot.span - 1}"
    if slot.kind == VALUE:
        return f"{slot.element}.{slot.component} (unit {slot.element}.{slot.second})"
    if slot.kind == DATE:
        return f"{slot.element}.{slot.component} (format {slot.element}.{slot.second})"
    if slot.kind == EACH:
        return f"{slot.element}, {slot.element + 1}, … (one per element)"
    return f"{slot.element}.{slot.component}"


def _path(slot: CompiledSlot, prefix: str) -> str:
    if slot.kind == LINK:
        return "(master bill number)"
    path = prefix + slot.suffix
    if slot.kind == EACH:
        return "; ".join(f"`{path}/*/{name}`" for name in slot.fields_json)
    suffix = " (implied: the position)" if slot.implied else ""
    return f"`{path}`{suffix}"


if __name__ == "__main__":
    sys.stdout.write(render())


def positions(dataset: str) -> dict[str, str]:
    """Where each element of a data set travels in EDIFACT: guide JSON path -> ``SEG+QUAL e.c``.

    Paths use the message guide's convention (``/*`` after a repeating element), so the general
    guide can show the EDIFACT position beside the JSON and XML paths.
    """
    compiled = PROFILES.get(dataset)
    found: dict[str, str] = {}
    if compiled is None:
        return found

    def visit(node: Node, prefix: str) -> None:
        for seg in node.segments:
            note(seg, prefix)
        for group in node.groups:
            path = prefix + group.suffix + "/*"
            if group.trigger is not None:
                note(group.trigger, path)
            visit(group, path)

    def note(seg: CompiledSeg, prefix: str) -> None:
        for slot in seg.slots:
            if slot.kind == LINK:
                continue
            place = f"{_shown(seg)} {_position(slot)}"
            if slot.kind == EACH:
                for name in slot.fields_json:
                    found.setdefault(f"{prefix}{slot.suffix}/*/{name}", place)
                continue
            found.setdefault(prefix + slot.suffix, place)
            if slot.kind == VALUE and slot.unit_json:
                unit_place = f"{_shown(seg)} {slot.element}.{slot.second}"
                found.setdefault(f"{prefix}{slot.suffix}/{slot.unit_json}", unit_place)

    for section in compiled.sections:
        visit(section, "")
    return found
