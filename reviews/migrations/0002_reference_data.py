"""UPR cycles 1–4 and Working Group sessions 1–54 with their dates.

Data in reviews/data/*.csv; sources in states/data/SOURCES.md. Later sessions
are added by admins as rows, not code.
"""

import csv
import datetime as dt
from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data"


def _date(value: str) -> dt.date | None:
    return dt.date.fromisoformat(value) if value else None


def load(apps, schema_editor):
    Cycle = apps.get_model("reviews", "Cycle")
    Session = apps.get_model("reviews", "Session")
    with open(DATA / "cycles.csv", encoding="utf-8", newline="") as f:
        cycles = {
            int(r["number"]): Cycle.objects.create(
                number=int(r["number"]), start_date=_date(r["start_date"]),
                end_date=_date(r["end_date"]))
            for r in csv.DictReader(f)
        }
    with open(DATA / "sessions.csv", encoding="utf-8", newline="") as f:
        Session.objects.bulk_create(
            Session(number=int(r["number"]), cycle=cycles[int(r["cycle"])],
                    start_date=_date(r["start_date"]), end_date=_date(r["end_date"]))
            for r in csv.DictReader(f)
        )


def unload(apps, schema_editor):
    apps.get_model("reviews", "Session").objects.all().delete()
    apps.get_model("reviews", "Cycle").objects.all().delete()


class Migration(migrations.Migration):
    dependencies = [("reviews", "0001_initial")]
    operations = [migrations.RunPython(load, unload)]
