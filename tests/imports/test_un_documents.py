"""The UN documents themselves: the four real Slovenia PDFs (cycles 3 and 4)."""

from collections import Counter

import pytest

from imports.pipeline import import_file
from recommendations.models import Recommendation, ResponseRecord
from reviews.models import Review

pytestmark = pytest.mark.django_db


@pytest.fixture
def un_docs(shared_data):
    folder = shared_data / "un-documents"
    return {name: folder / f"slovenia-{name}.pdf" for name in (
        "A-HRC-43-15", "A-HRC-43-15-Add.1", "A-HRC-59-15", "A-HRC-59-15-Add.1")}


@pytest.fixture
def lists(shared_data):
    folder = shared_data / "ohchr-thematic-lists"
    return {34: folder / "slovenia-cycle3-session34.docx",
            48: folder / "slovenia-cycle4-session48.docx"}


def imported(*paths, dry_run=False):
    reports = [import_file(path, dry_run=dry_run) for path in paths]
    for report in reports:
        assert report.ok, report.errors
    return reports


def responses(session: int) -> Counter:
    return Counter(Recommendation.objects.filter(review__session__number=session)
                   .values_list("response", flat=True))


def snapshot(session: int) -> dict[str, tuple]:
    """paragraph → (text, States, response, source) for one review."""
    return {r.paragraph: (r.text, tuple(sorted(s.iso3 for s in r.recommending_states.all())),
                          r.response, r.response_source)
            for r in Recommendation.objects.filter(review__session__number=session)
            .prefetch_related("recommending_states")}


def test_cycle3_report_then_addendum_gives_215_with_182_supported_33_noted(un_docs):
    report, = imported(un_docs["A-HRC-43-15"])
    assert (report.detected_format, report.rows_read, report.created) == ("un-report", 215, 215)
    assert responses(34) == {"supported": 58, "pending": 157}  # para. 121 "enjoy the support"
    addendum, = imported(un_docs["A-HRC-43-15-Add.1"])
    assert addendum.detected_format == "un-addendum"
    assert (addendum.rows_read, addendum.updated) == (157, 157)
    assert responses(34) == {"supported": 182, "noted": 33}
    assert any(n.startswith("Check: the addendum says 124 supported and 33 noted")
               for n in addendum.notes)
    assert not any("CHECK FAILED" in n or "Could not read" in n for n in addendum.notes)
    review = Review.objects.get(state__iso3="SVN", session__number=34)
    assert (review.wg_report_symbol, review.addendum_symbol) == ("A/HRC/43/15",
                                                                 "A/HRC/43/15/Add.1")
    rec = Recommendation.objects.get(review=review, paragraph="122.62")
    assert (rec.response, rec.response_source) == ("supported", "A/HRC/43/15/Add.1, para. 3")
    # The history keeps the report's "pending" and the addendum's answer.
    assert list(rec.responses.values_list("response", "source_symbol")) == [
        ("pending", ""), ("supported", "A/HRC/43/15/Add.1")]
    assert Recommendation.objects.get(review=review, paragraph="121.1").response_source == \
        "A/HRC/43/15, para. 121"


def test_cycle4_report_then_addendum_gives_254_with_217_supported_37_noted(un_docs):
    report, = imported(un_docs["A-HRC-59-15"])
    assert (report.rows_read, report.created) == (254, 254)
    assert responses(48) == {"pending": 254}
    addendum, = imported(un_docs["A-HRC-59-15-Add.1"])
    assert (addendum.rows_read, addendum.updated) == (254, 254)
    assert responses(48) == {"supported": 217, "noted": 37}
    assert "Check: all 254 recommendations have a response." in addendum.notes
    assert not any("CHECK FAILED" in n or "Could not read" in n for n in addendum.notes)


