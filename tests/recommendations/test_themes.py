"""One canonical theme list (issue 13): source labels are synonyms of canonical themes."""

import csv
from collections import Counter

import pytest
from django.urls import reverse

from imports.pipeline import import_file
from recommendations.models import Recommendation, Theme, ThemeSource
from tests.imports.test_uhri import uhri_rows, write_csv

pytestmark = pytest.mark.django_db

UPR_INFO_HEADER = ["To", "To-Rgrp", "To-Org", "Text", "From", "From-Rgrp", "From-Org",
                   "Response", "Action", "Issue", "Session"]


def write_upr_info(path, rows) -> None:
    with open(path, "w", newline="", encoding="utf-8") as fh:
        writer = csv.writer(fh)
        writer.writerow(UPR_INFO_HEADER)
        for text, issue in rows:
            writer.writerow(["France", "WEOG", "EU", text, "Germany", "WEOG", "EU",
                             "Accepted", "4", issue, "2"])


def test_no_two_pickable_themes_share_a_name():
    names = Counter(t.name.casefold() for t in Theme.objects.pickable())
    assert names and [n for n, count in names.items() if count > 1] == []
    # The six names the issue found twice are one theme each, with the other as a label.
    for slug, canonical in [("migrants", "uhri-migrants"), ("right-to-health",
                            "uhri-right-to-health"), ("nhri",
                            "national-human-rights-institution-nhri")]:
        assert Theme.objects.get(slug=slug).canonical.slug == canonical
    assert not Theme.objects.pickable().filter(group="").exists()


def test_filtering_by_a_canonical_theme_finds_every_source_label(tmp_path, client):
    upr_info = tmp_path / "upr-info.csv"
    write_upr_info(upr_info, [("Protect the rights of migrant workers", "Migrants"),
                              ("Improve prison conditions", "Detention")])
    assert import_file(upr_info).ok
    uhri = tmp_path / "uhri.csv"
    write_csv(uhri, uhri_rows())
    assert import_file(uhri).ok

    upr_info_rec = Recommendation.objects.get(text="Protect the rights of migrant workers")
    uhri_rec = Recommendation.objects.get(uhri_annotation_id="ann-2")
    # Each keeps the label its source used...
    assert [(t.source, t.name) for t in upr_info_rec.themes.all()] == [
        (ThemeSource.UPR_INFO, "Migrants")]
    assert [(t.source, t.slug) for t in uhri_rec.themes.all()] == [
        (ThemeSource.UHRI, "uhri-migrants")]
    # ...and a label new to the taxonomy ("Impunity" from UHRI) joins the canonical theme.
    impunity = Theme.objects.get(source=ThemeSource.UHRI, name="Impunity")
    assert impunity.canonical.slug == "impunity-and-transparency"
    assert Counter(t.name.casefold() for t in Theme.objects.pickable()).most_common(1)[0][1] == 1

    expected = {upr_info_rec.pk, uhri_rec.pk}
    for slug in ("uhri-migrants", "migrants"):  # canonical or label: the same answer
        response = client.get("/api/v1/recommendations/", {"theme": slug})
        assert response.status_code == 200
        assert {r["id"] for r in response.json()["results"]} == expected
    page = client.get(reverse("recommendations:recommendation_list"), {"theme": "uhri-migrants"})
    assert page.context["page_obj"].paginator.count == 2


def test_picker_offers_canonical_themes_grouped(client):
    page = client.get(reverse("recommendations:recommendation_list"))
    html = page.content.decode()
    assert '<optgroup label="Civil and political rights">' in html
    assert 'value="migrants"' not in html and 'value="uhri-migrants"' in html


def test_editing_keeps_the_source_label(tmp_path):
    from recommendations.forms import keep_source_labels
    label = Theme.objects.get(slug="migrants")
    canonical = Theme.objects.get(slug="uhri-migrants")
    health = Theme.objects.get(slug="uhri-right-to-health")
    assert keep_source_labels([canonical, health], [label]) == [label, health]
    assert keep_source_labels([health], [label]) == [health]
