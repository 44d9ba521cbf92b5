"""Package types: common UN/ECE Recommendation 21 codes for the kind of package on a manifest."""

from __future__ import annotations

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

EDITION = "2025.1"

PACKAGE_TYPES: tuple[tuple[str, str, str], ...] = (
    ("43", "Bag, super bulk", "太空袋"),
    ("AE", "Aerosol", "噴霧罐"),
    ("AM", "Ampoule, non-protected", "安瓿"),
    ("BA", "Barrel", "木桶"),
    ("BE", "Bundle", "捆"),
    ("BG", "Bag", "袋"),
    ("BJ", "Bucket", "水桶"),
    ("BK", "Basket", "籃"),
    ("BL", "Bale, compressed", "壓縮捆包"),
    ("BN", "Bale, non-compressed", "非壓縮捆包"),
    ("BO", "Bottle, non-protected, cylindrical", "瓶"),
    ("BT", "Bolt", "匹"),
    ("BX", "Box", "盒"),
    ("CA", "Can, rectangular", "方罐"),
    ("CB", "Beer crate", "啤酒箱"),
    ("CN", "Container, not otherwise specified as transport equipment", "容器"),
    ("CO", "Carboy, non-protected", "大玻璃瓶"),
    ("CR", "Crate", "板條箱"),
    ("CS", "Case", "箱"),
    ("CT", "Carton", "紙箱"),
    ("CX", "Can, cylindrical", "圓罐"),
    ("CY", "Cylinder", "鋼瓶"),
    ("DR", "Drum", "圓桶"),
    ("EN", "Envelope", "信封"),
    ("JR", "Jar", "廣口瓶"),
    ("NE", "Unpacked or unpackaged", "無包裝"),
    ("NT", "Net", "網袋"),
    ("PA", "Packet", "小包"),
    ("PC", "Parcel", "包裹"),
    ("PK", "Package", "件"),
    ("PL", "Pail", "提桶"),
    ("PO", "Pouch", "小袋"),
    ("PU", "Tray", "托盤"),
    ("PX", "Pallet", "棧板"),
    ("RL", "Reel", "捲盤"),
    ("RO", "Roll", "卷"),
    ("SA", "Sack", "麻袋"),
    ("SW", "Shrinkwrapped", "收縮膜包裝"),
    ("TB", "Tub", "盆"),
    ("TN", "Tin", "馬口鐵罐"),
    ("TU", "Tube", "管"),
    ("VG", "Bulk, gas (at 1031 mbar and 15 °C)", "散裝氣體"),
    ("VL", "Bulk, liquid", "散裝液體"),
    ("VO", "Bulk, solid, large particles (\"nodules\")", "散裝塊狀固體"),
    ("VQ", "Bulk, liquefied gas (at abnormal temperature/pressure)", "散裝液化氣體"),
    ("VR", "Bulk, solid, granular particles (\"grains\")", "散裝顆粒固體"),
    ("VY", "Bulk, solid, fine particles (\"powders\")", "散裝粉末固體"),
    ("WA", "Intermediate bulk container", "中型散裝容器"),
    ("ZZ", "Mutually defined", "雙方約定"),
)


def package_types() -> SourceList:
    return SourceList(
        name=ListName.PACKAGE_TYPE,
        source="UN/ECE Recommendation 21 (common package types; subset kept in the Single Window)",
        version=f"Rec 21 subset {EDITION}",
        entries=tuple(CodeEntry(code, en, zh) for code, en, zh in PACKAGE_TYPES),
    )
