"""The 88 UHRI themes' names in the five other UN languages (issue 23), from
recommendations/data/uhri_theme_translations.psv. A name already entered in the admin
is kept; the reverse removes only the names this migration wrote."""

from pathlib import Path

from django.db import migrations

DATA = Path(__file__).resolve().parent.parent / "data" / "uhri_theme_translations.psv"
LANGUAGES = ["ar", "zh-hans", "ru", "fr", "es"]


def rows():
    for line in DATA.read_text(encoding="utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        kind, key, *names = line.split("|")
        for language, name in zip(LANGUAGES, names, strict=True):
            yield kind, key, language, name.strip()


def load(apps, schema_editor):
    NameTranslation = apps.get_model("recommendations", "NameTranslation")
    existing = set(NameTranslation.objects.values_list("kind", "key", "language"))
    NameTranslation.objects.bulk_create([
        NameTranslation(kind=kind, key=key, language=language, name=name)
        for kind, key, language, name in rows() if (kind, key, language) not in existing])


def unload(apps, schema_editor):
    NameTranslation = apps.get_model("recommendations", "NameTranslation")
    for kind, key, language, name in rows():
        NameTranslation.objects.filter(kind=kind, key=key, language=language,
                                       name=name).delete()


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0016_similarity_feedback"),
    ]

    operations = [migrations.RunPython(load, unload)]
