"""Names States have had in UN documents since 2008: former official names and the
formal long forms (`states/data/aliases_un_names.csv`, sources in SOURCES.md).

New rows only: a name that already resolves is skipped, so this runs the same on a
database that has user-added aliases.
"""

import csv
from pathlib import Path

from django.db import migrations

from states.models import normalize_name

DATA = Path(__file__).resolve().parent.parent / "data"


def load(apps, schema_editor):
    State = apps.get_model("states", "State")
    StateAlias = apps.get_model("states", "StateAlias")
    by_iso3 = {s.iso3: s for s in State.objects.all()}
    taken = set(State.objects.values_list("name_key", flat=True)) | set(
        StateAlias.objects.values_list("name_key", flat=True))
    aliases = []
    with open(DATA / "aliases_un_names.csv", encoding="utf-8", newline="") as f:
        for r in csv.DictReader(f):
            key = normalize_name(r["alias"])
            if key in taken or r["iso3"] not in by_iso3:
                continue
            taken.add(key)
            aliases.append(StateAlias(state=by_iso3[r["iso3"]], name=r["alias"], name_key=key))
    StateAlias.objects.bulk_create(aliases)


def unload(apps, schema_editor):
    StateAlias = apps.get_model("states", "StateAlias")
    with open(DATA / "aliases_un_names.csv", encoding="utf-8", newline="") as f:
        names = [r["alias"] for r in csv.DictReader(f)]
    StateAlias.objects.filter(name__in=names).delete()


class Migration(migrations.Migration):
    dependencies = [("states", "0002_reference_data")]
    operations = [migrations.RunPython(load, unload)]
