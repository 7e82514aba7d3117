"""`GET /api/v1/`: every endpoint of the API, by name (issue 21)."""

from drf_spectacular.utils import extend_schema
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.reverse import reverse
from rest_framework.views import APIView

# name -> (URL name, example arguments); paths with a parameter show a template.
ENDPOINTS = {
    "states": ("api-state-list", None),
    "state": ("api-state-detail", {"iso3": "FRA"}),
    "cycles": ("api-cycle-list", None),
    "sessions": ("api-session-list", None),
    "reviews": ("api-review-list", None),
    "recommendations": ("api-recommendation-list", None),
    "recommendations_export": ("api-recommendation-export", None),
    "recommendations_bulk": ("api-recommendation-bulk", None),
    "changes": ("api-changes", None),
    "follow_up_actions": ("api-followupaction-list", None),
    "assessments": ("api-assessment-list", None),
    "themes": ("api-themes", None),
    "sdgs": ("api-sdgs", None),
    "affected_groups": ("api-affected-groups", None),
    "deadlines": ("deadline-list", None),
    "institutions": ("api-institution-list", None),
    "indicators": ("api-indicator-list", None),
    "indicators_export": ("api-indicator-export", None),
    "progress_reports": ("api-progressreport-list", None),
    "progress_reports_export": ("api-progressreport-export", None),
    "analysis_regional_matrix": ("api-regional-matrix", None),
    "analysis_recommending_state": ("api-recommending-state", {"iso3": "FRA"}),
    "analysis_theme_over_time": ("api-theme-over-time", {"slug": "migrants"}),
    "suggest_tags": ("api-suggest-tags", None),
    "auth_token": ("api-token", None),
    "schema": ("schema", None),
    "docs": ("api-docs", None),
}


class ApiRootView(APIView):
    """The endpoints of the API; paths with a parameter show an example value."""

    permission_classes = [AllowAny]

    @extend_schema(exclude=True)
    def get(self, request):
        from django.urls import NoReverseMatch

        out = {}
        for name, (url_name, kwargs) in ENDPOINTS.items():
            try:
                out[name] = reverse(url_name, kwargs=kwargs, request=request)
            except NoReverseMatch:
                continue
        return Response(out)
