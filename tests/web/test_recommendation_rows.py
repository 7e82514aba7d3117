"""The rows of the list and the review page are written in Python (ListRow.html, issue 24:
the template engine took ~0.2 ms a row): the same HTML as the template that wrote them,
escaped alike, in every language; and the review page renders again only the rows a
write changed, the others coming from the cache."""

import hypothesis
import orjson
import pytest
from django.conf import settings
from django.core.cache import cache
from django.template import engines
from django.urls import reverse
from django.utils import translation
from django.utils.text import Truncator
from hypothesis import strategies as st

from front import views as front_views
from recommendations.models import (
    Actor,
    ImplementationStatus,
    Recommendation,
    RecommendationRow,
    Response,
)
from recommendations.templatetags.upr_rows import recommendation_rows
from recommendations.views import ListRow, RowLabels, _truncate_words, row_urls
from tests.factories import RecommendationFactory, ReviewFactory, state

pytestmark = pytest.mark.django_db

# The rows template as it was before ListRow.html (git 4862f5b), the reference for the
# columns both pages show; it reads a Recommendation as ListRow used to imitate one.
TEMPLATE = (
    "{% load i18n upr_i18n %}\n"
    "{# Rows of recommendations #}\n"
    "{% trans 'State under review' as label_state %}{% trans 'Paragraph' as label_paragraph %}"
    "{% trans 'Asked in an earlier cycle too' as label_asked_before %}"
    "{% trans 'recurring' as label_recurring %}"
    "{% trans 'Recommendation' as label_recommendation %}"
    "{% trans 'Recommended by' as label_recommended_by %}{% trans 'Response' as label_response %}"
    "{% trans 'Government status' as label_government %}"
    "{% trans 'Civil society' as label_civil_society %}{% trans 'Updated' as label_updated %}"
    "{% trans '(none)' as label_none %}{% list_sep as sep %}{% for rec in recommendations %}\n"
    "  <tr>\n"
    '    {% if show_review %}<td data-label="{{ label_state }}" class="col-state"><a href="'
    '{{ rec.review.get_absolute_url }}">{{ rec.review.state }}</a> <span class="muted nowrap">'
    "{% blocktrans with n=rec.review.session.number %}session {{ n }}{% endblocktrans %}"
    "</span></td>{% endif %}\n"
    '    <td data-label="{{ label_paragraph }}"><a href="{{ rec.get_absolute_url }}">'
    "{{ rec.paragraph|default:label_none }}</a>{% if rec.recurring %} "
    '<a class="badge badge-recurring" href="{{ rec.get_absolute_url }}#asked-before" '
    'title="{{ label_asked_before }}">{{ label_recurring }}</a>{% endif %}</td>\n'
    '    <td class="rec-text"><span class="visually-hidden">{{ label_recommendation }}: </span>'
    '<span dir="auto">{{ rec.text|truncatewords:60 }}</span>\n'
    '      <span class="rec-by">{{ label_recommended_by }} {% for s in '
    "rec.recommending_states.all %}{{ s }}{% if not forloop.last %}{{ sep }}{% endif %}"
    "{% endfor %}</span></td>\n"
    '    <td data-label="{{ label_response }}"><span class="badge badge-{{ rec.response }}">'
    "{{ rec.get_response_display }}</span></td>\n"
    '    <td data-label="{{ label_government }}">{% if rec.government_status %}'
    '<span class="badge badge-{{ rec.government_status }}">'
    "{{ rec.get_government_status_display }}</span>{% else %}"
    '<span class="muted">—</span>{% endif %}</td>\n'
    '    <td data-label="{{ label_civil_society }}">{% if rec.civil_society_status %}'
    '<span class="badge badge-{{ rec.civil_society_status }}">'
    "{{ rec.get_civil_society_status_display }}</span>{% else %}"
    '<span class="muted">—</span>{% endif %}</td>\n'
    "    \n"
    "  </tr>\n"
    "{% endfor %}\n"
)
SCRIPT = '<script>alert("x")</script> & \'quoted\' {{ not a tag }}'


@pytest.fixture
def review():
    """A review whose rows have what a row can show: a text to escape, one to cut at 60
    words, no paragraph, a recurring one, statuses, joint recommendations."""
    review = ReviewFactory(state=state("EGY"))
    RecommendationFactory(review=review, paragraph='3.<b>"1\'</b>', text=SCRIPT,
                          recommending_states=[state("DEU"), state("CHN")])
    RecommendationFactory(review=review, paragraph="3.2",
                          text="word  " * 59 + "sixtieth\n sixty-first & <i>last</i>")
    RecommendationFactory(review=review, paragraph="", text="مرحبا " * 70)
    recurring = RecommendationFactory(review=review, paragraph="4.1", response=Response.NOTED)
    recurring.recurring = True
    recurring.save()
    assessed = RecommendationFactory(review=review, paragraph="4.2",
                                     recommending_states=[state("BRA"), state("RUS")])
    assessed.add_assessment(actor=Actor.GOVERNMENT, status=ImplementationStatus.IN_PROGRESS)
    assessed.add_assessment(actor=Actor.CIVIL_SOCIETY,
                            status=ImplementationStatus.NOT_IMPLEMENTED, organisation="HRW")
    return review


