"""The demo world comes with every code list, its regulation codes linked to the demo agencies."""

import pytest

from singlewindow import demo
from singlewindow.codelists import selectors
from singlewindow.codelists.models import CodeList, RegulationCode
from singlewindow.codelists.sources import SOURCES


@pytest.mark.django_db
def test_the_demo_world_loads_the_code_lists_and_links_its_agencies(monkeypatch, tmp_path):
    monkeypatch.setenv("SW_DATA_DIR", str(tmp_path))
    demo.seed()
    assert set(CodeList.objects.values_list("name", flat=True)) == set(SOURCES)
    for code, agency in (("121", "tw-trade-admin"), ("C01", "tw-bsmi"), ("F01", "tw-tfda"), ("B01", "tw-aphia")):
        assert RegulationCode.objects.get(code=code).agency.code == agency
    assert selectors.code_lists().contains("customs_office", "TWKEL")
