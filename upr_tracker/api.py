"""API plumbing shared by every endpoint: errors, throttling, ETags and If-Match.

Lost updates (DESIGN.md, "Load and faults"): detail responses of versioned rows
carry `ETag: "<version>"`. A PUT/PATCH is checked against the version the client
edited: the `If-Match` header if sent (`"3"`, `W/"3"` or `*`), else a `version`
field in the body, else the version read in this request. A stale one gets
412 Precondition Failed with the current version; nothing is written.

Without If-Match or `version` (kept for compatibility) the edit applies to the row
as it is now, i.e. the last writer wins; the response still carries the new ETag,
which the client should send as If-Match next time (README, "Deploying safely").
"""

import re

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db import IntegrityError
from rest_framework import serializers, status
from rest_framework.exceptions import APIException, ParseError, ValidationError
from rest_framework.parsers import JSONParser
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.throttling import SimpleRateThrottle


class SafeJSONParser(JSONParser):
    """DRF's JSON parser, with a body nested too deeply for the parser (thousands of
    `[`) answered 400 instead of a RecursionError (500)."""

    def parse(self, stream, media_type=None, parser_context=None):
        try:
            return super().parse(stream, media_type, parser_context)
        except RecursionError as exc:
            raise ParseError("JSON parse error - the document is nested too deeply.") from exc


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key given as an integer (or a string of digits, from forms) only:
    DRF's own reads `3.5` as 3 and `true` as 1."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
                isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource was changed by someone else; reload it and retry."
    default_code = "stale"


def exception_handler(exc, context):
    """DRF's handler, plus: Django's ValidationError from model methods and services
    becomes a 400, a stale edit a 412 and a uniqueness race a 409."""
    # Imported here: rest_framework.views reads the DRF settings, which name classes
    # of this module (parser, throttle), at import.
    from rest_framework.views import exception_handler as drf_exception_handler

    from recommendations.services import StaleEdit

    if isinstance(exc, DjangoValidationError):
        exc = ValidationError(getattr(exc, "message_dict", None) or {"detail": exc.messages})
    elif isinstance(exc, StaleEdit):
        return Response(
            {"detail": PreconditionFailed.default_detail,
             "current_version": exc.current.version},
            status=status.HTTP_412_PRECONDITION_FAILED,
            headers={"ETag": etag(exc.current.version)})
    elif isinstance(exc, IntegrityError):
        # Validation checks uniqueness first; this is the race it cannot see.
        return Response({"detail": "This conflicts with an existing record."},
                        status=status.HTTP_409_CONFLICT)
    return drf_exception_handler(exc, context)


def etag(version: int) -> str:
    return f'"{version}"'


_ETAG = re.compile(r'^\s*(?:W/)?"(\d{1,10})"\s*$')


def expected_version(request, body_version: int | None) -> int | None:
    """The version the client edited: If-Match first, else the body's `version`.

    None means the client did not say; the edit then applies to the row as read in
    this request (still atomic, see services.claim_version). An If-Match that is
    no version of ours cannot match, so it is a 412 as HTTP says.
    """
    header = request.headers.get("If-Match")
    if header is None:
        return body_version
    tags = [t.strip() for t in header.split(",") if t.strip()]
    if "*" in tags:
        return body_version
    for tag in tags:
        match = _ETAG.match(tag)
        if match:
            return int(match.group(1))
    raise PreconditionFailed("If-Match names no version of this resource.")


class RoleRateThrottle(SimpleRateThrottle):
    """One throttle with three rates: `anon` per IP, `user` per account, and the
    higher `researcher` rate for users with that role (DESIGN.md, "Roles").

    Rates are read from the settings at each request, not at import, so tests can
    override them.
    """

    def get_cache_key(self, request, view) -> str:
        from accounts.roles import Role, has_role

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
            return self.throttle_failure()
        return self.throttle_success()
