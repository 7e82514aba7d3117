"""The REST API under /api/v1/ (see DESIGN.md, "REST API")."""

from django.urls import path

urlpatterns: list = []
