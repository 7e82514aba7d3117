from django.contrib import admin
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView

from upr_tracker import ops

# Uploaded files (MEDIA_ROOT) are never served by URL: imports are read by the
# worker from storage, and nothing else is uploaded (README, "Deploying safely").
urlpatterns = [
    path("healthz", ops.healthz, name="healthz"),
    path("readyz", ops.readyz, name="readyz"),
    path("", include("reviews.urls")),
    path("", include("states.urls")),
    path("recommendations/", include("recommendations.urls")),
    path("accounts/", include("accounts.urls")),
    path("accounts/", include("django.contrib.auth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("admin/", admin.site.urls),
    path("api/v1/", include("upr_tracker.api_urls")),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema"), name="api-docs"),
]

handler500 = "upr_tracker.ops.server_error"
