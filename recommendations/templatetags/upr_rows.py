from django import template
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def recommendation_rows(rows, show_review: bool = False, updated: bool = False) -> SafeString:
    """`<tbody>{% recommendation_rows rows %}</tbody>`: the rows of recommendations in a
    table (the list page, the review page), each ListRow (recommendations.views) written
    by ListRow.html: in Python, not a template, as a review shows thousands (issue 24).
    On phones each row is a card (CSS) that reads its cells' data-label."""
    # The blank lines around the rows are the ones the rows template left (same bytes).
    return mark_safe("\n\n" + "".join(row.html(show_review, updated) for row in rows) + "\n")
