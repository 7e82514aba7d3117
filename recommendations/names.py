"""Translated taxonomy names (NameTranslation): the cached look-up lives on the model
(`NameTranslation.objects.names`); this module forgets the cache when a translation is
saved or deleted in the admin (signals connected in RecommendationsConfig.ready)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from recommendations.models import NAME_TRANSLATIONS_VERSION_KEY, NameTranslation


def translations(kind: str, language: str | None = None) -> dict[str, str]:
    """{key: name} for `kind` in `language` (default: the active language); {} in English."""
    return NameTranslation.objects.names(kind, language)


def forget() -> None:
    """Drop every cached name (a new version key makes the old entries unreachable)."""
    try:
        cache.incr(NAME_TRANSLATIONS_VERSION_KEY)
    except ValueError:
        cache.set(NAME_TRANSLATIONS_VERSION_KEY, 2, None)


@receiver([post_save, post_delete], sender=NameTranslation)
def _translation_changed(sender, **kwargs) -> None:
    forget()
