from django.http import HttpRequest

from .roles import (
    Role,
    can_edit_recommendations,
    contributor_institution_id,
    focal_state_id,
    roles_of,
)


def roles(request: HttpRequest) -> dict:
    """Role flags for templates, computed lazily so anonymous pages pay nothing."""
    user = getattr(request, "user", None)

    class Lazy:
        @property
        def roles(self) -> set[str]:
            return roles_of(user)

        @property
        def can_edit(self) -> bool:
            return can_edit_recommendations(user)

        @property
        def is_focal_point(self) -> bool:
            return Role.FOCAL_POINT in roles_of(user)

        @property
        def focal_state_id(self) -> int | None:
            return focal_state_id(user)

        @property
        def contributor_institution_id(self) -> int | None:
            return contributor_institution_id(user)

        @property
        def is_ngo(self) -> bool:
            return Role.NGO in roles_of(user)

    return {"perms_upr": Lazy()}
