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
                try:
                    ok = low_high[0] <= int(str(item)) <= low_high[1]
                except ValueError:
                    ok = False
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


class IdFilter(filters.NumberFilter):
    """A row id: an integer in range, so fuzzed numbers are a 400, not an overflow."""

    field_class = forms.IntegerField

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
