from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from reviews.admin import ReviewAdmin
from reviews.models import Review

from .models import (
    SDG,
    AffectedGroup,
    Assessment,
    FollowUpAction,
    NameTranslation,
    Recommendation,
    ResponseRecord,
    Theme,
)
from .touch import touched


class ResponseRecordInline(admin.TabularInline):
    model = ResponseRecord
    extra = 0
    fields = ["response", "source_symbol", "source_paragraph", "date", "created_by",
              "created_at"]
    readonly_fields = ["created_by", "created_at"]


class AssessmentInline(admin.TabularInline):
    model = Assessment
    extra = 0
    fields = ["actor", "status", "assessed_on", "organisation", "comment", "evidence_url",
              "created_by"]
    readonly_fields = ["created_by"]


@admin.register(Recommendation)
class RecommendationAdmin(SimpleHistoryAdmin):
    list_display = ["__str__", "review", "response", "action_category", "government_status",
                    "civil_society_status", "updated_at"]
    list_filter = ["response", "review__session__cycle", "review__state__region",
                   "action_category", "government_status", "civil_society_status", "themes__source"]
    search_fields = ["paragraph", "text", "review__state__name", "review__state__iso3",
                     "uhri_annotation_id"]
    autocomplete_fields = ["review", "recommending_states", "themes", "affected_groups"]
    filter_horizontal = ["sdgs"]
    list_select_related = ["review__state", "review__session"]
    readonly_fields = ["response", "response_source", "government_status",
                       "civil_society_status", "created_at", "updated_at"]
    inlines = [ResponseRecordInline, AssessmentInline]

    # Deleting here goes through the same service as the pages and the API: the change
    # feed hears of it (touched) and the audit history records who.
    def delete_model(self, request, obj) -> None:
        from .services import delete_recommendations

        delete_recommendations([obj], user=request.user, reason="deleted in the admin")

    def delete_queryset(self, request, queryset) -> None:
        from .services import delete_recommendations

        delete_recommendations(queryset, user=request.user, reason="deleted in the admin")

    show_full_result_count = False

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        touched([form.instance.pk])


@admin.register(Assessment)
class AssessmentAdmin(SimpleHistoryAdmin):
    list_display = ["recommendation", "actor", "status", "assessed_on", "organisation",
                    "created_by"]
    list_filter = ["actor", "status"]
    search_fields = ["recommendation__text", "organisation", "comment"]
    raw_id_fields = ["recommendation"]
    list_select_related = ["recommendation", "created_by"]


@admin.register(FollowUpAction)
class FollowUpActionAdmin(SimpleHistoryAdmin):
    list_display = ["title", "state", "responsible_institution", "target_date", "status"]
    list_filter = ["status", "state__region"]
    search_fields = ["title", "description", "responsible_institution", "state__name"]
    autocomplete_fields = ["state", "institution"]
    raw_id_fields = ["recommendations"]
    date_hierarchy = "target_date"
    list_select_related = ["state"]


@admin.register(Theme)
class ThemeAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "source", "group", "canonical"]
    list_filter = ["source", "group", ("canonical", admin.EmptyFieldListFilter)]
    search_fields = ["name", "slug"]
    autocomplete_fields = ["canonical"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(SDG)
class SDGAdmin(admin.ModelAdmin):
    list_display = ["number", "title"]


@admin.register(AffectedGroup)
class AffectedGroupAdmin(admin.ModelAdmin):
    list_display = ["name", "slug"]
    search_fields = ["name"]
    prepopulated_fields = {"slug": ["name"]}


@admin.register(NameTranslation)
class NameTranslationAdmin(admin.ModelAdmin):
    """Theme, SDG and affected-group names in the interface languages."""

    list_display = ["kind", "key", "language", "name"]
    list_editable = ["name"]
    list_filter = ["kind", "language"]
    search_fields = ["key", "name"]


# The review's admin page lists its recommendations. The inline is added here, above
# reviews, so that reviews never imports recommendations (pyproject.toml contracts).
class RecommendationInline(admin.TabularInline):
    model = Recommendation
    fields = ["paragraph", "text", "response", "action_category", "government_status"]
    readonly_fields = ["government_status"]
    extra = 0
    show_change_link = True
    classes = ["collapse"]


class ReviewWithRecommendationsAdmin(ReviewAdmin):
    inlines = [*ReviewAdmin.inlines, RecommendationInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        touched(form.instance.recommendations.values_list("pk", flat=True))


admin.site.unregister(Review)
admin.site.register(Review, ReviewWithRecommendationsAdmin)
