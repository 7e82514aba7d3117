"""Follow-up actions named their responsible institution as text: each distinct name of
a State (blind to case, accents and punctuation) becomes one of its institutions, and the
action points at it. Backwards, the text stays as it was (it was never changed)."""

import html
import re
import unicodedata

from django.db import migrations


def _key(name: str) -> str:
    # states.models.normalize_name, frozen here as migrations must be.
    name = unicodedata.normalize("NFKD", html.unescape(name or ""))
    name = "".join(c for c in name if not unicodedata.combining(c)).lower()
    name = re.sub(r"[^a-z0-9]+", " ", name.replace("&", " and ")).strip()
    return re.sub(r"^the ", "", name)


def link_institutions(apps, schema_editor):
    Action = apps.get_model("recommendations", "FollowUpAction")
    Institution = apps.get_model("states", "Institution")
    known = {}
    for institution in Institution.objects.all():
        known[institution.state_id, _key(institution.name)] = institution
        if institution.short_name:
            known.setdefault((institution.state_id, _key(institution.short_name)), institution)
    for action in Action.objects.exclude(responsible_institution="").filter(
            institution__isnull=True).order_by("pk"):
        name = " ".join(action.responsible_institution.split())[:300]
        key = (action.state_id, _key(name))
        if not key[1]:
            continue
        if key not in known:
            known[key] = Institution.objects.create(state_id=action.state_id, name=name,
                                                    kind="other")
        Action.objects.filter(pk=action.pk).update(institution=known[key])


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0013_followupaction_institution"),
                    ("states", "0004_institution")]
    operations = [migrations.RunPython(link_institutions, migrations.RunPython.noop)]
