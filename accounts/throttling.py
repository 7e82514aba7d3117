"""API rate limits by role: anonymous per address, users per account, researchers higher."""

from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle

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
        self.history = self.cache.get(self.key, [])
        self.now = self.timer()
        while self.history and self.history[-1] <= self.now - self.duration:
            self.history.pop()
        if len(self.history) >= self.num_requests:
            allowed = self.throttle_failure()
        else:
            allowed = self.throttle_success()
        # For core.http.RateLimitHeadersMiddleware: limit, remaining, seconds to reset.
        reset = (self.history[-1] + self.duration - self.now) if self.history else 0
        request._request.rate_limit = (self.num_requests,
                                       self.num_requests - len(self.history), reset)
        return allowed
