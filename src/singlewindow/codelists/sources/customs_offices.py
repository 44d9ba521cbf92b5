"""Taiwan customs offices, coded by the UN/LOCODE of the place they serve.

The four customs (關) of the Customs Administration and the branch offices (分關) that
declarations most often name; a branch's ``parent`` is its customs. The routing table in the
registry (an organisation's ``office_code``) uses the same codes.
"""

from __future__ import annotations

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

EDITION = "2025.1"

OFFICES: tuple[tuple[str, str, str, str], ...] = (
    # code, English, Traditional Chinese, parent customs ("" for a customs itself)
    ("TWKEL", "Keelung Customs", "基隆關", ""),
    ("TWTPE", "Taipei Customs", "臺北關", ""),
    ("TWTXG", "Taichung Customs", "臺中關", ""),
    ("TWKHH", "Kaohsiung Customs", "高雄關", ""),
    ("TWHUN", "Hualien Branch, Keelung Customs", "基隆關花蓮分關", "TWKEL"),
    ("TWSUO", "Su-ao Branch, Keelung Customs", "基隆關蘇澳分關", "TWKEL"),
    ("TWTNN", "Tainan Branch, Kaohsiung Customs", "高雄關臺南分關", "TWKHH"),
)


def customs_offices() -> SourceList:
    return SourceList(
        name=ListName.CUSTOMS_OFFICE,
        source="Customs Administration, Ministry of Finance (customs and branch offices, UN/LOCODE-coded)",
        version=f"Taiwan customs offices {EDITION}",
        entries=tuple(
            CodeEntry(code, en, zh, parent=parent,
                      attributes={"kind": "branch" if parent else "customs", "locode": code})
            for code, en, zh, parent in OFFICES
        ),
    )
