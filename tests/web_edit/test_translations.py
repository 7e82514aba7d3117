"""Every user-facing string on the editing pages goes through gettext.

The pages are rendered with a pseudo-translation that wraps every translated string
in ⟪…⟫; whatever text is left outside the markers must be data (names, texts,
numbers), never an English sentence someone forgot to mark.
"""

import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from recommendations.models import SDG
from tests.factories import FollowUpActionFactory


class MainText(HTMLParser):
    """Text and labelling attributes inside <main>, without <select> option lists
    (State and theme names are data) or scripts."""

    SKIP = {"select", "script", "style", "textarea"}

    def __init__(self) -> None:
        super().__init__()
        self.in_main, self.skip, self.chunks = 0, 0, []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "main":
            self.in_main += 1
        if tag in self.SKIP:
            self.skip += 1
        if self.in_main and not self.skip:
            attributes = dict(attrs)
            self.chunks += [attributes[a] for a in ("aria-label", "title", "placeholder", "alt")
                            if attributes.get(a)]
            if tag == "input" and attributes.get("type") == "submit" and attributes.get("value"):
                self.chunks.append(attributes["value"])

    def handle_endtag(self, tag) -> None:
        if tag == "main":
            self.in_main -= 1
        if tag in self.SKIP:
            self.skip -= 1

    def handle_data(self, data) -> None:
        if self.in_main and not self.skip and data.strip():
            self.chunks.append(data)


@pytest.fixture
def pseudo_translated(monkeypatch):
    trans = translation._trans
    real = {name: getattr(trans, name) for name in ("gettext", "ngettext", "pgettext",
                                                    "npgettext")}
    monkeypatch.setattr(trans, "gettext", lambda m: f"⟪{real['gettext'](m)}⟫")
    monkeypatch.setattr(trans, "ngettext",
                        lambda s, p, n: f"⟪{real['ngettext'](s, p, n)}⟫")
    monkeypatch.setattr(trans, "pgettext", lambda c, m: f"⟪{real['pgettext'](c, m)}⟫")
    monkeypatch.setattr(trans, "npgettext",
                        lambda c, s, p, n: f"⟪{real['npgettext'](c, s, p, n)}⟫")


def untranslated(html: str, data: list[str]) -> list[str]:
    # Markers may span tags (a blocktrans with a link in it) and nest: drop them first.
    previous = None
    while previous != html:
        previous, html = html, re.sub(r"⟪[^⟪⟫]*⟫", " ", html)
    parser = MainText()
    parser.feed(html)
    left = []
    for chunk in parser.chunks:
        for value in sorted(data, key=len, reverse=True):
            chunk = chunk.replace(value, " ")
        # Dates and times as Django formats them (month abbreviations are translated
        # elsewhere) and numbers are not sentences.
        chunk = re.sub(r"\b(a\.m\.|p\.m\.|midnight|noon)", " ", chunk)
        if re.search(r"[A-Za-z]{2,}", chunk):
            left.append(chunk.strip())
    return left


def test_editing_pages_translate_every_string(client_as, pseudo_translated, review,
                                              recommendation, users, germany):
    action = FollowUpActionFactory(recommendations=[recommendation], title="Action title")
    data = [str(review), review.state.name, str(review.session), recommendation.text,
            recommendation.paragraph, "Germany", "France", "Action title",
            "Ministry of Justice", *users.keys(), *(u.username for u in users.values()),
            *(str(s) for s in SDG.objects.all()), *(s.title for s in SDG.objects.all()),
            "Atlantis", "Ratify the treaty",
            "A/HRC/54/5", "A/HRC/54/5/Add.1", "A/HRC/WG.6/43/FRA/1", "A/HRC/WG.6/43/FRA/2",
            "A/HRC/WG.6/43/FRA/3"]
    ngo, focal = client_as("ngo"), client_as("focal-fra")
    pages = {
        "paste preview": ngo.post(
            reverse("imports:recommendation_paste", args=[review.pk]),
            {"text": "45.1 Ratify the treaty (Atlantis);\n45.2 Ratify the treaty (France);",
             "response": "pending", "preview": "1"}),
        "edit": ngo.get(reverse("recommendations:recommendation_edit",
                                args=[recommendation.pk])),
        "create": ngo.get(reverse("recommendations:recommendation_create", args=[review.pk])),
        "assessment": ngo.get(reverse("recommendations:assessment_create",
                                      args=[recommendation.pk])),
        "review edit": ngo.get(reverse("reviews:review_edit", args=[review.pk])),
        "upload": ngo.get(reverse("imports:import_upload")),
        "status": focal.get(reverse("recommendations:government_status",
                                    args=[recommendation.pk])),
        "follow-up form": focal.get(reverse("recommendations:followupaction_edit",
                                            args=[action.pk])),
        "follow-up page": focal.get(action.get_absolute_url()),
        "my state": focal.get(reverse("front:my_state")),
        "not a focal point": ngo.get(reverse("front:my_state")),
    }
    problems = {name: untranslated(r.content.decode(), data) for name, r in pages.items()}
    assert {name: left for name, left in problems.items() if left} == {}


def test_editing_pages_speak_french(client_as, review):
    client = client_as("ngo")
    client.cookies["django_language"] = "fr"
    # LocaleMiddleware leaves French active in this thread; override restores English.
    with translation.override("en"):
        response = client.get(reverse("imports:recommendation_paste",
                                      args=[review.pk]))
    assert '<html lang="fr" dir="ltr">' in response.content.decode()
    with translation.override("fr"):
        expected = translation.gettext("Recommendations")
    assert expected in response.content.decode()
