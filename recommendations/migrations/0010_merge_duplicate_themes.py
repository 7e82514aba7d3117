"""One canonical theme list: every source label points at the canonical theme it means.

recommendations/data/theme_taxonomy.csv gives each reference theme its UHRI group and,
for a source label (UPR Info issue, an older UHRI wording), the canonical theme. Themes
created by imports since (not in the file) become labels of the canonical theme whose
name they share, if any. No row and no tag is deleted: a recommendation tagged "Migrants"
(UPR Info) keeps that label and is now found by the canonical "Migrants" (UHRI).
"""

import csv
import re
import unicodedata
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _key(name: str) -> str:
    text = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode().lower()
    return re.sub(r"[^a-z0-9]+", " ", text.replace("&", " and ")).strip()


def merge(apps, schema_editor):
    Theme = apps.get_model("recommendations", "Theme")
    with open(DATA / "theme_taxonomy.csv", encoding="utf-8", newline="") as f:
        rows = {r["slug"]: r for r in csv.DictReader(f)}
    themes = {t.slug: t for t in Theme.objects.all()}
    for slug, row in rows.items():
        theme = themes.get(slug)
        if theme is None:
            continue
        canonical = themes.get(row["canonical"]) if row["canonical"] else None
        theme.canonical = canonical
        theme.group = (canonical.group if canonical and not row["group"]
                       else row["group"] or "other")
    for slug, row in rows.items():  # synonyms take their canonical theme's group
        theme = themes.get(slug)
        if theme is not None and theme.canonical is not None:
            theme.group = rows[theme.canonical.slug]["group"] or "other"
    by_name = {_key(t.name): t for t in themes.values()
               if t.slug in rows and t.canonical is None}
    for slug, theme in themes.items():
        if slug in rows:
            continue
        match = by_name.get(_key(theme.name))
        if match is not None:
            theme.canonical, theme.group = match, match.group
        else:
            by_name[_key(theme.name)] = theme
    Theme.objects.bulk_update(themes.values(), ["canonical", "group"])


def unmerge(apps, schema_editor):
    apps.get_model("recommendations", "Theme").objects.update(canonical=None, group="other")


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0009_theme_canonical_and_group")]

    operations = [migrations.RunPython(merge, unmerge)]
