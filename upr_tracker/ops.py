"""Operations endpoints and error pages: liveness, readiness, and 503 when the
database is unreachable (README, "Deploying safely")."""

from __future__ import annotations

import logging
import sys

from django.conf import settings
from django.db import DatabaseError, InterfaceError, OperationalError, connection
from django.http import HttpRequest, HttpResponse, HttpResponseBadRequest, JsonResponse
from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache

logger = logging.getLogger(__name__)

# What a database that is down, restarting or out of connections raises.
DATABASE_DOWN = (OperationalError, InterfaceError)
READY_TIMEOUT = 2  # seconds for each dependency check


@never_cache
def healthz(request: HttpRequest) -> HttpResponse:
    """Liveness: the process answers. Touches nothing else."""
    return JsonResponse({"status": "ok"})


def _check_database() -> str | None:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except DatabaseError as exc:
        return f"database: {exc.__class__.__name__}"
    return None


def _check_broker() -> str | None:
    if not settings.CELERY_BROKER_URL:
        return None
    from kombu import Connection

    try:
        with Connection(settings.CELERY_BROKER_URL, connect_timeout=READY_TIMEOUT,
                        transport_options={"socket_timeout": READY_TIMEOUT}) as conn:
            conn.ensure_connection(max_retries=1, timeout=READY_TIMEOUT)
    except Exception as exc:  # kombu, redis-py and socket errors all mean "not ready"
        return f"broker: {exc.__class__.__name__}"
    return None


def _check_cache() -> str | None:
    if "redis" not in settings.CACHES["default"]["BACKEND"].lower():
        return None
    from django.core.cache import cache

    try:
        cache.set("readyz", "1", 5)
        if cache.get("readyz") != "1":
            return "cache: value not kept"
    except Exception as exc:  # redis-py errors
        return f"cache: {exc.__class__.__name__}"
    return None


@never_cache
def readyz(request: HttpRequest) -> HttpResponse:
    """Readiness: the database answers, and the broker and cache when configured.

    503 with the failing dependencies named (class names only, no hosts or secrets).
    """
    problems = [p for p in (_check_database(), _check_broker(), _check_cache()) if p]
    if problems:
        return JsonResponse({"status": "unavailable", "problems": problems}, status=503)
    return JsonResponse({"status": "ok"})


def server_error(request: HttpRequest, *args, **kwargs) -> HttpResponse:
    """handler500: a database that is down is a 503 (the request may be retried),
    as JSON under /api/ and as a plain page elsewhere. Nothing here touches the
    database (no session, no user, no context processors)."""
    exc = sys.exc_info()[1]
    database_down = isinstance(exc, DATABASE_DOWN)
    status = 503 if database_down else 500
    if database_down:
        message = _("The service is temporarily unavailable (the database cannot be "
                    "reached). Please try again in a minute.")
    else:
        message = _("Something went wrong on our side. The error has been logged.")
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=status)
    else:
        html = render_to_string("error.html", {"status": status, "message": message})
        response = HttpResponse(html, status=status)
    if database_down:
        response["Retry-After"] = "30"
    return response


class RejectNulMiddleware:
    """A NUL character in the path or the query string (`/states/%00/`) is never a
    real address; PostgreSQL cannot even compare it. Answer 400 with a message
    before any view or filter sees it."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        query = request.META.get("QUERY_STRING", "")
        bad_params = [key for key, values in request.GET.lists()
                      if "\x00" in key or any("\x00" in v for v in values)]
        if "\x00" in request.path or "%00" in query or "\x00" in query or bad_params:
            message = _("The address contains a NUL character (%00), which no page or "
                        "filter accepts.")
            if request.path.startswith("/api/"):
                # Named per parameter, as DRF reports an invalid filter value.
                body = {key.replace("\x00", ""): [message] for key in bad_params}
                return JsonResponse(body or {"detail": message}, status=400)
            return HttpResponseBadRequest(message, content_type="text/plain; charset=utf-8")
        return self.get_response(request)


class HealthCheckMiddleware:
    """Answer /healthz and /readyz before anything else: a load balancer or container
    health check calls them by IP over plain HTTP, which ALLOWED_HOSTS and the HTTPS
    redirect would otherwise refuse. First in settings.MIDDLEWARE."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method in ("GET", "HEAD"):
            if request.path == "/healthz":
                return healthz(request)
            if request.path == "/readyz":
                return readyz(request)
        return self.get_response(request)


# The data API under /api/v1/ answers JSON to scripts: it shows no flash messages, is
# never framed or run as a page (CSP and X-Frame-Options govern documents), and takes its
# language from `lang` or Accept-Language, not from a browser's remembered profile. These
# middlewares step aside there (issue 24: the floor above SQL); /api/docs/ keeps them.
DATA_API_PREFIX = "/api/v1/"


def skipped_on_data_api(dotted_path: str) -> type:
    from django.utils.module_loading import import_string

    inner_class = import_string(dotted_path)

    class SkippedOnDataApi(inner_class):  # a subclass: checks that look for it pass
        def __call__(self, request: HttpRequest) -> HttpResponse:
            if request.path_info.startswith(DATA_API_PREFIX):
                return self.get_response(request)
            return super().__call__(request)

    SkippedOnDataApi.__name__ = SkippedOnDataApi.__qualname__ = (
        f"{inner_class.__name__}SkippedOnDataApi")
    return SkippedOnDataApi


ProfileLanguageMiddleware = skipped_on_data_api("accounts.middleware.ProfileLanguageMiddleware")
MessageMiddleware = skipped_on_data_api("django.contrib.messages.middleware.MessageMiddleware")
XFrameOptionsMiddleware = skipped_on_data_api(
    "django.middleware.clickjacking.XFrameOptionsMiddleware")
CSPMiddleware = skipped_on_data_api("csp.middleware.CSPMiddleware")
