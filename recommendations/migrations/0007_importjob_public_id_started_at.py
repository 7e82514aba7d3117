import uuid

from django.db import migrations, models


def fill_public_ids(apps, schema_editor):
    ImportJob = apps.get_model("recommendations", "ImportJob")
    for job in ImportJob.objects.filter(public_id__isnull=True).only("pk"):
        job.public_id = uuid.uuid4()
        job.save(update_fields=["public_id"])


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0006_recurring_similar_recommendations"),
    ]

    operations = [
        migrations.AddField(
            model_name="importjob",
            name="public_id",
            field=models.UUIDField(editable=False, null=True),
        ),
        migrations.RunPython(fill_public_ids, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="importjob",
            name="public_id",
            field=models.UUIDField(default=uuid.uuid4, editable=False, unique=True),
        ),
        migrations.AddField(
            model_name="importjob",
            name="started_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
    ]
