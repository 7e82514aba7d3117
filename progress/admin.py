from django import forms
from django.conf import settings
from django.contrib import admin

from core.bodylimit import UploadAdminMixin

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


class EvidenceAdminForm(forms.ModelForm):
    class Meta:
        model = Evidence
        fields = ["title", "url", "file", "is_public"]

    def clean_file(self):
        from .services import validate_evidence_file

        upload = self.cleaned_data.get("file")
        if upload and upload is not self.initial.get("file"):  # a new file, not the stored one
            validate_evidence_file(upload)
        return upload


class EvidenceInline(admin.TabularInline):
    model = Evidence
    form = EvidenceAdminForm
    extra = 0
    # The page's body may carry this many files of the evidence limit (core.bodylimit).
    max_num = 5
    fields = ["title", "url", "file", "is_public"]


@admin.register(ProgressReport)
class ProgressReportAdmin(UploadAdminMixin, admin.ModelAdmin):
    list_display = ["__str__", "actor", "due_date", "value", "institution", "created_by"]
    list_filter = ["actor"]
    search_fields = ["narrative", "indicator__title", "action__title", "organisation"]
    raw_id_fields = ["indicator", "action", "institution", "created_by"]
    list_select_related = ["indicator", "action", "institution", "created_by"]
    inlines = [EvidenceInline]

    def max_upload_bytes(self) -> int:
        return EvidenceInline.max_num * settings.EVIDENCE_MAX_UPLOAD_BYTES
