from django.contrib import admin

from .models import Institution, State, StateAlias


class StateAliasInline(admin.TabularInline):
    model = StateAlias
    extra = 1
    fields = ["name"]


@admin.register(State)
class StateAdmin(admin.ModelAdmin):
    list_display = ["name", "iso3", "iso2", "region", "is_observer"]
    list_filter = ["region", "is_observer"]
    search_fields = ["name", "iso3", "iso2", "aliases__name"]
    inlines = [StateAliasInline]
    ordering = ["name"]


@admin.register(StateAlias)
class StateAliasAdmin(admin.ModelAdmin):
    list_display = ["name", "state"]
    search_fields = ["name", "state__name", "state__iso3"]
    autocomplete_fields = ["state"]
    list_select_related = ["state"]


@admin.register(Institution)
class InstitutionAdmin(admin.ModelAdmin):
    list_display = ["name", "short_name", "kind", "state"]
    list_filter = ["kind"]
    search_fields = ["name", "short_name", "state__name", "state__iso3"]
    autocomplete_fields = ["state"]
    list_select_related = ["state"]
