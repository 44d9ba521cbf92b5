"""The message implementation guide (訊息建置指引), generated from the data sets themselves.

For every data set, every element: its WCO class, type and length, cardinality, code list,
JSON path and XML path. Generated, never hand-edited, so it cannot drift from what the
exchange accepts: ``python -m singlewindow.datamodel.guide > docs/message-implementation-guide.md``
(a test fails when the committed file is stale). The portal's guide pages show the same rows:
both read them from ``section`` here, so the markdown and the web page cannot disagree.
"""

from __future__ import annotations

import sys
from collections.abc import Iterator
from dataclasses import dataclass, replace
from functools import cache

from singlewindow.datamodel.codecs.edifact_doc import positions
from singlewindow.datamodel.codecs.wco_dec import DECLARATIONS
from singlewindow.datamodel.datasets import DATA_SET_TITLES, DATA_SETS, DataSet
from singlewindow.datamodel.datasets.shape import FieldShape, Kind, attribute_fields, shape_of
from singlewindow.datamodel.validation.catalogue import CATALOGUE
from singlewindow.datamodel.validation.codes import list_for

_XML_ROOT = {"customs_response": "/MetaData/Response"}
_TYPE_NAMES = {Kind.DATE: "date or date-time", Kind.VALUE: "amount/measure"}


@dataclass(frozen=True)
class GuideRow:
    """One element of a data set as the guide lists it; empty strings mean "not applicable"."""

    json_path: str
    wco_class: str
    element: str
    type: str
    """``an..35``, ``n``, ``decimal``, ``code``, ``class``…; for a closed set see ``choices``."""
    choices: tuple[str, ...]
    cardinality: str
    code_list: str
    xml_path: str
    depth: int
    """How deeply the element is nested (0 for the data set's own elements)."""
    edifact: str = ""
    """Segment and position in UN/EDIFACT (``LOC+27 2.1``), when the EDIFACT codec carries the data set."""


@dataclass(frozen=True)
class GuideSection:
    """One data set's part of the guide."""

    name: str
    title_en: str
    title_zh: str
    wco_class: str
    xml_root: str
    """The WCO XML element the data set is carried in, or "" when the XML codec does not carry it."""
    rows: tuple[GuideRow, ...]


@cache
def section(name: str) -> GuideSection:
    """The guide for one data set (a name from ``DATA_SETS``; KeyError otherwise)."""
    model = DATA_SETS[name]
    title_en, title_zh = DATA_SET_TITLES[name]
    xml_root = _XML_ROOT.get(name, "/MetaData/Declaration") if name in DECLARATIONS | {"customs_response"} else ""
    return GuideSection(name=name, title_en=title_en, title_zh=title_zh, wco_class=model.wco_name,
                        xml_root=xml_root, rows=tuple(_with_edifact(_rows(model, "", xml_root, 0), positions(name))))


def _with_edifact(rows: Iterator[GuideRow], places: dict[str, str]) -> Iterator[GuideRow]:
    for row in rows:
        yield replace(row, edifact=places.get(row.json_path, ""))


def sections() -> list[GuideSection]:
    return [section(name) for name in DATA_SETS]


