"""The mid-term report: who gets which version, and what the .docx and CSV say."""

import csv
import datetime as dt
import io

import docx
import pytest

from accounts.roles import Role
from recommendations import services
from recommendations.models import Actor
from tests.conftest import make_user
from tests.factories import state

pytestmark = pytest.mark.django_db


@pytest.fixture
def assessed(small):
    r1 = small.r1
    r1.add_assessment(actor=Actor.GOVERNMENT, status="not_started",
                      assessed_on=dt.date(2025, 1, 10), comment="Not begun")
    r1.add_assessment(actor=Actor.GOVERNMENT, status="in_progress",
                      assessed_on=dt.date(2025, 9, 1), comment="Bill tabled in parliament",
                      evidence_url="https://example.org/bill")
    r1.add_assessment(actor=Actor.CIVIL_SOCIETY, status="not_implemented",
                      assessed_on=dt.date(2025, 10, 1), comment="No progress seen",
                      organisation="Human Rights League")
    services.create_follow_up_action(
        state=small.fra.state, recommendations=[r1], title="Draft the ratification bill",
        responsible_institution="Ministry of Justice", target_date=dt.date(2026, 6, 30))
    return small


def url(review, **params) -> str:
    query = "&".join(f"{k}={v}" for k, v in params.items())
    return f"/analysis/reviews/{review.pk}/mid-term-report/" + (f"?{query}" if query else "")


def open_docx(response) -> docx.Document:
    assert response.status_code == 200, response.content[:500]
    assert response["Content-Type"].startswith(
        "application/vnd.openxmlformats-officedocument.wordprocessingml")
    assert "attachment" in response["Content-Disposition"]
    return docx.Document(io.BytesIO(response.content))


def block(document, heading: str) -> list[str]:
    """The paragraphs after `heading` up to the next heading."""
    paragraphs = document.paragraphs
    start = next(i for i, p in enumerate(paragraphs) if p.text == heading)
    lines = []
    for p in paragraphs[start + 1:]:
        if p.style.name.startswith("Heading"):
            break
        lines.append(p.text)
    return lines


def test_government_version(client, assessed):
    client.force_login(make_user("ngo", Role.NGO))
    document = open_docx(client.get(url(assessed.fra, version="government", format="docx")))
    headings = [(p.style.name, p.text) for p in document.paragraphs
                if p.style.name.startswith(("Heading", "Title"))]
    assert headings[0] == ("Title", "Mid-term report on the implementation of the "
                                    "recommendations: France, Session 43 (Cycle 4)")
    names = [text for _style, text in headings]
    assert names.index("Summary") < names.index("Contents") < names.index(
        f"1. {assessed.theme_a.name}")
    assert f"2. {assessed.theme_b.name}" in names
    # Theme A holds 45.1 and 46.1, theme B 45.2; the contents list says so.
    contents = block(document, "Contents")
    assert contents == [f"1. {assessed.theme_a.name} (2 recommendations)",
                        f"2. {assessed.theme_b.name} (1 recommendation)"]
    # Counts per status: the government's latest status only (in progress, not "not started").
    tables = {tuple(c.text for c in t.rows[0].cells): [tuple(c.text for c in r.cells)
                                                       for r in t.rows[1:]]
              for t in document.tables}
    assert tables[("Status", "Recommendations")] == [
        ("Not started", "0"), ("In progress", "1"), ("Partially implemented", "0"),
        ("Fully implemented", "0"), ("Not reported", "2")]
    assert ("Supported", "2") in tables[("Response", "Recommendations")]
    assert len(document.tables) == 2  # no civil-society table in this version
    lines = block(document, "Recommendation 45.1")
    assert lines[0] == assessed.r1.text
    assert "Recommended by: Brazil, Germany" in lines
    assert any(line.startswith("Response: Supported") for line in lines)
    assert "Government status: In progress (Sept. 1, 2025)" in lines
    assert "Government comment: Bill tabled in parliament" in lines
    assert "Evidence: https://example.org/bill" in lines
    assert "Follow-up actions:" in lines
    assert "Draft the ratification bill — Ministry of Justice — June 30, 2026 — Planned" in lines
    text = "\n".join(p.text for p in document.paragraphs)
    assert "No progress seen" not in text and "Civil-society" not in text


