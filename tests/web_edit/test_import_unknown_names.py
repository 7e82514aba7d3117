"""Issue 11: an unknown State name on the upload page has a way forward."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from imports.models import ImportJob
from recommendations.models import Recommendation
from states.models import State

CSV = (
    "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\n"
    "France,WEOG,EU,Ratify the Convention on migrant workers,Chilie,GRULAC,,Noted,5,"
    "Migrants,43\r\n"
    "France,WEOG,EU,Combat hate speech online,Chilie,GRULAC,,Accepted,4,Migrants,43\r\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_unknown_name_gets_a_prefilled_state_picker_that_saves_the_alias_and_reimports(
        client_as, france, django_capture_on_commit_callbacks):
    client = client_as("ngo")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import_upload"), {
            "file": SimpleUploadedFile("upr.csv", CSV.encode(), content_type="text/csv"),
            "format": "auto"})
    job = ImportJob.objects.get()
    assert job.status == "failed" and not Recommendation.objects.exists()
    page = client.get(reverse("imports:import_detail", args=[job.public_id]))
    html = page.content.decode()
    [unknown] = page.context["unknown_names"]
    assert (unknown["name"], unknown["rows_label"], unknown["guess"]) == ("Chilie", "2, 3", "CHL")
    assert '<option value="CHL" selected>Chile</option>' in html
    assert "Save these names and import again" in html

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import_aliases", args=[job.public_id]),
                               {"alias-0": "CHL"})
    again = ImportJob.objects.exclude(pk=job.pk).get()
    assert response["Location"] == reverse("imports:import_detail", args=[again.public_id])
    again.refresh_from_db()
    assert again.status == "succeeded", again.report
    assert State.objects.resolve("Chilie").iso3 == "CHL"
    assert Recommendation.objects.count() == 2
    source = Recommendation.objects.first().sources.get()
    assert (source.source, source.file_name) == ("upr-info", "upr.csv")


def test_picking_no_state_saves_nothing(client_as, france, django_capture_on_commit_callbacks):
    client = client_as("ngo")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(reverse("imports:import_upload"), {
            "file": SimpleUploadedFile("upr.csv", CSV.encode(), content_type="text/csv"),
            "format": "auto"})
    job = ImportJob.objects.get()
    response = client.post(reverse("imports:import_aliases", args=[job.public_id]),
                           {"alias-0": ""})
    assert response.status_code == 302 and ImportJob.objects.count() == 1
    assert State.objects.resolve("Chilie") is None


def test_only_ngo_staff_can_save_aliases(client_as, france):
    job = ImportJob.objects.create(original_name="x.csv", report={
        "unknown_names": [{"name": "Chilie", "rows": [2]}]})
    response = client_as("researcher").post(
        reverse("imports:import_aliases", args=[job.public_id]), {"alias-0": "CHL"})
    assert response.status_code == 403
    assert State.objects.resolve("Chilie") is None
