"""CUSDEC (D.96B) for import and export declarations: the mapping table.

Header, detail (one group per goods item, opened by CST) and summary, separated by UNS+D and UNS+S.
Standard D.96B segments, qualifiers and positions are used wherever the directory has a home for a
harmonised element; the rest travel under agreed qualifiers starting with Z (codes the directory
leaves to partners), so a round trip keeps every field. ``docs/edifact.md`` is generated from here.
"""

from __future__ import annotations

from singlewindow.datamodel.codecs.edifact_rules import (
    Each,
    Group,
    Profile,
    Section,
    Seg,
    Text,
    Value,
    When,
    compile_profile,
    join,
)
from singlewindow.datamodel.datasets.declaration import ExportDeclaration, ImportDeclaration

IMPORT_DOCUMENT = "929"
"""UN/EDIFACT 1001: goods declaration for importation."""
EXPORT_DOCUMENT = "830"
"""UN/EDIFACT 1001: goods declaration for exportation."""


# --- building blocks used at several places -----------------------------------------------------


def party(qualifier: str, path: str, meaning: str) -> Seg:
    """NAD: party ID (C082), name (C080, 5 x 35), street (C059, 4 x 35), city, postcode, country."""
    return Seg("NAD", (qualifier,), (
        Text(join(path, "id"), 2, 1),
        Text(join(path, "name"), 4, 1, span=5, width=35),
        Text(join(path, "address/line"), 5, 1, span=4, width=35),
        Text(join(path, "address/cityName"), 6),
        Text(join(path, "address/postcodeId"), 8),
        Text(join(path, "address/countryCode"), 9),
    ), meaning)


def place(qualifier: str, path: str, meaning: str, *, name: str = "", kind: str = "", region: str = "") -> Seg:
    """LOC: the place's code in C517 (3225), optionally its type (1131), name (3224) and region (C519)."""
    slots: list[Text] = [Text(path, 2, 1)]
    if kind:
        slots.append(Text(kind, 2, 2))
    if name:
        slots.append(Text(name, 2, 4))
    if region:
        slots.append(Text(region, 3, 1))
    return Seg("LOC", (qualifier,), tuple(slots), meaning)


def amount(qualifier: str, path: str, meaning: str) -> Seg:
    """MOA: C516 amount (5004) and currency (6345)."""
    return Seg("MOA", (qualifier,), (Value(path, 1, 2, 3),), meaning)


def measure(kind: str, dimension: str, path: str, meaning: str) -> Seg:
    """MEA: C174 value (6314) and unit (6411)."""
    return Seg("MEA", (kind, dimension), (Value(path, 3, 2, 1),), meaning)


def indicator(code_list: str, path: str, meaning: str) -> Seg:
    """GIS: the code in C529 7365, the agreed list it comes from in 1131."""
    return Seg("GIS", (code_list,), (Text(path, 1, 1),), meaning)


def reference(qualifier: str, path: str, meaning: str) -> Seg:
    """RFF: C506 reference (1154)."""
    return Seg("RFF", (qualifier,), (Text(path, 1, 2),), meaning)


def moment(qualifier: str, path: str, meaning: str) -> Seg:
    """DTM: C507 value (2380) and format (2379)."""
    return Seg("DTM", (qualifier,), (When(path, 1),), meaning)


def transport(stage: str, path: str, meaning: str, *, nationality: bool = False) -> Seg:
    """TDT: mode (C220), type (C228), identification, its type, name and nationality (C222)."""
    slots = [Text(join(path, "modeCode"), 3, 1), Text(join(path, "typeCode"), 4, 1), Text(join(path, "id"), 8, 1),
             Text(join(path, "identificationTypeCode"), 8, 2), Text(join(path, "name"), 8, 4)]
    if nationality:
        slots.append(Text(join(path, "registrationNationalityCode"), 8, 5))
    return Seg("TDT", (stage,), tuple(slots), meaning)


def sequence(meaning: str) -> Seg:
    """RFF+ZSQ: a record's sequence number, written only when it is not the record's position."""
    return Seg("RFF", ("ZSQ",), (Text("sequenceNumeric", 1, 2, implied=True),), meaning)


def pointer_group(path: str) -> Group:
    return Group(path, Seg("RFF", ("ZPT",), (
        Text("tagId", 1, 2), Text("sequenceNumeric", 1, 3), Text("documentSectionCode", 1, 4),
    ), "pointer: WCO tag (1154), sequence (1156), document section (4000)"), meaning="pointer into the declaration")


