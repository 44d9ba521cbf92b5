"""Sample harmonised documents, valid as they stand: for tests, benchmarks and the examples."""

from __future__ import annotations

from typing import Any


def import_declaration(*, ucr: str = "6TW30000002-IMP0001", office: str = "TWKEL", declarant: str = "30000002",
                importer: str = "30000002", reference: str = "REF-1", items: int = 1) -> dict[str, Any]:
    """A valid import declaration document (harmonised JSON shape, WCO class names)."""
    return {
        "functionCode": "9",
        "functionalReferenceId": reference,
        "typeCode": "IMA",
        "goodsItemQuantity": items,
        "declarationOfficeId": office,
        "invoiceAmount": {"value": f"{1200 * items}.00", "currencyId": "USD"},
        "totalPackageQuantity": 10 * items,
        "declarant": {"id": declarant, "name": "Declarant Co."},
        "goodsShipment": {
            "importer": {"id": importer, "name": "Importer Co."},
            "tradeTerms": {"conditionCode": "CIF", "locationId": "TWKEL"},
            "ucr": {"id": ucr},
            "governmentAgencyGoodsItem": [
                {
                    "sequenceNumeric": i + 1,
                    "commodity": {
                        "description": "Laptop computers",
                        "classification": [{"id": "84713000", "identificationTypeCode": "HS"}],
                        "goodsMeasure": {
                            "grossMassMeasure": {"value": "30", "unitCode": "KGM"},
                            "netNetWeightMeasure": {"value": "25.5", "unitCode": "KGM"},
                            "tariffQuantity": {"value": "10", "unitCode": "PCE"},
                        },
                        "invoiceLine": {"itemChargeAmount": {"value": "1200.00", "currencyId": "USD"}},
                    },
                    "origin": [{"countryCode": "CN"}],
                    "packaging": [{"sequenceNumeric": 1, "quantityQuantity": 10, "typeCode": "CT"}],
                }
                for i in range(items)
            ],
        },
    }


def export_declaration(*, ucr: str = "6TW30000002-EXP0001", reference: str = "EXP-1", **options: Any) -> dict[str, Any]:
    """A valid export declaration: the exporter declares; there is no importer in Taiwan."""
    document = import_declaration(ucr=ucr, reference=reference, **options)
    document["typeCode"] = "EXA"
    del document["goodsShipment"]["importer"]
    document["exporter"] = {"id": "30000002", "name": "Exporter Co."}
    return document
