from django.db import migrations

GROUP = "Institution contributors"


def create_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)


def remove_group(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [("accounts", "0005_profile_institution_contributor")]
    operations = [migrations.RunPython(create_group, remove_group)]
