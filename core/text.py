"""Text helpers. Shortening for display without cutting a word in two; and control
characters, what no stored text, export or document should carry.

C0 controls other than tab, line feed and carriage return, DEL, and the C1 range
(U+0080–U+009F) are invisible, break XML-based formats (XLSX, .docx: "not XML
compatible") and can hide a formula from the formula guard (`\\x01=HYPERLINK(…)`,
issue 22). They are stripped from text on input (every save of a model with text,
see `strip_control_on_save`; importers clean each cell) and again before any export guard.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from django.db import models
from django.db.models.signals import pre_save

# Tab (\x09), LF (\x0a) and CR (\x0d) are kept: they are layout, and the formula guard
# handles a leading tab or CR. NUL is included.
CONTROL_CHARACTERS = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\x80-\x9f]")
# Vertical tab and form feed are line breaks in Word documents: keep the break.
_AS_NEWLINE = str.maketrans({"\x0b": "\n", "\x0c": "\n"})
# The same class for PostgreSQL's regexp_replace (an E'' string).
SQL_CONTROL_CLASS = r"[\x01-\x08\x0b\x0c\x0e-\x1f\x7f\u0080-\u009f]"


def strip_control(value: str) -> str:
    """`value` without control characters (vertical tab and form feed become \\n)."""
    if not value:
        return value
    return CONTROL_CHARACTERS.sub("", value.translate(_AS_NEWLINE))


def has_control(value: str) -> bool:
    return bool(value) and CONTROL_CHARACTERS.search(value) is not None


def strip_control_fields(instance: models.Model) -> None:
    """Strip control characters from every text field of `instance` (a pre_save hook)."""
    for field in instance._meta.concrete_fields:
        if isinstance(field, (models.CharField, models.TextField)):
            value = getattr(instance, field.attname, None)
            if isinstance(value, str) and CONTROL_CHARACTERS.search(value):
                setattr(instance, field.attname, strip_control(value))


def strip_control_receiver(sender, instance: models.Model, **kwargs) -> None:
    strip_control_fields(instance)


def strip_control_on_save(model_classes: Iterable[type[models.Model]]) -> None:
    """Strip control characters from the text fields of these models at every save
    (each app calls it for its own models in `AppConfig.ready`). Queryset `update()` and
    `bulk_create()` send no signal: their callers clean what they write."""
    for model in model_classes:
        if any(isinstance(f, (models.CharField, models.TextField))
               for f in model._meta.concrete_fields):
            pre_save.connect(strip_control_receiver, sender=model, weak=False,
                             dispatch_uid=f"strip-control:{model._meta.label}")


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters at a space (then "…"); a first word
    longer than `limit` is kept whole rather than cut."""
    text = " ".join((text or "").split())
    if len(text) <= limit:
        return text
    cut = text[:limit]
    if text[limit] != " ":  # the limit falls inside a word: drop that word
        space = cut.rfind(" ")
        cut = cut[:space] if space > 0 else text.split(" ", 1)[0]
    return cut.rstrip(" ,;:.") + "…"
