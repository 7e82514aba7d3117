"""Translated taxonomy names (NameTranslation), one query per kind and language, cached
until a translation is saved or deleted in the admin."""

from __future__ import annotations

from django.core.cache import cache
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver

from core import ratelimit
from states.names import base_language

VERSION_KEY = "name-translations:version"


def translations(kind: str, language: str | None = None) -> dict[str, str]:
    """{key: name} for `kind` in `language` (default: the active language); {} in English."""
    from recommendations.models import NameTranslation

    language = base_language(language)
    if language == "en":
        return {}
    # The cache is an optimisation: when it is down (ratelimit.guarded logs it), the
    # names are read from the database.
    version = ratelimit.guarded(cache.get_or_set, VERSION_KEY, 1, None)
    cache_key = f"name-translations:{version}:{kind}:{language}"
    names = (None if version is ratelimit.UNAVAILABLE
             else ratelimit.guarded(cache.get, cache_key, default=None))
    if names is None:
        names = dict(NameTranslation.objects.filter(kind=kind, language=language)
                     .values_list("key", "name"))
        if kind == NameTranslation.Kind.THEME:
            _share_with_synonyms(names)
        if version is not ratelimit.UNAVAILABLE:
            ratelimit.guarded(cache.set, cache_key, names, 3600)
    return names


def _share_with_synonyms(names: dict[str, str]) -> None:
    """A canonical theme without a translation of its own takes one of its source
    labels' (the seeded UPR Info themes), and a source label without one takes its
    canonical theme's."""
    from recommendations.models import Theme

    pairs = list(Theme.objects.filter(canonical__isnull=False)
                 .values_list("slug", "canonical__slug"))
    for slug, canonical in pairs:
        if slug in names:
            names.setdefault(canonical, names[slug])
    for slug, canonical in pairs:
        if canonical in names:
            names.setdefault(slug, names[canonical])


def forget() -> None:
    """Drop every cached name (a new version key makes the old entries unreachable)."""
    def bump() -> None:
        try:
            cache.incr(VERSION_KEY)
        except ValueError:
            cache.set(VERSION_KEY, 2, None)

    ratelimit.guarded(bump)


@receiver([post_save, post_delete], sender="recommendations.NameTranslation")
def _translation_changed(sender, **kwargs) -> None:
    forget()
