"""WCO DEC XML: every public sample decodes, validates, re-encodes to XSD-valid XML, and keeps its content."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from singlewindow.datamodel import samples
from singlewindow.datamodel.codecs import codec_for_content_type
from singlewindow.datamodel.codecs.wco_dec import WcoDecXmlCodec
from singlewindow.datamodel.codecs.xml import METADATA_NAMESPACE, wco_declaration_schemas, wco_notification_schemas
from singlewindow.datamodel.datasets import CustomsResponse
from singlewindow.datamodel.issues import MessageInvalid
from singlewindow.datamodel.validation import validate_document
from singlewindow.datamodel.validation.schema import validate_schema

CODEC = WcoDecXmlCodec()


def declaration_samples(shared: Path) -> list[Path]:
    """Samples holding a WCO declaration (others are notifications or national movement messages)."""
    return [path for path in sorted((shared / "wco-dec" / "samples").rglob("*.xml"))
            if b"urn:wco:datamodel:WCO:DEC-DMS:2" in path.read_bytes() and b"MetaData" in path.read_bytes()]


@pytest.fixture(scope="module")
def sample_files(shared_data: Path) -> list[Path]:
    found = declaration_samples(shared_data)
    assert len(found) >= 79
    return found


@pytest.fixture(scope="module")
def dec_xsd(shared_data: Path):
    return wco_declaration_schemas(shared_data / "wco-dec" / "schemas").validator()


def test_every_sample_is_xsd_valid_as_given(sample_files: list[Path], dec_xsd) -> None:
    for path in sample_files:
        root = etree.fromstring(path.read_bytes())
        document = next(root.iter(f"{{{METADATA_NAMESPACE}}}MetaData"))
        assert dec_xsd.validate(document) == [], path.name


def test_every_sample_round_trips_through_the_harmonised_model(sample_files: list[Path], dec_xsd) -> None:
    for path in sample_files:
        dataset = "export_declaration" if "/TT_EX" in str(path) or "Export" in str(path) else "import_declaration"
        model, issues = validate_schema(dataset, CODEC.decode(path.read_bytes(), dataset).document)
        assert issues == [], (path.name, issues[:3])
        written = CODEC.encode(model, dataset)
        assert dec_xsd.validate(etree.fromstring(written)) == [], path.name
        again, issues = validate_schema(dataset, CODEC.decode(written, dataset).document)
        assert again == model, path.name


def test_sample_content_lands_in_wco_classes(shared_data: Path) -> None:
    path = shared_data / "wco-dec" / "samples" / "TT_IM001a" / "Step1_TT_IM001a.xml"
    model, _ = validate_schema("import_declaration", CODEC.decode(path.read_bytes(), "import_declaration").document)
    assert model.functional_reference_id == "7847767E1WB6"
    assert model.type_code == "IMA"
    item = model.goods_shipment.government_agency_goods_item[0]
    assert item.commodity.classification[0].id == "85109000"
    assert [d.type_code for d in item.additional_document][:2] == ["506", "935"]
    assert model.goods_shipment.export_country.id == "US"


def test_json_declaration_converts_to_xsd_valid_xml_and_back(dec_xsd) -> None:
    model = validate_document("import_declaration", samples.import_declaration(items=3))
    written = CODEC.encode(model, "import_declaration")
    assert dec_xsd.validate(etree.fromstring(written)) == []
    assert validate_document("import_declaration", CODEC.decode(written, "import_declaration").document) == model


def test_customs_response_is_written_as_a_valid_res_notification(shared_data: Path) -> None:
    res_xsd = wco_notification_schemas(shared_data / "wco-dec" / "schemas").validator()
    response = CustomsResponse.model_validate({
        "functionCode": "01", "issueDateTime": "2026-11-21T08:00:00+08:00", "status": "released",
        "declarationMessageId": "0193-abc", "ucr": "6TW30000002-IMP0001", "remarks": "Released without inspection.",
        "declaration": {"functionalReferenceId": "REF-1", "id": "26TWKEL0000001"},
    })
    written = CODEC.encode(response, "customs_response")
    assert res_xsd.validate(etree.fromstring(written)) == []
    text = written.decode()
    assert "20261121000000Z" in text and "Released without inspection." in text


def test_schema_errors_point_at_the_xml_element() -> None:
    model = validate_document("import_declaration", samples.import_declaration(items=2))
    written = CODEC.encode(model, "import_declaration").replace(b"<SequenceNumeric>2</SequenceNumeric>",
                                                                b"<SequenceNumeric>two</SequenceNumeric>", 1)
    decoded = CODEC.decode(written, "import_declaration")
    with pytest.raises(MessageInvalid) as raised:
        validate_document("import_declaration", decoded.document)
    pointers = [found.pointer for found in decoded.relocate(raised.value.issues)]
    assert pointers == ["/MetaData/Declaration/GoodsShipment/GovernmentAgencyGoodsItem[2]/SequenceNumeric"]


def test_unknown_element_is_reported_not_dropped() -> None:
    model = validate_document("import_declaration", samples.import_declaration())
    written = CODEC.encode(model, "import_declaration").replace(
        b"<FunctionCode>", b"<Colour>red</Colour><FunctionCode>", 1)
    decoded = CODEC.decode(written, "import_declaration")
    with pytest.raises(MessageInvalid) as raised:
        validate_document("import_declaration", decoded.document)
    [found] = decoded.relocate(raised.value.issues)
    assert (found.code, found.pointer) == ("schema.extra_forbidden", "/MetaData/Declaration/Colour")


def test_a_document_of_another_kind_is_refused() -> None:
    with pytest.raises(MessageInvalid) as raised:
        CODEC.decode(b"<Invoice xmlns='urn:example'/>", "import_declaration")
    assert raised.value.issues[0].code == "syntax.xml.root"


def test_codec_is_registered_for_xml_content_types() -> None:
    assert codec_for_content_type("application/xml; charset=utf-8").name == "wco-dec-xml"
