"""End-to-end journeys in headless Chromium against the live server: the NGO worker's
paste–fix–save–search–export, the focal point's status update and follow-up action
(refused on another State), the anonymous visitor's filter-and-open, a stale edit
refused in the browser, and axe-core on the editing pages."""

import csv
import io
import os
import re

import pytest
from django.urls import reverse

from accounts.roles import Role
from recommendations.models import Assessment, FollowUpAction, Recommendation
from tests.conftest import make_user
from tests.factories import RecommendationFactory, ReviewFactory, session

from .helpers import assert_accessible, screenshot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser,
              pytest.mark.django_db(transaction=True)]

RECOMMENDERS = ["Algeria", "Cabo Verde", "Paraguay", "Chile", "Peru", "Japan", "Kenya",
                "Norway", "Brazil", "India"]


def pasted_list(bad_line: int) -> str:
    """Twenty recommendations as a WG report prints them; `bad_line` names no real State."""
    lines = []
    for i in range(1, 21):
        states = f"({RECOMMENDERS[i % 10]}) ({RECOMMENDERS[(i + 3) % 10]})"
        if i == 5:
            states = "(Portugal, Slovakia)"
        if i == bad_line:
            states = "(Atlantis)"
        lines.append(f"150.{i} Strengthen zephyrine safeguard number {i} for human rights "
                     f"defenders {states};")
    return "\n".join(lines)


def test_ngo_worker_pastes_fixes_saves_searches_and_exports(open_as, france):
    ngo = make_user("ngo-e2e", Role.NGO)
    review = ReviewFactory(state=france, session=session(43))
    page = open_as(ngo)

    page.goto(reverse("imports:recommendation_paste", args=[review.pk]))
    page.fill("#id_text", pasted_list(bad_line=7))
    page.get_by_role("button", name="Preview").click()
    flagged = page.locator("tr.row-error")
    assert flagged.count() == 1
    assert "Atlantis" in flagged.inner_text()
    assert page.get_by_role("button", name=re.compile("^Save")).count() == 0
    screenshot(page, "paste-preview-with-error")
    assert_accessible(page, "paste preview")

    # Fix the flagged line in the textarea, as a user would.
    page.fill("#id_text", page.input_value("#id_text").replace("(Atlantis)", "(Chile)"))
    page.get_by_role("button", name="Preview").click()
    assert page.locator("tr.row-error").count() == 0
    assert page.locator("tr.row-ok").count() == 20
    page.get_by_role("button", name="Save 20 recommendations").click()
    page.wait_for_url(f"**{review.get_absolute_url()}")
    assert "20 recommendations saved" in page.inner_text("main")
    assert review.recommendations.count() == 20
    joint = Recommendation.objects.get(review=review, paragraph="150.5")
    assert sorted(joint.recommending_states.values_list("iso3", flat=True)) == ["PRT", "SVK"]

    page.goto(reverse("recommendations:recommendation_list"))
    page.fill("#id_q", "zephyrine")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**q=zephyrine**")
    assert "20 recommendations" in page.inner_text("main")
    screenshot(page, "list-search-results")

    with page.expect_download() as download_info:
        page.get_by_role("link", name="CSV").click()
    content = open(download_info.value.path(), encoding="utf-8-sig").read()
    paragraphs = {row.get("paragraph") for row in csv.DictReader(io.StringIO(content))}
    assert {f"150.{i}" for i in range(1, 21)} <= paragraphs


def test_focal_point_updates_status_adds_action_and_is_refused_elsewhere(open_as, france,
                                                                        germany):
    focal = make_user("focal-e2e", Role.FOCAL_POINT, state=france)
    review = ReviewFactory(state=france, session=session(43))
    rec = RecommendationFactory(review=review, paragraph="45.7",
                                text="Reduce prison overcrowding")
    other = RecommendationFactory(review=ReviewFactory(state=germany, session=session(44)),
                                  paragraph="140.2", text="Adopt a national action plan")
    page = open_as(focal)

    page.goto(reverse("front:my_state"))
    screenshot(page, "my-state")
    assert_accessible(page, "my state")
    page.get_by_role("link", name=re.compile(r"Update status\s+45\.7")).click()
    page.select_option("#id_status", "in_progress")
    page.fill("#id_comment", "Bill tabled in Parliament")
    page.fill("#id_evidence_url", "https://www.assemblee-nationale.fr/")
    screenshot(page, "government-status-form")
    assert_accessible(page, "government status form")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(f"**{rec.get_absolute_url()}")
    assert "Government status updated" in page.inner_text("main")
    rec.refresh_from_db()
    assert rec.government_status == "in_progress"

    page.get_by_role("link", name="Add a follow-up action").click()
    page.fill("#id_title", "Build two new detention centres")
    page.fill("#id_responsible_institution", "Ministry of Justice")
    page.fill("#id_target_date", "2027-06-30")
    screenshot(page, "follow-up-action-form")
    assert_accessible(page, "follow-up action form")
    page.get_by_role("button", name="Save").click()
    action = FollowUpAction.objects.get()
    page.wait_for_url(f"**{action.get_absolute_url()}")
    assert list(action.recommendations.all()) == [rec]
    screenshot(page, "follow-up-action-detail")

    # Another State's recommendation: no controls, and the server refuses a direct write.
    page.goto(other.get_absolute_url())
    assert page.get_by_role("link", name="Update government status").count() == 0
    response = page.goto(reverse("recommendations:government_status", args=[other.pk]))
    assert response.status == 403
    assert "not allowed" in page.inner_text("main")
    screenshot(page, "refused-other-state")
    csrf = next(c["value"] for c in page.context.cookies() if c["name"] == "csrftoken")
    refused = page.request.post(
        reverse("recommendations:government_status", args=[other.pk]),
        form={"status": "fully_implemented"}, headers={"X-CSRFToken": csrf})
    assert refused.status == 403
    assert "not allowed" in refused.text()  # the role check, not a CSRF failure
    assert not Assessment.objects.filter(recommendation=other).exists()


