"""Localized export headers (`&lang=fr`): the header row in the asked language, State
and theme names in that language too; codes, slugs, numbers and dates stay as they are,
so the file remains machine-readable. Without `lang` the export is unchanged (English
column keys, which the importer reads back)."""

from __future__ import annotations

from typing import Any

from django.utils import translation
from django.utils.translation import gettext_lazy as _

from core.i18n import supported
from states.models import State
from states.names import state_name

from .models import NameTranslation, Theme
from .names import translations

HEADERS = {
    "id": _("Id of the recommendation"),
    "url": _("Recommendation in the API"),
    "page_url": _("Page of the recommendation"),
    "state_under_review": _("State under review (ISO3)"),
    "state_under_review_name": _("State under review"),
    "cycle": _("Cycle"),
    "session": _("Working Group session"),
    "paragraph": _("Paragraph"),
    "text": _("Text"),
    "recommending_states": _("Recommending States (ISO3)"),
    "recommending_state_names": _("Recommending States"),
    "response": _("Response"),
    "response_source": _("Source of the response"),
    "themes": _("Themes"),
    "theme_slugs": _("Theme slugs"),
    "sdgs": _("SDGs"),
    "affected_groups": _("Affected groups"),
    "action_category": _("Action category"),
    "government_status": _("Government status"),
    "civil_society_status": _("Civil-society assessment"),
    "uhri_annotation_id": _("UHRI annotation id"),
    "wg_report_symbol": _("Working Group report"),
    "created_at": _("Created"),
    "updated_at": _("Last updated"),
    "review": _("Id of the review"),
    "addendum_symbol": _("Addendum (responses)"),
    "recurring": _("Recurring"),
    "version": _("Version"),
}


def export_language(requested: str | None) -> str | None:
    """The language to localize an export into: a supported, non-English `lang`."""
    language = supported(requested)
    return language if language and language != "en" else None


def header_row(columns, language: str | None) -> list[str]:
    """The header cells: the column keys, or their labels in `language`."""
    if not language:
        return list(columns)
    with translation.override(language):
        return [str(HEADERS.get(c, c)) for c in columns]


class RowLocalizer:
    """Rewrites the name columns of export rows into `language`, from the code columns."""

    def __init__(self, language: str, separator: str | None = None) -> None:
        self.language = language
        self.states = {iso3: state_name(iso3, iso2, name, language) for iso3, iso2, name
                       in State.objects.values_list("iso3", "iso2", "name")}
        theme_names = translations(NameTranslation.Kind.THEME, language)
        self.themes = {slug: theme_names.get(slug, name)
                       for slug, name in Theme.objects.values_list("slug", "name")}

    @staticmethod
    def _names(codes: list | None, table: dict[str, str]) -> list:
        return [table.get(c, c) for c in codes or []]

    def __call__(self, row: dict[str, Any]) -> dict[str, Any]:
        """`row` with multiple values as lists (export._raw_rows)."""
        row = dict(row)
        if row.get("state_under_review"):
            row["state_under_review_name"] = self.states.get(
                row["state_under_review"], row.get("state_under_review_name"))
        if "recommending_states" in row:
            row["recommending_state_names"] = self._names(row["recommending_states"],
                                                          self.states)
        if "theme_slugs" in row:
            row["themes"] = self._names(row["theme_slugs"], self.themes)
        return row
