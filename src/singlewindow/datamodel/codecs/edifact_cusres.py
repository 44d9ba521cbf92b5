"""CUSRES (D.96B) for customs responses: the mapping table.

BGM carries the response's reference and its WCO/DMS function code (the directory's 1225 message
function); the declaration answered is named by the exchange message it came in (RFF+ACW), its UCR
and its numbers. Errors use the directory's own ERC (application error) and ERP (error point)
segments; the lifecycle status and remarks travel as free text under agreed subjects.
"""

from __future__ import annotations

from singlewindow.datamodel.codecs.edifact_cusdec import indicator, moment, reference
from singlewindow.datamodel.codecs.edifact_rules import Group, Profile, Section, Seg, Text, compile_profile
from singlewindow.datamodel.datasets.response import CustomsResponse

RESPONSE_DOCUMENT = "962"
"""UN/EDIFACT 1001 for the customs response, as partners' CUSRES implementations write it."""

PROFILE = Profile("CUSRES", CustomsResponse, (Section("response", None, segments=(
    Seg("BGM", (), (Text("functionalReferenceId", 2), Text("functionCode", 3)),
        "document code (1001), response reference (1004), function (1225)", fixed=((1, 1, RESPONSE_DOCUMENT),)),
    moment("137", "issueDateTime", "date of the response"),
    moment("ZAC", "declaration/acceptanceDateTime", "date customs accepted the declaration"),
    Seg("FTX", ("ZST",), (Text("status", 4, 1),), "lifecycle status in words (registered, released…)"),
    Seg("FTX", ("ZRM",), (Text("remarks", 4, 1, span=5, width=70),), "remarks"),
    reference("ACW", "declarationMessageId", "exchange message the response answers"),
    reference("UCN", "ucr", "unique consignment reference"),
    reference("ZLR", "declaration/functionalReferenceId", "declarant's reference (LRN) of the declaration"),
    reference("ZDI", "declaration/id", "number customs gave the declaration"),
), groups=(
    Group("additionalInformation", Seg("FTX", ("ACB",), (
        Text("statementCode", 3, 1), Text("statementTypeCode", 3, 2),
        Text("statementDescription", 4, 1, span=5, width=70),
    ), "statement code (4441) and type (1131), text (C108)"), segments=(
        moment("ZLD", "limitDateTime", "time limit of the statement"),
    ), meaning="additional information"),
    Group("error", Seg("ERC", (), (Text("validationCode", 1, 1),), "error code (C901 9321)"), segments=(
        Seg("FTX", ("AAO",), (Text("description", 4, 1, span=5, width=70),), "error description"),
    ), groups=(
        Group("pointer", Seg("ERP", (), (
            Text("documentSectionCode", 1, 1), Text("sequenceNumeric", 1, 2), Text("tagId", 2, 1),
        ), "error point: section (1049), item (1052), WCO tag (9166)"), meaning="where the error is"),
    ), meaning="error"),
    Group("statusDetail", indicator("ZSD", "nameCode", "status code"), segments=(
        moment("7", "effectiveDateTime", "effective date and time"),
        moment("ZRL", "releaseDateTime", "release date and time"),
    ), meaning="status"),
)),), "Customs response: CUSRES, document code 962")
COMPILED = compile_profile(PROFILE)
