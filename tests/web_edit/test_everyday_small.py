"""Smaller things a new user hit (issue 13): the 403 page gives the view's reason, 403/404
are logged once without a traceback, languages named in their own language, pasted
recommendations tagged in the same step with the response dated from the review, and
the import's "See the recommendations" link filtered to what it wrote."""

import datetime as dt
import logging

import pytest
from django.urls import reverse

from imports.jobs import run_import_job
from imports.models import ImportJob
from recommendations.models import Recommendation, Theme

pytestmark = pytest.mark.django_db


def test_403_page_gives_the_specific_reason(client_as, review):
    response = client_as("focal-fra").get(
        reverse("imports:import_upload"))
    assert response.status_code == 403
    assert "Only NGO staff and administrators can import files." in response.content.decode()


class _Collect(logging.Handler):
    def __init__(self):
        super().__init__()
        self.records = []

    def emit(self, record):
        self.records.append(record)


def test_refusals_are_logged_once_without_traceback(client_as, review, settings):
    collect = _Collect()
    logger = logging.getLogger("django.request")
    logger.addHandler(collect)
    try:
        client_as("focal-fra").get(reverse("imports:import_upload"))
        client_as(None).get("/no-such-page/")
    finally:
        logger.removeHandler(collect)
    assert [r.status_code for r in collect.records] == [403, 404]
    # The configured filter strips the traceback; the configured handler is the only one.
    config = settings.LOGGING["loggers"]["django.request"]
    assert config["propagate"] is False and config["handlers"] == ["console"]
    from core.logging import ExpectedRefusalFilter

    for record in collect.records:
        ExpectedRefusalFilter().filter(record)
        assert record.exc_info is None


def test_profile_names_languages_in_their_own_language(client_as):
    html = client_as("ngo").get(reverse("accounts:profile")).content.decode()
    assert ">Français<" in html and ">Español<" in html and ">English<" in html


def test_pasted_recommendations_are_tagged_and_dated_from_the_review(client_as, review):
    review.addendum_symbol = "A/HRC/54/5/Add.1"
    review.adoption_date = dt.date(2023, 10, 5)
    review.save()
    theme = Theme.objects.get(slug="uhri-migrants")
    url = reverse("imports:recommendation_paste", args=[review.pk])
    response = client_as("ngo").post(url, {
        "text": "140.1 Protect migrant workers (Algeria);\n140.2 Ratify the ICRMW (Chile);",
        "response": "supported", "themes": [theme.pk], "save": "1"})
    assert response.status_code == 302
    recs = Recommendation.objects.filter(review=review).order_by("paragraph")
    assert [[t.slug for t in r.themes.all()] for r in recs] == [["uhri-migrants"]] * 2
    record = recs[0].responses.get()
    assert (record.source_symbol, record.date) == ("A/HRC/54/5/Add.1", dt.date(2023, 10, 5))


def test_import_links_to_what_it_wrote(client_as, review, tmp_path, users, settings):
    from django.core.files.base import ContentFile

    body = ("To,Text,From,Response,Action,Issue,Session\n"
            "France,Abolish the death penalty everywhere,Brazil,Accepted,5,Death penalty,43\n")
    job = ImportJob.objects.create(original_name="x.csv", format="upr-info", dry_run=False,
                                   created_by=users["ngo"])
    job.file.save("x.csv", ContentFile(body.encode()))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.report
    page = client_as("ngo").get(reverse("imports:import_detail", args=[job.public_id]))
    html = page.content.decode()
    assert "See the 1 recommendation created or updated" in html
    link = page.context["imported_url"]
    listed = client_as("ngo").get(link)
    assert [r.text for r in listed.context["recommendations"]] == [
        "Abolish the death penalty everywhere"]


def test_file_input_says_what_it_accepts(client_as):
    html = client_as("ngo").get(reverse("imports:import_upload")).content.decode()
    assert 'accept=".csv,' in html


def test_import_history_lists_everyones_imports_for_editors_only(client_as, users):
    ImportJob.objects.create(original_name="upr-info.csv", format="upr-info",
                             created_by=users["admin"], report={"created": 7, "updated": 2})
    ImportJob.objects.create(original_name="uhri.xlsx", format="uhri", dry_run=True,
                             created_by=users["ngo"])
    url = reverse("imports:import_history")
    html = client_as("ngo").get(url).content.decode()
    assert html.index("uhri.xlsx") < html.index("upr-info.csv")  # newest first
    assert ">7<" in html and "Dry run" in html
    assert client_as("focal-fra").get(url).status_code == 403
    assert 'href="/imports/history/"' in client_as("ngo").get(
        reverse("imports:import_upload")).content.decode()


def test_dry_run_shows_a_sample_of_the_rows_as_read(client_as, users):
    from django.core.files.base import ContentFile

    body = ("To,Text,From,Response,Action,Issue,Session\n"
            "France,Abolish the death penalty everywhere,Brazil,Accepted,5,Migrants,43\n")
    job = ImportJob.objects.create(original_name="x.csv", format="upr-info", dry_run=True,
                                   created_by=users["ngo"])
    job.file.save("x.csv", ContentFile(body.encode()))
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.report["sample"][0]["recommending_states"] == ["Brazil"]
    html = client_as("ngo").get(
        reverse("imports:import_detail", args=[job.public_id])).content.decode()
    assert "The first recommendations, as read" in html
    assert "Abolish the death penalty everywhere" in html and "Supported" in html
    assert "Migrants" in html
    assert not Recommendation.objects.exists()
