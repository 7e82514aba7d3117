"""Who may do what: the one place the API, the pages and the commands ask.

Roles are Django groups (an admin assigns them); a focal point's State is on the
user's profile. Superusers may do everything.
"""

from django.contrib.auth.models import Group
from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    NGO = "ngo", _("NGO staff")
    FOCAL_POINT = "focal-point", _("Government focal point")
    RESEARCHER = "researcher", _("Researcher")
    CONTRIBUTOR = "contributor", _("Institution contributor")
    ADMIN = "admin", _("Administrator")


# Group names as admins see them in the Django admin.
GROUP_NAMES = {
    Role.NGO: "NGO staff",
    Role.FOCAL_POINT: "Focal points",
    Role.RESEARCHER: "Researchers",
    Role.CONTRIBUTOR: "Institution contributors",
}


def roles_of(user) -> set[str]:
    """The user's roles, cached on the user object for the request."""
    if user is None or not user.is_authenticated:
        return set()
    cached = getattr(user, "_upr_roles", None)
    if cached is None:
        names = {v: k for k, v in GROUP_NAMES.items()}
        cached = {names[g] for g in user.groups.values_list("name", flat=True) if g in names}
        if user.is_superuser:
            cached.add(Role.ADMIN)
        user._upr_roles = cached
    return cached


def has_role(user, role: str) -> bool:
    return role in roles_of(user)


def is_admin(user) -> bool:
    return bool(user and user.is_authenticated and user.is_superuser)


def focal_state_id(user) -> int | None:
    """The State a focal point speaks for, or None."""
    if not has_role(user, Role.FOCAL_POINT):
        return None
    profile = getattr(user, "profile", None)
    return profile.state_id if profile else None


def focal_points_q(user_path: str = "") -> models.Q:
    """focal_state_id's rule as a query filter, for querysets that reach the user through
    `user_path` ("" on users, "user__" on profiles, "recipient__" on reminders)."""
    return models.Q(**{f"{user_path}groups__name": GROUP_NAMES[Role.FOCAL_POINT],
                       f"{user_path}profile__state__isnull": False})


def contributor_institution_id(user) -> int | None:
    """The institution an institution contributor reports for, or None."""
    if not has_role(user, Role.CONTRIBUTOR):
        return None
    profile = getattr(user, "profile", None)
    return profile.institution_id if profile else None


def contributors_q(user_path: str = "") -> models.Q:
    """contributor_institution_id's rule as a query filter (see focal_points_q)."""
    return models.Q(**{f"{user_path}groups__name": GROUP_NAMES[Role.CONTRIBUTOR],
                       f"{user_path}profile__institution__isnull": False})


def can_manage_institutions(user, state_id: int | None) -> bool:
    """Create and change `state_id`'s institutions, indicators and their assignments."""
    return can_manage_follow_up(user, state_id)


def can_report_progress(user, *, state_id: int | None, institution_id: int | None) -> bool:
    """File a government progress report on an indicator or action of `state_id` whose
    responsible institution is `institution_id`: the State's focal point (and admins)
    for any of them, an institution contributor for their own institution's only."""
    if can_manage_follow_up(user, state_id):
        return True
    own = contributor_institution_id(user)
    return own is not None and institution_id is not None and own == institution_id


def is_state_user(user, state_id: int | None) -> bool:
    """Speaks for `state_id`: its focal points, its institutions' contributors, admins.
    They alone see the State's private evidence."""
    if is_admin(user):
        return True
    if state_id is None:
        return False
    if focal_state_id(user) == state_id:
        return True
    if contributor_institution_id(user) is None:
        return False
    return user.profile.institution.state_id == state_id


def can_report_as_civil_society(user) -> bool:
    """File civil society's own progress report (kept apart from the government's)."""
    return is_admin(user) or has_role(user, Role.NGO)


def can_edit_recommendations(user) -> bool:
    """Create and edit reviews and recommendations (and import files)."""
    return is_admin(user) or has_role(user, Role.NGO)


def can_assess(user, actor: str, state_id: int | None) -> bool:
    """Add an implementation assessment as `actor` on a recommendation to `state_id`."""
    if is_admin(user):
        return True
    if actor == "civil_society":
        return has_role(user, Role.NGO)
    if actor == "government":
        return state_id is not None and focal_state_id(user) == state_id
    return False


def can_manage_follow_up(user, state_id: int | None) -> bool:
    """Add or change follow-up actions of `state_id`."""
    return is_admin(user) or (state_id is not None and focal_state_id(user) == state_id)


def can_assess_any(user) -> bool:
    """Add some assessment: civil society's (NGO) or their own government's (focal point).
    The API refuses other users before reading the request body."""
    return is_admin(user) or has_role(user, Role.NGO) or focal_state_id(user) is not None


def can_manage_any_follow_up(user) -> bool:
    """Add or change follow-up actions of at least one State."""
    return is_admin(user) or focal_state_id(user) is not None


def assign_role(user, role: str, *, state=None, institution=None) -> None:
    """Give `user` a role; a focal point needs the State they speak for, an institution
    contributor the institution they report for."""
    from .models import Profile

    try:
        profile = user.profile  # the cached instance, so that the caller sees the change
    except Profile.DoesNotExist:
        profile = Profile.objects.create(user=user)
    if role == Role.ADMIN:
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    else:
        if role == Role.FOCAL_POINT:
            if state is None:
                raise ValueError("A focal point needs a State.")
            profile.state = state
            profile.save(update_fields=["state"])
        if role == Role.CONTRIBUTOR:
            if institution is None:
                raise ValueError("An institution contributor needs an institution.")
            profile.institution = institution
            profile.save(update_fields=["institution"])
        group, _created = Group.objects.get_or_create(name=GROUP_NAMES[role])
        user.groups.add(group)
    user.__dict__.pop("_upr_roles", None)

