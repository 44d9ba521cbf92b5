"""The customs response written as WCO RES XML reads back as the same response, exchange fields included."""

from __future__ import annotations

from datetime import UTC, datetime

from singlewindow.datamodel.codecs.wco_dec import WcoDecXmlCodec
from singlewindow.datamodel.datasets import CustomsResponse
from singlewindow.datamodel.datasets.response import ResponseDeclaration, ResponseInformation
from singlewindow.datamodel.validation import validate_document


def test_a_response_round_trips_through_res_xml() -> None:
    response = CustomsResponse(
        function_code="06", status="documents_requested", issue_date_time=datetime(2026, 3, 2, 1, 0, tzinfo=UTC),
        declaration_message_id="0190f1c2-0000-7000-8000-000000000001", ucr="6TW30000002-IMP0001",
        remarks="Send the invoice. / 請補送發票。",
        additional_information=[ResponseInformation(statement_code="DOCUMENT", statement_type_code="380",
                                                    statement_description="Commercial invoice / 商業發票")],
        declaration=ResponseDeclaration(functional_reference_id="REF-1", id="TWKEL2600000001"),
    )
    codec = WcoDecXmlCodec()
    payload = codec.encode(response, "customs_response")
    assert b"<Response" in payload and b"STA" in payload  # the exchange fields travel as statements
    decoded = validate_document("customs_response", codec.decode(payload, "customs_response").document)
    assert decoded == response
