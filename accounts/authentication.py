"""API token authentication without a query per request (issue 24).

DRF's TokenAuthentication reads the token and its user on every request, and the
throttle then reads the user's groups. Here the user, with its roles already looked up
(accounts.roles caches them on the object), is kept in the cache (Redis when CACHE_URL
is set, so every worker shares it) under a hash of the token, and dropped by the signals
below the moment the token, the user or their groups change, on any worker.
"""

from __future__ import annotations

import hashlib

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.cache import cache
from django.db.models.signals import m2m_changed, post_delete, post_save
from django.dispatch import receiver
from drf_spectacular.extensions import OpenApiAuthenticationExtension
from rest_framework.authentication import get_authorization_header
from rest_framework.authtoken.models import Token

from core.ratelimit import guarded

from .roles import roles_of
from .throttling import TokenAuthentication

KEPT_SECONDS = 300
# `Authorization: Token <key>` (DRF's) or `Bearer <key>` (what generated OpenAPI clients,
# openapi-python-client's among them, send by default).
KEYWORDS = ("Token", "Bearer")


def _cache_key(key: str) -> str:
    return "api-token:" + hashlib.sha256(key.encode()).hexdigest()


class CachedTokenAuthentication(TokenAuthentication):
    """Unknown tokens still count against the anonymous rate (accounts.throttling,
    issue 22); a cache that is down means a query, never an error. The key may follow
    `Token` or `Bearer`."""

    def authenticate(self, request):
        scheme = get_authorization_header(request).split()[:1]
        for keyword in KEYWORDS:
            if scheme and scheme[0].lower() == keyword.lower().encode():
                self.keyword = keyword  # an instance per request: DRF reads this one
        return super().authenticate(request)

    def authenticate_credentials(self, key: str):
        cached = guarded(cache.get, _cache_key(key), default=None)
        if cached is not None:
            return cached, key
        user, token = super().authenticate_credentials(key)  # raises if unknown/inactive
        roles_of(user)  # looked up once, kept on the cached object
        guarded(cache.set, _cache_key(key), user, KEPT_SECONDS, default=None)
        return user, token


def forget_user(user_id: int) -> None:
    keys = Token.objects.filter(user_id=user_id).values_list("key", flat=True)
    cache.delete_many([_cache_key(k) for k in keys])


@receiver([post_save, post_delete], sender=Token)
def _token_changed(sender, instance: Token, **kwargs) -> None:
    cache.delete(_cache_key(instance.key))


@receiver([post_save, post_delete], sender=settings.AUTH_USER_MODEL)
def _user_changed(sender, instance, **kwargs) -> None:
    forget_user(instance.pk)


@receiver(m2m_changed, sender=get_user_model().groups.through)
def _groups_changed(sender, instance, action: str, reverse: bool, pk_set, **kwargs) -> None:
    if not action.startswith("post_") and action != "pre_clear":
        return
    if not reverse:
        forget_user(instance.pk)
    elif action == "pre_clear":  # group.user_set.clear()
        for user_id in instance.user_set.values_list("pk", flat=True):
            forget_user(user_id)
    else:
        for user_id in pk_set or ():
            forget_user(user_id)


class TokenScheme(OpenApiAuthenticationExtension):
    """The OpenAPI security scheme: HTTP bearer, so that generated clients send
    `Authorization: Bearer <token>` (`Token <token>` works the same)."""

    target_class = CachedTokenAuthentication
    name = "tokenAuth"
    priority = 1  # before drf-spectacular's own scheme for TokenAuthentication

    def get_security_definition(self, auto_schema) -> dict:
        return {"type": "http", "scheme": "bearer", "description": (
            "An API token (POST /api/v1/auth/token/, or the profile page) as "
            "`Authorization: Bearer <token>` or `Authorization: Token <token>`. Reads "
            "need none; a token gives the user's rate limit.")}