def document_group(path: str) -> Group:
    """DOC: type (1001), category (1131), name (1000); number (1004) and LPCO exemption (1373)."""
    return Group(path, Seg("DOC", (), (
        Text("typeCode", 1, 1), Text("categoryCode", 1, 2), Text("name", 1, 4),
        Text("id", 2, 1), Text("lpcoExemptionCode", 2, 2),
    ), "additional document", marker=(1, 3, "ZZZ")), segments=(
        amount("ZWA", "writeOff/amountAmount", "amount written off the licence"),
        measure("AAE", "ZWQ", "writeOff/quantityQuantity", "quantity written off the licence"),
    ), meaning="additional document (certificate, licence, permit)")


def information_group(path: str) -> Group:
    """FTX+ACB: statement code (4441) and type (1131) in C107, the statement in C108."""
    return Group(path, Seg("FTX", ("ACB",), (
        Text("statementCode", 3, 1), Text("statementTypeCode", 3, 2),
        Text("statementDescription", 4, 1, span=5, width=70),
    ), "additional information"), groups=(pointer_group("pointer"),), meaning="additional information statement")


def previous_group(path: str) -> Group:
    return Group(path, Seg("RFF", ("ZPD",), (
        Text("id", 1, 2), Text("lineNumeric", 1, 3), Text("typeCode", 1, 4), Text("categoryCode", 1, 5),
    ), "previous document: number (1154), line (1156), type (4000), category (1060)"), meaning="previous document")


def role_group(qualifier: str, path: str, meaning: str) -> Group:
    return Group(path, Seg("NAD", (qualifier,), (Text("id", 2, 1), Text("roleCode", 2, 2)),
                           f"{meaning}: ID (3039) and role (1131)"), meaning=meaning)


def charge_group(path: str) -> Group:
    return Group(path, Seg("ALC", ("C",), (Text("chargesTypeCode", 2, 2),), "charge or deduction: type (5189)"),
                 segments=(amount("8", "otherChargeDeductionAmount", "amount of the charge or deduction"),),
                 meaning="valuation charge or deduction")


def equipment_group(path: str, *, seals: bool) -> Group:
    inner: tuple[Group, ...] = ()
    if seals:
        inner = (Group("seal", Seg("SEL", (), (Text("id", 1, 1),), "seal number (9308)", marker=(2, 3, "ZZZ")),
                       segments=(sequence("seal sequence number"),), meaning="seal"),)
    return Group(path, Seg("EQD", ("CN",), (Text("id", 2, 1),), "container number (C237 8260)"),
                 segments=(sequence("equipment sequence number"),), groups=inner, meaning="container")


# --- the goods item (detail section) -------------------------------------------------------------

GOODS_ITEM = Group(
    "goodsShipment/governmentAgencyGoodsItem",
    Seg("CST", (), (Text("sequenceNumeric", 1),
                    Each("commodity/classification", 2, ("id", "identificationTypeCode"))),
        "goods item number (1496); each classification in a C246: code (7361) and nomenclature (1131)"),
    segments=(
        Seg("FTX", ("AAA",), (Text("commodity/description", 4, 1, span=5, width=70),), "goods description"),
        place("28", "destination/countryCode", "country of destination", region="destination/regionId"),
        place("35", "exportCountry/id", "country of export"),
        measure("WT", "AAB", "commodity/goodsMeasure/grossMassMeasure", "gross mass"),
        measure("WT", "AAA", "commodity/goodsMeasure/netNetWeightMeasure", "net mass"),
        measure("AAE", "ZTQ", "commodity/goodsMeasure/tariffQuantity", "quantity in the tariff unit"),
        amount("40", "customsValueAmount", "customs value"),
        amount("123", "statisticalValueAmount", "statistical value"),
        amount("38", "commodity/invoiceLine/itemChargeAmount", "invoice item amount"),
        indicator("ZNT", "transactionNatureCode", "nature of transaction"),
        indicator("ZVM", "customsValuation/methodCode", "valuation method"),
        indicator("ZVA", "valuationAdjustment/additionCode", "valuation adjustment"),
        party("BY", "buyer", "buyer"),
        party("SE", "seller", "seller"),
        party("CN", "consignee", "consignee"),
        party("CZ", "consignor", "consignor"),
        reference("UCN", "ucr/id", "unique consignment reference"),
        reference("ZUT", "ucr/traderAssignedReferenceId", "trader's reference of the UCR"),
    ),
    groups=(
        Group("origin", Seg("LOC", ("27",), (Text("countryCode", 2, 1), Text("typeCode", 2, 2),
                                             Text("regionId", 3, 1)),
                            "country (3225), origin type (1131), region (C519)"), meaning="origin"),
        Group("governmentProcedure", Seg("FTX", ("CCI",), (Text("currentCode", 4, 1), Text("previousCode", 4, 2)),
                                         "customs clearance instructions: requested and previous procedure"),
              meaning="customs procedure"),
        Group("commodity/dutyTaxFee", Seg("TAX", ("5",), (
            Text("typeCode", 2, 1), Text("quotaOrderId", 5, 1), Text("taxRateNumeric", 5, 4),
            Text("dutyRegimeCode", 6, 1),
        ), "duty or tax: type (C241 5153), quota (C243 5279), rate (C243 5278), regime (5305)"), segments=(
            amount("125", "adValoremTaxBaseAmount", "taxable amount"),
            amount("ZDA", "deductAmount", "amount deducted"),
            measure("AAE", "ZTB", "specificTaxBaseQuantity", "quantity the specific duty applies to"),
            indicator("ZPM", "payment/methodCode", "method of payment"),
            amount("124", "payment/taxAssessedAmount", "tax amount assessed"),
            amount("ZPA", "payment/paymentAmount", "amount paid"),
        ), meaning="duty, tax or fee"),
        document_group("additionalDocument"),
        information_group("additionalInformation"),
        previous_group("previousDocument"),
        role_group("ZAE", "aeoMutualRecognitionParty", "AEO mutual-recognition party"),
        role_group("ZDT", "domesticDutyTaxParty", "domestic duty/tax party"),
        Group("packaging", Seg("GID", (), (Text("sequenceNumeric", 1), Text("quantityQuantity", 2, 1),
                                           Text("typeCode", 2, 2)),
                               "package line (1496), number (7224) and type (7065) of packages"),
              segments=(Seg("PCI", (), (Text("marksNumbersId", 2, 1, span=10, width=35),), "shipping marks"),),
              meaning="packaging"),
        equipment_group("commodity/transportEquipment", seals=False),
        charge_group("customsValuation/chargeDeduction"),
    ),
    meaning="goods item",
)


