"""The release notice: customs tells the warehouse holding the goods (and the declarant) that
packages of a bill may leave, and how many of the bill's packages are still to be released."""

from __future__ import annotations

from typing import Literal

from singlewindow.datamodel.datasets.base import Count, DataSet, DateOrTime, Id17, Id35, UcrId
from singlewindow.datamodel.datasets.cargo import TransportContractDocument
from singlewindow.datamodel.datasets.common import Party


class ReleaseNotice(DataSet):
    """Release notice (放行通知) for the packages of one bill released under one declaration."""

    wco_name = "Response"
    function_code: Literal["9", "1"] = "9"  # release, withdrawal of a release
    functional_reference_id: Id35
    issue_date_time: DateOrTime | None = None
    declaration_id: Id35
    """Customs' number of the declaration released."""
    declaration_office_id: Id17 | None = None
    ucr: UcrId | None = None
    transport_contract_document: TransportContractDocument
    warehouse: Party | None = None
    declarant: Party | None = None
    released_package_quantity: Count
    remaining_package_quantity: Count | None = None
    """Packages of the bill not yet released after this one."""
    release_date_time: DateOrTime

    def consignment_reference(self) -> str | None:
        return self.ucr

    def named_parties(self) -> list[Party]:
        return [party for party in (self.warehouse, self.declarant) if party is not None]
