"""The 193 UN Member States, the 2 observer States and their name aliases.

Data in states/data/*.csv; sources in states/data/SOURCES.md.
"""

import csv
from pathlib import Path

from django.db import migrations

from states.models import normalize_name

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    State = apps.get_model("states", "State")
    StateAlias = apps.get_model("states", "StateAlias")
    with open(DATA / "states.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    states = State.objects.bulk_create(
        State(iso3=r["iso3"], iso2=r["iso2"], name=r["name"], name_key=normalize_name(r["name"]),
              region=r["region"], is_observer=r["status"] == "observer")
        for r in rows
    )
    by_iso3 = {s.iso3: s for s in states}
    taken = {s.name_key for s in states}
    aliases = []
    with open(DATA / "aliases.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            key = normalize_name(r["alias"])
            if key in taken:
                continue
            taken.add(key)
            aliases.append(StateAlias(state=by_iso3[r["iso3"]], name=r["alias"], name_key=key))
    StateAlias.objects.bulk_create(aliases)


def unload(apps, schema_editor):
    apps.get_model("states", "State").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("states", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
