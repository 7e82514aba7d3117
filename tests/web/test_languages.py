"""All six UN languages: every main page renders in each with no English sentence left,
the data's names (States, SDGs, themes, groups) follow the language, Arabic is right to
left, the API and exports localize on request, and State names typed in any of the
languages are understood."""

import csv
import io
import re
from html.parser import HTMLParser

import pytest
from django.urls import reverse
from django.utils import translation

from recommendations.models import SDG, AffectedGroup, NameTranslation, Theme
from states.models import State
from tests.conftest import make_user
from tests.factories import FollowUpActionFactory
from tests.web.conftest import make_recommendations
from tests.web.test_public_pages import page_urls

pytestmark = pytest.mark.django_db

LANGUAGES = ["ar", "zh-hans", "en", "fr", "ru", "es"]


@pytest.mark.parametrize(("iso3", "names"), [
    ("FRA", {"ar": "فرنسا", "zh-hans": "法国", "ru": "Франция", "es": "Francia",
             "fr": "France", "en": "France"}),
    ("DEU", {"ar": "ألمانيا", "zh-hans": "德国", "ru": "Германия", "es": "Alemania",
             "fr": "Allemagne", "en": "Germany"}),
    ("PSE", {"ar": "دولة فلسطين", "zh-hans": "巴勒斯坦国", "ru": "Государство Палестина",
             "es": "Estado de Palestina", "fr": "État de Palestine", "en": "State of Palestine"}),
    ("RUS", {"ar": "الاتحاد الروسي", "zh-hans": "俄罗斯联邦", "ru": "Российская Федерация",
             "es": "Federación de Rusia", "fr": "Fédération de Russie",
             "en": "Russian Federation"}),
])
def test_state_names_in_every_language(iso3, names):
    state = State.objects.get(iso3=iso3)
    for language, name in names.items():
        assert state.name_in(language) == name
        with translation.override(language):
            assert str(state) == name
    assert state.name == names["en"]  # the stored (API) name stays English


@pytest.mark.parametrize(("number", "titles"), [
    (5, {"ar": "المساواة بين الجنسين", "zh-hans": "性别平等", "ru": "Гендерное равенство",
         "fr": "Égalité entre les sexes", "es": "Igualdad de género", "en": "Gender equality"}),
    (16, {"ar": "السلام والعدل والمؤسسات القوية", "zh-hans": "和平、正义与强大机构",
          "ru": "Мир, правосудие и эффективные институты",
          "fr": "Paix, justice et institutions efficaces",
          "es": "Paz, justicia e instituciones sólidas",
          "en": "Peace, justice and strong institutions"}),
])
def test_sdg_titles_in_every_language(number, titles):
    sdg = SDG.objects.get(number=number)
    for language, title in titles.items():
        with translation.override(language):
            assert sdg.localized_title == title


def test_every_sdg_affected_group_and_upr_info_theme_is_seeded_in_five_languages():
    for kind, keys in [
        (NameTranslation.Kind.SDG, [str(n) for n in SDG.objects.values_list("number", flat=True)]),
        (NameTranslation.Kind.AFFECTED_GROUP, list(AffectedGroup.objects.values_list("slug",
                                                                                    flat=True))),
        (NameTranslation.Kind.THEME, list(Theme.objects.filter(source="upr-info")
                                          .values_list("slug", flat=True))),
    ]:
        for language in ["ar", "zh-hans", "ru", "fr", "es"]:
            have = set(NameTranslation.objects.filter(kind=kind, language=language)
                       .values_list("key", flat=True))
            assert set(keys) <= have, (kind, language, set(keys) - have)


def test_a_translation_edited_in_the_admin_shows_at_once(admin_user, client):
    theme = Theme.objects.get(slug="death-penalty")
    with translation.override("fr"):
        assert str(theme) == "Peine de mort"
    client.force_login(admin_user)
    row = NameTranslation.objects.get(kind="theme", key="death-penalty", language="fr")
    response = client.post(reverse("admin:recommendations_nametranslation_change",
                                   args=[row.pk]),
                           {"kind": "theme", "key": "death-penalty", "language": "fr",
                            "name": "Peine capitale"})
    assert response.status_code == 302
    with translation.override("fr"):
        assert str(Theme.objects.get(slug="death-penalty")) == "Peine capitale"


class VisibleText(HTMLParser):
    """Text of the page body and its labelling attributes, without scripts, option lists
    and the language menu (each language is named in itself there)."""

    SKIP = {"script", "style", "select", "textarea", "code"}

    def __init__(self) -> None:
        super().__init__()
        self.skip, self.chunks, self.in_body = 0, [], False

    def handle_starttag(self, tag, attrs) -> None:
        attributes = dict(attrs)
        if tag == "body":
            self.in_body = True
        if tag in self.SKIP or "language-switcher" in (attributes.get("class") or ""):
            self.skip += 1
            self._skipped = getattr(self, "_skipped", []) + [tag]
        if self.in_body and not self.skip:
            self.chunks += [attributes[a] for a in ("aria-label", "title", "placeholder", "alt")
                            if attributes.get(a)]

    def handle_endtag(self, tag) -> None:
        if self.skip and getattr(self, "_skipped", []) and self._skipped[-1] == tag:
            self._skipped.pop()
            self.skip -= 1

    def handle_data(self, data) -> None:
        if self.in_body and not self.skip and data.strip():
            self.chunks.append(data)


