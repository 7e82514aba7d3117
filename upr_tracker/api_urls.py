"""The REST API under /api/v1/ (see DESIGN.md, "REST API")."""

from django.urls import path

urlpatterns: list = []

# Upcoming deadlines (reviews.reminders); kept at the end, one statement, so that it
# survives edits to the list above.
from reviews.api_deadlines import DeadlineListView  # noqa: E402

urlpatterns += [path("deadlines/", DeadlineListView.as_view(), name="deadline-list")]
