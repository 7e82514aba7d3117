"""HTTP plumbing of the API (issue 21): gzip, CORS for public reads, rate-limit headers.

- `ApiGZipMiddleware`: Django's gzip, for `/api/` responses only (JSON pages, CSV and
  JSON exports, streamed ones included). A streamed export that fails stops without
  gzip's trailer and without the last chunk, so a client sees a broken transfer.
  HTML pages are not compressed (they carry CSRF tokens: BREACH).
- `ApiCorsMiddleware`: `Access-Control-Allow-Origin` on GET/HEAD/OPTIONS under `/api/`
  for the origins in settings.CORS_ALLOWED_ORIGINS (env `CORS_ALLOWED_ORIGINS`,
  comma-separated; default `*`: the data is public). Never with credentials, never for
  writes: a notebook on another origin reads, it does not write with a user's cookie.
- `RateLimitHeadersMiddleware`: `RateLimit-Limit`, `RateLimit-Remaining`,
  `RateLimit-Reset` (seconds) and the same as `X-RateLimit-*` on throttled API
  responses, from what accounts.throttling.RoleRateThrottle found.
"""

from django.conf import settings
from django.middleware.gzip import GZipMiddleware

API_PREFIX = "/api/"
SAFE = ("GET", "HEAD", "OPTIONS")
EXPOSED = ("ETag, Last-Modified, Link, X-Total-Count, RateLimit-Limit, RateLimit-Remaining, "
           "RateLimit-Reset, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, "
           "Retry-After, Content-Disposition")


class ApiGZipMiddleware(GZipMiddleware):
    def process_response(self, request, response):
        if not request.path.startswith(API_PREFIX):
            return response
        return super().process_response(request, response)


def allowed_origin(origin: str | None) -> str | None:
    allowed = getattr(settings, "CORS_ALLOWED_ORIGINS", ["*"])
    if "*" in allowed:
        return "*"
    return origin if origin and origin in allowed else None


class ApiCorsMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        is_api = request.path.startswith(API_PREFIX)
        origin = request.headers.get("Origin")
        if (is_api and request.method == "OPTIONS" and origin
                and "Access-Control-Request-Method" in request.headers):
            from django.http import HttpResponse

            response = HttpResponse(status=204)
            allow = allowed_origin(origin)
            if allow and request.headers["Access-Control-Request-Method"] in ("GET", "HEAD"):
                response["Access-Control-Allow-Origin"] = allow
                response["Access-Control-Allow-Methods"] = "GET, HEAD, OPTIONS"
                response["Access-Control-Allow-Headers"] = (
                    "Accept, Accept-Language, If-None-Match, If-Modified-Since, Authorization")
                response["Access-Control-Max-Age"] = "86400"
                if allow != "*":
                    response["Vary"] = "Origin"
            return response
        response = self.get_response(request)
        if is_api and request.method in SAFE:
            allow = allowed_origin(origin)
            if allow:
                response["Access-Control-Allow-Origin"] = allow
                response["Access-Control-Expose-Headers"] = EXPOSED
                if allow != "*":
                    response["Vary"] = ", ".join(
                        v for v in (response.get("Vary"), "Origin") if v)
        return response


class RateLimitHeadersMiddleware:
    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        found = getattr(request, "rate_limit", None)
        if found is not None:
            limit, remaining, reset = found
            for prefix in ("RateLimit", "X-RateLimit"):
                response[f"{prefix}-Limit"] = str(limit)
                response[f"{prefix}-Remaining"] = str(max(0, remaining))
                response[f"{prefix}-Reset"] = str(max(0, int(reset)))
        return response
