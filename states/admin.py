from django.contrib import admin

from .models import Institution, State, StateAlias


class StateAliasInline(admin.TabularInline):
    model = StateAlias
    extra = 1
    fields = ["name", "created_by", "created_at"]
    readonly_fields = ["created_by", "created_at"]


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["name", "iso3", "iso2", "region", "is_observer"]
    list_filter = ["region", "is_observer"]
    search_fields = ["name", "iso3", "iso2", "aliases__name"]
    inlines = [StateAliasInline]
    ordering = ["name"]

    def save_formset(self, request, form, formset, change) -> None:
        for alias in formset.save(commit=False):
            if alias.pk is None:
                alias.created_by = request.user
            alias.save()
        for alias in formset.deleted_objects:
            alias.delete()
        formset.save_m2m()


@admin.register(StateAlias)
class StateAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "state", "created_by", "created_at"]
    search_fields = ["name", "state__name", "state__iso3"]
    autocomplete_fields = ["state"]
    list_select_related = ["state", "created_by"]
    readonly_fields = ["created_by", "created_at"]

    def save_model(self, request, obj, form, change) -> None:
        if obj.pk is None:
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
    list_select_related = ["state"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "state"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "state__name", "state__iso3"]
    autocomplete_fields = ["state"]
    list_select_related = ["state"]
