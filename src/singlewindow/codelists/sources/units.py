"""Units of measure: the UN/ECE Recommendation 20 codes that trade declarations actually use.

Rec 20 has some two thousand codes; this subset covers mass, length, area, volume, counts,
energy and time as met on invoices and declarations. Add codes here, then reload.
"""

from __future__ import annotations

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

EDITION = "2025.1"

UNITS: tuple[tuple[str, str, str, str], ...] = (
    # code, English, Traditional Chinese, kind
    ("KGM", "kilogram", "公斤", "mass"),
    ("GRM", "gram", "公克", "mass"),
    ("MGM", "milligram", "毫克", "mass"),
    ("TNE", "tonne (metric ton)", "公噸", "mass"),
    ("DTN", "decitonne", "公擔", "mass"),
    ("LBR", "pound", "磅", "mass"),
    ("ONZ", "ounce", "盎司", "mass"),
    ("LTN", "ton (UK) or long ton (US)", "長噸", "mass"),
    ("STN", "ton (US) or short ton (UK)", "短噸", "mass"),
    ("CTM", "carat", "克拉", "mass"),
    ("LTR", "litre", "公升", "volume"),
    ("MLT", "millilitre", "毫升", "volume"),
    ("HLT", "hectolitre", "百公升", "volume"),
    ("GLL", "gallon (US)", "加侖 (美制)", "volume"),
    ("BLL", "barrel (US)", "桶 (美制)", "volume"),
    ("MTQ", "cubic metre", "立方公尺", "volume"),
    ("CMQ", "cubic centimetre", "立方公分", "volume"),
    ("FTQ", "cubic foot", "立方英尺", "volume"),
    ("MTR", "metre", "公尺", "length"),
    ("CMT", "centimetre", "公分", "length"),
    ("MMT", "millimetre", "公釐", "length"),
    ("KMT", "kilometre", "公里", "length"),
    ("INH", "inch", "英寸", "length"),
    ("FOT", "foot", "英尺", "length"),
    ("YRD", "yard", "碼", "length"),
    ("MTK", "square metre", "平方公尺", "area"),
    ("FTK", "square foot", "平方英尺", "area"),
    ("C62", "one", "個 (計數單位)", "count"),
    ("H87", "piece", "件", "count"),
    ("PCE", "piece (legacy code; Rec 20 recommends H87)", "個", "count"),
    ("NAR", "number of articles", "件數", "count"),
    ("PR", "pair", "雙", "count"),
    ("NPR", "number of pairs", "對數", "count"),
    ("SET", "set", "套", "count"),
    ("DZN", "dozen", "打", "count"),
    ("GRO", "gross", "籮", "count"),
    ("CEN", "hundred", "百", "count"),
    ("MIL", "thousand", "千", "count"),
    ("KWH", "kilowatt hour", "千瓦小時 (度)", "energy"),
    ("MWH", "megawatt hour", "百萬瓦小時", "energy"),
    ("KWT", "kilowatt", "千瓦", "power"),
    ("HUR", "hour", "小時", "time"),
    ("DAY", "day", "日", "time"),
    ("MON", "month", "月", "time"),
    ("ANN", "year", "年", "time"),
)


def units() -> SourceList:
    return SourceList(
        name=ListName.UNIT,
        source="UN/ECE Recommendation 20 (common trade units; subset kept in the Single Window)",
        version=f"Rec 20 subset {EDITION}",
        entries=tuple(CodeEntry(code, en, zh, attributes={"kind": kind}) for code, en, zh, kind in UNITS),
    )