def render() -> str:
    lines = [
        "# Message implementation guide / 訊息建置指引",
        "",
        "Generated from the data sets by `python -m singlewindow.datamodel.guide`; do not edit by hand.",
        "",
        "Each table lists every element of a data set in document order. *Card.* is the cardinality "
        "(`1` required, `0..1` optional, `0..n` repeating). *Type* gives the length limit (`an..35`: "
        "up to 35 characters). *Code list* names the list a value must come from (see `docs/codelists.md`). "
        "*XML path* is the WCO DEC / RES element for data sets the WCO XML codec carries; *EDIFACT* the "
        "segment and element.component position in UN/EDIFACT D.96B (see `docs/edifact.md`). Amounts carry "
        "their currency (`currencyId`, XML attribute `currencyID`) and measures their unit (`unitCode`).",
        "",
        "## Data sets",
        "",
    ]
    lines += [f"- [{title_en} / {title_zh}](#{name.replace('_', '-')}) — `{name}`"
              for name, (title_en, title_zh) in DATA_SET_TITLES.items()]
    for part in sections():
        lines += ["", f'<a id="{part.name.replace("_", "-")}"></a>', "", f"## {part.title_en} / {part.title_zh}", "",
                  f"Data set `{part.name}`, WCO class `{part.wco_class}`. {_carried_by(part.name)}", "",
                  "| JSON path | WCO class | Element | Type | Card. | Code list | XML path | EDIFACT |",
                  "|---|---|---|---|---|---|---|---|"]
        lines += [_markdown_row(row) for row in part.rows]
    lines += ["", "## Error codes / 錯誤代碼", "",
              "Syntax errors come from the codecs (`syntax.*`); the layers below are applied in order.", "",
              "| Code | Layer | English | 中文 |", "|---|---|---|---|"]
    lines += [f"| `{code}` | {layer} | {en} | {zh} |" for code, (layer, en, zh) in CATALOGUE.items()]
    return "\n".join(lines) + "\n"


CARRIED_BY_SERVICES = {
    "agency_data": "Carried by the catalogue's inter-agency services (batch, real-time, verification and "
                   "notification), whose message types name the service, e.g. `trade_statistics.batch`; "
                   "the field names of the records are agreed per service.",
}


def _carried_by(name: str) -> str:
    return CARRIED_BY_SERVICES.get(name, f"Message types `{name}.<function>`.")


def _markdown_row(row: GuideRow) -> str:
    type_text = row.type + (": " + ", ".join(f"`{c}`" for c in row.choices) if row.choices else "")
    xml_path = f"`{row.xml_path}`" if row.xml_path else ""
    return (f"| `{row.json_path}` | {row.wco_class} | {row.element} | {type_text} | {row.cardinality} | "
            f"{row.code_list} | {xml_path} | {('`' + row.edifact + '`') if row.edifact else ''} |")


def _rows(model: type[DataSet], json_path: str, xml_path: str, depth: int) -> Iterator[GuideRow]:
    for field in shape_of(model):
        here = f"{json_path}/{field.json_name}" + ("/*" if field.repeats else "")
        xml_here = f"{xml_path}/{field.xml_name}" if xml_path else ""
        yield GuideRow(json_path=here, wco_class=model.wco_name, element=field.xml_name, type=_type(field),
                       choices=field.choices, cardinality=_card(field), code_list=list_for(model, field.name) or "",
                       xml_path=xml_here, depth=depth)
        if field.kind is Kind.CLASS and field.model is not None:
            yield from _rows(field.model, here, xml_here, depth + 1)
        elif field.kind is Kind.VALUE and field.model is not None:
            for name, attribute in attribute_fields(field.model):  # type: ignore[arg-type]
                sub = field.model.model_fields[name]
                yield GuideRow(json_path=f"{here}/{sub.alias or name}", wco_class=field.model.wco_name,
                               element=f"@{attribute}", type="code", choices=(), cardinality="0..1",
                               code_list=list_for(field.model, name) or "",
                               xml_path=f"{xml_here}/@{attribute}" if xml_here else "", depth=depth + 1)


def _type(field: FieldShape) -> str:
    if field.kind in _TYPE_NAMES:
        return _TYPE_NAMES[field.kind]
    if field.kind is Kind.CLASS:
        return "class"
    if field.choices:
        return "code"
    if field.scalar in ("integer", "decimal"):
        return "n" if field.scalar == "integer" else "decimal"
    return f"an..{field.max_length}" if field.max_length else "an"


def _card(field: FieldShape) -> str:
    low = "1" if field.required else "0"
    if field.repeats:
        return f"{low}..{field.max_items or 'n'}"
    return "1" if field.required else "0..1"


if __name__ == "__main__":
    sys.stdout.write(render())
