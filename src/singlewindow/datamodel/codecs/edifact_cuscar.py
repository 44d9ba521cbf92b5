"""CUSCAR (D.96B) for cargo manifests: the mapping table, and how house bills hang under master bills.

Every bill, master or house, is one CNI group, as carriers' systems write them: the bill number in
CNI, its document type in DOC, parties, places, totals, containers and goods items (GID). A house
bill names its master bill in RFF+MB; reading puts it under the nearest earlier master bill with
that number, writing puts each master's house bills right after it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from singlewindow.datamodel.codecs.edifact_cusdec import equipment_group, moment, party, place, transport
from singlewindow.datamodel.codecs.edifact_reader import Where, codec_issue
from singlewindow.datamodel.codecs.edifact_rules import (
    Group,
    Link,
    Profile,
    Section,
    Seg,
    Text,
    Value,
    compile_profile,
)
from singlewindow.datamodel.codecs.edifact_syntax import segment_pointer
from singlewindow.datamodel.datasets.cargo import CargoManifest, HouseConsignment, MasterConsignment
from singlewindow.datamodel.issues import Issue

MANIFEST_DOCUMENT = "785"
"""UN/EDIFACT 1001: cargo manifest."""
MASTER = "masterBill"
"""Where the reader keeps a house bill's RFF+MB until the bill is placed under its master."""

GOODS_ITEM = Group(
    "goodsItem",
    Seg("GID", (), (Text("sequenceNumeric", 1), Text("packageQuantity", 2, 1), Text("packageTypeCode", 2, 2)),
        "goods item number (1496), number (7224) and type (7065) of packages"),
    segments=(
        Seg("FTX", ("AAA",), (Text("description", 4, 1, span=5, width=70),), "goods description"),
        Seg("PIA", ("5",), (Text("classificationId", 2, 1),), "commodity code (C212 7140)"),
        Seg("MEA", ("WT", "AAB"), (Value("grossMassMeasure", 3, 2, 1),), "gross mass"),
        Seg("PCI", (), (Text("marksNumbersId", 2, 1, span=10, width=35),), "shipping marks"),
    ),
    meaning="goods item",
)

BILL = Group(
    "consignment",
    Seg("CNI", (), (Text("sequenceNumeric", 1), Text("transportContractDocument/id", 2, 1)),
        "bill sequence (1490) and number (C503 1004)"),
    segments=(
        Seg("DOC", (), (Text("transportContractDocument/typeCode", 1, 1),),
            "transport document type (705 B/L, 740 air waybill, 703 house B/L…)"),
        Seg("RFF", ("MB",), (Link(MASTER, 1, 2),), "a house bill's master bill number"),
        party("CZ", "consignor", "consignor"),
        party("CN", "consignee", "consignee"),
        place("9", "loadingLocation/id", "place of loading", name="loadingLocation/name"),
        place("11", "unloadingLocation/id", "place of discharge", name="unloadingLocation/name"),
        Seg("CNT", ("11",), (Text("totalPackageQuantity", 1, 2),), "number of packages"),
        Seg("CNT", ("7",), (Value("totalGrossMassMeasure", 1, 2, 3),), "gross mass"),
    ),
    groups=(equipment_group("transportEquipment", seals=True), GOODS_ITEM),
    meaning="master or house bill",
)

PROFILE = Profile("CUSCAR", CargoManifest, (Section("manifest", None, segments=(
    Seg("BGM", (), (Text("typeCode", 1, 4), Text("functionalReferenceId", 2), Text("functionCode", 3)),
        "document code (1001), IMP or EXP (1000), manifest reference (1004), function (1225)",
        fixed=((1, 1, MANIFEST_DOCUMENT),)),
    moment("137", "issueDateTime", "date of the manifest"),
    moment("132", "arrivalDateTime", "arrival date and time"),
    moment("133", "departureDateTime", "departure date and time"),
    place("41", "declarationOfficeId", "customs office"),
    party("CA", "carrier", "carrier"),
    Seg("TDT", ("20",), (
        Text("conveyanceReferenceId", 2), *transport("20", "borderTransportMeans", "", nationality=True).slots,
    ), "voyage or flight number (8028); vessel or aircraft as in the declaration's TDT"),
), groups=(BILL,)),), "Cargo manifest: CUSCAR, document code 785")
COMPILED = compile_profile(PROFILE)


# --- writing: houses after their master ------------------------------------------------------------


@dataclass(frozen=True)
class _House:
    """A house bill as the writer sees it: its own fields plus the number of its master bill."""

    wrapped: HouseConsignment
    masterBill: str

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name, None)


@dataclass(frozen=True)
class _Manifest:
    wrapped: CargoManifest
    consignment: list[MasterConsignment | _House]

    def __getattr__(self, name: str) -> Any:
        return getattr(self.wrapped, name)


def for_writing(manifest: CargoManifest) -> Any:
    """The manifest with its bills in writing order: each master bill, then its house bills."""
    bills: list[MasterConsignment | _House] = []
    for master in manifest.consignment:
        bills.append(master)
        bills.extend(_House(house, master.transport_contract_document.id) for house in master.consignment_item)
    return _Manifest(manifest, bills)


# --- reading: houses under their master --------------------------------------------------------------


def assemble(document: dict[str, Any], origins: dict[str, Where]) -> tuple[dict[str, Where], list[Issue]]:
    """Move each house bill under its master; return the origins renumbered and any bill left unplaced."""
    bills = document.get("consignment")
    if not isinstance(bills, list):
        return origins, []
    issues: list[Issue] = []
    masters: list[dict[str, Any]] = []
    moved: dict[str, str] = {}  # old index -> new pointer
    added: dict[str, Where] = {}
    for index, bill in enumerate(bills):
        link = bill.pop(MASTER, None)
        where = origins.get(f"/consignment/{index}/{MASTER}") or origins[""]
        if link is None:
            moved[str(index)] = f"/consignment/{len(masters)}"
            masters.append(bill)
            continue
        position = _master_of(masters, link)
        if position is None:
            issues.append(codec_issue("syntax.edifact.master_reference", segment_pointer(*where),
                                      what=repr(link[:35])))
            continue
        houses = masters[position].setdefault("consignmentItem", [])
        if not houses:
            added[f"/consignment/{position}/consignmentItem"] = origins[f"/consignment/{index}"]
        moved[str(index)] = f"/consignment/{position}/consignmentItem/{len(houses)}"
        houses.append(bill)
    document["consignment"] = masters
    return _renumbered(origins, moved, added), issues


def _master_of(masters: list[dict[str, Any]], number: str) -> int | None:
    """The nearest earlier master bill with this number (numbers may repeat across voyages)."""
    for position in range(len(masters) - 1, -1, -1):
        document = masters[position].get("transportContractDocument")
        if isinstance(document, dict) and document.get("id") == number:
            return position
    return None


def _renumbered(origins: dict[str, Where], moved: dict[str, str], added: dict[str, Where]) -> dict[str, Where]:
    result: dict[str, Where] = {}
    for pointer, origin in origins.items():
        if pointer.startswith("/consignment/"):
            index, separator, rest = pointer[len("/consignment/"):].partition("/")
            head = moved.get(index)
            if head is None or rest == MASTER:
                continue  # an unplaced bill is reported instead; the link is no field
            pointer = head + separator + rest
        result[pointer] = origin
    result.update(added)
    return result
