"""Gaps an audit of issue 23 found: the list's "Order by" choices, numbers, dates and
lists in the reader's language, strings hidden from makemessages, and the export's API
description."""

import ast
import datetime as dt
import importlib
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.template import Context, Template
from django.urls import reverse
from django.utils import translation

from imports.models import ImportJob
from recommendations.models import Recommendation
from recommendations.touch import touched
from tests.factories import RecommendationFactory

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


def _many_recommendations(review, n: int) -> None:
    # One INSERT: the pages count rows, they need not be built one by one. bulk_create
    # sends no signal: the write path is told, as every writer tells it (the pages read
    # the read model and its tally).
    created = Recommendation.objects.bulk_create(
        Recommendation(review=review, paragraph=f"99.{i}", paragraph_sort=f"99.{i:05}",
                       text=f"Recommendation {i}") for i in range(n))
    touched([r.pk for r in created])


@pytest.mark.parametrize(("language", "figure"), [
    ("ar", "1٬200"), ("zh-hans", "1,200"), ("ru", "1\xa0200"), ("fr", "1\xa0200"),
    ("en", "1,200")])
def test_my_state_counts_use_the_languages_grouping(client_as, review, language, figure):
    _many_recommendations(review, 1200)
    html = client_as("focal-fra").get(reverse("front:my_state"), {"lang": language}).content
    lead = re.search(r'<p class="lead">(.*?)</p>', html.decode(), re.S).group(1)
    assert figure in lead
    assert f'<span class="count">{figure}</span>' in html.decode()


@pytest.mark.parametrize(("language", "figure"), [("ar", "1٬200"), ("zh-hans", "1,200")])
def test_dashboard_states_and_analysis_counts_are_grouped(client_as, review, language,
                                                          figure):
    _many_recommendations(review, 1200)
    client = client_as("ngo")
    for url in (reverse("front:home"), reverse("front:state_detail", args=["FRA"]),
                reverse("analysis:matrix")):
        html = client.get(url, {"lang": language}).content.decode()
        assert figure in html, url


def test_arabic_date_times_follow_an_arabic_pattern():
    moment = dt.datetime(2026, 12, 6, 18, 49, tzinfo=dt.UTC)
    with translation.override("ar"):
        text = Template("{{ moment }}").render(Context({"moment": moment}))
    assert text == "6 ديسمبر، 2026، 6:49 م"


def test_ids_in_templates_are_never_grouped():
    # With USE_THOUSAND_SEPARATOR, `{{ rec.pk }}` would print "12,345" into a link, and
    # `page={{ page_obj.next_page_number }}` "page=1,001" past the thousandth page.
    bare = re.compile(r"\{\{ *[\w.]*(\.pk|\.id|_pk|\.line|_page_number|\.num_pages) *\}\}")
    found = [f"{path.relative_to(settings.BASE_DIR)}: {match.group(0)}"
             for path in Path(settings.BASE_DIR, "templates").rglob("*.*")
             for match in bare.finditer(path.read_text(encoding="utf-8"))]
    assert found == []


def test_a_recommendation_with_a_large_id_links_without_separators(client_as, review):
    RecommendationFactory(id=12345, review=review, paragraph="45.2")
    html = client_as("focal-fra").get(reverse("recommendations:recommendation_detail",
                                        args=[12345]), {"lang": "en"}).content.decode()
    assert "?recommendation=12345" in html


def test_arabic_review_line_uses_the_arabic_comma(client_as, recommendation):
    html = client_as("ngo").get(recommendation.get_absolute_url(), {"lang": "ar"}).content
    assert "فرنسا، " in html.decode()
    assert "فرنسا, " not in html.decode()


# The names xgettext finds in Python, as `manage.py makemessages` calls it: any other
# name for a translation function hides its strings from the catalogues.
MAKEMESSAGES_KEYWORDS = {"_", "gettext", "gettext_lazy", "gettext_noop", "ngettext",
                         "ngettext_lazy", "pgettext", "pgettext_lazy", "npgettext",
                         "npgettext_lazy"}
TRANSLATION_FUNCTIONS = MAKEMESSAGES_KEYWORDS - {"_"}


def _project_modules() -> list[Path]:
    skip = {".venv", "node_modules", "staticfiles", "tests", "locale"}
    return [path for path in Path(settings.BASE_DIR).rglob("*.py")
            if not skip & set(path.relative_to(settings.BASE_DIR).parts)]


