"""The customs response (WCO Response class, written as a WCO RES notification in XML)."""

from __future__ import annotations

from datetime import datetime
from typing import Annotated

from pydantic import Field

from singlewindow.datamodel.datasets.base import Code3, DataSet, DateOrTime, Id35, Id70, Text512, UcrId
from singlewindow.datamodel.datasets.common import Party, Pointer


class ResponseError(DataSet):
    """One fault customs found, with the WCO pointer to where it is."""

    wco_name = "Error"
    description: Text512 | None = None
    validation_code: Annotated[str, Field(min_length=1, max_length=8)]
    pointer: list[Pointer] = Field(default_factory=list)


class ResponseInformation(DataSet):
    wco_name = "AdditionalInformation"
    statement_code: Annotated[str, Field(min_length=1, max_length=17)] | None = None
    statement_description: Text512 | None = None
    limit_date_time: DateOrTime | None = None
    statement_type_code: Code3 | None = None


class ResponseStatus(DataSet):
    wco_name = "Status"
    effective_date_time: DateOrTime | None = None
    name_code: Code3 | None = None
    release_date_time: DateOrTime | None = None


class ResponseDeclaration(DataSet):
    """The declaration answered: the declarant's reference and the number customs gave it."""

    wco_name = "Declaration"
    acceptance_date_time: DateOrTime | None = None
    functional_reference_id: Id35 | None = None
    id: Id70 | None = None


class CustomsResponse(DataSet):
    """Customs' answer about a declaration: received, accepted, selected, rejected, released…

    ``status`` is the lifecycle state in words (e.g. ``registered``, ``released``);
    ``function_code`` is its WCO/DMS notification code. ``declaration_message_id`` and ``ucr``
    tie the response to the exchange message it answers and the consignment timeline.
    """

    wco_name = "Response"
    function_code: Annotated[str, Field(pattern=r"^[0-9]{1,3}$")]
    functional_reference_id: Id35 | None = None
    issue_date_time: datetime
    status: Annotated[str, Field(pattern=r"^[a-z_]{1,40}$")]
    declaration_message_id: Annotated[str, Field(min_length=1, max_length=64)]
    ucr: UcrId | None = None
    remarks: Annotated[str, Field(max_length=2000)] = ""
    additional_information: list[ResponseInformation] = Field(default_factory=list)
    error: list[ResponseError] = Field(default_factory=list)
    status_detail: list[ResponseStatus] = Field(default_factory=list)
    declaration: ResponseDeclaration | None = None

    def consignment_reference(self) -> str | None:
        return self.ucr

    def named_parties(self) -> list[Party]:
        return []
