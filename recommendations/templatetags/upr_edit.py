"""What the current user may do on a recommendation, for the edit controls of the pages.

The same accounts.roles checks guard the views; these only decide what is shown.
"""

from django import template

from accounts.roles import can_assess, can_edit_recommendations, can_manage_follow_up

register = template.Library()


@register.simple_tag(takes_context=True)
def recommendation_permissions(context, recommendation) -> dict:
    user = context["request"].user
    state_id = recommendation.review.state_id
    return {
        "edit": can_edit_recommendations(user),
        "assess": can_assess(user, "civil_society", state_id),
        "government": can_assess(user, "government", state_id),
        "follow_up": can_manage_follow_up(user, state_id),
    }


@register.filter
def get_item(mapping, key):
    """`{{ mapping|get_item:key }}`: a dict value by a variable key (None if absent)."""
    return mapping.get(key) if hasattr(mapping, "get") else None
