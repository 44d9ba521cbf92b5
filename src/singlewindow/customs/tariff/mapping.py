"""Column mappings: which CSV column holds a tariff line's code, texts, dates, regulations and rates.

A mapping is a named preset (``uk-global-tariff``) or a small JSON file of the same shape, e.g.::

    {"name": "tw-ccc", "title_en": "Taiwan customs import tariff", "code": "ccc_code",
     "description_en": "desc_en", "description_zh": "desc_zh", "unit": "unit",
     "regulations": "import_regulations",
     "rates": [{"field": "col1", "column": "general"},
               {"field": "col2_nz", "column": "preferential", "origin_group": "anztec"}]}

Names a file does not carry are left empty (``""``); ``attributes`` lists extra columns kept
as they are in the line's attributes.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Annotated, Literal

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, ValidationError, model_validator

from singlewindow.customs.tariff.errors import Problem, TariffError, TariffErrorCode

MAX_MAPPING_BYTES = 64 * 1024

ColumnName = Annotated[str, StringConstraints(max_length=100)]
Slug = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_-]{0,59}$")]


class RateColumn(BaseModel):
    """One CSV column of rates and the tariff column it fills."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    field: ColumnName
    column: Literal["general", "preferential", "reference"] = "general"
    origin_group: Annotated[str, StringConstraints(max_length=40)] = ""
    label: Annotated[str, StringConstraints(max_length=40)] = ""

    @model_validator(mode="after")
    def _group_for_preferential(self) -> RateColumn:
        if (self.column == "preferential") != bool(self.origin_group):
            raise ValueError("a preferential column, and only it, names an origin_group")
        return self


class Mapping(BaseModel):
    """How to read one CSV layout into tariff lines."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Slug
    title_en: Annotated[str, StringConstraints(max_length=200)] = ""
    title_zh: Annotated[str, StringConstraints(max_length=200)] = ""
    source: Annotated[str, StringConstraints(max_length=500)] = ""
    code: ColumnName
    description_en: ColumnName = ""
    description_zh: ColumnName = ""
    unit: ColumnName = ""
    valid_from: ColumnName = ""
    valid_to: ColumnName = ""
    regulations: ColumnName = ""
    rates: Annotated[tuple[RateColumn, ...], Field(min_length=1, max_length=20)]
    attributes: Annotated[tuple[ColumnName, ...], Field(max_length=30)] = ()
    default_valid_from: date | None = None
    default_schedule: Slug | None = None

    def columns(self) -> list[str]:
        """Every CSV column the mapping reads; the file must have them all."""
        named = [self.code, self.description_en, self.description_zh, self.unit, self.valid_from, self.valid_to,
                 self.regulations, *(rate.field for rate in self.rates), *self.attributes]
        return list(dict.fromkeys(name for name in named if name))


UK_GLOBAL_TARIFF = Mapping(
    name="uk-global-tariff",
    title_en="UK Global Tariff (2021)",
    title_zh="英國全球關稅表（2021）",
    source="UK Global Tariff, Open Government Licence v3.0",
    code="commodity",
    description_en="description",
    rates=(RateColumn(field="ukgt_duty_rate", column="general", label="ukgt"),
           RateColumn(field="cet_duty_rate", column="reference", label="cet")),
    attributes=("change", "trade_remedy_applies", "cet_applies_until_trade_remedy_transition_reviews_concluded",
                "suspension_applies", "atq_applies"),
    default_valid_from=date(2021, 1, 1),
    default_schedule="uk-2021",
)
"""The UK Global Tariff CSV: its own rates (GBP) as the general column, the EU CET it replaced for reference."""

PRESETS: dict[str, Mapping] = {UK_GLOBAL_TARIFF.name: UK_GLOBAL_TARIFF}


def load_mapping(name_or_path: str) -> Mapping:
    """A preset by name, or a mapping read from a JSON file (small, strict: unknown keys are errors)."""
    if name_or_path in PRESETS:
        return PRESETS[name_or_path]
    path = Path(name_or_path)
    if not name_or_path.lower().endswith(".json") or not path.is_file():
        raise TariffError(TariffErrorCode.UNKNOWN_MAPPING, [Problem(
            f"{name_or_path!r} is neither a preset ({', '.join(PRESETS)}) nor a .json mapping file",
            f"「{name_or_path}」不是預設對應（{', '.join(PRESETS)}）也不是 .json 對應檔")])
    if path.stat().st_size > MAX_MAPPING_BYTES:
        raise TariffError(TariffErrorCode.BAD_MAPPING, [Problem(
            f"a mapping file may hold at most {MAX_MAPPING_BYTES} bytes",
            f"對應檔不得超過 {MAX_MAPPING_BYTES} 位元組")])
    try:
        return Mapping.model_validate(json.loads(path.read_bytes()))
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise TariffError(TariffErrorCode.BAD_MAPPING, [Problem(
            f"not JSON: {error}", f"不是 JSON 格式：{error}")]) from None
    except ValidationError as error:
        raise TariffError(TariffErrorCode.BAD_MAPPING, [
            Problem(f"{'.'.join(str(p) for p in item['loc']) or '(top)'}: {item['msg']}",
                    f"{'.'.join(str(p) for p in item['loc']) or '（最上層）'}：{item['msg']}")
            for item in error.errors()[:20]]) from None
