"""``singlewindow catalogue load|show`` as an operator runs them."""

import argparse

import pytest

from singlewindow.registry import catalogue_command
from singlewindow.registry.catalogue import AGENCIES, SERVICES
from singlewindow.registry.models import Service

pytestmark = pytest.mark.django_db


def run(*args: str) -> int:
    parser = argparse.ArgumentParser(prog="singlewindow")
    catalogue_command.add_parsers(parser.add_subparsers(dest="command", required=True))
    options = parser.parse_args(list(args))
    result: int = options.handler(options)
    return result


def test_load_then_load_again_then_show(capsys):
    assert run("catalogue", "load") == 0
    out = capsys.readouterr().out
    assert f"agencies created 新增機關: {len(AGENCIES)}" in out and f"services created 新增服務: {len(SERVICES)}" in out
    assert run("catalogue", "load") == 0
    assert "already registered" in capsys.readouterr().out
    assert Service.objects.count() == len(SERVICES)
    assert run("catalogue", "show", "--agency", "tw-commerce", "--kind", "verification") == 0
    out = capsys.readouterr().out
    assert f"{len(AGENCIES)} agencies 機關 · {len(SERVICES)} services 服務" in out
    assert "commerce-business-registration" in out and "business_registration.check" in out
    assert "commerce-registration-changes" not in out  # a batch, not a verification


def test_show_refuses_an_unknown_kind_and_says_when_nothing_matches(capsys):
    assert run("catalogue", "show", "--kind", "gossip") == 2
    assert "未知的服務類別" in capsys.readouterr().err
    assert run("catalogue", "show", "--agency", "tw-nowhere") == 1
