from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils import formats, timezone
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import lockout
from .models import Profile

User = get_user_model()


class ProfileInline(admin.StackedInline):
    model = Profile
    can_delete = False
    autocomplete_fields = ["state", "institution", "followed_states"]


admin.site.unregister(User)


@admin.register(User)
class UserWithProfileAdmin(UserAdmin):
    inlines = [ProfileInline]
    list_display = ["username", "email", "is_staff", "role_list", "focal_state"]
    list_filter = [*UserAdmin.list_filter, "profile__state__region"]
    list_select_related = ["profile__state"]

    @admin.display(description="roles")
    def role_list(self, obj) -> str:
        return ", ".join(g.name for g in obj.groups.all())

    @admin.display(description="focal point for")
    def focal_state(self, obj) -> str:
        profile = getattr(obj, "profile", None)
        return profile.state.iso3 if profile and profile.state else ""

    def get_queryset(self, request):
        return super().get_queryset(request).prefetch_related("groups")

    # The account's login lock, on its page, lifted in one click: a button of the change
    # form that posts (with the form's CSRF token) to the unlock URL instead.

    def get_readonly_fields(self, request, obj=None):
        return [*super().get_readonly_fields(request, obj), "login_lock"]

    def get_fieldsets(self, request, obj=None):
        fieldsets = super().get_fieldsets(request, obj)
        if obj is None:
            return fieldsets
        return [(None, {"fields": ["login_lock"]}), *fieldsets]

    @admin.display(description="login")
    def login_lock(self, obj) -> str:
        lock = lockout.lock_of(obj.get_username()) if obj and obj.pk else None
        if lock is None:
            return _("Not locked.")
        until = formats.date_format(timezone.localtime(lock["until"]), "DATETIME_FORMAT")
        return format_html(
            '<strong class="login-locked">🔒 {}</strong> '
            '<button type="submit" class="button" formmethod="post" formaction="{}" '
            'formnovalidate>{}</button>',
            _("Locked after %(n)d failed logins, until %(until)s.") % {
                "n": lock["failures"], "until": until},
            reverse("admin:accounts_user_unlock", args=[obj.pk]), _("Unlock now"))

    def get_urls(self):
        return [path("<int:user_id>/unlock/", self.admin_site.admin_view(self.unlock_view),
                     name="accounts_user_unlock"), *super().get_urls()]

    def unlock_view(self, request, user_id: int):
        return require_POST(self._unlock)(request, user_id)

    def _unlock(self, request, user_id: int):
        user = get_object_or_404(User, pk=user_id)
        if not self.has_change_permission(request, user):
            raise PermissionDenied
        lockout.unlock(user.get_username())
        self.log_change(request, user, "Unlocked the login")
        messages.success(request, _("%(user)s can log in again.") % {"user": user})
        return redirect("admin:auth_user_change", user.pk)