# --- the declaration -------------------------------------------------------------------------------


def _header(document_code: str) -> Section:
    shipment = "goodsShipment"
    return Section("header", None, segments=(
        Seg("BGM", (), (Text("typeCode", 1, 4), Text("id", 2), Text("functionCode", 3)),
            "document code (1001), declaration type (1000), number (1004), function (1225)",
            fixed=((1, 1, document_code),)),
        moment("137", "issueDateTime", "date of the declaration"),
        moment("ZAC", "acceptanceDateTime", "date customs accepted it"),
        moment("186", f"{shipment}/exitDateTime", "date the goods left"),
        moment("3", f"{shipment}/invoice/issueDateTime", "invoice date"),
        place("41", "declarationOfficeId", "customs office of declaration"),
        place("91", "issueLocationId", "place the declaration was issued"),
        place("42", "exitOffice/id", "customs office of exit"),
        place("ZPO", "presentationOffice/id", "customs office of presentation"),
        place("ZSO", "supervisingOffice/id", "supervising customs office"),
        place("14", f"{shipment}/consignment/goodsLocation/id", "location of the goods",
              kind=f"{shipment}/consignment/goodsLocation/typeCode",
              name=f"{shipment}/consignment/goodsLocation/name"),
        place("9", f"{shipment}/consignment/loadingLocation/id", "place of loading",
              name=f"{shipment}/consignment/loadingLocation/name"),
        place("28", f"{shipment}/destination/countryCode", "country of destination",
              region=f"{shipment}/destination/regionId"),
        place("35", f"{shipment}/exportCountry/id", "country of export"),
        place("1", f"{shipment}/tradeTerms/locationId", "place of the terms of delivery",
              name=f"{shipment}/tradeTerms/locationName"),
        place("ZWH", f"{shipment}/warehouse/id", "customs warehouse", kind=f"{shipment}/warehouse/typeCode"),
        indicator("ZSC", "specificCircumstancesCodeCode", "specific circumstance"),
        indicator("ZRP", "agent/functionCode", "type of representation"),
        indicator("ZNT", f"{shipment}/transactionNatureCode", "nature of transaction"),
        indicator("ZCO", f"{shipment}/consignment/containerCode", "goods in containers"),
        indicator("ZCR", f"{shipment}/tradeTerms/countryRelationshipCode", "country relationship of the terms"),
        measure("WT", "AAB", "totalGrossMassMeasure", "total gross mass"),
        amount("39", "invoiceAmount", "invoice total"),
        amount("64", f"{shipment}/customsValuation/freightChargeAmount", "freight charge"),
        reference("ZLR", "functionalReferenceId", "declarant's reference (LRN)"),
        reference("UCN", f"{shipment}/ucr/id", "unique consignment reference"),
        reference("ZUT", f"{shipment}/ucr/traderAssignedReferenceId", "trader's reference of the UCR"),
        reference("IV", f"{shipment}/invoice/id", "invoice number"),
        party("MS", "submitter", "submitter"),
        party("DT", "declarant", "declarant"),
        party("AG", "agent", "representative"),
        party("EX", "exporter", "exporter"),
        party("IM", f"{shipment}/importer", "importer"),
        party("CN", f"{shipment}/consignee", "consignee"),
        party("CZ", f"{shipment}/consignor", "consignor"),
        party("BY", f"{shipment}/buyer", "buyer"),
        party("SE", f"{shipment}/seller", "seller"),
        party("PR", f"{shipment}/payer", "payer"),
        party("ZSU", f"{shipment}/surety", "surety"),
        party("CA", "consignment/carrier", "carrier"),
        party("ZCC", "consignment/consignor", "consignor named for the transport"),
        Seg("NAD", ("ZGL",), (
            Text(f"{shipment}/consignment/goodsLocation/address/typeCode", 2, 2),
            Text(f"{shipment}/consignment/goodsLocation/address/line", 5, 1, span=4, width=35),
            Text(f"{shipment}/consignment/goodsLocation/address/cityName", 6),
            Text(f"{shipment}/consignment/goodsLocation/address/postcodeId", 8),
            Text(f"{shipment}/consignment/goodsLocation/address/countryCode", 9),
        ), "address of the goods location (address type in C082 1131)"),
        transport("11", "borderTransportMeans", "means of transport at the border", nationality=True),
        transport("12", f"{shipment}/consignment/departureTransportMeans", "means of transport at departure"),
        transport("13", f"{shipment}/consignment/arrivalTransportMeans", "means of transport on arrival"),
        Seg("TOD", (), (
            Text("consignment/freight/paymentMethodCode", 2, 1),
            Text(f"{shipment}/tradeTerms/conditionCode", 3, 1),
            Text(f"{shipment}/tradeTerms/description", 3, 4, span=2, width=70),
        ), "freight payment method (4215); Incoterm (C100 4053) and its description (4052)"),
    ), groups=(
        document_group("additionalDocument"),
        information_group("additionalInformation"),
        Group("amendment", Seg("GIS", ("ZAM",), (Text("changeReasonCode", 1, 1),), "reason for the amendment"),
              groups=(pointer_group("pointer"),), meaning="amendment"),
        Group("authorisationHolder", Seg("RFF", ("ZAH",), (Text("id", 1, 2), Text("categoryCode", 1, 4)),
                                         "holder's ID (1154) and authorisation type (4000)"),
              meaning="authorisation holder"),
        Group("currencyExchange", Seg("CUX", ("2",), (Text("currencyTypeCode", 1, 2), Text("rateNumeric", 3, 1)),
                                      "reference currency (C504 6345) and rate (5402)"), meaning="exchange rate"),
        Group("obligationGuarantee", Seg("GIS", ("ZGT",), (Text("securityDetailsCode", 1, 1),),
                                         "type of guarantee"), segments=(
            reference("ZGI", "id", "guarantee number"),
            reference("ZGR", "referenceId", "guarantee reference"),
            reference("ZGC", "accessCode", "access code"),
            amount("ZGA", "amountAmount", "amount guaranteed"),
            place("ZGO", "guaranteeOffice/id", "guarantee office"),
        ), meaning="guarantee"),
        Group("consignment/itinerary", Seg("LOC", ("ZRC",), (Text("routingCountryCode", 2, 1),), "country of routing"),
              segments=(sequence("itinerary sequence number"),), meaning="itinerary"),
        role_group("ZAE", f"{shipment}/aeoMutualRecognitionParty", "AEO mutual-recognition party"),
        role_group("ZDT", f"{shipment}/domesticDutyTaxParty", "domestic duty/tax party"),
        equipment_group(f"{shipment}/consignment/transportEquipment", seals=True),
        charge_group(f"{shipment}/customsValuation/chargeDeduction"),
        previous_group(f"{shipment}/previousDocument"),
    ))


DETAIL = Section("detail", "D", groups=(GOODS_ITEM,))
SUMMARY = Section("summary", "S", segments=(
    Seg("CNT", ("5",), (Text("goodsItemQuantity", 1, 2),), "number of goods items"),
    Seg("CNT", ("11",), (Text("totalPackageQuantity", 1, 2),), "total number of packages"),
    Seg("CNT", ("ZLL",), (Text("loadingListQuantity", 1, 2),), "number of loading lists"),
))

IMPORT = Profile("CUSDEC", ImportDeclaration, (_header(IMPORT_DOCUMENT), DETAIL, SUMMARY),
                 "Import declaration: CUSDEC, document code 929")
EXPORT = Profile("CUSDEC", ExportDeclaration, (_header(EXPORT_DOCUMENT), DETAIL, SUMMARY),
                 "Export declaration: CUSDEC, document code 830")
COMPILED = {"import_declaration": compile_profile(IMPORT), "export_declaration": compile_profile(EXPORT)}
