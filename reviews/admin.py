from django.contrib import admin
from simple_history.admin import SimpleHistoryAdmin

from .models import Cycle, Review, Session


class SessionInline(admin.TabularInline):
    model = Session
    extra = 1


@admin.register(Cycle)
class CycleAdmin(admin.ModelAdmin):
    list_display = ["number", "start_date", "end_date"]
    inlines = [SessionInline]


@admin.register(Session)
class SessionAdmin(admin.ModelAdmin):
    list_display = ["number", "cycle", "start_date", "end_date"]
    list_filter = ["cycle"]
    search_fields = ["number"]


@admin.register(Review)
class ReviewAdmin(SimpleHistoryAdmin):
    list_display = ["state", "session", "review_date", "adoption_date", "wg_report_symbol",
                    "midterm_report_due", "midterm_report_submitted"]
    list_filter = ["session__cycle", "state__region", "session"]
    search_fields = ["state__name", "state__iso3", "wg_report_symbol"]
    autocomplete_fields = ["state"]
    list_select_related = ["state", "session__cycle"]
    date_hierarchy = "review_date"
    fieldsets = [
        (None, {"fields": ["state", "session", "review_date", "adoption_date"]}),
        ("Documents", {"fields": ["national_report_symbol", "un_compilation_symbol",
                                  "stakeholder_summary_symbol", "wg_report_symbol",
                                  "addendum_symbol"]}),
        ("Deadlines (left empty, they are computed from the dates above)", {
            "fields": ["stakeholder_submissions_due", "national_report_due",
                       "documents_published", "midterm_report_due", "midterm_report_submitted",
                       "next_review_due"]}),
    ]
