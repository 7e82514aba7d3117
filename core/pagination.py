"""Pagination for the API: page numbers, and keyset cursors for deep pages.

`PageNumberPagination` is DRF's, with `page_size` up to 1000. `KeysetPagination`
adds, for lists that can afford it, a `cursor` parameter: the `next` link of a page
carries the sort key of its last row, and the next page is read with a WHERE on that
key (an index range scan) instead of an OFFSET that reads and skips every earlier row.
Page 10,000 then costs what page 1 costs, and an incremental pull
(`updated_since=…&ordering=updated_at`, following `next`) never skips or repeats a row
even while rows are added. The response also says whether `count` is exact.
"""

import base64
import datetime as dt
from collections.abc import Callable, Sequence

import orjson
from django.conf import settings
from django.core.paginator import Paginator
from django.db.models import Q, QuerySet
from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext_lazy as _
from rest_framework import pagination
from rest_framework.exceptions import ValidationError
from rest_framework.utils.urls import remove_query_param, replace_query_param

MAX_PAGE_SIZE = 1000


def page_size_from(request, *, default: int, maximum: int = MAX_PAGE_SIZE,
                   name: str = "page_size") -> int:
    """`page_size` of the request, or `default`; 0, negative, text or above `maximum`
    is a 400 naming the limit (never silently another size)."""
    text = request.query_params.get(name)
    if text is None or text == "":
        return default
    try:
        size = int(text)
    except ValueError:
        size = None
    if size is None or not 1 <= size <= maximum:
        raise ValidationError({name: [_("Give a whole number from 1 to %(max)s.")
                                      % {"max": maximum}]})
    return size


class PageNumberPagination(pagination.PageNumberPagination):
    page_size_query_param = "page_size"
    max_page_size = MAX_PAGE_SIZE

    def get_page_size(self, request) -> int:
        return page_size_from(request, default=self.page_size, maximum=self.max_page_size,
                              name=self.page_size_query_param)

    def get_schema_operation_parameters(self, view) -> list[dict]:
        params = super().get_schema_operation_parameters(view)
        for param in params:
            if param["name"] == self.page_size_query_param:
                param["schema"] = {"type": "integer", "minimum": 1,
                                   "maximum": self.max_page_size}
                param["description"] = str(_("Rows per page, 1–%(max)s.")
                                           % {"max": self.max_page_size})
            elif param["name"] == self.page_query_param:
                param["schema"] = {"type": "integer", "minimum": 1}
        return params


def encode_cursor(values: Sequence) -> str:
    plain = [v.isoformat() if isinstance(v, dt.datetime) else v for v in values]
    return base64.urlsafe_b64encode(orjson.dumps(plain)).decode().rstrip("=")


def decode_cursor(text: str, kinds: Sequence[type]) -> list:
    try:
        values = orjson.loads(base64.urlsafe_b64decode(text + "=" * (-len(text) % 4)))
        if not isinstance(values, list) or len(values) != len(kinds):
            raise ValueError
        out = []
        for value, kind in zip(values, kinds, strict=True):
            if kind is dt.datetime:
                value = parse_datetime(value)
                if value is None:
                    raise ValueError
            elif not isinstance(value, kind) or isinstance(value, bool):
                raise ValueError
            elif isinstance(value, str) and "\x00" in value:
                raise ValueError  # PostgreSQL cannot compare a text holding NUL
            elif isinstance(value, int) and not -(2**63) <= value < 2**63:
                raise ValueError  # out of bigint range
            out.append(value)
        return out
    except (ValueError, TypeError, orjson.JSONDecodeError):
        raise ValidationError({"cursor": [_("Invalid cursor: use the `next` link of a "
                                            "previous page.")]}) from None


def after_key(ordering: Sequence[str], values: Sequence) -> Q:
    """Rows strictly after `values` in `ordering` (`-` for descending): the first key
    as a range the index can seek to, then the lexicographic comparison."""
    names = [o.lstrip("-") for o in ordering]
    ops = ["lt" if o.startswith("-") else "gt" for o in ordering]
    condition = Q()
    for i in range(len(names)):
        term = Q(**{f"{names[j]}": values[j] for j in range(i)})
        term &= Q(**{f"{names[i]}__{ops[i]}": values[i]})
        condition |= term
    seek = Q(**{f"{names[0]}__{ops[0][0]}te": values[0]})
    return seek & condition


