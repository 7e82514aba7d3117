"""Translated taxonomy names (NameTranslation): the cached look-up lives on the model
(`NameTranslation.objects.names`); this module forgets the cache when a translation is
saved or deleted in the admin (signals connected in RecommendationsConfig.ready)."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core import ratelimit
from recommendations.models import NAME_TRANSLATIONS_VERSION_KEY, NameTranslation


def translations(kind: str, language: str | None = None) -> dict[str, str]:
    """{key: name} for `kind` in `language` (default: the active language); {} in English."""
    return NameTranslation.objects.names(kind, language)


def version() -> object:
    """The names' current version, for the key of anything cached that shows them
    (None when the cache is down)."""
    found = ratelimit.guarded(cache.get_or_set, NAME_TRANSLATIONS_VERSION_KEY, 1, None)
    return None if found is ratelimit.UNAVAILABLE else found


def forget() -> None:
    """Drop every cached name (a new version key makes the old entries unreachable)."""
    def bump() -> None:
        try:
            cache.incr(NAME_TRANSLATIONS_VERSION_KEY)
        except ValueError:
            cache.set(NAME_TRANSLATIONS_VERSION_KEY, 2, None)

    ratelimit.guarded(bump)  # a cache that is down holds nothing to forget


@receiver([post_save, post_delete], sender=NameTranslation)
def _translation_changed(sender, **kwargs) -> None:
    forget()
