"""API plumbing shared by every endpoint: errors, ETags and If-Match.

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
from rest_framework import status
from rest_framework.exceptions import APIException, ValidationError
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .versioning import StaleEdit


class PreconditionFailed(APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = "The resource was changed by someone else; reload it and retry."
    default_code = "stale"


def exception_handler(exc, context):
    """DRF's handler, plus: Django's ValidationError from model methods and services
    becomes a 400, a stale edit a 412 and a uniqueness race a 409."""
    if isinstance(exc, DjangoValidationError):
        # Field errors as DRF gives them; a message about the whole request as one
        # `detail` string, the shape the OpenAPI error body documents.
        exc = ValidationError(getattr(exc, "message_dict", None)
                              or {"detail": " ".join(exc.messages)})
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

    None means the client did not say; the edit then applies to the row as it is
    when the edit's transaction locks it: the last writer wins, and no racer is
    refused (core.versioning.claim_version). An If-Match that is
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
