from rest_framework import permissions


class RolePermission(permissions.BasePermission):
    """Anyone reads; writes are refused unless the view says who may write.

    Views that accept writes define `user_can_write(user) -> bool` and, for
    objects, `user_can_write_object(user, obj) -> bool`, both built on
    accounts.roles, the checks the browser pages use too.
    """

    def has_permission(self, request, view) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        check = getattr(view, "user_can_write", None)
        return bool(request.user and request.user.is_authenticated and check
                    and check(request.user))

    def has_object_permission(self, request, view, obj) -> bool:
        if request.method in permissions.SAFE_METHODS:
            return True
        check = getattr(view, "user_can_write_object", None)
        return bool(check and check(request.user, obj))