class KeysetPagination(PageNumberPagination):
    """Page numbers, or a keyset `cursor` on the orderings listed in KEYSET_FIELDS.

    The view gives `fetch(queryset, key_fields) -> [(row, key_values)]`; the rows are
    what the response lists (already-encoded JSON on the fast path).
    """

    cursor_query_param = "cursor"
    # Orderings a cursor may follow: field on the model -> Python type of its values.
    keyset_fields: dict[str, type] = {}

    def uses_cursor(self, request, queryset: QuerySet | None = None) -> bool:
        """A cursor when asked for, and by default (no `page`) when the order allows
        one: the `next` links of a walk then seek instead of skipping rows."""
        if self.cursor_query_param in request.query_params:
            return True
        if self.page_query_param in request.query_params or queryset is None:
            return False
        try:
            self.key_ordering(queryset)
        except ValidationError:
            return False
        return True

    def key_ordering(self, queryset: QuerySet) -> list[str]:
        ordering = list(queryset.query.order_by or queryset.model._meta.ordering)
        names = [o.lstrip("-") for o in ordering]
        if not all(isinstance(o, str) and n in self.keyset_fields
                   for o, n in zip(ordering, names, strict=True)):
            raise ValidationError({"cursor": [_(
                "A cursor follows the default order or one of: %(fields)s.")
                % {"fields": ", ".join(sorted({n.removesuffix("_id") for n in
                                               self.keyset_fields}))}]})
        if "id" not in names and "pk" not in names:
            ordering.append("id")
        return ordering

    def paginate_keyset(self, queryset: QuerySet, request,
                        fetch: Callable[[QuerySet, list[str]], list[tuple]]) -> list:
        self.request = request
        self.page = None
        size = self.get_page_size(request)
        ordering = self.key_ordering(queryset)
        queryset = queryset.order_by(*ordering)
        text = request.query_params.get(self.cursor_query_param, "")
        if text:
            kinds = [self.keyset_fields[o.lstrip("-")] for o in ordering]
            queryset = queryset.filter(after_key(ordering, decode_cursor(text, kinds)))
        found = fetch(queryset[:size + 1], [o.lstrip("-") for o in ordering])
        self.next_cursor = encode_cursor(found[size - 1][1]) if len(found) > size else None
        return [row for row, _key in found[:size]]

    def get_cursor_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        url = remove_query_param(self.request.build_absolute_uri(), self.page_query_param)
        return replace_query_param(url, self.cursor_query_param, self.next_cursor)

    def get_paginated_response_schema(self, schema: dict) -> dict:
        response = super().get_paginated_response_schema(schema)
        response["properties"]["count_is_estimate"] = {
            "type": "boolean",
            "description": str(_(
                "True when `count` is PostgreSQL's estimate rather than an exact count "
                "(lists of more than 100,000 rows)")),
        }
        response["required"] = [*response.get("required", []), "count_is_estimate"]
        return response

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [*super().get_schema_operation_parameters(view), {
            "name": self.cursor_query_param, "required": False, "in": "query",
            "description": str(_(
                "Keyset pagination: leave empty (`cursor=`) for the first page, then follow "
                "`next`. Works with the default order and `ordering` on id, created_at "
                "or updated_at (with `updated_since` for incremental pulls); deep pages "
                "cost what the first costs.")),
            "schema": {"type": "string"},
        }]


class CappedPaginator(Paginator):
    """Django's paginator for HTML pages, limited to `max_pages` (settings.HTML_MAX_PAGES)
    pages: `?page=1513` costs an OFFSET over every earlier row, which anonymous clients
    could request in a loop (issue 22). A page past the cap shows the last allowed page;
    `capped` says the list goes on (the template then points at the filters and the
    export, which stream everything)."""

    def __init__(self, object_list, per_page, max_pages: int | None = None, **kwargs) -> None:
        super().__init__(object_list, per_page, **kwargs)
        self.max_pages = max_pages or settings.HTML_MAX_PAGES

    @property
    def uncapped_num_pages(self) -> int:
        return super().num_pages

    @property
    def num_pages(self) -> int:
        return min(super().num_pages, self.max_pages)

    @property
    def capped(self) -> bool:
        return super().num_pages > self.max_pages
