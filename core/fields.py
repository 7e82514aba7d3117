"""Serializer fields."""

from rest_framework import serializers


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key given as an integer (or a string of digits, from forms) only:
    DRF's own reads `3.5` as 3 and `true` as 1."""

    def to_internal_value(self, data):
        if isinstance(data, bool) or not (
                isinstance(data, int) or (isinstance(data, str) and data.isdigit())):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)
