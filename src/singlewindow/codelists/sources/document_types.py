"""Document types: the UN/EDIFACT 1001 (document name code) values declarations refer to."""

from __future__ import annotations

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

EDITION = "2025.1"

DOCUMENTS: tuple[tuple[str, str, str, str], ...] = (
    # code, English, Traditional Chinese, group
    ("220", "Order", "訂單", "commercial"),
    ("270", "Delivery note", "交貨單", "commercial"),
    ("271", "Packing list", "裝箱單", "commercial"),
    ("325", "Proforma invoice", "預期發票", "commercial"),
    ("380", "Commercial invoice", "商業發票", "commercial"),
    ("381", "Credit note", "貸項通知單", "commercial"),
    ("383", "Debit note", "借項通知單", "commercial"),
    ("700", "Waybill", "運單", "transport"),
    ("703", "House waybill", "分運單", "transport"),
    ("704", "Master bill of lading", "主提單", "transport"),
    ("705", "Bill of lading", "提單", "transport"),
    ("706", "Bill of lading original", "正本提單", "transport"),
    ("710", "Sea waybill", "海運單", "transport"),
    ("714", "House bill of lading", "分提單", "transport"),
    ("720", "Rail consignment note (generic term)", "鐵路託運單", "transport"),
    ("730", "Road consignment note", "公路託運單", "transport"),
    ("740", "Air waybill", "空運提單", "transport"),
    ("741", "Master air waybill", "主空運提單", "transport"),
    ("750", "Despatch note (post parcels)", "郵包發送單", "transport"),
    ("760", "Multimodal/combined transport document (generic)", "複合運輸單據", "transport"),
    ("785", "Cargo manifest", "艙單", "transport"),
    ("811", "Export licence", "輸出許可證", "regulatory"),
    ("830", "Goods declaration for exportation", "出口報單", "regulatory"),
    ("851", "Phytosanitary certificate", "植物檢疫證明書", "regulatory"),
    ("852", "Sanitary certificate", "衛生證明書", "regulatory"),
    ("853", "Veterinary certificate", "動物檢疫證明書", "regulatory"),
    ("861", "Certificate of origin", "產地證明書", "regulatory"),
    ("890", "Dangerous goods declaration", "危險品申報單", "regulatory"),
    ("911", "Import licence", "輸入許可證", "regulatory"),
    ("929", "Goods declaration for importation", "進口報單", "regulatory"),
)


def document_types() -> SourceList:
    return SourceList(
        name=ListName.DOCUMENT_TYPE,
        source="UN/EDIFACT data element 1001 Document name code (subset used in declarations)",
        version=f"UNTDID 1001 subset {EDITION}",
        entries=tuple(CodeEntry(code, en, zh, attributes={"group": group}) for code, en, zh, group in DOCUMENTS),
    )
