"""An institution contributor's journey on a phone (390 px), in Spanish (issue 25): from
the menu to their institution, what is overdue, the report form with a private file,
the report on the indicator page; another institution's form is refused; axe-core finds
no serious violation and nothing overflows the screen on any page.

The Spanish words this feature adds come from locale/pending/issue-25.json: this test
passes once those translations are in the catalogues (the lead merges them)."""

import datetime as dt
import os

import pytest
from django.utils import timezone

from accounts.models import Profile
from progress.models import ProgressReport
from tests.factories import RecommendationFactory, ReviewFactory
from tests.progress.conftest import make_contributor, quarterly_indicator
from tests.web.test_browser_rtl import OVERFLOWING

from .helpers import assert_accessible, screenshot

os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 390, "height": 844}


def fits(page, name: str) -> None:
    found = page.evaluate(OVERFLOWING)
    assert not found["out"] and found["scroll"] <= found["width"] + 1, (name, found)


def test_contributor_reports_progress_on_a_phone_in_spanish(open_as, settings, tmp_path,
                                                            france):
    from states.models import Institution

    settings.MEDIA_ROOT = tmp_path
    justice = Institution.objects.create(state=france, name="Ministerio de Justicia (demo)",
                                         kind="ministry")
    interior = Institution.objects.create(state=france, name="Ministerio del Interior (demo)",
                                          kind="ministry")
    contributor = make_contributor("colaboradora", justice)
    Profile.objects.filter(user=contributor).update(language="es")
    recs = [RecommendationFactory(review=ReviewFactory(state=france)) for _ in range(3)]
    start = timezone.localdate() - dt.timedelta(days=120)
    indicator = quarterly_indicator(france, recs, justice, start=start,
                                    title="Personas en celdas sobreocupadas",
                                    manager=contributor)
    other = quarterly_indicator(france, recs[:1], interior, start=start,
                                title="Quejas tramitadas")

    page = open_as(contributor, viewport=PHONE)
    page.goto("/")
    assert page.get_attribute("html", "lang") == "es"
    # The menu takes a contributor to their institution.
    page.locator("a[href='/progress/my-institution/']").click()
    page.wait_for_url(f"**/progress/institutions/{justice.pk}/")
    main = page.inner_text("main")
    assert "Ministerio de Justicia (demo)" in main
    assert "Vencido" in main or "Atrasado" in main
    assert "Informar del progreso" in main
    screenshot(page, "es-institution-phone")
    assert_accessible(page, "institution page")
    fits(page, "institution page")

    page.locator(f"a[href='/progress/indicators/{indicator.pk}/report/']").first.click()
    page.wait_for_url(f"**/progress/indicators/{indicator.pk}/report/")
    assert "Informar del progreso: Personas en celdas sobreocupadas" in page.inner_text("h1")
    assert_accessible(page, "report form")
    fits(page, "report form")
    first_due = indicator.schedule()[0]
    assert page.input_value("#id_due_date") == first_due.isoformat()
    page.fill("#id_value", "92")
    page.fill("#id_narrative", "Se abrió un nuevo módulo en la prisión de Fresnes.")
    page.set_input_files("#id_file", files=[{"name": "acta.pdf", "mimeType": "application/pdf",
                                             "buffer": b"%PDF-1.4 acta"}])
    assert not page.is_checked("#id_file_public")  # files are private unless ticked
    screenshot(page, "es-report-form-phone")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"**/progress/indicators/{indicator.pk}/**")
    assert "Informe de progreso registrado." in page.inner_text("main")
    report = ProgressReport.objects.get(indicator=indicator)
    assert (report.due_date, report.created_by_id) == (first_due, contributor.pk)
    assert not report.evidence.get().is_public
    # The private file is listed for them (a user of the State), marked private.
    assert "acta.pdf" in page.inner_text("main")
    assert "Privado" in page.inner_text("main")
    screenshot(page, "es-indicator-phone")
    assert_accessible(page, "indicator page")
    fits(page, "indicator page")

    # Another institution's indicator: a clear refusal, nothing written.
    response = page.goto(f"/progress/indicators/{other.pk}/report/")
    assert response.status == 403
    assert_accessible(page, "refusal")
    assert not ProgressReport.objects.filter(indicator=other).exists()


