"""Where each code list comes from: installed packages or data kept in this package.

Every source is a function returning a ``SourceList``; none touches the database, so they
can be read offline (see ``in_memory``) and tested on their own.
"""

from __future__ import annotations

from collections.abc import Callable

from singlewindow.codelists.sources.base import SourceList
from singlewindow.codelists.sources.customs_offices import customs_offices
from singlewindow.codelists.sources.document_types import document_types
from singlewindow.codelists.sources.hs import hs2022
from singlewindow.codelists.sources.iso import countries, currencies
from singlewindow.codelists.sources.package_types import package_types
from singlewindow.codelists.sources.regulations import regulation_list
from singlewindow.codelists.sources.transport_modes import transport_modes
from singlewindow.codelists.sources.units import units
from singlewindow.datamodel.codelists import InMemoryCodeLists, ListName

SOURCES: dict[str, Callable[[], SourceList]] = {
    ListName.HS2022: hs2022,
    ListName.COUNTRY: countries,
    ListName.CURRENCY: currencies,
    ListName.UNIT: units,
    ListName.PACKAGE_TYPE: package_types,
    ListName.TRANSPORT_MODE: transport_modes,
    ListName.CUSTOMS_OFFICE: customs_offices,
    ListName.DOCUMENT_TYPE: document_types,
    ListName.REGULATION: regulation_list,
}
"""Every list in load order."""


def in_memory(names: list[str] | None = None) -> InMemoryCodeLists:
    """The lists straight from their sources, without a database: for tools and tests."""
    return InMemoryCodeLists({name: SOURCES[name]().entries for name in names or SOURCES})


__all__ = ["SOURCES", "SourceList", "in_memory"]
