"""`manage.py check --deploy` warnings for settings that only matter in production."""

from django.conf import settings
from django.core.checks import Tags, Warning, register


@register(Tags.security, deploy=True)
def shared_cache(app_configs, **kwargs) -> list[Warning]:
    """API throttles (and anything else cached) count per process without a shared
    cache: each gunicorn worker would allow the full rate on its own."""
    if "redis" in settings.CACHES["default"]["BACKEND"].lower():
        return []
    return [Warning(
        "The cache is per process, so each gunicorn worker counts API throttles alone.",
        hint="Set CACHE_URL=redis://host:6379/1 (README, \"Deploying safely\").",
        id="upr_tracker.W001")]
