"""Conditional GET for lists: `ETag` and `Last-Modified` from the data's newest change.

A list's validators are derived from the newest change to what it shows (given by the
caller, e.g. the newest `updated_at`) and from the request itself (path, host and every
query parameter: filters, ordering, page, cursor). A client sending the ETag back in
`If-None-Match` (or the date in `If-Modified-Since`) gets `304 Not Modified` with no
body; the rows are not read. Any change to the data changes the ETag.
`If-Modified-Since` compares at the header's precision (whole seconds): see
set_validators.
"""

import datetime as dt
import hashlib
import math
import time

from django.http import HttpResponse, HttpResponseNotModified
from django.utils.http import http_date, parse_http_date_safe


def list_etag(request, changed: dt.datetime | None, *extra: str) -> str:
    params = sorted((k, v) for k, values in request.GET.lists() for v in values)
    source = repr((request.get_host(), request.path, params,
                   changed.isoformat() if changed else "", extra))
    return f'W/"{hashlib.sha1(source.encode()).hexdigest()[:32]}"'


def _tags(header: str) -> set[str]:
    return {t.strip().removeprefix("W/") for t in header.split(",") if t.strip()}


def not_modified(request, tag: str, changed: dt.datetime | None) -> bool:
    if request.method not in ("GET", "HEAD"):
        return False
    if_none_match = request.headers.get("If-None-Match")
    if if_none_match is not None:
        tags = _tags(if_none_match)
        return "*" in tags or tag.removeprefix("W/") in tags
    since = parse_http_date_safe(request.headers.get("If-Modified-Since", ""))
    # Exact time against the header's whole second (see set_validators).
    return bool(since is not None and changed is not None and changed.timestamp() <= since)


def set_validators(response: HttpResponse, tag: str, changed: dt.datetime | None) -> None:
    """`Last-Modified` has whole seconds: it is the end of the second of the newest
    change, sent only once that second is over. A later change is then after it (a
    `If-Modified-Since` with it gets the new list), while a change at 10.2 s compared
    with a header of 10 s is not hidden by a later one at 10.8 s. Until the second is
    over the ETag alone validates."""
    response["ETag"] = tag
    if changed is not None:
        end_of_second = math.ceil(changed.timestamp())
        if end_of_second <= time.time():
            response["Last-Modified"] = http_date(end_of_second)
    # Revalidate every time: the 304 is cheap, a stale list is not.
    response["Cache-Control"] = "no-cache"


def not_modified_response(tag: str, changed: dt.datetime | None) -> HttpResponseNotModified:
    response = HttpResponseNotModified()
    set_validators(response, tag, changed)
    return response
