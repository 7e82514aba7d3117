"""Serializer fields."""

from rest_framework import serializers


class StrictPrimaryKeyRelatedField(serializers.PrimaryKeyRelatedField):
    """A primary key given as an integer (or a string of digits, from forms) only:
    DRF's own reads `3.5` as 3 and `true` as 1; str.isdigit() alone takes "٣"
    (Arabic-Indic three) or "３" as 3, so the digits must be ASCII."""

    def to_internal_value(self, data):
        digits = isinstance(data, str) and data.isascii() and data.isdigit()
        if isinstance(data, bool) or not (isinstance(data, int) or digits):
            self.fail("incorrect_type", data_type=type(data).__name__)
        return super().to_internal_value(data)
