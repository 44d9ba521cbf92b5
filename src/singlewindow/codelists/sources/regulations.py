"""Import/export regulation codes (輸出入規定) and the agency each routes to.

The codes are those printed against each item of the Taiwan CCC tariff (中華民國輸出入貨品
分類表, kept by the International Trade Administration). This is a subset: the codes that
send a declaration to a permit or inspection agency most often. Code values and meanings
follow the published tables; English wording is shortened. ``agency_code`` is the agency's
organisation code in the registry: the demo registers tw-trade-admin, tw-bsmi, tw-tfda and
tw-aphia; the other agencies link as soon as an organisation with that code is registered.
"""

from __future__ import annotations

from dataclasses import dataclass

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

EDITION = "2025.1"
SOURCE = "International Trade Administration, CCC import/export regulation codes (subset)"

AGENCIES: dict[str, tuple[str, str]] = {
    "tw-trade-admin": ("International Trade Administration, Ministry of Economic Affairs", "經濟部國際貿易署"),
    "tw-bsmi": ("Bureau of Standards, Metrology and Inspection", "經濟部標準檢驗局"),
    "tw-tfda": ("Taiwan Food and Drug Administration", "衛生福利部食品藥物管理署"),
    "tw-aphia": ("Animal and Plant Health Inspection Agency", "農業部動植物防疫檢疫署"),
    "tw-ida": ("Industrial Development Administration, Ministry of Economic Affairs", "經濟部產業發展署"),
    "tw-energy-admin": ("Energy Administration, Ministry of Economic Affairs", "經濟部能源署"),
    "tw-moea": ("Ministry of Economic Affairs", "經濟部"),
    "tw-mof-nta": ("National Treasury Administration, Ministry of Finance", "財政部國庫署"),
    "tw-moa": ("Ministry of Agriculture", "農業部"),
    "tw-moenv": ("Ministry of Environment", "環境部"),
}


@dataclass(frozen=True)
class Regulation:
    code: str
    name_en: str
    name_zh: str
    direction: str  # import, export or both
    permit_type: str  # permit, inspection, quarantine, approval or prohibition
    agency_code: str

    @property
    def agency_names(self) -> tuple[str, str]:
        return AGENCIES.get(self.agency_code, ("", ""))

    def as_entry(self) -> CodeEntry:
        en, zh = self.agency_names
        return CodeEntry(self.code, self.name_en, self.name_zh, attributes={
            "direction": self.direction, "permit_type": self.permit_type,
            "agency_code": self.agency_code, "agency_en": en, "agency_zh": zh,
        })


