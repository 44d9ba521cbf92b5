"""The G2G service catalogue as data: the agencies connected to the Single Window and their services.

Taiwan's Single Window connects eighteen-odd government agencies directly (G2G) and runs about a
hundred inter-agency data exchange and verification services besides the traders' filings. This
module lists a realistic catalogue of that shape so the demo, the portal and the tests share one
source; ``registry.services.load_catalogue`` registers it. Agency names and remits follow the
agencies' own published organisation acts (after the 2023 reorganisation of the ministries);
service codes, message types, processing times and every business ID (統一編號) here are our own
demo data: the business IDs pass the check rule but are not the agencies' real numbers.

A grant is written as a role (``customs_office``), an agency code (``tw-dgbas``), or ``owner``
(the agency that owns the service). Agencies are addressed by code where a message concerns
one agency only, so a role grant never lets every agency read another's answers.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from enum import StrEnum

from singlewindow.datamodel.datasets import DATA_SETS
from singlewindow.datamodel.identifiers import is_valid_business_id
from singlewindow.registry.models import OrganisationRole, Service

R = OrganisationRole
CERT = Service.Security.CERTIFICATE
SIMPLE = Service.Security.SIMPLE
OWNER = "owner"
DECLARANTS = (R.TRADER, R.CUSTOMS_BROKER)
CUSTOMS = (R.CUSTOMS_OFFICE,)
G2G = (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY, R.PORT_AUTHORITY)

# The exchange's own pattern for ``<dataset>.<function>`` (exchange.intake.MESSAGE_TYPE; the registry
# may not import the exchange, and a test keeps the two equal).
MESSAGE_TYPE = re.compile(r"^[a-z_]{1,40}\.[a-z_]{1,30}\Z")


class Kind(StrEnum):
    """What a service does, as the catalogue page groups it."""

    FILING = "filing"
    PERMIT = "permit"
    VERIFICATION = "verification"
    BATCH = "batch"
    REALTIME = "realtime"
    NOTIFICATION = "notification"


KIND_TITLES: dict[str, tuple[str, str]] = {
    Kind.FILING: ("Declaration or filing", "申報"),
    Kind.PERMIT: ("Permit application", "簽審申請"),
    Kind.VERIFICATION: ("Verification", "查核比對"),
    Kind.BATCH: ("Data exchange (batch)", "資料交換（批次）"),
    Kind.REALTIME: ("Data exchange (real time)", "資料交換（即時）"),
    Kind.NOTIFICATION: ("Notification", "通知"),
}


def minutes(n: int) -> timedelta:
    return timedelta(minutes=n)


def hours(n: int) -> timedelta:
    return timedelta(hours=n)


def days(n: int) -> timedelta:
    return timedelta(days=n)


@dataclass(frozen=True)
class Agency:
    code: str
    name_en: str
    name_zh: str
    business_id: str
    roles: tuple[str, ...] = (R.PERMIT_AGENCY,)


@dataclass(frozen=True)
class CatalogueService:
    """One catalogue line: what is registered as a ``Service`` plus its grants, kind and summary."""

    code: str
    owner: str
    message_type: str
    security: str
    kind: str
    processing_time: timedelta
    senders: tuple[str, ...]
    receivers: tuple[str, ...]
    name_en: str
    name_zh: str
    summary_en: str
    summary_zh: str

    @property
    def data_set(self) -> str:
        """What its messages carry when the message type names no data set of its own: an agency's
        permit application, or inter-agency data (records) for every other kind."""
        if self.message_type.split(".", 1)[0] in DATA_SETS:
            return ""
        return "permit_application" if self.kind == Kind.PERMIT else "agency_data"


# Government agencies take ``permit_agency``, the registry's role for an agency that decides or
# answers; customs and the ports keep their own roles. The first six codes and business IDs are
# the demo's (demo.ORGANISATIONS); the codes of the others match the regulation code list.
AGENCIES: tuple[Agency, ...] = (
    Agency("tw-customs-admin", "Customs Administration, Ministry of Finance", "財政部關務署", "30000018",
           (R.CUSTOMS_OFFICE,)),
    Agency("tw-bsmi", "Bureau of Standards, Metrology and Inspection", "經濟部標準檢驗局", "30000034"),
    Agency("tw-tfda", "Taiwan Food and Drug Administration", "衛生福利部食品藥物管理署", "30000039"),
    Agency("tw-aphia", "Animal and Plant Health Inspection Agency", "農業部動植物防疫檢疫署", "30000040"),
    Agency("tw-trade-admin", "International Trade Administration", "經濟部國際貿易署", "30000045"),
    Agency("tw-port-tipc", "Taiwan International Ports Corporation", "臺灣港務股份有限公司", "30000050",
           (R.PORT_AUTHORITY,)),
    Agency("tw-mpb", "Maritime and Port Bureau, Ministry of Transportation and Communications", "交通部航港局",
           "31000000", (R.PORT_AUTHORITY,)),
    Agency("tw-caa", "Civil Aviation Administration, Ministry of Transportation and Communications",
           "交通部民用航空局", "31000005", (R.PORT_AUTHORITY, R.PERMIT_AGENCY)),
    Agency("tw-fisheries", "Fisheries Agency, Ministry of Agriculture", "農業部漁業署", "31000011"),
    Agency("tw-forestry", "Forestry and Nature Conservation Agency, Ministry of Agriculture",
           "農業部林業及自然保育署", "31000016"),
    Agency("tw-afa", "Agriculture and Food Agency, Ministry of Agriculture", "農業部農糧署", "31000022"),
    Agency("tw-moa", "Ministry of Agriculture", "農業部", "31000027"),
    Agency("tw-nsc", "Nuclear Safety Commission", "核能安全委員會", "31000032"),
    Agency("tw-moenv", "Ministry of Environment", "環境部", "31000037"),
    Agency("tw-commerce", "Administration of Commerce, Ministry of Economic Affairs", "經濟部商業發展署",
           "31000043"),
    Agency("tw-tax-admin", "Taxation Administration, Ministry of Finance", "財政部賦稅署", "31000048"),
    Agency("tw-mof-nta", "National Treasury Administration, Ministry of Finance", "財政部國庫署", "31000053"),
    Agency("tw-dgbas", "Directorate-General of Budget, Accounting and Statistics", "行政院主計總處", "31000058"),
    Agency("tw-ida", "Industrial Development Administration, Ministry of Economic Affairs", "經濟部產業發展署",
           "31000064"),
    Agency("tw-energy-admin", "Energy Administration, Ministry of Economic Affairs", "經濟部能源署", "31000069"),
    Agency("tw-moea", "Ministry of Economic Affairs", "經濟部", "31000070"),
    Agency("tw-ncc", "National Communications Commission", "國家通訊傳播委員會", "31000074"),
    Agency("tw-cdc", "Taiwan Centers for Disease Control", "衛生福利部疾病管制署", "31000075"),
    Agency("tw-nia", "National Immigration Agency, Ministry of the Interior", "內政部移民署", "31000079"),
)

S = CatalogueService
V, P, F, B, RT, N = Kind.VERIFICATION, Kind.PERMIT, Kind.FILING, Kind.BATCH, Kind.REALTIME, Kind.NOTIFICATION

SERVICES: tuple[CatalogueService, ...] = (
    # --- Customs Administration: the filings, and the Single Window's cross-agency services it runs
    S("customs-import-declaration", "tw-customs-admin", "import_declaration.submit", CERT, F, hours(24),
      DECLARANTS, CUSTOMS, "Import declaration", "進口報單",
      "A trader or broker declares goods for import; customs selects, assesses and releases.",
      "進口人或報關業者申報進口貨物，海關據以分類估驗及放行。"),
    S("customs-export-declaration", "tw-customs-admin", "export_declaration.submit", CERT, F, hours(24),
      DECLARANTS, CUSTOMS, "Export declaration", "出口報單",
      "A trader or broker declares goods for export.", "出口人或報關業者申報出口貨物。"),
    S("customs-response", "tw-customs-admin", "customs_response.notification", SIMPLE, N, hours(1),
      CUSTOMS, DECLARANTS, "Customs response to the declarant", "海關通關回應訊息",
      "Customs tells the declarant the channel, the amount due, document requests and release.",
      "海關通知申報人通關方式、應納稅費、補件及放行。"),
    S("customs-cargo-manifest", "tw-customs-admin", "cargo_manifest.submit", CERT, F, hours(4),
      (R.CARRIER, R.FORWARDER, R.EXPRESS_OPERATOR), CUSTOMS, "Cargo manifest", "艙單",
      "Carriers and forwarders file the master and house manifests before arrival or departure.",
      "運輸業者及承攬業者於進出口前申報主艙單及分艙單。"),
    S("customs-cargo-response", "tw-customs-admin", "customs_response.cargo_notification", SIMPLE, N, hours(1),
      CUSTOMS, (R.CARRIER, R.FORWARDER, R.EXPRESS_OPERATOR, R.PORT_AUTHORITY), "Customs response to a manifest",
      "艙單回應訊息", "Customs tells the filer a manifest, an amendment or a conveyance report was refused, and why.",
      "海關通知申報人艙單、更正或進出港報告未獲受理及其理由。"),
    S("customs-conveyance-report", "tw-customs-admin", "conveyance_report.submit", CERT, F, hours(2),
      (R.CARRIER, R.PORT_AUTHORITY), (R.CUSTOMS_OFFICE, R.PORT_AUTHORITY), "Conveyance arrival/departure report",
      "船舶航機進出港報告",
      "The carrier, or the port authority for it, reports a vessel's or aircraft's arrival and departure.",
      "運輸業者或港務機關向海關及港務機關申報船舶、航空器進出港。"),
    # Simple, not certificate-based: the Single Window derives applications from a signed
    # declaration and the hosted permit desk sends decisions for agencies without a system,
    # neither holding the sender's key; a signature sent along is still verified.
    S("sw-permit-application", "tw-customs-admin", "permit_application.submit", SIMPLE, P, days(3),
      DECLARANTS, (R.PERMIT_AGENCY, OWNER), "Permit application (any agency)", "簽審申請（各機關）",
      "A permit application, keyed once or derived from a declaration, routed to the agency concerned.",
      "自報單衍生或單獨申請之簽審文件，由單一窗口轉送主管機關。"),
    S("sw-permit-decision", "tw-customs-admin", "permit_decision.notification", SIMPLE, N, hours(1),
      (R.PERMIT_AGENCY,), (*DECLARANTS, R.CUSTOMS_OFFICE), "Permit decision", "簽審核定通知",
      "The agency's approval, partial approval, rejection or request for information.",
      "主管機關核准、部分核准、駁回或通知補件之結果。"),
    S("sw-certificate", "tw-customs-admin", "certificate.submit", CERT, RT, hours(1),
      (R.PERMIT_AGENCY, R.FOREIGN_SINGLE_WINDOW), (R.CUSTOMS_OFFICE, R.TRADER),
      "Certificate (origin, inspection, quarantine)", "證明書（產地、檢驗、檢疫）",
      "An issued certificate sent to customs and the holder, or received from a foreign single window.",
      "核發之證明書送海關及申請人，或自國外單一窗口接收。"),
    S("sw-permit-verification", "tw-customs-admin", "permit_verification.request", CERT, V, minutes(5),
      CUSTOMS, (R.PERMIT_AGENCY,), "Permit verification with write-off", "簽審文件比對及核銷",
      "Customs asks whether permit P covers this item and quantity; the agency's signed answer writes it off.",
      "海關查詢許可文件是否涵蓋該項貨物及數量，主管機關簽章回覆並核銷數量。"),
    S("sw-permit-write-off", "tw-customs-admin", "permit_write_off.notification", CERT, N, hours(1),
      CUSTOMS, (R.PERMIT_AGENCY,), "Permit write-off after release", "放行後許可文件核銷通知",
      "Customs reports the quantities released against each permit line.",
      "海關通報各許可文件項次之放行數量。"),
    S("sw-co-processing", "tw-customs-admin", "agency_clearance.notification", CERT, N, hours(1),
      (R.PERMIT_AGENCY,), CUSTOMS, "Agency clearance for co-processing", "會辦機關放行通知",
      "Each agency a declaration was routed to reports its clearance; release waits for all of them.",
      "會辦機關通報其審核結果，全部完成後海關始放行。"),
    S("customs-release-notice", "tw-customs-admin", "release_notice.notification", CERT, N, minutes(15),
      CUSTOMS, (R.WAREHOUSE_OPERATOR, *DECLARANTS), "Release notice", "放行通知",
      "Customs tells the warehouse or terminal that the goods may leave.", "海關通知貨棧或貨櫃場貨物已放行。"),
    S("customs-declaration-status", "tw-customs-admin", "declaration_status.query", SIMPLE, RT, minutes(1),
      (R.PERMIT_AGENCY, R.PORT_AUTHORITY), (OWNER,), "Declaration status for agencies", "報單通關狀態查詢",
      "An agency asks for the clearance status of a declaration routed to it.",
      "機關查詢轉送該機關之報單通關狀態。"),
    S("customs-trade-statistics", "tw-customs-admin", "trade_statistics.batch", SIMPLE, B, days(1),
      (OWNER,), ("tw-dgbas", "tw-trade-admin"), "Trade statistics extract", "進出口貿易統計資料",
      "Daily extract of released declarations for official trade statistics.",
      "每日提供已放行報單資料供編製貿易統計。"),
    S("customs-zero-rated-exports", "tw-customs-admin", "export_clearance.batch", SIMPLE, B, days(1),
      (OWNER,), ("tw-tax-admin",), "Export clearances for zero-rated sales", "外銷零稅率出口報單資料",
      "Released export declarations, so the tax offices can check zero-rated business tax returns.",
      "已放行出口報單資料，供稽徵機關查核外銷零稅率申報。"),
    S("customs-import-business-tax", "tw-customs-admin", "import_business_tax.batch", SIMPLE, B, days(1),
      (OWNER,), ("tw-tax-admin",), "Business tax collected on imports", "進口營業稅代徵資料",
      "The business tax customs collected on imports, per importer, for input tax credit checks.",
      "海關代徵之進口營業稅資料，供查核進項稅額扣抵。"),
    S("customs-regulated-imports", "tw-customs-admin", "import_clearance.batch", SIMPLE, B, days(1),
      (OWNER,), (R.PERMIT_AGENCY,), "Released imports under an agency's regulation codes", "簽審貨品進口放行資料",
      "Each agency receives the released import items that carry its regulation codes, for follow-up.",
      "提供各機關其主管輸入規定貨品之放行資料，供後續管理。"),
    S("customs-tobacco-alcohol-imports", "tw-customs-admin", "tobacco_alcohol_import.batch", SIMPLE, B, days(1),
      (OWNER,), ("tw-mof-nta",), "Tobacco and alcohol imports", "菸酒進口資料",
      "Released imports of tobacco and alcohol, per importer and product.", "菸酒進口放行資料（依進口業者及品項）。"),
    S("customs-aeo-status", "tw-customs-admin", "aeo_status.check", SIMPLE, V, minutes(1),
      (R.PERMIT_AGENCY, R.FOREIGN_SINGLE_WINDOW), (OWNER,), "AEO status check", "優質企業（AEO）資格查詢",
      "Whether a business holds Authorised Economic Operator status, for agencies and mutual recognition partners.",
      "查詢企業是否具優質企業資格，供機關及相互承認國使用。"),
    S("customs-duty-payment", "tw-customs-admin", "duty_payment.notification", CERT, N, minutes(15),
      (R.BANK,), CUSTOMS, "Duty payment confirmation", "稅費繳納通知",
      "A bank confirms that the duties and taxes of a declaration were paid.", "銀行通知報單稅費已繳納。"),
    S("customs-electronic-guarantee", "tw-customs-admin", "electronic_guarantee.submit", CERT, F, hours(1),
      (R.BANK,), CUSTOMS, "Electronic guarantee", "電子保證",
      "A bank issues a guarantee so goods can be released before the duties are paid.",
      "銀行提供電子保證，供先放後稅。"),
    S("customs-electronic-guarantee-suspend", "tw-customs-admin", "electronic_guarantee.suspend", CERT, N,
      hours(1), (R.BANK,), CUSTOMS, "Electronic guarantee suspension", "電子保證暫停",
      "The guarantor bank suspends a guarantee: no further release against it.",
      "保證銀行暫停電子保證，不得再憑以先放後稅。"),
    S("customs-electronic-guarantee-accept", "tw-customs-admin", "electronic_guarantee.accept", SIMPLE, N,
      hours(1), CUSTOMS, (R.BANK,), "Electronic guarantee acceptance", "電子保證核准",
      "Customs tells the bank it accepted the guarantee and its available amount.",
      "海關通知銀行電子保證已核准及可用額度。"),
    S("customs-electronic-guarantee-close", "tw-customs-admin", "electronic_guarantee.close", SIMPLE, N,
      hours(1), CUSTOMS, (R.BANK,), "Electronic guarantee closure", "電子保證註銷",
      "Customs closes a guarantee it no longer needs, so the bank may release it.",
      "海關註銷不再需要之電子保證，銀行得解除保證責任。"),
    S("customs-payment-response", "tw-customs-admin", "payment_response.notification", SIMPLE, N, minutes(15),
      CUSTOMS, (R.BANK,), "Customs answer to a bank", "海關回復銀行訊息",
      "Customs tells a bank why a payment or guarantee message was not recorded.",
      "海關通知銀行繳稅或保證訊息未予登錄之原因。"),
    S("customs-seizure-notice", "tw-customs-admin", "seizure.notification", CERT, N, hours(4),
      CUSTOMS, (R.PERMIT_AGENCY,), "Seizure notice to the competent agency", "查獲違規貨物移送通知",
      "Customs hands over goods it seized that another agency's law governs.",
      "海關查獲涉及他機關主管法規之貨物，移送該機關處理。"),
    # --- Bureau of Standards, Metrology and Inspection
    S("bsmi-import-inspection", "tw-bsmi", "commodity_inspection.apply", CERT, P, days(5),
      DECLARANTS, (OWNER,), "Import inspection application", "輸入商品報驗",
      "Apply for inspection of commodities subject to import inspection.", "應施檢驗商品輸入報驗申請。"),
    S("bsmi-inspection-result", "tw-bsmi", "commodity_inspection.notification", CERT, N, hours(1),
      (OWNER,), (R.CUSTOMS_OFFICE, *DECLARANTS), "Inspection result", "檢驗結果通知",
      "Pass, fail or release before inspection, sent to customs and the applicant.",
      "合格、不合格或先放行後檢驗之結果通知海關及報驗人。"),
    S("bsmi-inspection-lookup", "tw-bsmi", "commodity_inspection.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Inspection result lookup", "檢驗結果查核",
      "Customs checks that a declared item passed import inspection.", "海關查核報單貨物是否經輸入檢驗合格。"),
    S("bsmi-registration-check", "tw-bsmi", "product_registration.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Product certification registration check", "驗證登錄證書查詢",
      "Whether a product holds a valid registration of product certification.", "查詢商品是否持有有效之驗證登錄證書。"),
    S("bsmi-exemption", "tw-bsmi", "inspection_exemption.apply", CERT, P, days(3),
      DECLARANTS, (OWNER,), "Inspection exemption application", "免驗申請",
      "Apply to import samples or goods for own use without inspection.", "申請樣品或自用商品免驗。"),
    S("bsmi-sampling-appointment", "tw-bsmi", "inspection_sampling.notification", SIMPLE, N, hours(4),
      (OWNER,), (*DECLARANTS, R.WAREHOUSE_OPERATOR), "Sampling appointment", "抽樣通知",
      "When and where the inspector will draw samples.", "通知檢驗人員抽樣之時間及地點。"),
    S("bsmi-daily-results", "tw-bsmi", "commodity_inspection.batch", SIMPLE, B, days(1),
      (OWNER,), ("tw-customs-admin",), "Inspection results (daily batch)", "檢驗結果每日批次",
      "All inspection results of the day, for reconciliation.", "當日全部檢驗結果，供勾稽核對。"),
    # --- Taiwan Food and Drug Administration
    S("tfda-food-import-inspection", "tw-tfda", "food_import_inspection.apply", CERT, P, days(5),
      DECLARANTS, (OWNER,), "Food import inspection application", "輸入食品查驗申請",
      "Apply for border inspection of food and food-related products.", "申請輸入食品及相關產品之邊境查驗。"),
    S("tfda-food-inspection-result", "tw-tfda", "food_import_inspection.notification", CERT, N, hours(1),
      (OWNER,), (R.CUSTOMS_OFFICE, *DECLARANTS), "Food import inspection result", "輸入食品查驗結果",
      "Release or rejection of a food consignment.", "輸入食品准予放行或不合格之通知。"),
    S("tfda-food-inspection-lookup", "tw-tfda", "food_import_inspection.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Food import inspection lookup", "輸入食品查驗結果查核",
      "Customs checks a food consignment's release notice.", "海關查核輸入食品之放行通知。"),
    S("tfda-food-business-check", "tw-tfda", "food_business_registration.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Food business registration check", "食品業者登錄查詢",
      "Whether an importer holds a food business registration number.", "查詢進口業者是否已完成食品業者登錄。"),
    S("tfda-drug-import", "tw-tfda", "drug_import.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "Drug import approval", "藥品專案輸入申請",
      "Apply to import medicines without a product licence, for named patients or trials.",
      "申請專案輸入未領有許可證之藥品（病人專用或臨床試驗）。"),
    S("tfda-medical-device-check", "tw-tfda", "medical_device_licence.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Medical device licence check", "醫療器材許可證查詢",
      "Whether a declared medical device has a valid licence.", "查詢申報之醫療器材是否領有有效許可證。"),
    S("tfda-cosmetics-check", "tw-tfda", "cosmetic_product.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Cosmetic product notification check", "化粧品產品登錄查詢",
      "Whether a cosmetic product was notified before import.", "查詢化粧品是否已完成產品登錄。"),
    S("tfda-controlled-drugs", "tw-tfda", "controlled_drug.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "Controlled drugs import/export approval", "管制藥品輸出入同意書",
      "Apply for the approval required to import or export controlled drugs.", "申請管制藥品輸出入同意書。"),
    S("tfda-food-rejection", "tw-tfda", "food_rejection.notification", CERT, N, hours(1),
      (OWNER,), (R.CUSTOMS_OFFICE, *DECLARANTS), "Rejected food: return or destruction", "不合格食品退運或銷毀通知",
      "A rejected consignment must be returned or destroyed under supervision.", "不合格食品應於監督下退運或銷毀。"),
    # --- Animal and Plant Health Inspection Agency
    S("aphia-import-quarantine", "tw-aphia", "quarantine_inspection.apply", CERT, P, days(3),
      DECLARANTS, (OWNER,), "Import quarantine application", "輸入檢疫申請",
      "Apply for quarantine of imported animals, plants and their products.", "申請輸入動植物及其產品檢疫。"),
    S("aphia-quarantine-certificate", "tw-aphia", "quarantine_certificate.notification", CERT, N, hours(1),
      (OWNER,), (R.CUSTOMS_OFFICE, *DECLARANTS), "Quarantine certificate", "檢疫證明書",
      "The quarantine result and certificate, sent to customs and the applicant.",
      "檢疫結果及證明書通知海關及申請人。"),
    S("aphia-quarantine-lookup", "tw-aphia", "quarantine_certificate.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Quarantine certificate lookup", "檢疫證明書查核",
      "Customs checks a consignment's quarantine certificate.", "海關查核貨物之檢疫證明書。"),
    S("aphia-export-quarantine", "tw-aphia", "export_quarantine.apply", CERT, P, days(3),
      DECLARANTS, (OWNER,), "Export quarantine and phytosanitary certificate", "輸出檢疫及植物檢疫證明書申請",
      "Apply for export quarantine and the certificate the importing country requires.",
      "申請輸出檢疫及輸入國要求之檢疫證明書。"),
    S("aphia-ephyto-exchange", "tw-aphia", "phytosanitary_certificate.exchange", CERT, RT, hours(1),
      (OWNER, R.FOREIGN_SINGLE_WINDOW), (OWNER, R.FOREIGN_SINGLE_WINDOW), "Electronic phytosanitary certificates",
      "電子植物檢疫證明書交換",
      "Phytosanitary certificates exchanged with the plant protection services of trading partners.",
      "與貿易夥伴植物防疫機關交換電子植物檢疫證明書。"),
    S("aphia-veterinary-drugs", "tw-aphia", "veterinary_drug_import.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "Veterinary drug import permit", "動物用藥品輸入許可",
      "Apply to import veterinary drugs and their raw materials.", "申請輸入動物用藥品及其原料藥。"),
    S("aphia-pesticide-licence-check", "tw-aphia", "pesticide_licence.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Pesticide licence check", "農藥許可證查詢",
      "Whether an imported pesticide has a valid licence.", "查詢輸入農藥是否領有有效許可證。"),
    S("aphia-daily-results", "tw-aphia", "quarantine_result.batch", SIMPLE, B, days(1),
      (OWNER,), ("tw-customs-admin",), "Quarantine results (daily batch)", "檢疫結果每日批次",
      "All quarantine results of the day, for reconciliation.", "當日全部檢疫結果，供勾稽核對。"),
    # --- International Trade Administration
    S("trade-import-permit", "tw-trade-admin", "import_permit.apply", CERT, P, days(1),
      DECLARANTS, (OWNER,), "Import permit", "輸入許可證申請",
      "Apply for the import permit of goods under import control.", "申請管制輸入貨品之輸入許可證。"),
    S("trade-export-permit", "tw-trade-admin", "export_permit.apply", CERT, P, days(1),
      DECLARANTS, (OWNER,), "Export permit", "輸出許可證申請",
      "Apply for the export permit of goods under export control.", "申請管制輸出貨品之輸出許可證。"),
    S("trade-permit-lookup", "tw-trade-admin", "permit_lookup.request", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Import/export permit lookup", "輸出入許可證查核",
      "Customs checks an import or export permit's goods, quantity and validity.",
      "海關查核輸出入許可證之貨品、數量及效期。"),
    S("trade-strategic-goods", "tw-trade-admin", "strategic_export.apply", CERT, P, days(5),
      DECLARANTS, (OWNER,), "Strategic high-tech commodity export permit", "戰略性高科技貨品輸出許可",
      "Apply to export strategic high-tech commodities.", "申請輸出戰略性高科技貨品。"),
    S("trade-origin-certificate", "tw-trade-admin", "origin_certificate.apply", CERT, P, days(2),
      DECLARANTS, (OWNER,), "Certificate of origin", "產地證明書申請",
      "Apply for a certificate of origin for exported goods.", "申請出口貨品之產地證明書。"),
    S("trade-origin-exchange", "tw-trade-admin", "origin_certificate.exchange", CERT, RT, hours(1),
      (OWNER, R.FOREIGN_SINGLE_WINDOW), (OWNER, R.FOREIGN_SINGLE_WINDOW), "Certificates of origin exchange",
      "產地證明書電子交換",
      "Certificates of origin exchanged with partner single windows under trade agreements.",
      "依貿易協定與夥伴單一窗口交換電子產地證明書。"),
    S("trade-trader-registration", "tw-trade-admin", "trader_registration.check", SIMPLE, V, minutes(1),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Importer/exporter registration check", "出進口廠商登記查詢",
      "Whether a business is registered as an importer and exporter.", "查詢企業是否已辦理出進口廠商登記。"),
    S("trade-quota-balance", "tw-trade-admin", "quota_balance.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Import quota balance", "輸入配額餘額查核",
      "Customs checks and writes off the balance of an import quota certificate.",
      "海關查核並扣減輸入配額證明之餘額。"),
    S("trade-control-list", "tw-trade-admin", "trade_control_list.batch", SIMPLE, B, days(1),
      (OWNER,), (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), "Export control entity list", "出口管制實體名單",
      "The entities exports to which need a permit, for screening declarations.",
      "出口需經許可之實體名單，供報單篩選。"),
    # --- Taiwan International Ports Corporation
    S("port-vessel-arrival", "tw-port-tipc", "vessel_arrival.notification", SIMPLE, RT, minutes(15),
      (OWNER,), (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), "Vessel arrival and departure", "船舶進出港動態",
      "Actual berthing and departure times of vessels, for customs and the quarantine agencies.",
      "船舶實際靠離泊時間，供海關及檢疫機關使用。"),
    S("port-berth-schedule", "tw-port-tipc", "berth_schedule.batch", SIMPLE, B, days(1),
      (OWNER,), (R.CUSTOMS_OFFICE, R.CARRIER), "Berth schedule", "船席指泊計畫",
      "The next days' berth allocation.", "未來數日之船席指泊計畫。"),
    S("port-container-gate", "tw-port-tipc", "container_gate.notification", SIMPLE, RT, minutes(5),
      (OWNER, R.WAREHOUSE_OPERATOR), CUSTOMS, "Container gate-in and gate-out", "貨櫃進出站動態",
      "Each container passing a terminal gate, matched against release notices.",
      "貨櫃通過碼頭管制站之動態，供比對放行通知。"),
    S("port-dangerous-goods", "tw-port-tipc", "dangerous_goods.submit", CERT, F, hours(24),
      (R.CARRIER,), (OWNER,), "Dangerous goods declaration", "危險物品申報",
      "Carriers declare dangerous goods before loading or discharge in port.", "運輸業者於港區裝卸前申報危險物品。"),
    S("port-service-fee", "tw-port-tipc", "port_service_fee.notification", SIMPLE, N, days(1),
      (OWNER,), (R.CARRIER, *DECLARANTS), "Port service fee notice", "商港服務費繳費通知",
      "The port service fee due on cargo, passengers or vessels.", "貨物、旅客或船舶應繳之商港服務費。"),
    S("port-cargo-handling", "tw-port-tipc", "cargo_handling.batch", SIMPLE, B, days(1),
      (OWNER,), ("tw-customs-admin", "tw-mpb"), "Cargo handling statistics", "港埠貨物裝卸統計",
      "Cargo loaded and discharged per berth and day.", "各碼頭每日裝卸貨物量。"),
    # --- Maritime and Port Bureau
    S("mpb-ship-registry", "tw-mpb", "ship_registry.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PORT_AUTHORITY), (OWNER,), "Ship registry check", "船舶登記查詢",
      "A vessel's nationality, tonnage and owner.", "查詢船舶國籍、噸位及所有人。"),
    S("mpb-seafarer-check", "tw-mpb", "seafarer_certificate.check", SIMPLE, V, minutes(5),
      (R.PORT_AUTHORITY, "tw-nia"), (OWNER,), "Seafarer certificate check", "船員證書查詢",
      "Whether a seafarer's certificate of competency is valid.", "查詢船員適任證書是否有效。"),
    S("mpb-port-clearance", "tw-mpb", "port_clearance.apply", CERT, P, hours(2),
      (R.CARRIER,), (OWNER,), "Port clearance application", "船舶出港許可申請",
      "The master or agent applies for the vessel's clearance to leave port.", "船長或船務代理申請船舶出港許可。"),
    S("mpb-port-clearance-notice", "tw-mpb", "port_clearance.notification", SIMPLE, N, minutes(15),
      (OWNER,), (R.CUSTOMS_OFFICE, R.PORT_AUTHORITY, R.CARRIER), "Port clearance granted", "出港許可核發通知",
      "The vessel may leave port.", "船舶准予出港之通知。"),
    S("mpb-ship-inspection", "tw-mpb", "ship_inspection.lookup", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PORT_AUTHORITY), (OWNER,), "Ship safety certificate lookup", "船舶檢查證書查詢",
      "A vessel's safety certificates and port state control findings.", "船舶安全證書及港口國管制檢查結果。"),
    # --- Civil Aviation Administration
    S("caa-flight-arrival", "tw-caa", "flight_arrival.notification", SIMPLE, RT, minutes(15),
      (OWNER,), (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), "Flight arrival and departure", "航機起降動態",
      "Actual arrival and departure times of cargo and passenger flights.", "客貨運航機實際起降時間。"),
    S("caa-flight-schedule", "tw-caa", "flight_schedule.batch", SIMPLE, B, days(1),
      (OWNER,), (R.CUSTOMS_OFFICE, "tw-nia"), "Flight schedule", "航班表",
      "Scheduled international flights for the coming days.", "未來數日之國際定期航班。"),
    S("caa-drone-import", "tw-caa", "drone_import.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Remotely piloted aircraft import approval", "遙控無人機輸入同意",
      "Apply to import remotely piloted aircraft above the regulated weight.", "申請輸入達管制重量之遙控無人機。"),
    S("caa-aircraft-registry", "tw-caa", "aircraft_registry.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Aircraft registry check", "航空器登記查詢",
      "An aircraft's nationality and registration marks.", "查詢航空器國籍及登記標誌。"),
    S("caa-regulated-agent", "tw-caa", "air_cargo_security.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.CARRIER), (OWNER,), "Regulated air cargo agent check", "空運保安控管業者查詢",
      "Whether a forwarder is an approved regulated agent for air cargo security.",
      "查詢承攬業者是否為核准之空運保安控管業者。"),
    # --- Fisheries Agency
    S("fisheries-catch-certificate", "tw-fisheries", "catch_certificate.apply", CERT, P, days(3),
      DECLARANTS, (OWNER,), "Catch certificate", "漁獲證明書申請",
      "Apply for the catch certificate fish exports to some markets need.", "申請輸出特定市場所需之漁獲證明書。"),
    S("fisheries-catch-lookup", "tw-fisheries", "catch_certificate.lookup", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.FOREIGN_SINGLE_WINDOW), (OWNER,), "Catch certificate lookup", "漁獲證明書查核",
      "Customs or a partner authority checks a catch certificate.", "海關或國外機關查核漁獲證明書。"),
    S("fisheries-vessel-check", "tw-fisheries", "fishing_vessel.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PORT_AUTHORITY), (OWNER,), "Fishing vessel licence check", "漁船執照查詢",
      "Whether a fishing vessel holds a valid fishing licence.", "查詢漁船是否持有有效漁業執照。"),
    S("fisheries-iuu-list", "tw-fisheries", "iuu_vessel_list.batch", SIMPLE, B, days(1),
      (OWNER,), (R.CUSTOMS_OFFICE, R.PORT_AUTHORITY), "IUU vessel list", "非法漁船名單",
      "Vessels listed for illegal, unreported or unregulated fishing.", "從事非法、未報告及不受規範漁撈之漁船名單。"),
    S("fisheries-aquatic-import", "tw-fisheries", "aquatic_import.apply", CERT, P, days(5),
      DECLARANTS, (OWNER,), "Aquatic product import approval", "水產品輸入同意文件",
      "Apply for the approval some aquatic species need before import.", "申請特定水產物種之輸入同意文件。"),
    # --- Forestry and Nature Conservation Agency
    S("forestry-cites-permit", "tw-forestry", "cites_permit.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "CITES import/export permit", "瀕臨絕種野生動植物（CITES）輸出入許可",
      "Apply for the permit trade in species listed by CITES needs.", "申請華盛頓公約附錄物種之輸出入許可。"),
    S("forestry-cites-lookup", "tw-forestry", "cites_permit.lookup", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.FOREIGN_SINGLE_WINDOW), (OWNER,), "CITES permit lookup", "CITES 許可查核",
      "Customs or a partner authority checks a CITES permit.", "海關或國外機關查核 CITES 許可。"),
    S("forestry-cites-exchange", "tw-forestry", "cites_permit.exchange", CERT, RT, hours(1),
      (OWNER, R.FOREIGN_SINGLE_WINDOW), (OWNER, R.FOREIGN_SINGLE_WINDOW), "Electronic CITES permit exchange",
      "CITES 電子許可交換",
      "CITES permits exchanged with the management authorities of trading partners.",
      "與貿易夥伴管理機關交換 CITES 電子許可。"),
    S("forestry-wildlife-import", "tw-forestry", "wildlife_import.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "Protected wildlife import approval", "保育類野生動物輸入同意",
      "Apply to import protected wildlife or its products.", "申請輸入保育類野生動物或其產製品。"),
    S("forestry-timber-legality", "tw-forestry", "timber_legality.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Timber legality check", "木材合法來源查詢",
      "Whether imported timber has a recognised proof of legal harvest.", "查詢輸入木材是否具認可之合法來源證明。"),
    # --- Agriculture and Food Agency
    S("afa-rice-import", "tw-afa", "rice_import.apply", CERT, P, days(5),
      DECLARANTS, (OWNER,), "Rice import approval", "稻米輸入同意",
      "Apply to import rice within the tariff quota.", "申請於關稅配額內輸入稻米。"),
    S("afa-grain-dealer", "tw-afa", "grain_dealer.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Grain dealer registration check", "糧商登記查詢",
      "Whether an importer of grain is a registered grain dealer.", "查詢糧食進口人是否已辦理糧商登記。"),
    S("afa-tariff-quota", "tw-afa", "tariff_quota.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Agricultural tariff quota certificate", "農產品關稅配額證明查核",
      "Customs checks and writes off an agricultural tariff quota certificate.", "海關查核並扣減農產品關稅配額證明。"),
    S("afa-fertiliser", "tw-afa", "fertiliser_registration.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Fertiliser registration check", "肥料登記證查詢",
      "Whether an imported fertiliser is registered.", "查詢輸入肥料是否領有登記證。"),
    S("afa-seed-import", "tw-afa", "seed_import.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Seed and seedling import approval", "種苗輸入同意",
      "Apply to import seeds and seedlings of controlled varieties.", "申請輸入管制品種之種子及種苗。"),
    # --- Ministry of Agriculture
    S("moa-pesticide-export", "tw-moa", "pesticide_export.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Banned pesticide export approval", "禁用農藥輸出同意",
      "Apply to export a pesticide banned at home (regulation code 441).",
      "申請輸出國內禁用之農藥（輸出入規定 441）。"),
    S("moa-pesticide-export-lookup", "tw-moa", "pesticide_export.lookup", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Pesticide export approval lookup", "農藥輸出同意查核",
      "Customs checks an export approval for a banned pesticide.", "海關查核禁用農藥之輸出同意文件。"),
    # --- Nuclear Safety Commission
    S("nsc-radioactive-import", "tw-nsc", "radioactive_material.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "Radioactive material import/export permit", "放射性物質輸出入許可",
      "Apply to import or export radioactive material or radiation equipment.",
      "申請輸出入放射性物質或可發生游離輻射設備。"),
    S("nsc-licence-lookup", "tw-nsc", "radiation_licence.lookup", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Radiation licence lookup", "輻射許可查詢",
      "Whether the consignee holds a radiation licence.", "查詢收貨人是否持有輻射作業許可。"),
    S("nsc-radiation-alarm", "tw-nsc", "radiation_alarm.notification", CERT, N, minutes(15),
      CUSTOMS, (OWNER,), "Radiation portal alarm", "輻射偵檢門警報通報",
      "Customs reports a container that set off a radiation portal monitor.", "海關通報觸發輻射偵檢門警報之貨櫃。"),
    S("nsc-nuclear-export", "tw-nsc", "nuclear_export.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "Nuclear material export permit", "核子物料輸出許可",
      "Apply to export nuclear material or nuclear-related equipment.", "申請輸出核子物料或核子相關設備。"),
    # --- Ministry of Environment
    S("moenv-toxic-chemicals", "tw-moenv", "toxic_chemical.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Toxic chemical substance permit", "毒性化學物質輸出入許可",
      "Apply to import or export a listed toxic or concerned chemical substance.",
      "申請輸出入列管毒性及關注化學物質。"),
    S("moenv-toxic-chemicals-lookup", "tw-moenv", "toxic_chemical.lookup", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Toxic chemical permit lookup", "毒性化學物質許可查核",
      "Customs checks a toxic chemical substance permit.", "海關查核毒性化學物質許可文件。"),
    S("moenv-waste-import", "tw-moenv", "waste_import.apply", CERT, P, days(30),
      DECLARANTS, (OWNER,), "Industrial waste import permit", "事業廢棄物輸入許可",
      "Apply to import industrial waste for recycling.", "申請輸入事業廢棄物供再利用。"),
    S("moenv-waste-export", "tw-moenv", "waste_export.apply", CERT, P, days(30),
      DECLARANTS, (OWNER,), "Hazardous waste export permit", "有害事業廢棄物輸出許可",
      "Apply to export hazardous waste under the Basel Convention.", "依巴塞爾公約申請輸出有害事業廢棄物。"),
    S("moenv-vehicle-emission", "tw-moenv", "vehicle_emission.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Vehicle emission certification check", "車輛排氣審驗合格證明查詢",
      "Whether an imported vehicle model holds an emission certificate.", "查詢輸入車型是否領有排氣審驗合格證明。"),
    S("moenv-ods-quota", "tw-moenv", "ozone_depleting_substance.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Ozone-depleting substance quota", "消耗臭氧層物質配額查核",
      "Customs checks and writes off an importer's quota of controlled refrigerants.",
      "海關查核並扣減管制冷媒之輸入配額。"),
    S("moenv-chemical-registration", "tw-moenv", "chemical_registration.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "New chemical substance registration check", "新化學物質登錄查詢",
      "Whether an imported chemical substance is registered.", "查詢輸入化學物質是否已完成登錄。"),
    # --- Administration of Commerce
    S("commerce-business-registration", "tw-commerce", "business_registration.check", SIMPLE, V, minutes(1),
      G2G, (OWNER,), "Business registration check (商工登記)", "商工登記查詢",
      "A company's or business's name, status, capital and responsible person from the commercial registers.",
      "自公司及商業登記資料查詢名稱、登記狀態、資本額及負責人。"),
    S("commerce-registration-changes", "tw-commerce", "business_registration.batch", SIMPLE, B, days(1),
      (OWNER,), (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), "Business registration changes (daily)", "商工登記異動每日批次",
      "Registrations, changes, suspensions and dissolutions of the day.", "當日設立、變更、停業及解散登記。"),
    S("commerce-registration-feed", "tw-commerce", "business_registration.notification", SIMPLE, RT, minutes(5),
      (OWNER,), CUSTOMS, "Business registration change feed", "商工登記異動即時通報",
      "A registration change as it happens, for businesses customs follows.", "海關關注之企業登記異動即時通報。"),
    S("commerce-representative-check", "tw-commerce", "company_representative.check", SIMPLE, V, minutes(1),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Responsible person check", "公司負責人查詢",
      "Whether a person is a company's registered responsible person.", "查詢某人是否為公司登記之負責人。"),
    # --- Taxation Administration
    S("tax-registration-check", "tw-tax-admin", "tax_registration.check", SIMPLE, V, minutes(1),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Business tax registration check", "營業（稅籍）登記查詢",
      "Whether a business is registered for business tax, and its status.", "查詢營業人稅籍登記及其狀態。"),
    S("tax-arrears-check", "tw-tax-admin", "tax_arrears.check", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Tax arrears check", "欠稅查詢",
      "Whether a business has overdue national taxes, before duty deferral or guarantees.",
      "核准先放後稅或保證前，查詢營業人有無欠繳國稅。"),
    S("tax-invoice-check", "tw-tax-admin", "uniform_invoice.check", SIMPLE, V, minutes(1),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Uniform invoice check", "統一發票查核",
      "Whether an electronic uniform invoice exists and matches the declared sale.",
      "查核電子統一發票是否存在且與申報交易相符。"),
    S("tax-commodity-tax", "tw-tax-admin", "commodity_tax_registration.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Commodity tax registration check", "貨物稅廠商登記查詢",
      "Whether an importer of taxable commodities is registered for commodity tax.",
      "查詢應稅貨物進口人是否已辦理貨物稅登記。"),
    # --- National Treasury Administration
    S("nta-licence-check", "tw-mof-nta", "tobacco_alcohol_licence.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Tobacco and alcohol importer licence check", "菸酒進口業許可執照查詢",
      "Whether an importer of tobacco or alcohol holds a licence.", "查詢菸酒進口人是否持有許可執照。"),
    S("nta-alcohol-inspection", "tw-mof-nta", "alcohol_import.apply", CERT, P, days(5),
      DECLARANTS, (OWNER,), "Imported alcohol inspection", "進口酒類查驗申請",
      "Apply for inspection of imported alcohol (regulation code W01).", "申請進口酒類查驗（輸出入規定 W01）。"),
    S("nta-alcohol-result", "tw-mof-nta", "alcohol_import.notification", CERT, N, hours(1),
      (OWNER,), (R.CUSTOMS_OFFICE, *DECLARANTS), "Imported alcohol inspection result", "進口酒類查驗結果",
      "Pass or fail of an alcohol consignment.", "進口酒類查驗合格或不合格之通知。"),
    # --- Directorate-General of Budget, Accounting and Statistics
    S("dgbas-price-index", "tw-dgbas", "trade_price_index.batch", SIMPLE, B, days(30),
      (OWNER,), ("tw-customs-admin", "tw-trade-admin"), "Import and export price indices", "進出口物價指數",
      "Monthly price indices for deflating trade values.", "每月進出口物價指數，供平減貿易值。"),
    S("dgbas-industry-classification", "tw-dgbas", "industry_classification.batch", SIMPLE, B, days(30),
      (OWNER,), (R.CUSTOMS_OFFICE, "tw-tax-admin"), "Standard industrial classification", "行業標準分類",
      "The classification of economic activities, for linking traders to industries.",
      "行業標準分類，供連結貿易商與行業別。"),
    # --- Industrial Development Administration
    S("ida-import-approval", "tw-ida", "industrial_import.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Industrial goods import approval", "產業發展署輸入同意文件",
      "Apply for the approval regulation code 251 requires.", "申請輸出入規定 251 所需之同意文件。"),
    S("ida-factory-registration", "tw-ida", "factory_registration.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Factory registration check", "工廠登記查詢",
      "Whether a business holds a factory registration, and for which products.", "查詢企業是否領有工廠登記及其產品。"),
    S("ida-equipment-exemption", "tw-ida", "equipment_exemption.apply", CERT, P, days(14),
      DECLARANTS, (OWNER,), "Duty exemption for machinery", "進口機器設備免稅證明申請",
      "Apply for the certificate that exempts imported production machinery from duty.",
      "申請進口生產用機器設備免徵關稅證明。"),
    S("ida-equipment-exemption-lookup", "tw-ida", "equipment_exemption.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Machinery duty exemption lookup", "機器設備免稅證明查核",
      "Customs checks and writes off a machinery duty exemption certificate.", "海關查核並核銷機器設備免稅證明。"),
    # --- Energy Administration
    S("energy-import-approval", "tw-energy-admin", "energy_product.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Energy product import approval", "能源署輸入同意文件",
      "Apply for the approval regulation code 255 requires (petroleum products and others).",
      "申請輸出入規定 255 所需之同意文件（石油製品等）。"),
    S("energy-petroleum-business", "tw-energy-admin", "petroleum_business.check", SIMPLE, V, minutes(5),
      CUSTOMS, (OWNER,), "Petroleum business licence check", "石油業者執照查詢",
      "Whether an importer of petroleum products holds a petroleum business licence.",
      "查詢石油製品進口人是否領有石油業執照。"),
    S("energy-efficiency-label", "tw-energy-admin", "energy_label.check", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Energy efficiency label check", "能源效率標示登錄查詢",
      "Whether an appliance model is registered for the energy efficiency label.",
      "查詢電器型號是否完成能源效率標示登錄。"),
    # --- Ministry of Economic Affairs
    S("moea-import-approval", "tw-moea", "economic_approval.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Ministry of Economic Affairs approval", "經濟部同意文件",
      "Apply for the approval regulation code 301 requires.", "申請輸出入規定 301 所需之同意文件。"),
    S("moea-approval-lookup", "tw-moea", "economic_approval.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Ministry of Economic Affairs approval lookup", "經濟部同意文件查核",
      "Customs checks an approval of the Ministry of Economic Affairs.", "海關查核經濟部同意文件。"),
    # --- National Communications Commission
    S("ncc-rf-import", "tw-ncc", "rf_device_import.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Controlled radio-frequency device import permit", "電信管制射頻器材輸入許可",
      "Apply to import controlled radio-frequency devices.", "申請輸入電信管制射頻器材。"),
    S("ncc-rf-import-lookup", "tw-ncc", "rf_device_import.lookup", CERT, V, minutes(5),
      CUSTOMS, (OWNER,), "Radio-frequency device import permit lookup", "射頻器材輸入許可查核",
      "Customs checks a controlled radio-frequency device import permit.", "海關查核電信管制射頻器材輸入許可。"),
    S("ncc-type-approval", "tw-ncc", "type_approval.lookup", SIMPLE, V, minutes(5),
      (R.CUSTOMS_OFFICE, R.PERMIT_AGENCY), (OWNER,), "Type approval lookup", "型式認證查詢",
      "Whether a radio or telecom equipment model holds type approval.", "查詢無線電或電信設備型號是否取得型式認證。"),
    # --- Taiwan Centers for Disease Control
    S("cdc-ship-sanitation", "tw-cdc", "ship_sanitation.apply", CERT, P, days(1),
      (R.CARRIER,), (OWNER,), "Ship sanitation certificate", "船舶衛生管制證明書申請",
      "Apply for a ship sanitation control (exemption) certificate.", "申請船舶衛生管制（免予衛生管制）證明書。"),
    S("cdc-maritime-health", "tw-cdc", "maritime_health.submit", CERT, F, hours(4),
      (R.CARRIER,), (OWNER,), "Maritime declaration of health", "航海健康聲明書",
      "The master declares the health of those on board before arrival.", "船長於抵港前申報船上人員健康狀況。"),
    S("cdc-free-pratique", "tw-cdc", "vessel_quarantine.notification", SIMPLE, N, minutes(30),
      (OWNER,), (R.PORT_AUTHORITY, R.CUSTOMS_OFFICE, R.CARRIER), "Free pratique", "船舶檢疫放行通知",
      "The vessel is cleared by port health and may berth and discharge.", "船舶經港埠檢疫放行，得靠泊及卸貨。"),
    S("cdc-biological-material", "tw-cdc", "biological_material.apply", CERT, P, days(7),
      DECLARANTS, (OWNER,), "Infectious biological material import", "感染性生物材料輸入許可",
      "Apply to import infectious biological material.", "申請輸入感染性生物材料。"),
    # --- National Immigration Agency
    S("nia-crew-list", "tw-nia", "crew_list.submit", CERT, F, hours(4),
      (R.CARRIER,), (OWNER,), "Crew list", "船（機）員名單",
      "The carrier files the crew of an arriving or departing vessel or aircraft.",
      "運輸業者申報進出港船舶或航空器之船（機）員名單。"),
    S("nia-passenger-list", "tw-nia", "passenger_list.submit", CERT, F, hours(2),
      (R.CARRIER,), (OWNER, R.CUSTOMS_OFFICE), "Advance passenger information", "旅客預報資料",
      "Passenger details sent before arrival, to immigration and customs.", "抵達前將旅客資料傳送移民及海關機關。"),
    S("nia-crew-landing", "tw-nia", "crew_landing.notification", SIMPLE, N, hours(1),
      (OWNER,), (R.PORT_AUTHORITY, R.CARRIER), "Crew shore leave permit", "船員登岸許可通知",
      "Which crew members may go ashore.", "核准登岸之船員名單。"),
)

BY_CODE: dict[str, CatalogueService] = {service.code: service for service in SERVICES}
AGENCY_BY_CODE: dict[str, Agency] = {agency.code: agency for agency in AGENCIES}


class CatalogueError(ValueError):
    """A catalogue that contradicts itself; nothing is loaded from it."""

    def __init__(self, problems: list[str]) -> None:
        super().__init__("catalogue is inconsistent / 服務目錄內容不一致: " + "; ".join(problems))
        self.problems = problems


def check_catalogue(agencies: tuple[Agency, ...] = AGENCIES,
                    services: tuple[CatalogueService, ...] = SERVICES) -> list[str]:
    """Every inconsistency, so a bad edit is caught before anything is written."""
    problems: list[str] = []
    codes = {agency.code for agency in agencies}
    roles = set(OrganisationRole.values)
    _duplicates(problems, "agency code", [a.code for a in agencies])
    _duplicates(problems, "business id", [a.business_id for a in agencies])
    _duplicates(problems, "service code", [s.code for s in services])
    _duplicates(problems, "message type", [s.message_type for s in services])
    for agency in agencies:
        if not is_valid_business_id(agency.business_id):
            problems.append(f"{agency.code}: business id {agency.business_id} fails the check rule")
        problems.extend(f"{agency.code}: unknown role {role}" for role in agency.roles if role not in roles)
        if not agency.name_en or not agency.name_zh:
            problems.append(f"{agency.code}: needs an English and a Chinese name")
    owners = {service.owner for service in services}
    problems.extend(f"{code}: owns no service" for code in sorted(codes - owners))
    by_code = {agency.code: agency for agency in agencies}
    for service in services:
        problems.extend(f"{service.code}: {p}" for p in _service_problems(service, by_code, roles))
    return problems


def _duplicates(problems: list[str], what: str, values: list[str]) -> None:
    seen: set[str] = set()
    for value in values:
        if value in seen:
            problems.append(f"duplicate {what} {value}")
        seen.add(value)


def _service_problems(service: CatalogueService, agencies: dict[str, Agency], roles: set[str]) -> list[str]:
    problems: list[str] = []
    if service.owner not in agencies:
        problems.append(f"owner {service.owner} is not a catalogue agency")
    if not MESSAGE_TYPE.match(service.message_type):
        problems.append(f"message type {service.message_type!r} is not <dataset>.<function>")
    if service.security not in Service.Security.values:
        problems.append(f"unknown security {service.security}")
    if service.kind not in KIND_TITLES:
        problems.append(f"unknown kind {service.kind}")
    if service.processing_time <= timedelta(0):
        problems.append("processing time must be positive")
    if not (service.name_en and service.name_zh and service.summary_en and service.summary_zh):
        problems.append("needs a name and a summary in English and Chinese")
    if len(service.code) > 60 or len(service.name_en) > 200 or len(service.name_zh) > 200:
        problems.append("code or name too long for the registry")
    if not service.senders or not service.receivers:
        problems.append("needs at least one sender and one receiver")
    for name in (*service.senders, *service.receivers):
        if name != OWNER and name not in roles and name not in agencies:
            problems.append(f"grant names {name!r}: neither a role, an agency code nor 'owner'")
    owner = agencies.get(service.owner)
    if owner is not None and not _owner_takes_part(service, owner):
        problems.append("the owner neither sends nor receives its own service")
    return problems


def _owner_takes_part(service: CatalogueService, owner: Agency) -> bool:
    names = {*service.senders, *service.receivers}
    return bool(names & {OWNER, owner.code, *owner.roles})
