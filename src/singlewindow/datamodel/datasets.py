"""Harmonised data sets (first cut), named after WCO Data Model classes.

This issue carries the declarations and the customs response far enough to route and
evidence them; the full six data sets and their code lists grow here in later work.
Field names in JSON are the WCO-style camelCase names.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, field_validator
from pydantic.alias_generators import to_camel

from singlewindow.datamodel.identifiers import is_valid_business_id, is_valid_ucr
from singlewindow.datamodel.issues import Issue, MessageInvalid, json_pointer

Text = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=512)]
Code = Annotated[str, StringConstraints(pattern=r"^[A-Z0-9]{1,17}$")]
CountryCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{2}$")]
CurrencyCode = Annotated[str, StringConstraints(pattern=r"^[A-Z]{3}$")]
HsCode = Annotated[str, StringConstraints(pattern=r"^\d{6}(\d{2}(\d{2})?)?$")]
Amount = Annotated[Decimal, Field(ge=0, max_digits=18, decimal_places=4)]


class DataSet(BaseModel):
    model_config = ConfigDict(
        alias_generator=to_camel, populate_by_name=True, extra="forbid", frozen=True
    )


class Party(DataSet):
    """A party by role (WCO Declarant, Importer, Exporter…): identified by business ID."""

    id: Annotated[str, StringConstraints(min_length=1, max_length=35)]
    name: Text

    @field_validator("id")
    @classmethod
    def _taiwan_business_id(cls, value: str) -> str:
        if value.isdigit() and not is_valid_business_id(value):
            raise ValueError("business_id_check")
        return value


class GovernmentAgencyGoodsItem(DataSet):
    sequence_numeric: Annotated[int, Field(ge=1, le=999)]
    description: Text
    classification: HsCode
    origin_country: CountryCode
    quantity: Amount
    unit_code: Code
    net_mass: Amount
    gross_mass: Amount | None = None
    value_amount: Amount


class Declaration(DataSet):
    """WCO Declaration class: one goods declaration with its goods items."""

    function_code: Literal["9", "13", "1"] = "9"  # original, request (amendment), cancellation
    functional_reference_id: Annotated[str, StringConstraints(min_length=1, max_length=35)]
    ucr: Annotated[str, StringConstraints(max_length=35)]
    declaration_office: Code
    issue_date_time: datetime | None = None
    declarant: Party
    importer: Party | None = None
    exporter: Party | None = None
    currency_code: CurrencyCode
    invoice_amount: Amount
    goods_items: Annotated[list[GovernmentAgencyGoodsItem], Field(min_length=1, max_length=999)]

    @field_validator("ucr")
    @classmethod
    def _ucr_shape(cls, value: str) -> str:
        if not is_valid_ucr(value):
            raise ValueError("ucr_shape")
        return value


class ImportDeclaration(Declaration):
    importer: Party


class ExportDeclaration(Declaration):
    exporter: Party


class CustomsResponse(DataSet):
    """WCO Response: customs' answer about a declaration (acceptance, selection, release…)."""

    function_code: Annotated[str, StringConstraints(pattern=r"^\d{1,3}$")]
    ucr: Annotated[str, StringConstraints(max_length=35)]
    declaration_message_id: Annotated[str, StringConstraints(min_length=1, max_length=64)]
    status: Annotated[str, StringConstraints(pattern=r"^[a-z_]{1,40}$")]
    issue_date_time: datetime
    remarks: Annotated[str, StringConstraints(max_length=2000)] = ""


DATA_SETS: dict[str, type[DataSet]] = {
    "import_declaration": ImportDeclaration,
    "export_declaration": ExportDeclaration,
    "customs_response": CustomsResponse,
}

_MESSAGES = {
    "missing": ("A required element is missing.", "缺少必要欄位。"),
    "extra_forbidden": ("This element is not part of the data set.", "此欄位不屬於本資料集。"),
    "business_id_check": ("The business ID fails its check rule.", "統一編號檢查碼錯誤。"),
    "ucr_shape": ("The UCR is not a valid WCO unique consignment reference.", "UCR 貨物託運編號格式錯誤。"),
}


def validate_document(dataset: str, document: dict[str, Any]) -> DataSet:
    """Validate a decoded document against its data set, reporting every fault with a pointer."""
    model = DATA_SETS[dataset]
    try:
        return model.model_validate(document)
    except ValidationError as exc:
        raise MessageInvalid([_issue(error) for error in exc.errors()[:100]]) from None


def _issue(error: Any) -> Issue:
    kind = error["type"]
    detail = str(error.get("ctx", {}).get("error", "")) if kind == "value_error" else ""
    key = detail or kind
    en, zh = _MESSAGES.get(key, (error["msg"] + ".", f"欄位內容不符合資料集規定（{error['msg']}）。"))
    return Issue(f"schema.{key}", json_pointer(error["loc"]), en, zh)


DATA_SET_TITLES: dict[str, tuple[str, str]] = {
    "import_declaration": ("Import declaration", "進口報單"),
    "export_declaration": ("Export declaration", "出口報單"),
    "customs_response": ("Customs response", "海關回應訊息"),
}
