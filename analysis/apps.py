from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AnalysisConfig(AppConfig):
    """Figures across States and cycles: who recommends what to whom, themes over time,
    and the mid-term report of a review."""

    name = "analysis"
    verbose_name = _("Analysis")
