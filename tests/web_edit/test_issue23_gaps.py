"""Gaps an audit of issue 23 found: the list's "Order by" choices, numbers, dates and
lists in the reader's language, strings hidden from makemessages, and the export's API
description."""

import re

import pytest
from django.urls import reverse

pytestmark = pytest.mark.django_db


def _ordering_options(html: str) -> dict[str, str]:
    select = re.search(r'<select name="ordering".*?</select>', html, re.S).group(0)
    return dict(re.findall(r'<option value="([^"]*)"[^>]*>([^<]*)</option>', select))


@pytest.mark.parametrize(("language", "descending"), [
    ("ar", "الفقرة (تنازليًا)"), ("ru", "Пункт (по убыванию)"), ("fr", "Paragraphe (décroissant)")])
def test_order_by_choices_are_in_the_pages_language(client_as, recommendation, language,
                                                    descending):
    html = client_as("ngo").get(
        reverse("recommendations:recommendation_list"), {"lang": language}).content.decode()
    options = _ordering_options(html)
    assert options["-paragraph"] == descending
    suffix = descending.removeprefix(options["paragraph"])
    assert [v for v in options if v.startswith("-") and not options[v].endswith(suffix)] == []
    if language != "fr":
        assert [label for label in options.values() if re.search(r"[A-Za-z]{3,}", label)] == []
