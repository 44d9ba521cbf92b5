"""Modes of transport: the complete one-digit code list of UN/ECE Recommendation 19."""

from __future__ import annotations

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

MODES: tuple[tuple[str, str, str], ...] = (
    ("0", "Transport mode not specified", "未指定運輸方式"),
    ("1", "Maritime transport", "海運"),
    ("2", "Rail transport", "鐵路運輸"),
    ("3", "Road transport", "公路運輸"),
    ("4", "Air transport", "空運"),
    ("5", "Mail", "郵寄"),
    ("6", "Multimodal transport", "複合運輸"),
    ("7", "Fixed transport installation", "固定運輸設施 (管線、輸電線)"),
    ("8", "Inland water transport", "內陸水運"),
    ("9", "Transport mode not applicable", "不適用運輸方式"),
)


def transport_modes() -> SourceList:
    return SourceList(
        name=ListName.TRANSPORT_MODE, source="UN/ECE Recommendation 19, Codes for Modes of Transport",
        version="Rec 19 one-digit modes", entries=tuple(CodeEntry(code, en, zh) for code, en, zh in MODES),
    )
