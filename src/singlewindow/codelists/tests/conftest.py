"""Fixtures for the code list tests: loaded lists, registered agencies, a back-office user."""


import pytest
from django.contrib.auth.models import User

from singlewindow.codelists import services
from singlewindow.codelists.models import CodeList, RegulationCode
from singlewindow.registry import services as registry
from singlewindow.registry.actors import SYSTEM
from singlewindow.registry.models import Organisation, OrganisationRole

SMALL_LISTS = ["unit", "package_type", "transport_mode", "customs_office", "document_type", "country", "currency"]
AGENCIES = (
    ("tw-trade-admin", "International Trade Administration"),
    ("tw-bsmi", "Bureau of Standards, Metrology and Inspection"),
    ("tw-tfda", "Taiwan Food and Drug Administration"),
    ("tw-aphia", "Animal and Plant Health Inspection Agency"),
)



@pytest.fixture(autouse=True)
def _start_without_code_lists(request: pytest.FixtureRequest) -> None:
    """Each database test starts with no lists, even if the session loaded them for other suites."""
    if request.node.get_closest_marker("django_db") is None and "db" not in request.fixturenames:
        return
    request.getfixturevalue("db")
    RegulationCode.objects.all().delete()
    CodeList.objects.all().delete()


@pytest.fixture
def agencies(db: None) -> dict[str, Organisation]:
    return {
        code: registry.create_organisation(code=code, name_en=name, roles=[OrganisationRole.PERMIT_AGENCY],
                                           actor=SYSTEM)
        for code, name in AGENCIES
    }


@pytest.fixture
def small_lists(db: None) -> list[services.LoadResult]:
    """Every list but HS (the largest), for tests that do not need the nomenclature."""
    return services.load_code_lists(actor=SYSTEM, only=SMALL_LISTS)


@pytest.fixture
def all_lists(db: None) -> list[services.LoadResult]:
    return services.load_code_lists(actor=SYSTEM)


@pytest.fixture
def superuser(db: None) -> User:
    return User.objects.create_superuser("root", "", "pw-root-12345")