# Words that are the same in every language: names, acronyms, document symbols.
NOT_SENTENCES = ["UPR Tracker", "UPR Info", "REST", "API", "CSV", "JSON", "Excel (XLSX)", "Excel",
                 "XLSX", "ISO3", "ISO", "alpha-3", "Token", "Authorization", "OK", "ETag"]


def _english_msgids(language: str) -> set[str]:
    """English interface strings whose translation into `language` differs from them
    (so `Session` or `Format`, the same in French, do not count)."""
    from django.utils.translation import to_locale

    from tests.web.test_translations import LOCALE, read_po
    entries = read_po(LOCALE / to_locale(language) / "LC_MESSAGES" / "django.po")
    return {e["msgid"] for e in entries if "%" not in e["msgid"] and len(e["msgid"]) > 3
            and e["msgstr"].get(0) != e["msgid"]}


def english_left(html: str, data: list[str], language: str) -> list[str]:
    """English sentences on a page in another language: interface strings left in
    English, and (in Arabic, Chinese, Russian) any Latin-script word that is not data."""
    parser = VisibleText()
    parser.feed(html)
    msgids = _english_msgids(language)
    left = [c.strip() for c in parser.chunks if c.strip() in msgids]
    if language in ("fr", "es"):
        return left
    for chunk in parser.chunks:
        for value in sorted(data + NOT_SENTENCES, key=len, reverse=True):
            chunk = chunk.replace(value, " ")
        if re.search(r"[A-Za-z]{3,}", chunk):
            left.append(chunk.strip())
    return left


@pytest.fixture
def site(db, france, germany):
    recs = make_recommendations(3)
    rec = recs[0]
    rec.themes.set(Theme.objects.filter(slug__in=["death-penalty", "right-to-health"]))
    rec.sdgs.set(SDG.objects.filter(number__in=[5, 16]))
    rec.affected_groups.set(AffectedGroup.objects.filter(slug="women"))
    focal = make_user("focal-lang", "focal-point", state=rec.review.state)
    FollowUpActionFactory(recommendations=[rec], title="Action title")
    return {"recs": recs, "focal": focal}


def _pages(site) -> dict[str, str]:
    rec = site["recs"][0]
    pages = page_urls(rec)
    pages.update({
        "deadlines": reverse("reminders:deadlines"),
        "login": reverse("login"),
        "profile": reverse("accounts:profile"),
        "my_state": reverse("front:my_state"),
        "search_fr": reverse("recommendations:recommendation_list") + "?q=Франция",
    })
    return pages


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_main_page_renders_in_each_language_with_no_english_left(client, site,
                                                                          language):
    recs = site["recs"]
    client.force_login(site["focal"])
    client.cookies["django_language"] = language
    data = [r.text for r in recs] + [v for s in State.objects.all()
                                     for v in (s.name, s.iso3, s.iso2)] + [
        "focal-lang@example.org", "focal-lang", "Action title", "Ministry of Justice"]
    data += [w for r in recs for w in (r.review.wg_report_symbol, str(r.paragraph)) if w]
    # Response sources are stored as written in the documents (`A/HRC/54/5/Add.1, para. 3`).
    data += [r.response_source for r in recs if r.response_source]
    data += [a.title for r in recs for a in r.follow_up_actions.all()]
    data += [rr.source_label for r in recs for rr in r.responses.all() if rr.source_label]
    # Pages say "para." in the reader's words (issue 23): the document symbol is data.
    data += [rr.source_label.rsplit(", para. ", 1)[0] for r in recs
             for rr in r.responses.all() if rr.source_label]
    for name, url in _pages(site).items():
        with translation.override("en"):
            response = client.get(url)
        assert response.status_code == 200, (language, name)
        html = response.content.decode()
        direction = "rtl" if language == "ar" else "ltr"
        assert f'<html lang="{language}" dir="{direction}">' in html, (language, name)
        if language != "en":
            assert english_left(html, data, language) == [], (language, name)


def test_french_page_shows_french_data_names(client, site):
    rec = site["recs"][0]
    client.cookies["django_language"] = "fr"
    html = client.get(rec.get_absolute_url()).content.decode()
    assert "Peine de mort" in html and "Femmes" in html
    assert "Égalité entre les sexes" in html
    assert "Groupe d’Europe occidentale et autres" in client.get("/states/FRA/").content.decode()