def test_civil_society_version_adds_the_assessments(client, assessed):
    client.force_login(make_user("ngo", Role.NGO))
    document = open_docx(client.get(url(assessed.fra, version="civil_society", format="docx")))
    lines = block(document, "Recommendation 45.1")
    assert "Government status: In progress (Sept. 1, 2025)" in lines
    assert ("Civil-society assessment: Not implemented (Oct. 1, 2025), Human Rights League"
            in lines)
    assert "Civil-society comment: No progress seen" in lines
    assert len(document.tables) == 3


def test_grouping_by_paragraph(client, assessed):
    client.force_login(make_user("ngo", Role.NGO))
    document = open_docx(client.get(url(assessed.fra, version="government", format="docx",
                                        grouping="paragraph")))
    assert block(document, "Contents") == ["1. Paragraph 45 (2 recommendations)",
                                           "2. Paragraph 46 (1 recommendation)"]


def test_csv(client, assessed):
    client.force_login(make_user("ngo", Role.NGO))
    response = client.get(url(assessed.fra, version="civil_society", format="csv"))
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert [r["Paragraph"] for r in rows] == ["45.1", "46.1", "45.2"]
    first = rows[0]
    assert first["Group"] == assessed.theme_a.name
    assert first["Government status"] == "In progress"
    assert first["Government comment"] == "Bill tabled in parliament"
    assert first["Civil-society assessment"] == "Not implemented"
    assert "Ministry of Justice" in first["Follow-up actions"]


def test_who_gets_which_version(client, assessed):
    fra_focal = make_user("focal-fra", Role.FOCAL_POINT, state=assessed.fra.state)
    deu_focal = make_user("focal-deu", Role.FOCAL_POINT, state=state("DEU"))
    anonymous = client.get(url(assessed.fra))
    assert anonymous.status_code == 302 and "/accounts/login/" in anonymous.url
    client.force_login(fra_focal)
    page = client.get(url(assessed.fra)).content.decode()
    assert "Government version" in page and "Civil-society version" not in page
    assert client.get(url(assessed.fra, version="government", format="docx")).status_code == 200
    assert client.get(url(assessed.fra, version="civil_society",
                          format="docx")).status_code == 403
    client.force_login(deu_focal)
    assert client.get(url(assessed.fra)).status_code == 403
    client.force_login(make_user("researcher", Role.RESEARCHER))
    assert client.get(url(assessed.fra, version="government", format="csv")).status_code == 403
    client.force_login(make_user("ngo", Role.NGO))
    page = client.get(url(assessed.fra)).content.decode()
    assert "Government version" in page and "Civil-society version" in page
    assert client.get(url(assessed.fra, version="government", format="pdf")).status_code == 400
    assert client.get(url(assessed.fra, version="nope", format="docx")).status_code == 400


def test_the_report_is_in_the_users_language(client, assessed):
    # The language a user chose in their profile (remembered at login, issue 15).
    user = make_user("ngo", Role.NGO)
    user.profile.language = "fr"
    user.profile.save(update_fields=["language"])
    client.force_login(user)
    response = client.get(url(assessed.fra, version="government", format="docx"))
    document = open_docx(response)
    texts = [p.text for p in document.paragraphs]
    assert texts[0].startswith("Rapport à mi-parcours sur la mise en œuvre des recommandations")
    assert "Résumé" in texts and "Table des matières" in texts
    assert "Statut selon le gouvernement : En cours (1 septembre 2025)" in block(document,
                                                                     "Recommandation 45.1")


def test_french_report_has_french_names_canonical_themes_and_dates(client, settings):
    """Issue 23: State and theme names translated, themes grouped by the canonical theme
    (a UPR Info label under the UHRI theme it means), dates in French."""
    import io

    import docx
    from django.utils import translation

    from analysis import midterm
    from recommendations.models import Theme
    from tests.factories import RecommendationFactory, ReviewFactory, session, state

    review = ReviewFactory(state=state("DEU"), session=session(44))
    label = Theme.objects.get(slug="migrants")  # UPR Info's label for UHRI's "Migrants"
    rec = RecommendationFactory(review=review, paragraph="140.1",
                                recommending_states=[state("FRA")])
    rec.themes.add(label)
    rec.add_assessment(actor=Actor.GOVERNMENT, status="in_progress",
                       assessed_on=dt.date(2025, 3, 4))
    with translation.override("fr"):
        report = midterm.build(review, version="government", grouping="theme")
        assert [name for name, _items in report.groups] == ["Migrants"]
        assert report.groups[0][1][0].states == ["France"]
        text = "\n".join(p.text for p in docx.Document(io.BytesIO(
            midterm.to_docx(report))).paragraphs)
    assert "Allemagne" in text
    assert "4 mars 2025" in text
    assert "2025-03-04" not in text