def test_translation_functions_keep_names_makemessages_knows():
    hidden = []
    for path in _project_modules():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module == "django.utils.translation":
                hidden += [f"{path.relative_to(settings.BASE_DIR)}: {a.name} as {a.asname}"
                           for a in node.names
                           if a.name in TRANSLATION_FUNCTIONS and a.asname
                           and a.asname not in MAKEMESSAGES_KEYWORDS]
    assert hidden == []


def test_the_strings_an_alias_hid_have_translations():
    # Read from the compiled catalogues, as pages and the API read them.
    for module, name in (("imports.views", "PARSER_ERRORS"),
                         ("recommendations.api", "EXPORT_DESCRIPTION")):
        value = getattr(importlib.import_module(module), name)
        for text in (value.values() if isinstance(value, dict) else [value]):
            with translation.override(None):
                msgid = str(text)
            for language in ("fr", "es", "ar", "ru", "zh-hans"):
                with translation.override(language):
                    assert str(text) != msgid, (language, msgid)


def test_export_options_describe_the_export_for_clients(api_client, ngo_user):
    api_client.force_authenticate(ngo_user)
    description = api_client.options(reverse("api-recommendation-export")).json()["description"]
    assert description.startswith("The whole filtered set in one file")
    assert ".py" not in description


def test_export_schema_has_no_developer_note(api_client):
    schema = api_client.get(reverse("schema")).content.decode()
    export = schema[schema.index("/api/v1/recommendations/export/:"):]
    export = export[:export.index("\n  /api/")]
    assert not re.search(r"\.py\b|cursor|COPY|thread", export)


def test_profile_per_cycle_rows_say_which_cycle(client_as, review, germany):
    RecommendationFactory(review=review, paragraph="45.9", recommending_states=[germany])
    html = client_as("ngo").get(reverse("analysis:recommending_state", args=["DEU"]),
                                {"lang": "ar"}).content.decode()
    per_cycle = re.search(r'<table class="[^"]*per-cycle.*?</table>', html, re.S).group(0)
    assert '<th scope="row">الجولة 4</th>' in per_cycle


def test_response_source_says_paragraph_in_the_readers_words(monkeypatch):
    from recommendations.templatetags import upr_i18n

    french = {"%(symbol)s, para. %(paragraph)s": "%(symbol)s, par. %(paragraph)s"}
    monkeypatch.setattr(upr_i18n, "gettext", lambda m: french.get(m, m))
    assert upr_i18n.source_label("A/HRC/43/15/Add.1, para. 3") == "A/HRC/43/15/Add.1, par. 3"
    assert upr_i18n.source_label("A/HRC/43/15/Add.1") == "A/HRC/43/15/Add.1"
    template = Template("{% load upr_i18n %}{{ s|source_label }}")
    assert "par. 3" in template.render(Context({"s": "A/HRC/43/15, para. 3"}))


def test_paste_undo_page_speaks_of_the_paste(client_as, review):
    client = client_as("ngo")
    client.post(reverse("imports:recommendation_paste", args=[review.pk]),
                {"text": "45.10 Ratify the Optional Protocol (Germany);",
                 "response": "pending", "save": "1"})
    job = ImportJob.objects.get(format="paste")
    page = client.get(reverse("imports:import_undo", args=[job.public_id])).content.decode()
    h1 = re.search(r"<h1>(.*?)</h1>", page, re.S).group(1)
    assert h1 == "Undo the paste into France, session 43"
    response = client.post(reverse("imports:import_undo", args=[job.public_id]), follow=True)
    assert "Paste undone: 1 recommendations removed" in response.content.decode()


def test_undo_lists_aliases_with_the_arabic_comma():
    template = Template("{% load upr_i18n %}{{ names|join_list }}")
    with translation.override("ar"):
        assert template.render(Context({"names": ["غانا", "توغو"]})) == "غانا، توغو"
    undo_page = Path(settings.BASE_DIR, "templates/imports/import_undo.html").read_text()
    assert "plan.aliases|join_list" in undo_page


def test_lockout_time_is_marked_for_the_readers_time_zone(rf):
    from accounts.lockout import lockout_response

    html = lockout_response(rf.post("/accounts/login/")).content.decode()
    found = re.search(r'<time datetime="([^"]+)" data-local-time>(\d\d:\d\d) UTC</time>', html)
    assert found
    assert dt.datetime.fromisoformat(found.group(1)).utcoffset() == dt.timedelta(0)