# Where the OHCHR thematic list names another source than the addendum's own lists: the
# list cuts the symbol short (`A/HRC/43/15/Add`) or files 140.132-137 (listed in para. 3,
# explained under section II) and 140.210/140.241 in the other paragraph.
LIST_SOURCE_DIFFERS = {
    34: {"121.23", "121.24", "122.143", "122.144"},
    48: {"140.132", "140.133", "140.134", "140.135", "140.136", "140.137", "140.210",
         "140.241"},
}


def key(text: str) -> str:
    from states.models import normalize_name

    return normalize_name(text)


@pytest.mark.parametrize("session,report_name", [(34, "A-HRC-43-15"), (48, "A-HRC-59-15")])
def test_documents_give_the_same_as_the_thematic_list(un_docs, lists, session, report_name):
    imported(lists[session])
    from_list = snapshot(session)
    Review.objects.all().delete()
    imported(un_docs[report_name], un_docs[f"{report_name}-Add.1"])
    from_documents = snapshot(session)
    assert sorted(from_documents) == sorted(from_list)
    for paragraph, (text, states, response, source) in from_list.items():
        mine = from_documents[paragraph]
        assert mine[1:3] == (states, response), paragraph
        # Same words; only apostrophes (’ or ') may differ between the two publications.
        assert key(mine[0]) == key(text), paragraph
        assert (mine[3] != source) == (paragraph in LIST_SOURCE_DIFFERS[session]), paragraph


@pytest.mark.parametrize("session,report_name", [(34, "A-HRC-43-15"), (48, "A-HRC-59-15")])
def test_documents_and_thematic_list_merge_without_duplicates(un_docs, lists, session,
                                                              report_name):
    imported(un_docs[report_name], un_docs[f"{report_name}-Add.1"])
    ids = set(Recommendation.objects.values_list("pk", flat=True))
    before = snapshot(session)
    list_report, = imported(lists[session])
    assert (list_report.created, list_report.rows_read) == (0, len(before))
    assert set(Recommendation.objects.values_list("pk", flat=True)) == ids
    after = snapshot(session)
    assert {p: v[1:3] for p, v in after.items()} == {p: v[1:3] for p, v in before.items()}
    # And the documents again on top of the list: still the same recommendations.
    again = imported(un_docs[report_name], un_docs[f"{report_name}-Add.1"])
    assert [r.created for r in again] == [0, 0]
    assert set(Recommendation.objects.values_list("pk", flat=True)) == ids
    assert {p: v[1:3] for p, v in snapshot(session).items()} == \
        {p: v[1:3] for p, v in before.items()}


def test_addendum_first_then_report_gives_the_same(un_docs):
    addendum, = imported(un_docs["A-HRC-59-15-Add.1"])
    assert addendum.reviews_created == 1
    assert any("254 responses kept until the report is imported" in n for n in addendum.notes)
    assert not Recommendation.objects.exists()
    imported(un_docs["A-HRC-59-15"])
    assert responses(48) == {"supported": 217, "noted": 37}
    first_order = snapshot(48)
    Review.objects.all().delete()
    imported(un_docs["A-HRC-59-15"], un_docs["A-HRC-59-15-Add.1"])
    assert snapshot(48) == first_order


def test_cycle3_addendum_first_keeps_the_reports_own_responses(un_docs):
    imported(un_docs["A-HRC-43-15-Add.1"], un_docs["A-HRC-43-15"])
    assert responses(34) == {"supported": 182, "noted": 33}


def test_reimport_changes_nothing(un_docs):
    paths = [un_docs["A-HRC-43-15"], un_docs["A-HRC-43-15-Add.1"]]
    imported(*paths)
    before, records = snapshot(34), ResponseRecord.objects.count()
    history = Recommendation.history.count()
    again = imported(*paths)
    assert [(r.created, r.updated) for r in again] == [(0, 0), (0, 0)]
    assert [r.unchanged for r in again] == [215, 157]
    assert snapshot(34) == before
    assert (ResponseRecord.objects.count(), Recommendation.history.count()) == (records, history)


