from django.conf import settings
from django.contrib import admin

from core.bodylimit import UploadAdminMixin
from recommendations.admin import RecommendationAdmin
from recommendations.models import Recommendation

from .models import ImportJob, ProposedResponse, RecommendationSource


class RecommendationSourceInline(admin.TabularInline):
    model = RecommendationSource
    extra = 0
    fields = ["source", "file_name", "rows", "match", "imported_at"]
    readonly_fields = fields
    can_delete = False


# A recommendation's admin page shows where it was imported from. The inline is added
# here, above recommendations, so that recommendations never imports imports.
class RecommendationWithSourcesAdmin(RecommendationAdmin):
    inlines = [*RecommendationAdmin.inlines, RecommendationSourceInline]


admin.site.unregister(Recommendation)
admin.site.register(Recommendation, RecommendationWithSourcesAdmin)


@admin.register(ImportJob)
class ImportJobAdmin(UploadAdminMixin, admin.ModelAdmin):
    list_display = ["original_name", "detected_format", "dry_run", "status", "rows_done",
                    "rows_total", "created_by", "created_at"]
    list_filter = ["status", "dry_run", "detected_format"]
    readonly_fields = ["report"]

    def max_upload_bytes(self) -> int:  # the job's file field
        return settings.IMPORT_MAX_UPLOAD_BYTES


@admin.register(ProposedResponse)
class ProposedResponseAdmin(admin.ModelAdmin):
    list_display = ["review", "paragraph", "response", "needs_confirmation", "source_symbol"]
    list_filter = ["needs_confirmation", "response"]
    raw_id_fields = ["review"]
