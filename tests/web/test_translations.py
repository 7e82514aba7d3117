"""The six catalogues are complete: every string translated, nothing fuzzy, the same
placeholders as the English text (a missing one would crash or lie), and as many plural
forms as the language has (Arabic six, Russian three, Chinese one)."""

import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import translation

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
from untranslated import nplurals, problems, read_po  # noqa: E402

LOCALE = ROOT / "locale"
CATALOGUES = ["ar", "zh_Hans", "fr", "ru", "es"]
PLURAL_FORMS = {"ar": 6, "zh_Hans": 1, "fr": 2, "ru": 3, "es": 2}


def test_every_interface_language_has_a_catalogue():
    codes = {code for code, _name in settings.LANGUAGES}
    assert codes == {"ar", "zh-hans", "en", "fr", "ru", "es"}
    assert {translation.to_locale(c) for c in codes - {"en"}} == set(CATALOGUES)


@pytest.mark.parametrize("lang", CATALOGUES)
def test_catalogue_is_complete_and_keeps_placeholders(lang):
    path = LOCALE / lang / "LC_MESSAGES" / "django.po"
    entries = read_po(path)
    assert len(entries) > 300
    unfinished = [(e["msgid"], problems(e)) for e in entries if problems(e)]
    assert unfinished == [], f"run scripts/untranslated.py -l {lang}"
    assert nplurals(path) == PLURAL_FORMS[lang]
    for e in entries:
        if e["msgid_plural"] is not None:
            assert len(e["msgstr"]) == PLURAL_FORMS[lang], e["msgid"]


@pytest.mark.parametrize(("lang", "word"), [
    ("fr", "Tableau de bord"), ("es", "Panel"), ("ar", "لوحة المعلومات"),
    ("zh-hans", "仪表板"), ("ru", "Панель"),
])
def test_compiled_catalogue_translates_the_navigation(lang, word):
    with translation.override(lang):
        assert translation.gettext("Dashboard") == word


@pytest.mark.parametrize(("lang", "n", "text"), [
    ("ru", 1, "1 рекомендация"), ("ru", 3, "3 рекомендации"), ("ru", 11, "11 рекомендаций"),
    ("ru", 22, "22 рекомендации"), ("ru", 25, "25 рекомендаций"),
    ("ar", 1, "توصية واحدة (1)"), ("ar", 2, "توصيتان (2)"), ("ar", 5, "5 توصيات"),
    ("ar", 11, "11 توصية"), ("ar", 100, "100 توصية"),
    ("zh-hans", 7, "7条建议"), ("fr", 2, "2 recommandations"), ("es", 1, "1 recomendación"),
])
def test_plural_forms_follow_the_language(lang, n, text):
    with translation.override(lang):
        got = translation.ngettext("%(counter)s recommendation", "%(counter)s recommendations",
                                   n) % {"counter": n}
    assert got == text


@pytest.mark.django_db
def test_french_state_page_translates_region_and_labels(client):
    content = client.get("/states/FRA/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Groupe d’Europe occidentale et autres" in content
    assert "Examens par cycle" in content


def test_french_wording_the_issue_names():
    with translation.override("fr"):
        assert translation.gettext("UN compilation") == "Compilation des Nations Unies"
        # No "à France": the State name comes after a label, never after a bare preposition.
        heading = translation.gettext("Recommendation %(paragraph)s to %(state)s")
        assert " à %(state)s" not in heading
