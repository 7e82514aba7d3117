"""Undo an import or a paste as one step (issue 23): afterwards the database holds what
it held before the import, row for row (ids included), also when the import updated
existing rows; others' entries are listed and confirmed first; the change feed hears
of every deletion; page and API."""

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from imports.models import ImportJob, ProposedResponse, RecommendationSource
from imports.tasks import run_import_job
from recommendations import touch
from recommendations.models import (
    Assessment,
    FollowUpAction,
    Recommendation,
    ResponseRecord,
)
from reviews.models import Review
from states.models import StateAlias
from tests.conftest import need_service

pytestmark = pytest.mark.django_db

# Columns an undo moves forward on purpose (it is a change others must see) or that are
# recomputed after it; everything else must be as before.
MOVING = {"updated_at", "version", "search_vector", "recurring"}


@pytest.fixture(autouse=True)
def _postgres_and_media(settings, tmp_path):
    if connection.vendor != "postgresql":
        need_service("PostgreSQL", "DATABASE_URL does not point at PostgreSQL")
    settings.MEDIA_ROOT = tmp_path


def database() -> dict:
    """Every row the imports write, by table, with its id."""
    def rows(model, exclude=()):
        names = [f.attname for f in model._meta.concrete_fields
                 if f.attname not in MOVING and f.attname not in exclude]
        return sorted(model.objects.values_list(*names), key=repr)

    dump = {
        "recommendations": rows(Recommendation),
        "reviews": rows(Review),
        "responses": rows(ResponseRecord),
        "sources": rows(RecommendationSource),
        "assessments": rows(Assessment),
        "proposed": rows(ProposedResponse),
        "aliases": rows(StateAlias),
        "follow_up_links": sorted(FollowUpAction.recommendations.through.objects.values_list(
            "followupaction_id", "recommendation_id")),
    }
    for name in ("recommending_states", "themes", "sdgs", "affected_groups"):
        through = getattr(Recommendation, name).through
        target = getattr(Recommendation, name).field.m2m_reverse_field_name() + "_id"
        dump[name] = sorted(through.objects.values_list("recommendation_id", target))
    return dump


def import_job(path, user, **kwargs) -> ImportJob:
    job = ImportJob(original_name=path.name, dry_run=False, created_by=user, **kwargs)
    job.file.save(path.name, ContentFile(path.read_bytes()), save=False)
    job.save()
    run_import_job(job.pk)
    job.refresh_from_db()
    assert job.status == ImportJob.Status.SUCCEEDED, job.report.get("errors")
    return job


@pytest.fixture
def slovenia(shared_data):
    docs = shared_data / "un-documents"
    return {"list": shared_data / "ohchr-thematic-lists" / "slovenia-cycle3-session34.docx",
            "report": docs / "slovenia-A-HRC-43-15.pdf",
            "addendum": docs / "slovenia-A-HRC-43-15-Add.1.pdf"}


def test_undoing_an_import_that_updated_rows_restores_the_database(slovenia, ngo_user):
    first = import_job(slovenia["list"], ngo_user)
    assert first.report["created"] == 215
    before = database()
    # The addendum sets responses of existing recommendations (no new one).
    second = import_job(slovenia["addendum"], ngo_user)
    assert database() != before
    from imports import undo

    plan = undo.plan(second)
    # The list had most responses already; the addendum changed the others (and added
    # its responses to the history of each).
    assert plan["changed"] and not plan["created"]
    undo.undo(second, user=ngo_user)
    assert database() == before
    second.refresh_from_db()
    assert second.undone_at is not None and second.undone_by == ngo_user
    # Undone twice: refused, nothing changes.
    with pytest.raises(undo.CannotUndo):
        undo.undo(second, user=ngo_user)


def test_undoing_the_first_import_empties_what_it_created(slovenia, ngo_user):
    empty = database()
    heard = []
    listener = touch.on_touch(lambda ids, action: heard.append((len(ids), action)))
    try:
        job = import_job(slovenia["list"], ngo_user)
        from imports import undo

        done = undo.undo(job, user=ngo_user)
    finally:
        touch._listeners.remove(listener)
    assert len(done["created"]) == 215
    assert database() == empty
    assert (215, "deleted") in heard
    deleted = Recommendation.history.filter(history_type="-")
    assert deleted.count() == 215
    assert {h.history_user_id for h in deleted} == {ngo_user.pk}


def test_undo_of_report_then_addendum_in_either_order(slovenia, ngo_user):
    """The WG report updated by a later thematic list, undone: back to the report alone."""
    import_job(slovenia["report"], ngo_user)
    before = database()
    job = import_job(slovenia["list"], ngo_user)
    from imports import undo

    undo.undo(job, user=ngo_user)
    assert database() == before


def test_others_assessments_are_listed_and_confirmed_first(slovenia, ngo_user, focal_point,
                                                           admin_user):
    job = import_job(slovenia["list"], ngo_user)
    rec = Recommendation.objects.order_by("pk").first()
    rec.add_assessment(actor="civil_society", status="in_progress", user=admin_user)
    client = Client()
    client.force_login(ngo_user)
    url = reverse("imports:import_undo", args=[job.public_id])
    page = client.get(url).content.decode()
    assert "Entered by others since the import" in page and "admin" in page
    assert client.post(url).status_code == 400
    assert Recommendation.objects.count() == 215
    assert client.post(url, {"confirm": "yes"}).status_code == 302
    assert Recommendation.objects.count() == 0


def test_api_undo_needs_confirmation_then_undoes(slovenia, ngo_user, admin_user):
    job = import_job(slovenia["list"], ngo_user)
    Recommendation.objects.order_by("pk").first().add_assessment(
        actor="civil_society", status="in_progress", user=admin_user)
    api = APIClient()
    api.force_authenticate(ngo_user)
    url = f"/api/v1/imports/{job.public_id}/undo/"
    assert api.get(url).json()["needs_confirmation"] is True
    refused = api.post(url)
    assert refused.status_code == 409
    assert refused.json()["assessments_of_others"][0]["created_by"] == "admin"
    assert api.post(url + "?confirm=true").status_code == 200
    assert Recommendation.objects.count() == 0


def test_only_the_owner_or_an_admin_may_undo(slovenia, ngo_user, admin_user):
    from accounts.roles import Role
    from tests.conftest import make_user

    job = import_job(slovenia["list"], ngo_user)
    other = Client()
    other.force_login(make_user("ngo-2", Role.NGO))
    assert other.post(reverse("imports:import_undo", args=[job.public_id])).status_code == 404
    api = APIClient()
    api.force_authenticate(admin_user)
    assert api.post(f"/api/v1/imports/{job.public_id}/undo/").status_code == 200


def test_a_paste_is_undone_in_one_step(ngo_user, france):
    from tests.factories import ReviewFactory, session

    review = ReviewFactory(state=france, session=session(43))
    client = Client()
    client.force_login(ngo_user)
    before = database()
    text = ("45.10 Ratify the Optional Protocol (Germany);\n"
            "45.11 Combat hate speech online (Brazil) (Kenya);")
    response = client.post(reverse("imports:recommendation_paste", args=[review.pk]),
                           {"text": text, "response": "pending", "save": "1"})
    assert response.status_code == 302
    job = ImportJob.objects.get(format="paste")
    assert Recommendation.objects.filter(review=review).count() == 2
    history = client.get(reverse("imports:import_history")).content.decode()
    assert "Paste" in history
    page = client.get(reverse("imports:import_detail", args=[job.public_id])).content.decode()
    assert "Undo this paste" in page
    assert client.post(reverse("imports:import_undo", args=[job.public_id])).status_code == 302
    assert database() == before