def test_anonymous_visitor_filters_the_list_and_opens_a_recommendation(open_as, france,
                                                                       germany):
    RecommendationFactory(review=ReviewFactory(state=france, session=session(43)),
                          paragraph="45.3", text="Combat hate speech online")
    RecommendationFactory(review=ReviewFactory(state=germany, session=session(44)),
                          paragraph="140.9", text="Ratify the migrant workers convention")
    page = open_as(None)
    page.goto(reverse("recommendations:recommendation_list"))
    page.select_option("#id_state_under_review", "DEU")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**state_under_review=DEU**")
    assert "1 recommendation" in page.inner_text("main")
    assert "hate speech" not in page.inner_text("main")
    page.get_by_role("link", name="140.9").click()
    assert "Ratify the migrant workers convention" in page.inner_text("main")
    assert page.get_by_role("link", name="Edit").count() == 0
    screenshot(page, "recommendation-detail-anonymous")


def test_stale_edit_is_refused_in_the_browser(open_as, france):
    ngo = make_user("ngo-e2e", Role.NGO)
    other_ngo = make_user("ngo-e2e-2", Role.NGO)
    rec = RecommendationFactory(review=ReviewFactory(state=france, session=session(43)),
                                paragraph="45.4", text="Original wording")
    url = reverse("recommendations:recommendation_edit", args=[rec.pk])
    first, second = open_as(ngo), open_as(other_ngo)
    first.goto(url)
    second.goto(url)
    assert_accessible(first, "recommendation edit form")
    screenshot(first, "recommendation-edit")

    first.fill("#id_text", "Wording saved first")
    first.get_by_role("button", name="Save", exact=True).click()
    first.wait_for_url(f"**{rec.get_absolute_url()}")

    second.fill("#id_text", "Wording saved second")
    second.get_by_role("button", name="Save", exact=True).click()
    alert = second.get_by_role("alert")
    assert "Someone else changed this" in alert.inner_text()
    assert "Wording saved first" in alert.inner_text()
    assert "Wording saved second" in alert.inner_text()
    screenshot(second, "stale-edit-refused")
    assert_accessible(second, "stale edit")
    rec.refresh_from_db()
    assert rec.text == "Wording saved first"


def test_upload_and_paste_pages_are_accessible_on_a_phone(open_as, france):
    ngo = make_user("ngo-e2e", Role.NGO)
    review = ReviewFactory(state=france, session=session(43))
    page = open_as(ngo, viewport={"width": 390, "height": 844})
    page.goto(reverse("imports:import_upload"))
    screenshot(page, "import-upload-phone")
    assert_accessible(page, "import upload")
    page.goto(reverse("imports:recommendation_paste", args=[review.pk]))
    screenshot(page, "paste-phone")
    assert_accessible(page, "paste")
    page.goto(reverse("reviews:review_create"))
    assert_accessible(page, "review create")



UPR_INFO_CSV = (
    "To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,Session\r\n"
    "France,WEOG,EU,Ratify the Convention on migrant workers,Chile,GRULAC,,Noted,5,"
    "Migrants,43\r\n"
    "France,WEOG,EU,Ratify the Convention on migrant workers,Peru,GRULAC,,Noted,5,"
    "Migrants,43\r\n"
    "France,WEOG,EU,Combat hate speech online,Germany,WEOG,EU,Accepted,4,Justice,43\r\n"
)


def test_ngo_worker_uploads_a_dry_run_then_imports_for_real(open_as, france, settings,
                                                            tmp_path):
    settings.MEDIA_ROOT = tmp_path
    page = open_as(make_user("ngo-e2e", Role.NGO))
    page.goto(reverse("imports:import_upload"))
    assert page.is_checked("#id_dry_run")
    page.set_input_files("#id_file", files=[{"name": "upr-info.csv", "mimeType": "text/csv",
                                             "buffer": UPR_INFO_CSV.encode()}])
    page.get_by_role("button", name="Upload").click()
    page.wait_for_url("**/imports/*/")
    page.get_by_text("Done").first.wait_for()
    assert "Recommendations that would be created" in page.inner_text("main")
    assert not Recommendation.objects.exists()
    screenshot(page, "import-dry-run-report")
    assert_accessible(page, "import report")
    page.get_by_role("button", name="Import for real").click()
    link = page.get_by_role("link", name="See the 2 recommendations created or updated")
    link.wait_for()
    assert Recommendation.objects.count() == 2
    screenshot(page, "import-done")
    link.click()  # the list, filtered to what this import wrote
    assert "2 recommendations" in page.inner_text("main")
