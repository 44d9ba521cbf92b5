"""Inter-agency data exchange: one data set for the catalogue's batch, real-time and lookup services.

Most of the hundred-odd G2G services move records between agencies (the day's released
imports to the statistics office, a business-registration check and its answer, a control
list) rather than a trade document with a WCO class of its own. Each such service's messages
carry this data set: a reference, what the exchange is about, the period a batch covers, the
agencies addressed, and the records as named fields. Field names and meanings per service are
agreed between the agencies and published with the service; the exchange checks the envelope,
the counts and the shape, signs, routes and records evidence like for any message.

Not a WCO Data Model class: the WCO model describes trade documents, not agency data feeds.
"""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field, StringConstraints

from singlewindow.datamodel.datasets.base import Count, DataSet, DateOrTime, Id35, Sequence, Text256, Text512, UcrId
from singlewindow.datamodel.datasets.common import Party

FieldName = Annotated[str, StringConstraints(pattern=r"^[a-z][A-Za-z0-9]{0,39}$")]
"""Lower camel case, as the JSON data sets spell their elements."""

UUID_PATTERN = r"^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$"
MAX_RECORDS = 10_000
MAX_FIELDS = 60


class RecordField(DataSet):
    """One named value of a record; numbers and dates are written as text, as agreed per service."""

    wco_name = "AdditionalInformation"
    name: FieldName
    value: Text512 | None = None
    """Absent: the field is known and empty (unlike a field left out, which the service may not allow)."""


class DataRecord(DataSet):
    """One record of a batch, one question of a query, or one answer."""

    wco_name = "AdditionalInformation"
    sequence_numeric: Sequence
    field: Annotated[list[RecordField], Field(min_length=1, max_length=MAX_FIELDS)]


class AgencyDataExchange(DataSet):
    """A batch extract, a query or an answer between agencies (機關間資料交換)."""

    wco_name = "AgencyDataExchange"
    function_code: Literal["9", "1", "4"] = "9"  # original, cancellation, replacement of an earlier one
    functional_reference_id: Id35
    issue_date_time: DateOrTime | None = None
    subject: Text256 | None = None
    """What the exchange is about: the query asked, or what a batch holds."""
    previous_reference_id: Id35 | None = None
    """The reference of the exchange this one cancels or replaces."""
    question_message_id: Annotated[str, StringConstraints(pattern=UUID_PATTERN)] | None = None
    """The exchange's message id of the question this answers (real-time and verification services).
    The answer goes back to whoever asked, on the same service: the agency that received the
    question may answer it, and the asker receives the answer, without further grants."""
    period_start_date_time: DateOrTime | None = None
    period_end_date_time: DateOrTime | None = None
    ucr: UcrId | None = None
    """The consignment the exchange concerns, if one: it then shows on that timeline."""
    recipient: Annotated[list[Party], Field(max_length=20)] = Field(default_factory=list)
    """The agencies addressed, by business ID. Required when the service grants receipt to a role
    (every permit agency, say); otherwise the agencies the service names receive it."""
    record_quantity: Count
    record: Annotated[list[DataRecord], Field(max_length=MAX_RECORDS)] = Field(default_factory=list)

    def consignment_reference(self) -> str | None:
        return self.ucr

    def named_parties(self) -> list[Party]:
        return list(self.recipient)