REGULATIONS: tuple[Regulation, ...] = (
    Regulation("111", "Import/export controlled: permitted only with a licence of the International Trade "
               "Administration", "管制輸出入", "both", "permit", "tw-trade-admin"),
    Regulation("113", "Meat from the United States, Canada, the Netherlands, Sweden, Japan or Mexico: import "
               "licence of the International Trade Administration required", "自美國、加拿大、荷蘭、瑞典、日本或"
               "墨西哥進口時，應向經濟部國際貿易署申請輸入許可證", "import", "permit", "tw-trade-admin"),
    Regulation("114", "Products of North Korea may not be imported", "北韓物品不准輸入", "import",
               "prohibition", "tw-trade-admin"),
    Regulation("121", "Import/export permit issued by the International Trade Administration",
               "由經濟部國際貿易署簽發輸出入許可證", "both", "permit", "tw-trade-admin"),
    Regulation("236", "Declaration document for importing optical disc manufacturing equipment required",
               "應檢附輸入光碟製造機具申報備查文件", "import", "approval", "tw-trade-admin"),
    Regulation("251", "Approval of the Industrial Development Administration required",
               "應檢附經濟部產業發展署同意文件", "import", "approval", "tw-ida"),
    Regulation("255", "Approval of the Energy Administration required", "應檢附經濟部能源署同意文件",
               "import", "approval", "tw-energy-admin"),
    Regulation("301", "Approval of the Ministry of Economic Affairs required", "應檢附經濟部同意文件",
               "import", "approval", "tw-moea"),
    Regulation("B01", "Subject to animal or plant quarantine by the Animal and Plant Health Inspection Agency",
               "應依規定向農業部動植物防疫檢疫署申請檢疫", "import", "quarantine", "tw-aphia"),
    Regulation("C01", "Commodities subject to import inspection by the Bureau of Standards, Metrology and "
               "Inspection", "屬經濟部標準檢驗局公告應施輸入檢驗商品", "import", "inspection", "tw-bsmi"),
    Regulation("C02", "Some commodities of this item are subject to import inspection by the Bureau of "
               "Standards, Metrology and Inspection", "本項下部分商品屬經濟部標準檢驗局公告應施輸入檢驗商品",
               "import", "inspection", "tw-bsmi"),
    Regulation("F01", "Food and related products: import inspection by the Taiwan Food and Drug "
               "Administration", "應依「食品及相關產品輸入查驗辦法」向衛生福利部食品藥物管理署申請輸入查驗",
               "import", "inspection", "tw-tfda"),
    Regulation("F02", "Some commodities of this item need food import inspection by the Taiwan Food and Drug "
               "Administration", "本項下部分商品應向衛生福利部食品藥物管理署申請輸入查驗", "import",
               "inspection", "tw-tfda"),
    Regulation("H01", "Chinese herbal medicines subject to import inspection: import notice of the Taiwan Food "
               "and Drug Administration required", "應施輸入查驗中藥材，應憑衛生福利部食品藥物管理署核發之輸入"
               "許可通知進口", "import", "inspection", "tw-tfda"),
    Regulation("H02", "Some Chinese herbal medicines of this item are subject to import inspection by the "
               "Taiwan Food and Drug Administration", "本項下部分中藥材屬應施輸入查驗中藥材", "import",
               "inspection", "tw-tfda"),
    Regulation("MP1", "Products of Mainland China conditionally permitted; items with an MXX condition need "
               "an import licence of the International Trade Administration", "大陸物品有條件准許輸入",
               "import", "permit", "tw-trade-admin"),
    Regulation("MW0", "Products of Mainland China may not be imported", "大陸物品不准輸入", "import",
               "prohibition", "tw-trade-admin"),
    Regulation("W01", "Alcohol: import inspection under the Regulations Governing the Inspection of Imported "
               "Alcohol, applied for at the Ministry of Finance", "輸入酒品應依「進口酒類查驗管理辦法」向財政部"
               "申請輸入查驗", "import", "inspection", "tw-mof-nta"),
    Regulation("441", "Export of pesticides the Ministry of Agriculture has banned: its requirements apply",
               "輸出農業部公告禁用之農藥，應依農業部規定辦理", "export", "approval", "tw-moa"),
    Regulation("522", "Export of controlled drugs: export approval of the Taiwan Food and Drug Administration",
               "輸出管制藥品，應取得衛生福利部食品藥物管理署同意文件", "export", "permit", "tw-tfda"),
    Regulation("531", "Export of banned environmental agents, hazardous or designated industrial waste: "
               "approval of the Ministry of Environment", "輸出禁用環境用藥、有害事業廢棄物等，應檢附環境部同意"
               "文件", "export", "approval", "tw-moenv"),
    Regulation("533", "Export of toxic or concerned chemical substances: approval of the Ministry of "
               "Environment", "輸出列管毒性及關注化學物質，應檢附環境部核發之文件", "export", "approval",
               "tw-moenv"),
)


def regulation_list(regulations: tuple[Regulation, ...] = REGULATIONS) -> SourceList:
    """The regulations as a plain code list, for lookups and the public list API."""
    return SourceList(name=ListName.REGULATION, source=SOURCE, version=f"Regulation codes {EDITION}",
                      entries=tuple(r.as_entry() for r in regulations))
