from csp.decorators import csp_update
from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerSplitView

from imports import urls as imports_urls
from upr_tracker import ops

# Uploaded files (MEDIA_ROOT) are never served by URL: imports are read by the
# worker from storage; evidence files go through progress.views.evidence_file, which
# checks who may see them (README, "Deploying safely").
urlpatterns = [
    path("", include("front.urls")),
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("", include("reviews.urls")),
    path("", include("reminders.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("recommendations/", include((imports_urls.old_urlpatterns, "imports-moved"))),
    path("imports/", include("imports.urls")),
    path("analysis/", include("analysis.urls")),
    path("progress/", include("progress.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("upr_tracker.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    # The split view serves its init script from a URL: no inline script (CSP). Its
    # page has one inline <style>, allowed on this page only.
    path("api/docs/", csp_update({"style-src": ["'unsafe-inline'"]})(
        SpectacularSwaggerSplitView.as_view(url_name="schema")), name="api-docs"),
]

handler500 = "upr_tracker.ops.server_error"
