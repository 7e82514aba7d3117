from django.apps import AppConfig


class FrontConfig(AppConfig):
    """Pages that span reviews and recommendations: dashboard, State pages, "my State",
    the review page."""

    name = "front"
    verbose_name = "Pages"
