"""Rate limits: the API's by role (anonymous per address, users per account,
researchers higher), anonymous HTML pages per address, password-reset requests, and
requests with an invalid API token (counted as anonymous ones).

Every counter lives in the shared cache and fails open when the cache is down
(core.ratelimit: logged, the request goes on), so Redis being down is never a 500.
"""

from __future__ import annotations

import math

from django.conf import settings
from django.http import HttpResponse, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from rest_framework import authentication
from rest_framework.exceptions import AuthenticationFailed, Throttled
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

from core import ratelimit
from core.net import client_ip

from .roles import Role, has_role


class RoleRateThrottle(SimpleRateThrottle):
    """One throttle with three rates: `anon` per IP, `user` per account, and the
    higher `researcher` rate for users with that role (DESIGN.md, "Roles").

    Rates are read from the settings at each request, not at import, so tests can
    override them.
    """

    def get_cache_key(self, request, view) -> str:
        user = request.user
        if user and user.is_authenticated:
            self.scope = "researcher" if has_role(user, Role.RESEARCHER) else "user"
            ident = user.pk
        else:
            self.scope = "anon"
            ident = self.get_ident(request)
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def __init__(self) -> None:
        # SimpleRateThrottle reads the rate of a fixed scope here; ours depends on
        # the request, so it is set in get_cache_key.
        self.rate = None
        self.num_requests = self.duration = None

    def get_rate(self) -> str | None:
        rates = api_settings.DEFAULT_THROTTLE_RATES
        return rates.get(self.scope) or rates.get("user")

    def allow_request(self, request, view) -> bool:
        self.key = self.get_cache_key(request, view)
        if self.rate is None:
            return True
        allowed = self._check()
        if getattr(self, "history", None) is not None and hasattr(self, "now"):
            # For core.http.RateLimitHeadersMiddleware: limit, remaining, seconds to reset.
            reset = (self.history[-1] + self.duration - self.now) if self.history else 0
            request._request.rate_limit = (self.num_requests,
                                           self.num_requests - len(self.history), reset)
        return allowed

    def allow_anonymous(self, request) -> bool:
        """The anonymous rate for the client's address, whoever the request claims
        to be: what a request with an invalid token is counted against."""
        self.scope = "anon"
        self.rate = self.get_rate()
        self.num_requests, self.duration = self.parse_rate(self.rate)
        self.key = self.cache_format % {"scope": "anon", "ident": self.get_ident(request)}
        return self._check()

    def _check(self) -> bool:
        history = ratelimit.guarded(self.cache.get, self.key, [])
        if history is ratelimit.UNAVAILABLE:
            self.history = None
            return True  # fail open: the cache is down (logged by core.ratelimit)
        self.history = history
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            return self.throttle_failure()
        return self.throttle_success()

    def throttle_success(self) -> bool:
        self.history.insert(0, self.now)
        ratelimit.guarded(self.cache.set, self.key, self.history, self.duration)
        return True


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token authentication, with a request whose token is unknown counted
    against the anonymous rate of its address before the 401: guessing tokens is as
    limited as any anonymous traffic (issue 22). Past the rate it is a 429."""

    def authenticate(self, request):
        try:
            return super().authenticate(request)
        except AuthenticationFailed:
            throttle = RoleRateThrottle()
            if not throttle.allow_anonymous(request):
                raise Throttled(wait=throttle.wait()) from None
            raise


def too_many(request, wait: float, message: str) -> HttpResponse:
    """429 with Retry-After: JSON under /api/, else the short error page."""
    seconds = max(1, math.ceil(wait))
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=429)
    else:
        response = HttpResponse(render_to_string("error.html", {
            "status": 429, "message": message}), status=429)
    response["Retry-After"] = str(seconds)
    return response


# Paths that anonymous page throttling leaves alone: the API has its own throttle,
# static files and health checks cost nothing, and logging in must stay possible.
PAGE_THROTTLE_EXEMPT = ("/api/", "/static/", "/healthz", "/readyz", "/accounts/login/",
                        "/admin/login/", "/i18n/")


class AnonymousPageThrottleMiddleware:
    """HTML pages for anonymous clients are rate-limited per address
    (`THROTTLE_ANON_PAGES`, default 120/minute): deep list pages are bounded too
    (recommendations.views), but a crowd of anonymous clients must not starve the
    logged-in users and the API. After AuthenticationMiddleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        rate = getattr(settings, "THROTTLE_ANON_PAGES", "")
        user = getattr(request, "user", None)
        if (rate and not request.path.startswith(PAGE_THROTTLE_EXEMPT)
                and not (user is not None and user.is_authenticated)):
            wait = ratelimit.hit(f"anon-page:{client_ip(request)}", rate)
            if wait is not None:
                return too_many(request, wait, _(
                    "Too many requests from your address. Please wait a minute, or log "
                    "in: the limit applies to anonymous visitors only."))
        return self.get_response(request)
