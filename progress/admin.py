from django.contrib import admin

from .models import Evidence, Indicator, ProgressReport, ReportingDue


class ReportingDueInline(admin.TabularInline):
    model = ReportingDue
    extra = 0
    can_delete = False
    readonly_fields = ["due_date"]

    def has_add_permission(self, request, obj=None) -> bool:
        return False  # derived from the schedule (progress.services.sync_due_dates)


@admin.register(Indicator)
class IndicatorAdmin(admin.ModelAdmin):
    list_display = ["title", "state", "institution", "kind", "frequency_months", "start_date",
                    "end_date"]
    list_filter = ["kind", "state"]
    search_fields = ["title", "institution__name", "state__name"]
    autocomplete_fields = ["state", "institution", "manager", "recommendations", "action"]
    list_select_related = ["state", "institution"]
    inlines = [ReportingDueInline]

    def save_related(self, request, form, formsets, change) -> None:
        super().save_related(request, form, formsets, change)
        from .services import _touch, sync_due_dates

        sync_due_dates(form.instance)
        _touch(form.instance)


class EvidenceInline(admin.TabularInline):
    model = Evidence
    extra = 0
    fields = ["title", "url", "file", "is_public"]


@admin.register(ProgressReport)
class ProgressReportAdmin(admin.ModelAdmin):
    list_display = ["__str__", "actor", "due_date", "value", "institution", "created_by"]
    list_filter = ["actor"]
    search_fields = ["narrative", "indicator__title", "action__title", "organisation"]
    raw_id_fields = ["indicator", "action", "institution", "created_by"]
    list_select_related = ["indicator", "action", "institution", "created_by"]
    inlines = [EvidenceInline]
