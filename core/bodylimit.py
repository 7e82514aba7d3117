"""A cap on request bodies, checked from Content-Length before anything reads them.

Django caps what it keeps in memory (DATA_UPLOAD_MAX_MEMORY_SIZE) but streams file
parts of any size to disk, and DRF's parsers read the raw stream: a 1 GB anonymous
POST to the login page was read in full (issue 22). Every view takes at most
settings.REQUEST_MAX_BODY_BYTES; a view that accepts a file says how large with
`@allow_upload(...)` (the import page, the progress report pages' evidence), an admin
with a file field with `UploadAdminMixin`. A larger declared body is answered 413 at
once, and the connection's body is never read.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _

# Multipart framing (boundaries, part headers, the other form fields) on top of a file.
MULTIPART_OVERHEAD = 256 * 1024


def allow_body(max_bytes: int | Callable[[], int]):
    """Let a view take bodies up to `max_bytes` (a number, or a callable read at each
    request so that settings overrides apply)."""

    def decorate(view):
        view.max_body_bytes = max_bytes
        return view

    return decorate


def allow_upload(max_file_bytes: int | Callable[[], int]):
    """Let a view take a file of up to `max_file_bytes` (a number or a callable, as
    above) with its form: the body may be that plus the multipart framing."""

    def decorate(view):
        view.max_upload_bytes = max_file_bytes
        return view

    return decorate


def _declared(view, name: str):
    value = getattr(view, name, None)
    if value is None:
        # DRF's as_view() keeps the class on the function.
        value = getattr(getattr(view, "cls", None), name, None)
    return value() if callable(value) else value


def body_limit(view) -> int:
    upload = _declared(view, "max_upload_bytes")
    if upload is not None:
        return upload + MULTIPART_OVERHEAD
    limit = _declared(view, "max_body_bytes")
    return settings.REQUEST_MAX_BODY_BYTES if limit is None else limit


def shown_limit(view) -> int:
    """The limit the 413 names: the file's own for an upload view."""
    upload = _declared(view, "max_upload_bytes")
    return body_limit(view) if upload is None else upload


class UploadAdminMixin:
    """A ModelAdmin whose add and change pages take files: they accept bodies up to
    `max_upload_bytes()` (plus the framing) instead of the cap for other views."""

    def max_upload_bytes(self) -> int:
        raise NotImplementedError

    def get_urls(self):
        urls = super().get_urls()
        for pattern in urls:
            if (pattern.name or "").endswith(("_add", "_change")):
                # The admin's wrappers copy nothing after the fact: mark the callback
                # the resolver hands the middleware.
                pattern.callback.max_upload_bytes = self.max_upload_bytes
        return urls


def too_large(request: HttpRequest, limit: int) -> HttpResponse:
    message = _("The request is too large: at most %(mb)s MB is accepted here.") % {
        "mb": round(limit / (1024 * 1024), 1)}
    if request.path.startswith("/api/"):
        response = JsonResponse({"detail": message}, status=413)
    else:
        response = HttpResponse(message, status=413, content_type="text/plain; charset=utf-8")
    # The body is left unread. No `Connection: close` here: it is a hop-by-hop header a
    # WSGI application may not set (runserver and the test live server answered 500);
    # gunicorn's gthread worker drains at most 64 KB of an unread body before reusing a
    # connection, and closes it otherwise.
    return response


class RequestBodyLimitMiddleware:
    """Before CsrfViewMiddleware (which reads POST data in its process_view)."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_view(self, request: HttpRequest, view, args, kwargs) -> HttpResponse | None:
        raw = request.META.get("CONTENT_LENGTH") or "0"
        try:
            length = int(raw)
        except ValueError:
            length = -1
        if length < 0:
            return HttpResponse(_("Invalid Content-Length."), status=400,
                                content_type="text/plain; charset=utf-8")
        if length > body_limit(view):
            return too_large(request, shown_limit(view))
        return None
