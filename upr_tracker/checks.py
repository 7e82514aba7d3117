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


@register(Tags.security, deploy=True)
def frame_options(app_configs, **kwargs) -> list[Warning]:
    """Django's security.W002 looks for its own XFrameOptionsMiddleware by name; ours is a
    subclass that steps aside on the data API (upr_tracker/ops.py), so W002 is silenced
    in settings and this check asks for either one instead."""
    from django.middleware.clickjacking import XFrameOptionsMiddleware
    from django.utils.module_loading import import_string

    for path in settings.MIDDLEWARE:
        try:
            if issubclass(import_string(path), XFrameOptionsMiddleware):
                return []
        except (ImportError, TypeError):
            continue
    return [Warning(
        "No X-Frame-Options middleware: pages could be framed (clickjacking).",
        hint="Keep upr_tracker.ops.XFrameOptionsMiddleware in MIDDLEWARE.",
        id="upr_tracker.W002")]
