"""The client's address, as far as the configured proxies can be trusted.

Kept free of DRF imports: django-axes imports it while DRF's settings may still be
loading.
"""

from django.conf import settings


def client_ip(request) -> str:
    """The client's address, trusting X-Forwarded-For only as far as
    settings.TRUSTED_PROXY_COUNT proxies vouch for it (the same rule as DRF's
    NUM_PROXIES for the API throttles). Used by the login lockout (django-axes)."""
    request = getattr(request, "_request", request)  # DRF's Request wraps Django's
    remote = request.META.get("REMOTE_ADDR", "") or ""
    count = settings.TRUSTED_PROXY_COUNT
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR")
    if count <= 0 or not forwarded:
        return remote
    addresses = [a.strip() for a in forwarded.split(",") if a.strip()]
    if not addresses:
        return remote
    return addresses[-min(count, len(addresses))]