def test_state_names_typed_in_the_interface_language_are_recognised(client, site):
    rec = site["recs"][0]
    state = rec.review.state
    for typed in [state.name_in("ru"), state.name_in("ar"), state.name_in("zh-hans")]:
        assert list(State.objects.search(typed)) == [state]
        assert State.objects.resolve(typed) == state
        response = client.get("/api/v1/recommendations/", {"state_under_review": typed})
        assert response.status_code == 200, typed
        assert {r["state_under_review"]["iso3"] for r in response.json()["results"]} == {
            state.iso3}
    # The search box: a State's name finds what it received; full text stays English.
    found = client.get("/api/v1/recommendations/", {"q": state.name_in("ar")}).json()
    assert rec.pk in {r["id"] for r in found["results"]}
    word = rec.text.split()[0]
    by_text = client.get("/api/v1/recommendations/", {"q": word, "lang": "ar"}).json()
    assert rec.pk in {r["id"] for r in by_text["results"]}


def test_api_keeps_codes_and_english_names_and_localizes_on_request(client, site):
    rec = site["recs"][0]
    url = f"/api/v1/recommendations/{rec.pk}/"
    plain = client.get(url).json()
    assert plain["state_under_review"]["name"] == rec.review.state.name
    assert plain["state_under_review"]["localized_name"] == rec.review.state.name
    assert plain["response"] == rec.response
    for asked in [{"lang": "ru"}, {"HTTP_ACCEPT_LANGUAGE": "ru"}]:
        params = {k: v for k, v in asked.items() if k == "lang"}
        headers = {k: v for k, v in asked.items() if k != "lang"}
        body = client.get(url, params, **headers).json()
        assert body["state_under_review"]["name"] == rec.review.state.name
        assert body["state_under_review"]["localized_name"] == rec.review.state.name_in("ru")
        assert body["response"] == rec.response
        assert {t["localized_name"] for t in body["themes"]} >= {"Смертная казнь"}
    state = client.get("/api/v1/states/FRA/", {"lang": "zh-hans"}).json()
    assert (state["name"], state["localized_name"]) == ("France", "法国")
    schema = client.get("/api/schema/").content.decode()
    assert "localized_name" in schema and "name: lang" in schema


def test_export_headers_localized_on_request_keep_codes(client, site):
    rec = site["recs"][0]
    base = "/api/v1/recommendations/export/?format=csv"
    english = list(csv.reader(io.StringIO(client.get(base).getvalue().decode("utf-8-sig"))))
    assert english[0][:4] == ["id", "url", "page_url", "state_under_review"]
    french = list(csv.reader(io.StringIO(
        client.get(base + "&lang=fr").getvalue().decode("utf-8-sig"))))
    assert french[0][3:5] == ["État examiné (ISO3)", "État examiné"]
    row = next(r for r in french[1:] if r[0] == str(rec.pk))
    assert row[3] == rec.review.state.iso3  # codes unchanged
    assert row[4] == rec.review.state.name_in("fr")
    assert "Peine de mort" in row[13]
    xlsx = client.get("/api/v1/recommendations/export/?format=xlsx&lang=es")
    from openpyxl import load_workbook
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    assert next(sheet.iter_rows(values_only=True))[4] == "Estado examinado"


def test_language_is_remembered_in_the_profile_and_used_at_next_login(client, site):
    focal = site["focal"]
    client.force_login(focal)
    client.post(reverse("set_language"), {"language": "ar", "next": "/"})
    focal.profile.refresh_from_db()
    assert focal.profile.language == "ar"
    other_browser = type(client)()
    other_browser.force_login(focal)
    html = other_browser.get("/").content.decode()
    assert '<html lang="ar" dir="rtl">' in html
    assert other_browser.cookies["django_language"].value == "ar"


def test_dates_and_numbers_follow_the_locale():
    import datetime as dt

    from django.utils import formats
    day = dt.date(2026, 5, 1)
    with translation.override("fr"):
        assert formats.date_format(day) == "1 mai 2026"
    with translation.override("ru"):
        assert "мая" in formats.date_format(day)
    with translation.override("es"):
        assert formats.number_format(1234.5, 1, use_l10n=True) == "1\xa0234,5"


def test_reminder_titles_stored_in_english_read_in_the_recipients_language():
    from reminders.services import localized_title

    states = {s.name: s for s in State.objects.all()}
    with translation.override("ru"):
        assert localized_title("France, Session 43", states) == "Франция, Сессия 43"
        assert localized_title("Germany: Draft the plan", states) == "Германия: Draft the plan"
        assert localized_title("Something else", states) == "Something else"


def test_import_report_notes_read_in_the_interface_language():
    from recommendations.report_i18n import localize_note

    with translation.override("fr"):
        assert localize_note("File type: Word document (.docx)") == (
            "Type de fichier : document Word (.docx)")
        assert localize_note("Review from the page header: Germany, cycle 4, session 44") == (
            "Examen d’après l’en-tête de page : Allemagne, cycle 4, session 44")
        assert localize_note("Something new") == "Something new"
    with translation.override("ar"):
        assert localize_note("File type: CSV, encoding utf-8, line endings LF") == (
            "نوع الملف: CSV، الترميز utf-8، نهايات الأسطر LF")
