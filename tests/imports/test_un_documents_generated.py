"""UN documents made here (Word): a cycle-1 report and an addendum that answers in
sentences, a report whose session comes only from its date, and the confirmation screen."""

from pathlib import Path

import docx
import pytest
from django.urls import reverse

from imports.models import ProposedResponse
from imports.pipeline import import_file
from recommendations.models import Recommendation
from reviews.models import Review

from ..conftest import make_user

pytestmark = pytest.mark.django_db


def word(path: Path, lines: list[str], header: str = "") -> Path:
    document = docx.Document()
    if header:
        document.sections[0].header.paragraphs[0].text = header
    for line in lines:
        document.add_paragraph(line)
    document.save(path)
    return path


REPORT_LINES = [
    "Human Rights Council", "Fourteenth session",
    "Report of the Working Group on the Universal Periodic Review*", "Slovenia",
    "Introduction",
    "1. The Working Group on the Universal Periodic Review, established in accordance with "
    "Human Rights Council resolution 5/1, held its seventh session from 8 to 19 February "
    "2010. The review of Slovenia was held at the 5th meeting on 10 February 2010.",
    "II. Conclusions and/or recommendations",
    "86. The recommendations formulated during the interactive dialogue have been examined "
    "by Slovenia and the recommendations listed below enjoy the support of Slovenia:",
    "1. Ratify the Optional Protocol to the Convention against Torture (Brazil);",
    "2. Continue its efforts to combat domestic violence (France) (Chile);",
    "87. The following recommendations will be examined by Slovenia, which will provide "
    "responses in due time:",
    "1. Consider ratifying the International Convention on the Protection of the Rights of "
    "All Migrant Workers and Members of Their Families (Algeria);",
    "2. Adopt a comprehensive anti-discrimination strategy (Germany);",
    "3. Establish a national human rights institution in accordance with the Paris "
    "Principles (Chile);",
    "4. Ensure that the erased persons recover their permanent residence (Argentina);",
    "88. All conclusions and/or recommendations contained in the present report reflect the "
    "position of the submitting State(s) and/or the State under review.",
]

ADDENDUM_LINES = [
    "Report of the Working Group on the Universal Periodic Review", "Slovenia", "Addendum",
    "Views on conclusions and/or recommendations, voluntary commitments and replies "
    "presented by the State under review",
    "1. Slovenia responds to the recommendations of the review of Slovenia on 10 February "
    "2010 that it would examine.",
    "Recommendation 1",
    "Slovenia cannot, at this point in time, make a definitive statement on the ratification "
    "of the Convention.",
    "Recommendation 2",
    "Slovenia accepts the recommendation.",
    "Recommendation 3",
    "Slovenia accepts the recommendation in part: the Ombudsman already fulfils most of the "
    "Paris Principles.",
    "Recommendation 4",
    "Slovenia does not accept the recommendation, as the matter is settled by law.",
]


@pytest.fixture
def cycle1(tmp_path):
    return (word(tmp_path / "report.docx", REPORT_LINES, header="A/HRC/14/15"),
            word(tmp_path / "addendum.docx", ADDENDUM_LINES, header="A/HRC/14/15/Add.1"))


def test_cycle1_word_report_items_numbered_from_one(cycle1):
    report = import_file(cycle1[0])
    assert report.ok, report.errors
    assert (report.detected_format, report.created) == ("un-report", 6)
    review = Review.objects.get(state__iso3="SVN", session__number=7)
    assert review.wg_report_symbol == "A/HRC/14/15"
    recs = {r.paragraph: r for r in review.recommendations.all()}
    assert sorted(recs) == ["86.1", "86.2", "87.1", "87.2", "87.3", "87.4"]
    assert (recs["86.2"].response, recs["86.2"].response_source) == (
        "supported", "A/HRC/14/15, para. 86")
    assert sorted(s.iso3 for s in recs["86.2"].recommending_states.all()) == ["CHL", "FRA"]
    assert recs["87.1"].response == "pending"


