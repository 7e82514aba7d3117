from django.contrib import admin
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin

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