def test_progress_pages_fit_a_phone_in_arabic_and_pass_axe(open_as, settings, tmp_path,
                                                           france, ngo_user):
    """The public progress pages, right to left at 390 px: nothing overflows, axe clean."""
    from decimal import Decimal

    from progress import services
    from states.models import Institution

    settings.MEDIA_ROOT = tmp_path
    justice = Institution.objects.create(state=france, name="Ministry of Justice",
                                         kind="ministry")
    recs = [RecommendationFactory(review=ReviewFactory(state=france)) for _ in range(3)]
    start = timezone.localdate() - dt.timedelta(days=120)
    indicator = quarterly_indicator(france, recs, justice, start=start,
                                    title="Prisoners in overcrowded cells")
    services.file_report(user=ngo_user, actor="civil_society", indicator=indicator,
                         value=Decimal(120), narrative="Our count", organisation="OIP")
    page = open_as(None, viewport=PHONE)
    for name, path in [("state-progress", "/progress/states/FRA/"),
                       ("institutions", "/progress/states/FRA/institutions/"),
                       ("institution", f"/progress/institutions/{justice.pk}/"),
                       ("indicator", f"/progress/indicators/{indicator.pk}/")]:
        response = page.goto(path + "?lang=ar")
        assert response.status == 200, name
        assert page.get_attribute("html", "dir") == "rtl", name
        screenshot(page, f"ar-{name}-390")
        fits(page, name)
        assert_accessible(page, name)


def test_state_progress_charts_stack_on_a_phone_with_their_tables(open_as, settings, tmp_path,
                                                                  france):
    """At 390 px each institution's chart takes the whole width, one under the other,
    and carries its own table (the numbers, not only the bars' lengths)."""
    from states.models import Institution

    settings.MEDIA_ROOT = tmp_path
    recs = [RecommendationFactory(review=ReviewFactory(state=france)) for _ in range(3)]
    start = timezone.localdate() - dt.timedelta(days=120)
    for n, name in enumerate(("Ministry of Justice", "Ministry of the Interior",
                              "Ministry for Equality")):
        institution = Institution.objects.create(state=france, name=name, kind="ministry")
        quarterly_indicator(france, recs[:n + 1], institution, start=start,
                            title=f"Indicator {n}")
    page = open_as(None, viewport=PHONE)
    page.goto("/progress/states/FRA/")
    section = page.locator("section[aria-labelledby=institution-heading]")
    figures = section.locator("figure.chart")
    assert figures.count() == 3
    boxes = [figures.nth(i).bounding_box() for i in range(3)]
    content = section.bounding_box()
    for above, below in zip(boxes, boxes[1:], strict=False):
        assert below["y"] >= above["y"] + above["height"] - 1, boxes
    for box in boxes:
        assert abs(box["x"] - content["x"]) <= 1 and box["width"] >= content["width"] - 2, box
    for i in range(3):
        figures.nth(i).locator("summary").click()
        table = figures.nth(i).locator("table")
        assert table.is_visible()
        assert table.bounding_box()["y"] > figures.nth(i).locator(".bar-chart").bounding_box()["y"]
    fits(page, "state progress")
    screenshot(page, "en-state-progress-phone")


def test_my_state_overdue_indicators_card_on_a_phone_in_arabic(open_as, settings, tmp_path,
                                                               france):
    """The focal point's "Overdue indicators" card, right to left at 390 px: its report
    link on screen, nothing overflows, axe clean."""
    from accounts.roles import Role
    from states.models import Institution
    from tests.conftest import make_user

    settings.MEDIA_ROOT = tmp_path
    justice = Institution.objects.create(state=france, name="Ministry of Justice",
                                         kind="ministry")
    recs = [RecommendationFactory(review=ReviewFactory(state=france)) for _ in range(3)]
    start = timezone.localdate() - dt.timedelta(days=120)
    indicator = quarterly_indicator(france, recs, justice, start=start,
                                    title="Prisoners in overcrowded cells")
    focal = make_user("focal-ar", Role.FOCAL_POINT, state=france)
    page = open_as(focal, viewport=PHONE)
    page.goto("/my-state/?lang=ar")
    card = page.locator("section[aria-labelledby=overdue-indicators-heading]")
    assert "Prisoners in overcrowded cells" in card.inner_text()
    link = card.locator(f"a[href='/progress/indicators/{indicator.pk}/report/']")
    box = link.bounding_box()
    assert 0 <= box["x"] and box["x"] + box["width"] <= PHONE["width"], box
    screenshot(page, "ar-my-state-overdue-indicators-390")
    fits(page, "my state")
    assert_accessible(page, "my state")