def test_dry_run_reports_review_counts_and_responses_and_writes_nothing(un_docs):
    report, = imported(un_docs["A-HRC-59-15"], dry_run=True)
    assert report.created == 254 and report.dry_run
    assert "Review: Slovenia – Session 48 (A/HRC/59/15)" in report.notes
    assert not Recommendation.objects.exists() and not Review.objects.exists()
    imported(un_docs["A-HRC-59-15"])
    addendum, = imported(un_docs["A-HRC-59-15-Add.1"], dry_run=True)
    assert "Responses in the addendum: Noted 37, Supported 217" in addendum.notes
    assert responses(48) == {"pending": 254}


def test_upload_page_dry_run_shows_review_counts_and_responses(
        client, ngo_user, un_docs, settings, tmp_path, django_capture_on_commit_callbacks,
        monkeypatch):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.urls import reverse

    from imports.models import ImportJob

    settings.MEDIA_ROOT = tmp_path
    worker_runs_the_job(settings, monkeypatch)
    client.force_login(ngo_user)
    imported(un_docs["A-HRC-59-15"])
    pdf = un_docs["A-HRC-59-15-Add.1"].read_bytes()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("imports:import_upload"), {
            "file": SimpleUploadedFile("addendum.pdf", pdf, content_type="application/pdf"),
            "format": "auto", "dry_run": "on"})
    job = ImportJob.objects.get()
    assert response["Location"] == reverse("imports:import_detail", args=[job.public_id])
    job.refresh_from_db()
    assert (job.status, job.detected_format) == ("succeeded", "un-addendum")
    html = client.get(response["Location"]).content.decode()
    assert "Review: Slovenia – Session 48, matched by the report&#x27;s symbol" in html
    assert "Responses in the addendum: Noted 37, Supported 217" in html
    assert "Check: all 254 recommendations have a response." in html
    assert responses(48) == {"pending": 254}  # a dry run


def test_upload_refuses_a_pdf_over_the_page_limit(un_docs, settings):
    settings.IMPORT_MAX_PDF_PAGES = 10
    report = import_file(un_docs["A-HRC-59-15"])
    assert not report.ok
    assert report.errors[0]["message"] == ("The PDF has 26 pages; at most 10 can be "
                                           "imported.")
    assert not Review.objects.exists()


def test_a_pdf_that_is_no_un_document_is_refused_clearly(tmp_path):
    from pypdf import PdfWriter

    path = tmp_path / "blank.pdf"
    writer = PdfWriter()
    writer.add_blank_page(width=200, height=200)
    with open(path, "wb") as fh:
        writer.write(fh)
    report = import_file(path)
    assert not report.ok
    assert "not a report of the Working Group" in report.errors[0]["message"]


def test_command_with_a_report_and_its_addendum(un_docs):
    from io import StringIO

    from django.core.management import call_command

    paths = [str(un_docs["A-HRC-43-15"]), str(un_docs["A-HRC-43-15-Add.1"])]
    out = StringIO()
    call_command("import_recommendations", *paths, "--dry-run", stdout=out)
    text = out.getvalue()
    # The addendum's dry run sees the report's dry run before it.
    assert "Review: Slovenia – Session 34, matched by the report's symbol A/HRC/43/15" in text
    assert "Check: all 215 recommendations have a response." in text
    assert text.count("Dry run: nothing was written.") == 2
    assert not Review.objects.exists()
    call_command("import_recommendations", *paths, stdout=StringIO())
    assert responses(34) == {"supported": 182, "noted": 33}


def worker_runs_the_job(settings, monkeypatch) -> None:
    """Word and PDF files are imported by the worker only (issue 22): a broker is
    configured, and the queued task runs as the worker would run it."""
    from imports import jobs, tasks

    settings.CELERY_BROKER_URL = "redis://127.0.0.1:6379/13"
    monkeypatch.setattr(tasks.run_import_job, "delay", jobs.run_import_job)