def test_cycle1_sentences_give_proposed_readings_to_confirm(cycle1):
    import_file(cycle1[0])
    report = import_file(cycle1[1])
    assert report.ok, report.errors
    assert report.detected_format == "un-addendum"
    assert "Answers in sentences: 4 proposed readings to confirm on the review's page" \
        in report.notes
    proposals = {p.paragraph: p for p in ProposedResponse.objects.all()}
    assert {k: (p.response, p.needs_confirmation) for k, p in proposals.items()} == {
        "87.1": ("noted", True), "87.2": ("supported", True),
        "87.3": ("partially_supported", True), "87.4": ("noted", True)}
    assert proposals["87.1"].wording.startswith("Slovenia cannot, at this point in time")
    # Nothing is set before a person confirms.
    assert set(Recommendation.objects.filter(paragraph__startswith="87.")
               .values_list("response", flat=True)) == {"pending"}
    # Importing the same addendum again changes nothing.
    import_file(cycle1[1])
    assert ProposedResponse.objects.count() == 4


def test_confirmation_screen_records_all_readings_at_once(client, cycle1, ngo_user):
    import_file(cycle1[0])
    import_file(cycle1[1])
    review = Review.objects.get(session__number=7)
    client.force_login(ngo_user)
    page = client.get(review.get_absolute_url())
    assert "4 responses read from the State" in page.content.decode()
    url = reverse("imports:proposed_responses", args=[review.pk])
    screen = client.get(url)
    assert screen.status_code == 200
    html = screen.content.decode()
    assert "make a definitive statement" in html
    ids = {p.paragraph: p.pk for p in ProposedResponse.objects.all()}
    assert '<option value="partially_supported" selected>' in html
    # Staff correct 87.1 (the importer read "noted"): Slovenia later accepted it.
    response = client.post(url, {
        f"response-{ids['87.1']}": "supported", f"response-{ids['87.2']}": "supported",
        f"response-{ids['87.3']}": "partially_supported", f"response-{ids['87.4']}": "noted"})
    assert response.status_code == 302
    recs = {r.paragraph: r for r in review.recommendations.filter(paragraph__startswith="87")}
    assert {k: r.response for k, r in recs.items()} == {
        "87.1": "supported", "87.2": "supported", "87.3": "partially_supported",
        "87.4": "noted"}
    assert recs["87.4"].response_source == "A/HRC/14/15/Add.1"
    assert list(recs["87.4"].responses.values_list("response", flat=True)) == [
        "pending", "noted"]
    assert not ProposedResponse.objects.exists()


def test_confirmation_screen_is_for_staff_only(client, cycle1):
    import_file(cycle1[0])
    import_file(cycle1[1])
    review = Review.objects.get(session__number=7)
    client.force_login(make_user("reader"))
    url = reverse("imports:proposed_responses", args=[review.pk])
    assert client.post(url, {}).status_code == 403
    assert ProposedResponse.objects.count() == 4


def test_session_from_the_review_date_when_the_text_names_none(tmp_path):
    lines = [line.replace("held its seventh session from 8 to 19 February 2010. ", "")
             for line in REPORT_LINES]
    path = word(tmp_path / "report.docx", lines, header="A/HRC/14/15")
    report = import_file(path, dry_run=True)
    assert report.ok, report.errors
    assert "Session 7 from the date of the review (2010-02-10)" in report.notes


def test_a_word_file_that_is_no_un_document_is_still_a_thematic_list_error(tmp_path):
    path = word(tmp_path / "other.docx", ["Minutes of the meeting", "Nothing here."])
    report = import_file(path)
    assert not report.ok
    assert report.detected_format == "ohchr-list"


def test_addendum_with_numbers_not_in_the_report_says_so(tmp_path, cycle1):
    import_file(cycle1[0])
    lines = ADDENDUM_LINES[:5] + [
        "2. The Government accepts the following recommendations: 87.2, 87.3, 87.9.",
        "3. The Government takes note of recommendations 87.1 and 87.4.",
        "4. Recommendations 87.1, 87.2 and 87.3 are discussed with civil society.",
        "5. Of these, 3 are supported and 2 noted."]
    report = import_file(word(tmp_path / "add.docx", lines, header="A/HRC/14/15/Add.1"))
    assert report.ok, report.errors
    assert "Could not read: para. 2: 87.9 is not a recommendation of the report" in report.notes
    assert any(n.startswith("CHECK FAILED: the addendum says 3 supported and 2 noted, its "
                            "lists give 2 and 2") for n in report.notes)
    assert "Check: all 6 recommendations have a response." in report.notes
    assert any(n.startswith("Could not read: para. 4 lists recommendations but says nothing")
               for n in report.notes)
