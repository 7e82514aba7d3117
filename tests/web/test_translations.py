"""The French and Spanish catalogues are complete: every string translated, nothing fuzzy,
and the same placeholders as the English text (a missing one would crash or lie)."""

import ast
import re
from pathlib import Path

import pytest
from django.utils import translation

LOCALE = Path(__file__).resolve().parents[2] / "locale"
PLACEHOLDER = re.compile(r"%\(\w+\)[sd]|%%")


def read_po(path: Path) -> list[dict]:
    """Entries of a .po file as {flags, msgid, msgid_plural, msgstr: [...]}: a small parser,
    enough for the files makemessages writes."""
    entries, entry, key = [], None, None
    for line in path.read_text(encoding="utf-8").splitlines() + [""]:
        if not line.strip():
            if entry is not None:
                entries.append(entry)
            entry, key = None, None
            continue
        entry = entry or {"flags": "", "msgid": "", "msgid_plural": None, "msgstr": {}}
        if line.startswith("#,"):
            entry["flags"] += line
        elif line.startswith("#"):
            continue
        elif line.startswith("msgid_plural "):
            key, entry["msgid_plural"] = "msgid_plural", ast.literal_eval(line[13:])
        elif line.startswith("msgid "):
            key, entry["msgid"] = "msgid", ast.literal_eval(line[6:])
        elif line.startswith("msgstr"):
            match = re.match(r"msgstr(?:\[(\d)\])? (.*)", line)
            key = int(match.group(1) or 0)
            entry["msgstr"][key] = ast.literal_eval(match.group(2))
        elif line.startswith('"'):
            if isinstance(key, int):
                entry["msgstr"][key] += ast.literal_eval(line)
            else:
                entry[key] += ast.literal_eval(line)
    return [e for e in entries if e["msgid"]]


@pytest.mark.parametrize("lang", ["fr", "es"])
def test_catalogue_is_complete_and_keeps_placeholders(lang):
    entries = read_po(LOCALE / lang / "LC_MESSAGES" / "django.po")
    assert len(entries) > 300
    for e in entries:
        assert "fuzzy" not in e["flags"], e["msgid"]
        assert all(e["msgstr"].values()), f"untranslated: {e['msgid']!r}"
        expected = sorted(PLACEHOLDER.findall(e["msgid_plural"] or e["msgid"]))
        for text in e["msgstr"].values():
            assert sorted(PLACEHOLDER.findall(text)) == expected, e["msgid"]


@pytest.mark.parametrize(("lang", "word"), [("fr", "Tableau de bord"), ("es", "Panel")])
def test_compiled_catalogue_translates_the_navigation(lang, word):
    with translation.override(lang):
        assert translation.gettext("Dashboard") == word


@pytest.mark.django_db
def test_french_state_page_translates_region_and_labels(client):
    content = client.get("/states/FRA/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert "Groupe d’Europe occidentale et autres" in content
    assert "Examens par cycle" in content
