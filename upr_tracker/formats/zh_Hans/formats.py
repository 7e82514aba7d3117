"""Simplified Chinese formats, over Django's (which group no digits): "12,345"."""

THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
