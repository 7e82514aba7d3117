import re

from django import template
from django.utils.translation import get_language, gettext

from recommendations.report_i18n import localize_note as _localize_note

register = template.Library()


@register.filter
def localize_note(note: str) -> str:
    """An import report note in the active language (see recommendations/report_i18n.py)."""
    return _localize_note(note)


# The comma between the items of a list, by language: Arabic writes "،", Chinese "、"
# between names. Not a catalogue entry: a translator of ", " cannot see which it is.
LIST_SEPARATORS = {"ar": "، ", "zh-hans": "、"}


def list_separator(language: str | None = None) -> str:
    language = (language or get_language() or "en").lower()
    return LIST_SEPARATORS.get(language, LIST_SEPARATORS.get(language.split("-")[0], ", "))


@register.simple_tag
def list_sep() -> str:
    """`{% for s in states %}{{ s }}{% if not forloop.last %}{% list_sep %}{% endif %}…`"""
    return list_separator()


@register.filter
def join_list(values) -> str:
    """`{{ names|join_list }}`: the items joined with the active language's list comma
    (escaped like any other output)."""
    return list_separator().join(str(v) for v in values)


@register.filter
def shorten(text: str, limit: int) -> str:
    """`{{ text|shorten:180 }}`: at most 180 characters, cut between words."""
    from core.text import shorten as _shorten

    return _shorten(text, int(limit))


# "A/HRC/43/15/Add.1, para. 3": how responses cite their source, stored in English
# (imports read it back); shown with the reader's word for "paragraph".
SOURCE_LABEL = re.compile(r"^(?P<symbol>.+), para\. (?P<paragraph>\S+)$")


@register.filter
def source_label(label: str) -> str:
    found = SOURCE_LABEL.match(label or "")
    if not found:
        return label
    return gettext("%(symbol)s, para. %(paragraph)s") % found.groupdict()
