"""Pages and forms: who sees and may post what, evidence files, fixed query counts."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils.formats import date_format

from accounts.roles import Role, roles_of
from progress import services
from progress.models import Evidence, Indicator, ProgressReport
from recommendations.models import FollowUpAction
from states.models import Institution
from tests.conftest import make_user
from tests.progress.conftest import quarterly_indicator

pytestmark = pytest.mark.django_db


def test_focal_point_adds_an_institution_on_the_page(client, world):
    client.force_login(world.focal)
    response = client.post("/progress/states/FRA/institutions/", {
        "name": "Défenseur des droits", "short_name": "DDD", "kind": "nhri"})
    assert response.status_code == 302
    assert Institution.objects.filter(state=world.france, short_name="DDD").exists()


def test_contributor_posting_the_institution_form_is_refused(client, world):
    client.force_login(world.justice_contributor)
    response = client.post("/progress/states/FRA/institutions/", {"name": "Fake", "kind": "other"})
    assert response.status_code == 403
    assert not Institution.objects.filter(name="Fake").exists()


def test_contributor_files_a_report_with_a_private_file(client, world):
    client.force_login(world.justice_contributor)
    page = client.get(f"/progress/indicators/{world.indicator.pk}/report/")
    assert page.status_code == 200
    due = world.indicator.schedule()[0]
    response = client.post(f"/progress/indicators/{world.indicator.pk}/report/", {
        "due_date": due.isoformat(), "value": "92", "narrative": "A new wing opened",
        "file": SimpleUploadedFile("minutes.pdf", b"%PDF-1.4 minutes", "application/pdf"),
        "file_title": "Minutes"})
    assert response.status_code == 302, response.content.decode()[:2000]
    report = ProgressReport.objects.get()
    assert (report.due_date, report.value, report.institution) == (due, Decimal(92),
                                                                  world.justice)
    evidence = report.evidence.get()
    assert not evidence.is_public
    assert evidence.original_name == "minutes.pdf"


def _private_file(world) -> Evidence:
    report = services.file_report(user=world.focal, indicator=world.indicator,
                                  value=Decimal(90), evidence=[{
                                      "file": SimpleUploadedFile("internal.txt", b"secret"),
                                      "is_public": False}])
    return report.evidence.get()


def test_private_evidence_file_opens_for_the_states_users_only(client, world, ngo_user,
                                                               germany):
    evidence = _private_file(world)
    url = f"/progress/evidence/{evidence.pk}/"
    assert client.get(url).status_code == 404
    client.force_login(ngo_user)
    assert client.get(url).status_code == 404
    client.force_login(make_user("focal-deu", Role.FOCAL_POINT, state=germany))
    assert client.get(url).status_code == 404
    client.force_login(world.interior_contributor)  # another institution, same State
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"secret"
    assert response["X-Content-Type-Options"] == "nosniff"


def test_private_evidence_is_not_listed_on_the_public_page(client, world):
    _private_file(world)
    page = client.get(f"/progress/indicators/{world.indicator.pk}/").content.decode()
    assert "internal.txt" not in page
    client.force_login(world.focal)
    assert "internal.txt" in client.get(f"/progress/indicators/{world.indicator.pk}/"
                                        ).content.decode()


def test_evidence_of_a_forbidden_type_is_refused_and_nothing_written(client, world):
    client.force_login(world.justice_contributor)
    response = client.post(f"/progress/indicators/{world.indicator.pk}/report/", {
        "due_date": world.indicator.schedule()[0].isoformat(), "value": "92",
        "file": SimpleUploadedFile("run.exe", b"MZ")})
    assert response.status_code == 200
    assert "Evidence files may be" in response.content.decode()
    assert not ProgressReport.objects.exists()


def test_contributor_is_refused_another_institutions_indicator_by_page_and_forged_post(
        client, world):
    client.force_login(world.justice_contributor)
    url = f"/progress/indicators/{world.other_indicator.pk}/report/"
    assert client.get(url).status_code == 403
    forged = client.post(url, {"due_date": world.other_indicator.schedule()[0].isoformat(),
                               "value": "1"})
    assert forged.status_code == 403
    assert not ProgressReport.objects.exists()
    assert client.post(f"/progress/indicators/{world.indicator.pk}/edit/",
                       {"title": "hijacked"}).status_code == 403
    assert Indicator.objects.get(pk=world.indicator.pk).title != "hijacked"


def test_focal_point_creates_an_indicator_on_a_cluster_with_the_form(client, world):
    client.force_login(world.focal)
    assert client.get("/progress/indicators/new/").status_code == 200
    response = client.post("/progress/indicators/new/", {
        "title": "Pre-trial detention rate", "kind": "outcome", "unit": "%",
        "recommendations": [r.pk for r in world.recommendations],
        "institution": world.justice.pk, "manager": world.justice_contributor.pk,
        "baseline_value": "30", "target_value": "20", "frequency_months": "3",
        "start_date": "2026-01-01", "end_date": "2026-12-31"})
    assert response.status_code == 302, response.content.decode()[:3000]
    indicator = Indicator.objects.get(title="Pre-trial detention rate")
    assert indicator.recommendations.count() == 3
    assert indicator.dues.count() == 4


def test_the_indicator_form_offers_only_the_states_institutions(client, world, germany):
    foreign = Institution.objects.create(state=germany, name="Bundesamt")
    client.force_login(world.focal)
    response = client.post("/progress/indicators/new/", {
        "title": "x", "kind": "process", "recommendations": [world.recommendations[0].pk],
        "institution": foreign.pk, "frequency_months": "3", "start_date": "2026-01-01",
        "end_date": "2026-12-31"})
    assert response.status_code == 200
    assert not Indicator.objects.filter(title="x").exists()


def test_state_progress_page_counts_per_theme_and_institution(client, world):
    services.file_report(user=world.focal, indicator=world.indicator, value=Decimal(30))
    page = client.get("/progress/states/FRA/")
    assert page.status_code == 200
    overall = {row["value"]: row["count"] for row in page.context["overall"]}
    assert overall == {"on_track": 0, "late": 1, "met": 1}
    by_institution = {row["name"]: (row["met"], row["late"])
                      for row in page.context["by_institution"]}
    assert by_institution == {"Ministry of Justice": (1, 0), "Ministry of the Interior": (0, 1)}
    assert 'id="chart-progress-title"' in page.content.decode()


def test_state_progress_page_runs_a_fixed_number_of_queries(client, world):
    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            assert client.get("/progress/states/FRA/").status_code == 200
        return len(queries)

    first = count()
    for n in range(4):
        quarterly_indicator(world.france, world.recommendations, world.interior,
                            start=world.start, title=f"More {n}")
    assert count() == first


def test_institution_page_shows_what_is_overdue_and_due(client, world):
    client.force_login(world.justice_contributor)
    page = client.get(f"/progress/institutions/{world.justice.pk}/")
    assert page.status_code == 200
    (overdue_day, indicator), = page.context["overdue"]
    assert (overdue_day, indicator.pk) == (world.indicator.schedule()[0], world.indicator.pk)
    assert page.context["due"][0][0] == world.indicator.schedule()[1]
    assert page.context["can_report"]


def test_my_institution_takes_a_contributor_to_their_institution(client, world):
    client.force_login(world.justice_contributor)
    response = client.get("/progress/my-institution/")
    assert response.url == f"/progress/institutions/{world.justice.pk}/"


def test_follow_up_form_picks_an_institution_or_names_a_new_one(client, world):
    client.force_login(world.focal)
    rec = world.recommendations[0]
    client.post(f"/recommendations/follow-up/new/?recommendation={rec.pk}", {
        "title": "Chosen", "institution": world.interior.pk, "status": "planned",
        "recommendations": [rec.pk]})
    client.post(f"/recommendations/follow-up/new/?recommendation={rec.pk}", {
        "title": "Named", "responsible_institution": "Conseil d'État", "status": "planned",
        "recommendations": [rec.pk]})
    chosen, named = (FollowUpAction.objects.get(title=t) for t in ("Chosen", "Named"))
    assert (chosen.institution, chosen.responsible_institution) == (
        world.interior, "Ministry of the Interior")
    assert named.institution.name == "Conseil d'État"
    assert named.institution.state == world.france


def test_contributor_reports_on_their_institutions_action(client, world):
    action = FollowUpAction.objects.create(state=world.france, title="Build a prison",
                                           institution=world.justice)
    action.recommendations.set(world.recommendations[:1])
    client.force_login(world.justice_contributor)
    response = client.post(f"/progress/actions/{action.pk}/report/",
                           {"narrative": "Site chosen", "link_url": "https://example.org/x"})
    assert response.status_code == 302
    assert action.progress_reports.get().narrative == "Site chosen"
    client.force_login(world.interior_contributor)
    assert client.post(f"/progress/actions/{action.pk}/report/",
                       {"narrative": "forged"}).status_code == 403
    assert action.progress_reports.count() == 1


def test_add_user_makes_a_contributor_of_an_institution(world):
    call_command("add_user", "mia", "--role", "contributor", "--state", "fra",
                 "--institution", "moj")
    from django.contrib.auth import get_user_model

    mia = get_user_model().objects.get(username="mia")
    assert roles_of(mia) == {Role.CONTRIBUTOR}
    assert mia.profile.institution == world.justice


def test_add_user_refuses_an_unknown_institution_naming_the_known_ones(world):
    with pytest.raises(CommandError, match="Ministry of Justice"):
        call_command("add_user", "mia", "--role", "contributor", "--state", "FRA",
                     "--institution", "Ministry of Magic")


def test_add_user_contributor_needs_an_institution(world):
    with pytest.raises(CommandError, match="--institution"):
        call_command("add_user", "mia", "--role", "contributor", "--state", "FRA")


def test_pages_render_on_every_language(client, world):
    for lang in ("ar", "zh-hans", "fr", "ru", "es"):
        for url in ("/progress/states/FRA/", f"/progress/institutions/{world.justice.pk}/",
                    f"/progress/indicators/{world.indicator.pk}/"):
            assert client.get(url + f"?lang={lang}").status_code == 200, (url, lang)


def test_indicator_detail_shows_government_and_civil_society_apart(client, world, ngo_user):
    services.file_report(user=world.focal, indicator=world.indicator, value=Decimal(90),
                         narrative="Official count")
    services.file_report(user=ngo_user, actor="civil_society", indicator=world.indicator,
                         value=Decimal(140), narrative="Our count", organisation="OIP")
    page = client.get(f"/progress/indicators/{world.indicator.pk}/")
    assert [r.narrative for r in page.context["government"]] == ["Official count"]
    assert [r.narrative for r in page.context["civil_society"]] == ["Our count"]
    assert dt.date.today() >= page.context["civil_society"][0].period_end


def test_institution_page_heads_with_the_next_due_date(client, world):
    client.force_login(world.justice_contributor)
    page = client.get(f"/progress/institutions/{world.justice.pk}/")
    first = world.indicator.schedule()[0]
    assert page.context["next_due"] == (first, world.indicator)
    assert f"Next report due: {date_format(first, 'DATE_FORMAT')}" in page.content.decode()


def test_institution_page_links_every_report_it_owes(client, world):
    client.force_login(world.justice_contributor)
    page = client.get(f"/progress/institutions/{world.justice.pk}/")
    owed = len(page.context["overdue"]) + len(page.context["due"])
    # The headline, then each date overdue or coming due.
    assert page.content.decode().count(
        f'href="/progress/indicators/{world.indicator.pk}/report/"') == 1 + owed


def test_institution_page_offers_no_report_link_to_the_public(client, world):
    html = client.get(f"/progress/institutions/{world.justice.pk}/").content.decode()
    assert "Next report due" in html
    assert f"/progress/indicators/{world.indicator.pk}/report/" not in html


def test_institution_page_says_when_nothing_is_due(client, world, france):
    quiet = Institution.objects.create(state=france, name="Court of Audit", kind="other")
    html = client.get(f"/progress/institutions/{quiet.pk}/").content.decode()
    assert "No report is due." in html


def test_my_state_shows_the_overdue_indicators_to_the_focal_point(client, world):
    client.force_login(world.focal)
    page = client.get("/my-state/")
    assert page.status_code == 200
    overdue = page.context["overdue_indicators"]
    assert {i.pk for i in overdue} == {world.indicator.pk, world.other_indicator.pk}
    assert overdue[0].next_due == world.indicator.schedule()[0]
    html = page.content.decode()
    assert "Overdue indicators" in html
    assert f'href="/progress/indicators/{world.indicator.pk}/report/"' in html
    assert f'href="/progress/institutions/{world.interior.pk}/"' in html


def test_my_state_overdue_indicators_leave_out_those_reported(client, world):
    due = world.indicator.schedule()[0]
    services.file_report(user=world.focal, indicator=world.indicator, due_date=due,
                         value=Decimal(90))
    client.force_login(world.focal)
    overdue = client.get("/my-state/").context["overdue_indicators"]
    assert [i.pk for i in overdue] == [world.other_indicator.pk]


def test_my_state_overdue_indicators_cost_one_query_whatever_their_number(client, world):
    client.force_login(world.focal)

    def count() -> int:
        with CaptureQueriesContext(connection) as ctx:
            assert client.get("/my-state/").status_code == 200
        return len(ctx.captured_queries)

    first = count()
    for n in range(5):
        quarterly_indicator(world.france, world.recommendations[:1], world.interior,
                            start=world.start, title=f"Overdue {n}")
    assert count() == first