def list_rows(review) -> list[ListRow]:
    urls, labels = row_urls(), RowLabels()
    return [ListRow(orjson.loads(text), urls, labels) for text in
            RecommendationRow.objects.filter(review_id=review.pk).order_by("paragraph_sort", "id")
            .values_list("row_json", flat=True)]


@pytest.mark.parametrize("language", [code for code, _name in settings.LANGUAGES])
@pytest.mark.parametrize("show_review", [False, True])
def test_rows_are_the_html_the_rows_template_wrote(review, language, show_review):
    recs = (Recommendation.objects.filter(review=review).order_by("paragraph_sort", "id")
            .select_related("review__state", "review__session")
            .prefetch_related("recommending_states"))
    with translation.override(language):
        expected = engines["django"].from_string(TEMPLATE).render(
            {"recommendations": recs, "show_review": show_review})
        written = recommendation_rows(list_rows(review), show_review=show_review)
    assert written == expected


def test_a_row_escapes_the_recommendations_text_and_paragraph(review):
    written = recommendation_rows(list_rows(review), show_review=True, updated=True)
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#x27;quoted&#x27;" in written
    assert "<script>" not in written
    assert "3.&lt;b&gt;&quot;1&#x27;&lt;/b&gt;" in written


def test_the_updated_cell_shows_the_rows_last_change(review):
    rec = Recommendation.objects.get(review=review, paragraph="3.2")
    written = ListRow(
        orjson.loads(RecommendationRow.objects.get(recommendation_id=rec.pk).row_json), row_urls(),
        RowLabels()).html(updated=True)
    label = translation.gettext("Updated")
    assert (f'<td data-label="{label}"><time datetime="{rec.updated_at.isoformat()}">'
            in written)


def test_the_review_page_escapes_a_recommendations_text(client, review):
    page = client.get(reverse("front:review_detail", args=[review.pk])).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<script>alert("x")' not in page


def test_the_list_page_escapes_a_recommendations_text(client, review):
    page = client.get(reverse("recommendations:recommendation_list"),
                      {"state_under_review": "EGY"}).content.decode()
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;" in page
    assert '<script>alert("x")' not in page


@pytest.fixture
def rendered(monkeypatch) -> list[int]:
    """The ids of the rows ListRow.html writes (each run of the review page's cache is
    one row long, so that a count is the rows rendered, whatever their ids)."""
    monkeypatch.setattr(front_views, "REVIEW_ROWS_RUN", 1)
    ids = []
    html = ListRow.html

    def counted(row, *args, **kwargs):
        ids.append(row.pk)
        return html(row, *args, **kwargs)

    monkeypatch.setattr(ListRow, "html", counted)
    return ids


def test_a_write_to_one_recommendation_renders_that_row_again_not_the_others(
        client, review, rendered):
    url = reverse("front:review_detail", args=[review.pk])
    cache.clear()
    client.get(url)
    assert len(rendered) == 5
    rec = Recommendation.objects.get(review=review, paragraph="3.2")
    rec.text = "Changed wording of this recommendation"
    rec.save()
    rendered.clear()
    page = client.get(url).content.decode()
    assert rendered == [rec.pk]
    assert "Changed wording of this recommendation" in page


def test_the_other_grouping_of_a_review_renders_no_row_again(client, review, rendered):
    url = reverse("front:review_detail", args=[review.pk])
    cache.clear()
    client.get(url)
    rendered.clear()
    client.get(url, {"group": "theme"})
    assert rendered == []


def test_a_review_page_in_another_language_renders_its_rows_in_that_language(
        client, review, rendered):
    url = reverse("front:review_detail", args=[review.pk])
    cache.clear()
    client.get(url, HTTP_ACCEPT_LANGUAGE="en")
    rendered.clear()
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert len(rendered) == 5
    with translation.override("fr"):
        label = translation.gettext("Government status")
    assert f'data-label="{label}"' in page
    assert label != "Government status"
    assert 'data-label="Government status"' not in page


def test_with_the_cache_down_the_review_rows_are_all_rendered(review, settings, rendered):
    settings.CACHES = {"default": {
        "BACKEND": "django.core.cache.backends.redis.RedisCache",
        "LOCATION": "redis://127.0.0.1:1/0",
        "OPTIONS": {"socket_connect_timeout": 0.2, "socket_timeout": 0.2}}}
    stored = list(RecommendationRow.objects.filter(review_id=review.pk)
                  .order_by("paragraph_sort", "id").values_list("id", "row_json"))
    rows = front_views._review_rows(stored, "1.1")
    assert [row.pk for row in rows] == [pk for pk, _text in stored]
    assert sorted(rendered) == sorted(pk for pk, _text in stored)


@pytest.mark.django_db(databases=[])
@hypothesis.settings(max_examples=300, deadline=None)
@hypothesis.given(st.lists(st.sampled_from(["word", "…", " …", "a\u00a0b", "\n", "  ", "é"]),
                           max_size=70).map(" ".join), st.integers(1, 8))
def test_truncating_a_rows_text_is_truncatewords(text, length):
    assert _truncate_words(text, length) == Truncator(text).words(length, truncate=" …")
