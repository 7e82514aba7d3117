"""State names in the six UN languages.

English is the `State.name` column (the UN short name). The other languages come from
CLDR through Babel (pinned in pyproject.toml), looked up by the ISO 3166 alpha-2 code,
except where the UN's own short name differs from CLDR's (`État de Palestine`, not
`Territoires palestiniens`): those are in `data/un_names.csv` (see data/SOURCES.md).
"""

from __future__ import annotations

import csv
from functools import cache
from pathlib import Path

from babel import Locale, UnknownLocaleError
from django.utils import translation

UN_NAMES = Path(__file__).resolve().parent / "data" / "un_names.csv"


@cache
def _un_names() -> dict[tuple[str, str], str]:
    with UN_NAMES.open(encoding="utf-8") as f:
        return {(row["iso3"], row["language"]): row["name"] for row in csv.DictReader(f)}


@cache
def _cldr(language: str) -> dict[str, str]:
    try:
        return dict(Locale.parse(translation.to_locale(language)).territories)
    except (UnknownLocaleError, ValueError):
        return {}


def base_language(language: str | None) -> str:
    """`zh-hans` stays `zh-hans`; `fr-ch` → `fr`; None → the active language."""
    language = (language or translation.get_language() or "en").lower()
    if language.startswith("zh"):
        return "zh-hans"
    return language.split("-")[0]


def state_name(iso3: str, iso2: str, english: str, language: str | None = None) -> str:
    """The State's short name in `language` (default: the active language)."""
    language = base_language(language)
    if language == "en":
        return english
    return _un_names().get((iso3, language)) or _cldr(language).get(iso2) or english


def all_names(iso3: str, iso2: str, english: str, languages) -> set[str]:
    """The State's name in each of `languages`: what a user may type in a search box."""
    return {state_name(iso3, iso2, english, lang) for lang in languages}


@cache
def _iso2_by_iso3() -> dict[str, str]:
    with (UN_NAMES.parent / "states.csv").open(encoding="utf-8") as f:
        return {row["iso3"]: row["iso2"] for row in csv.DictReader(f)}


def state_name_by_iso3(iso3: str, english: str, language: str | None = None) -> str:
    """As state_name, when only the ISO3 code is at hand (no query: reference data)."""
    iso2 = _iso2_by_iso3().get(iso3)
    return state_name(iso3, iso2, english, language) if iso2 else english


def collation_key(name: str) -> str:
    """A sort key that puts `Égypte` with the E's and ignores case, in any script."""
    import unicodedata

    decomposed = unicodedata.normalize("NFKD", name)
    return "".join(c for c in decomposed if not unicodedata.combining(c)).casefold()
