"""The REST API under /api/v1/ (see DESIGN.md, "REST API")."""

import math

from django.conf import settings
from django.urls import path
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.authtoken.models import Token
from rest_framework.authtoken.serializers import AuthTokenSerializer
from rest_framework.authtoken.views import ObtainAuthToken
from rest_framework.response import Response
from rest_framework.routers import DefaultRouter

from accounts.throttling import RoleRateThrottle
from recommendations.api import AssessmentViewSet, FollowUpActionViewSet, RecommendationViewSet
from recommendations.state_api import StateWithCountsViewSet
from reviews.api import CycleViewSet, ReviewViewSet, SessionViewSet


class TokenSerializer(AuthTokenSerializer):
    """DRF's, with the lengths a user can have: a longer name is a 400 before any login
    attempt is recorded (django-axes keeps at most 255 characters of it)."""

    username = serializers.CharField(label=gettext_lazy("Username"), max_length=150,
                                     write_only=True)
    password = serializers.CharField(label=gettext_lazy("Password"), max_length=4096,
                                     write_only=True, trim_whitespace=False,
                                     style={"input_type": "password"})


class TokenView(ObtainAuthToken):
    """Username and password in, API token out (send it as `Authorization: Token <key>`)."""

    serializer_class = TokenSerializer
    throttle_classes = [RoleRateThrottle]  # DRF leaves this endpoint unthrottled

    @extend_schema(responses=inline_serializer("Token", {"token": serializers.CharField()}))
    def post(self, request, *args, **kwargs):
        serializer = self.get_serializer(data=request.data)
        if not serializer.is_valid():
            if getattr(request, "axes_locked_out", False):
                # django-axes refused before the password was checked: say so, as the
                # login page does, instead of "Unable to log in" (issue 22).
                return self.locked_out()
            serializer.is_valid(raise_exception=True)
        token, _created = Token.objects.get_or_create(user=serializer.validated_data["user"])
        return Response({"token": token.key})

    @staticmethod
    def locked_out() -> Response:
        seconds = max(1, math.ceil(settings.AXES_COOLOFF_TIME * 3600))
        return Response(
            {"detail": _("Too many failed login attempts: this account or address is "
                         "locked for %(minutes)d minutes. An administrator can unlock it.")
                       % {"minutes": math.ceil(seconds / 60)}},
            status=status.HTTP_429_TOO_MANY_REQUESTS, headers={"Retry-After": str(seconds)})


router = DefaultRouter()
router.include_format_suffixes = False
router.include_root_view = False  # ApiRootView below lists every endpoint
router.register("states", StateWithCountsViewSet, basename="api-state")
router.register("cycles", CycleViewSet, basename="api-cycle")
router.register("sessions", SessionViewSet, basename="api-session")
router.register("reviews", ReviewViewSet, basename="api-review")
router.register("recommendations", RecommendationViewSet, basename="api-recommendation")
router.register("follow-up-actions", FollowUpActionViewSet, basename="api-followupaction")
router.register("assessments", AssessmentViewSet, basename="api-assessment")

# A plain list: other apps append their paths below.
urlpatterns: list = [
    path("auth/token/", TokenView.as_view(), name="api-token"),
    *router.urls,
]

# The change feed and the reference lists (issue 21).
from recommendations.api_changes import ChangeFeedView  # noqa: E402
from recommendations.api_reference import (  # noqa: E402
    AffectedGroupListView,
    SDGListView,
    ThemeListView,
)

urlpatterns += [
    path("changes/", ChangeFeedView.as_view(), name="api-changes"),
    path("themes/", ThemeListView.as_view(), name="api-themes"),
    path("sdgs/", SDGListView.as_view(), name="api-sdgs"),
    path("affected-groups/", AffectedGroupListView.as_view(), name="api-affected-groups"),
]

# Upcoming deadlines (reminders); kept at the end, one statement, so that it
# survives edits to the list above.
from reminders.api import DeadlineListView  # noqa: E402

urlpatterns += [path("deadlines/", DeadlineListView.as_view(), name="deadline-list")]

# Cooperation figures (analysis) and tag suggestions (recommendations), issue 14.
from analysis.api import RecommendingStateView, RegionalMatrixView, ThemeOverTimeView  # noqa: E402
from recommendations.api_similarity import SuggestTagsView  # noqa: E402

urlpatterns += [
    path("analysis/regional-matrix/", RegionalMatrixView.as_view(), name="api-regional-matrix"),
    path("analysis/recommending-states/<str:iso3>/", RecommendingStateView.as_view(),
         name="api-recommending-state"),
    path("analysis/themes/<slug:slug>/", ThemeOverTimeView.as_view(), name="api-theme-over-time"),
    path("suggest-tags/", SuggestTagsView.as_view(), name="api-suggest-tags"),
]

# Undo of an import job or a paste (imports, issue 23).
from imports.api import ImportUndoView  # noqa: E402

urlpatterns += [path("imports/<uuid:public_id>/undo/", ImportUndoView.as_view(),
                     name="api-import-undo")]

# Institutions, indicators and progress reports (progress), issue 25.
from progress.api import IndicatorViewSet, InstitutionViewSet, ProgressReportViewSet  # noqa: E402

progress_router = DefaultRouter()
progress_router.include_format_suffixes = False
progress_router.register("institutions", InstitutionViewSet, basename="api-institution")
progress_router.register("indicators", IndicatorViewSet, basename="api-indicator")
progress_router.register("progress-reports", ProgressReportViewSet,
                         basename="api-progressreport")
urlpatterns += [url for url in progress_router.urls if url.name != "api-root"]

# The API root: every endpoint (issue 21), kept last so it sees the list above.
from upr_tracker.api_root import ApiRootView  # noqa: E402

urlpatterns += [path("", ApiRootView.as_view(), name="api-root")]
