"""The upload page: a dry run with its report, then the same file imported for real."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from imports.models import ImportJob
from recommendations.models import Recommendation

# UPR Info's layout (one recommending State per row; a joint recommendation spans rows).
UPR_INFO_CSV = (
    "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\n"
    "France,WEOG,EU,Ratify the Convention on migrant workers,Chile,GRULAC,,Noted,5,"
    "Migrants,43\r\n"
    "France,WEOG,EU,Ratify the Convention on migrant workers,Peru,GRULAC,,Noted,5,"
    "Migrants,43\r\n"
    "France,WEOG,EU,Combat hate speech online,Germany,WEOG,EU,Accepted,4,"
    '"Racial discrimination,Freedom of opinion and expression",43\r\n'
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def upload(client, content: str, name: str = "upr-info.csv", dry_run: bool = True, **extra):
    data = {"file": SimpleUploadedFile(name, content.encode(), content_type="text/csv"),
            "format": "auto", **extra}
    if dry_run:
        data["dry_run"] = "on"
    return client.post(reverse("imports:import_upload"), data)


def test_dry_run_reports_and_writes_nothing_then_imports_for_real(
        client_as, france, django_capture_on_commit_callbacks):
    client = client_as("ngo")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, UPR_INFO_CSV)
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("imports:import_detail", args=[job.public_id])
    job.refresh_from_db()
    assert (job.dry_run, job.status, job.detected_format) == (True, "succeeded", "upr-info")
    assert not Recommendation.objects.exists()

    page = client.get(response["Location"])
    html = page.content.decode()
    assert page.context["counts"][0] == ("Rows read", 3)
    assert ("Recommendations that would be created", 2) in page.context["counts"]
    assert "Import for real" in html
    assert 'hx-trigger="every 2s"' not in html  # finished: no more polling

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import_run", args=[job.public_id]))
    real = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("imports:import_detail", args=[real.public_id])
    assert (real.dry_run, real.file.name) == (False, job.file.name)
    real.refresh_from_db()
    assert real.status == "succeeded"
    joint = Recommendation.objects.get(text="Ratify the Convention on migrant workers")
    assert sorted(joint.recommending_states.values_list("iso3", flat=True)) == ["CHL", "PER"]
    assert Recommendation.objects.count() == 2


def test_report_lists_errors_with_row_numbers_and_offers_no_real_import(
        client_as, france, django_capture_on_commit_callbacks):
    bad = UPR_INFO_CSV + "France,WEOG,EU,Protect journalists,Chile,GRULAC,,Maybe,9,Media,43\r\n"
    client = client_as("ngo")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, bad)
    page = client.get(response["Location"])
    rows = {e.get("row") for e in page.context["errors"]}
    assert 5 in rows
    assert "Import for real" not in page.content.decode()
    refused = client.post(reverse("imports:import_run",
                                  args=[ImportJob.objects.get().public_id]))
    assert refused.status_code == 302
    assert ImportJob.objects.count() == 1


def test_running_job_page_polls_with_htmx(client_as, users):
    job = ImportJob.objects.create(file="imports/x.csv", original_name="x.csv",
                                   status=ImportJob.Status.RUNNING, rows_total=200,
                                   rows_done=50, created_by=users["ngo"])
    client = client_as("ngo")
    url = reverse("imports:import_detail", args=[job.public_id])
    html = client.get(url).content.decode()
    assert 'hx-trigger="every 2s"' in html
    assert 'value="25"' in html
    partial = client.get(reverse("imports:import_detail", args=[job.public_id]),
                         headers={"HX-Request": "true"}).content.decode()
    assert partial.lstrip().startswith("<div id=\"import-status\"")
    assert "<html" not in partial


def test_upload_refuses_a_file_that_is_not_what_it_claims(client_as):
    response = upload(client_as("ngo"), "\x00\x01\x02binary", name="data.csv")
    assert response.status_code == 200
    assert response.context["form"].errors["file"]
    assert not ImportJob.objects.exists()


def test_uploaded_file_name_is_shown_as_text(client_as, france,
                                            django_capture_on_commit_callbacks):
    client = client_as("ngo")
    with django_capture_on_commit_callbacks(execute=True):
        response = upload(client, UPR_INFO_CSV, name="<img src=x onerror=alert(1)>.csv")
    html = client.get(response["Location"]).content.decode()
    assert "<img src=x" not in html
    assert "&lt;img src=x onerror=alert(1)&gt;.csv" in html


def test_import_jobs_are_private_to_their_owner_and_admins(client_as, users, ngo_user):
    from django.contrib.auth import get_user_model

    from accounts.roles import Role, assign_role

    other = get_user_model().objects.create_user("ngo2", password="x-long-pass-2026")
    assign_role(other, Role.NGO)
    job = ImportJob.objects.create(file="imports/x.csv", original_name="secret.csv",
                                   status=ImportJob.Status.SUCCEEDED, created_by=ngo_user)
    url = reverse("imports:import_detail", args=[job.public_id])
    assert url == f"/imports/{job.public_id}/"  # a UUID, not the pk
    assert client_as("ngo").get(url).status_code == 200
    assert client_as("admin").get(url).status_code == 200
    stranger = Client()
    stranger.force_login(other)
    assert stranger.get(url).status_code == 404
    run = reverse("imports:import_run", args=[job.public_id])
    assert stranger.post(run).status_code == 404
    assert ImportJob.objects.count() == 1
    assert client_as("ngo").get("/recommendations/import/1/").status_code == 404


def test_without_a_broker_a_large_file_is_sent_to_the_command_line(client_as, settings):
    settings.CELERY_BROKER_URL = ""
    settings.IMPORT_INLINE_MAX_BYTES = 100
    client = client_as("ngo")
    page = client.get(reverse("imports:import_upload")).content.decode()
    assert "manage.py import_recommendations" in page
    response = upload(client, UPR_INFO_CSV)
    assert response.status_code == 200
    assert "manage.py import_recommendations" in response.content.decode()
    assert not ImportJob.objects.exists()


@pytest.mark.django_db
def test_the_upload_page_is_served_at_its_new_address(client_as):
    page = client_as("ngo").get("/imports/")
    assert page.status_code == 200
    assert 'href="/imports/history/"' in page.content.decode()
