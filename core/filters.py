"""Filters that take codes (ISO3, numbers) and ids, validated so that a bad value is a
400 naming itself, never a database error."""

from django import forms
from django.db import connection
from django_filters import rest_framework as filters
from django_filters.fields import ModelMultipleChoiceField


class CodeMultipleChoiceField(ModelMultipleChoiceField):
    """Model choices given by a code column; codes are matched upper-case when asked
    (`fra` finds France), and one bad value names itself in the error."""

    def __init__(self, *args, upper: bool = False, **kwargs) -> None:
        self.upper = upper
        super().__init__(*args, **kwargs)

    def clean(self, value):
        if self.upper and value:
            value = [v.strip().upper() if isinstance(v, str) else v for v in value]
        low_high = self._integer_range()
        if value and low_high:
            # A number the column cannot hold would make the database raise: no choice.
            for item in value:
                text = str(item).strip()
                # ASCII digits only: int() also reads "٣" (Arabic-Indic three) as 3.
                ok = (text.lstrip("-").isascii() and text.lstrip("-").isdigit()
                      and low_high[0] <= int(text) <= low_high[1])
                if not ok:
                    raise forms.ValidationError(self.error_messages["invalid_choice"],
                                                code="invalid_choice", params={"value": item})
        return super().clean(value)

    def _integer_range(self) -> tuple[int, int] | None:
        field = self.queryset.model._meta.get_field(self.to_field_name or "pk")
        kind = field.get_internal_type()
        if not kind.endswith(("IntegerField", "AutoField")):
            return None
        low, high = connection.ops.integer_field_range(kind)
        return (-(2**63) if low is None else low, 2**63 - 1 if high is None else high)


class AsciiIntegerField(forms.IntegerField):
    """An integer written in ASCII digits: Django's IntegerField (through int()) also
    takes "٣" or "３" as 3, which no client means as an id."""

    def to_python(self, value):
        if isinstance(value, str) and value.strip() and not value.strip().lstrip("+-").isascii():
            raise forms.ValidationError(self.error_messages["invalid"], code="invalid")
        return super().to_python(value)


class IdFilter(filters.NumberFilter):
    """A row id: an integer in range, so fuzzed numbers are a 400, not an overflow."""

    field_class = AsciiIntegerField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("min_value", 1)
        kwargs.setdefault("max_value", 2**63 - 1)
        super().__init__(*args, **kwargs)


class CodeMultipleChoiceFilter(filters.ModelMultipleChoiceFilter):
    field_class = CodeMultipleChoiceField

    def __init__(self, *args, **kwargs) -> None:
        kwargs.setdefault("distinct", False)  # foreign keys; M2M filters use EXISTS
        super().__init__(*args, **kwargs)

    def get_filter_predicate(self, v) -> dict:
        # Match the row itself: the code is only how the client names it.
        name = self.field_name
        if self.lookup_expr != "exact":
            name = f"{name}__{self.lookup_expr}"
        return {name: v}


# Query parameters any endpoint understands besides its filters.
# `format` (renderer, export) and `lang` (localized names: core.i18n) apply everywhere.
COMMON_QUERY_PARAMS = ("format", "lang")


# Lists that fit on one page accept the paging parameters too (every row on page 1), so
# a client can send them to every list; `page_size` is still checked, and any page but
# the first is a 404 as on a paged list (a client looping on `page` must stop).
UNPAGED_LIST_PARAMS = ("page", "page_size", "cursor")


def unpaged_list_params(request) -> tuple[str, ...]:
    from rest_framework.exceptions import NotFound
    from rest_framework.pagination import PageNumberPagination as DRFPageNumberPagination

    from core.pagination import page_size_from

    page_size_from(request, default=1)
    page = request.query_params.get("page", "1").strip()
    if page not in ("", "1", *DRFPageNumberPagination.last_page_strings):
        raise NotFound(DRFPageNumberPagination.invalid_page_message)
    return UNPAGED_LIST_PARAMS


def unknown_query_params(request, valid) -> list[str]:
    """The query parameter names of `request` that are not in `valid`, in request order."""
    valid = set(valid)
    return [name for name in request.query_params if name not in valid]


def reject_unknown_query_params(request, valid) -> None:
    """400 naming every parameter this endpoint does not know, and listing those it does:
    `?state=FRA` on a list that calls it `state_under_review` must not return everything."""
    from rest_framework.exceptions import ValidationError

    unknown = unknown_query_params(request, valid)
    if unknown:
        valid = sorted(set(valid))
        raise ValidationError({
            "detail": "Unknown query parameter{s}: {names}. Valid parameters: {valid}.".format(
                s="s" if len(unknown) > 1 else "", names=", ".join(unknown),
                valid=", ".join(valid)),
            "unknown_parameters": unknown,
            "valid_parameters": valid,
        })


def valid_values(field, limit: int = 250) -> list[str] | None:
    """The values a form field accepts, when it is a choice among a known set."""
    queryset = getattr(field, "queryset", None)
    if queryset is not None:
        to_field = getattr(field, "to_field_name", None) or "pk"
        values = list(queryset.order_by(to_field).values_list(to_field, flat=True)[:limit + 1])
        return None if len(values) > limit else [str(v) for v in values]
    choices = getattr(field, "choices", None)
    if choices:
        return [str(value) for value, _label in choices if value not in ("", None)]
    return None


class StrictFilterBackend(filters.DjangoFilterBackend):
    """django-filter, strict: an unknown query parameter is a 400 naming it and the valid
    ones; a bad value's 400 lists the values the filter accepts. A view may declare
    `extra_query_params` it reads itself."""

    def valid_params(self, request, view) -> set[str]:
        names = set(COMMON_QUERY_PARAMS) | set(getattr(view, "extra_query_params", ()))
        filterset_class = self.get_filterset_class(view, view.get_queryset())
        if filterset_class is not None:
            names |= set(filterset_class.base_filters)
        # The viewset's paging parameters, also on its unpaginated actions (an export
        # ignores `page_size` rather than refusing a URL copied from the list).
        pagers = [getattr(view, "paginator", None), getattr(type(view), "pagination_class", None)]
        # Lists without pages (states, cycles, sessions: every row on one page) accept
        # the paging parameters too, so a client can send them to every list.
        if not any(pagers):
            names |= set(unpaged_list_params(request))
        for pager in pagers:
            for attr in ("page_query_param", "page_size_query_param", "cursor_query_param",
                         "limit_query_param", "offset_query_param"):
                if getattr(pager, attr, None):
                    names.add(getattr(pager, attr))
        return names

    def filter_queryset(self, request, queryset, view):
        reject_unknown_query_params(request, self.valid_params(request, view))
        filterset = self.get_filterset(request, queryset, view)
        if filterset is None:
            return queryset
        if not filterset.is_valid() and self.raise_exception:
            from rest_framework.exceptions import ValidationError

            raise ValidationError(with_valid_values(filterset.form))
        return filterset.qs


def with_valid_values(form) -> dict:
    """The form's errors, each bad choice followed by the values that field accepts."""
    errors = {}
    for name, messages in form.errors.items():
        messages = list(messages)
        field = form.fields.get(name)
        values = valid_values(field) if field is not None else None
        if values:
            messages.append("Valid values: {}.".format(", ".join(values)))
        errors[name] = messages
    return errors
