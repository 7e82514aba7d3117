from django import template

from recommendations.report_i18n import localize_note as _localize_note

register = template.Library()


@register.filter
def localize_note(note: str) -> str:
    """An import report note in the active language (see recommendations/report_i18n.py)."""
    return _localize_note(note)
