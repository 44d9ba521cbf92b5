"""``singlewindow codelists``: progress per list, a summary, and a clear refusal of unknown names."""

from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from singlewindow.codelists.models import CodeList

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = StringIO()
    call_command("codelists", *args, stdout=out)
    return out.getvalue()


def test_load_only_some_lists_reports_each_and_a_summary(db):
    output = run("load", "--only", "unit", "transport_mode")
    assert set(CodeList.objects.values_list("name", flat=True)) == {"unit", "transport_mode"}
    lines = output.splitlines()
    assert lines[0].split()[:3] == ["unit", str(CodeList.objects.get(name="unit").values.count()), "codes"]
    assert lines[1].split()[:2] == ["transport_mode", "10"] and "10 added" in lines[1]
    assert "2 lists" in lines[-1] and "2 lists changed" in lines[-1]


def test_loading_again_reports_the_lists_unchanged(db):
    run("load", "--only", "transport_mode")
    output = run("load", "--only", "transport_mode")
    assert "unchanged" in output and "0 lists changed" in output


def test_an_unknown_list_name_is_refused(db):
    with pytest.raises(CommandError):
        run("load", "--only", "planets")
    assert not CodeList.objects.exists()


def test_status_shows_what_is_loaded(db):
    assert "No code lists loaded" in run("status")
    run("load", "--only", "customs_office")
    assert "customs_office" in run("status")
