"""Round-trip properties: JSON → XML → JSON keeps every harmonised field of any valid document."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from singlewindow.datamodel.codecs.json_codec import JsonCodec
from singlewindow.datamodel.codecs.wco_dec import WcoDecXmlCodec
from singlewindow.datamodel.datasets import DATA_SETS, ImportDeclaration
from singlewindow.datamodel.tests.strategies import document
from singlewindow.datamodel.validation.schema import validate_schema

XML = WcoDecXmlCodec()
JSON = JsonCodec()


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(document(ImportDeclaration))
def test_json_to_xml_to_json_keeps_every_field(raw: dict) -> None:
    model = ImportDeclaration.model_validate(raw)
    via_xml, issues = validate_schema("import_declaration", XML.decode(XML.encode(model, "import_declaration"),
                                                                       "import_declaration").document)
    assert issues == []
    assert via_xml == model


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(st.data())
def test_every_data_set_survives_canonical_json(data: st.DataObject) -> None:
    for dataset, model_class in DATA_SETS.items():
        model = model_class.model_validate(data.draw(document(model_class), label=dataset))
        again, issues = validate_schema(dataset, JSON.decode(JSON.encode(model, dataset), dataset).document)
        assert issues == [] and again == model
