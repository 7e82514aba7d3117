"""The 17 SDGs, the theme taxonomy (UPR Info issues, UHRI themes) and affected groups.

Data in recommendations/data/*.csv; sources in states/data/SOURCES.md.
"""

import csv
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _rows(name: str) -> list[dict]:
    with open(DATA / name, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def load(apps, schema_editor):
    SDG = apps.get_model("recommendations", "SDG")
    Theme = apps.get_model("recommendations", "Theme")
    AffectedGroup = apps.get_model("recommendations", "AffectedGroup")
    SDG.objects.bulk_create(SDG(number=int(r["number"]), title=r["title"])
                            for r in _rows("sdgs.csv"))
    Theme.objects.bulk_create(Theme(name=r["name"], slug=r["slug"], source=r["source"])
                              for r in _rows("themes.csv"))
    AffectedGroup.objects.bulk_create(AffectedGroup(name=r["name"], slug=r["slug"])
                                      for r in _rows("affected_groups.csv"))


def unload(apps, schema_editor):
    for model in ("SDG", "Theme", "AffectedGroup"):
        apps.get_model("recommendations", model).objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
