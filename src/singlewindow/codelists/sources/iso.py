"""Countries (ISO 3166-1) and currencies (ISO 4217) from pycountry, with zh_TW names.

Traditional Chinese names come from the gettext catalogues pycountry ships (Debian's
iso-codes translations). Where pycountry gives a common name (``Taiwan`` rather than the
ISO short name), the common name is shown and the ISO name kept in ``attributes``.
"""

from __future__ import annotations

import gettext
from importlib.metadata import version

import pycountry

from singlewindow.codelists.sources.base import SourceList
from singlewindow.datamodel.codelists import CodeEntry, ListName

LOCALE = "zh_TW"


def _translator(domain: str) -> gettext.NullTranslations:
    return gettext.translation(domain, pycountry.LOCALES_DIR, languages=[LOCALE], fallback=True)


def _zh(translator: gettext.NullTranslations, english: str) -> str:
    """The translation, or "" when the catalogue has none (gettext echoes the English)."""
    translated = translator.gettext(english)
    return "" if translated == english else translated


def countries() -> SourceList:
    zh = _translator("iso3166-1")
    entries = []
    for country in pycountry.countries:
        iso_name: str = country.name
        shown: str = getattr(country, "common_name", None) or iso_name
        attributes: dict[str, object] = {"alpha_3": country.alpha_3, "numeric": country.numeric}
        if shown != iso_name:
            attributes["iso_name"] = iso_name
        entries.append(CodeEntry(code=country.alpha_2, name_en=shown,
                                 name_zh=_zh(zh, shown) or _zh(zh, iso_name), attributes=attributes))
    entries.sort(key=lambda e: e.code)
    return SourceList(
        name=ListName.COUNTRY, source="ISO 3166-1 alpha-2, as packaged by pycountry",
        version=f"pycountry {version('pycountry')}", entries=tuple(entries),
    )


def currencies() -> SourceList:
    zh = _translator("iso4217")
    entries = sorted(
        (CodeEntry(code=currency.alpha_3, name_en=currency.name, name_zh=_zh(zh, currency.name),
                   attributes={"numeric": currency.numeric})
         for currency in pycountry.currencies),
        key=lambda e: e.code,
    )
    return SourceList(
        name=ListName.CURRENCY, source="ISO 4217, as packaged by pycountry",
        version=f"pycountry {version('pycountry')}", entries=tuple(entries),
    )
