# The Reminder model moved here from accounts (issue 9). The table keeps its name
# (`accounts_reminder`), so only Django's idea of which app owns it changes: no data moves.

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


def move_content_type(apps, schema_editor):
    """Keep permissions and admin log entries pointing at the same content type."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="reminders", model="reminder").exists():
        return
    ContentType.objects.filter(app_label="accounts", model="reminder").update(
        app_label="reminders")


def restore_content_type(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if not ContentType.objects.filter(app_label="accounts", model="reminder").exists():
        ContentType.objects.filter(app_label="reminders", model="reminder").update(
            app_label="accounts")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("accounts", "0002_role_groups"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="Reminder",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("key", models.CharField(max_length=200)),
                        ("kind", models.CharField(max_length=40)),
                        ("title", models.CharField(max_length=300)),
                        ("url", models.CharField(blank=True, max_length=300)),
                        ("due_date", models.DateField()),
                        ("lead_days", models.IntegerField(help_text="Days before the deadline; negative = overdue")),
                        ("status", models.CharField(choices=[("pending", "Pending"), ("sent", "Sent"), ("cancelled", "Cancelled")], default="pending", max_length=10)),
                        ("attempts", models.PositiveSmallIntegerField(default=0)),
                        ("last_error", models.TextField(blank=True)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("sent_at", models.DateTimeField(blank=True, null=True)),
                        ("recipient", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="reminders", to=settings.AUTH_USER_MODEL)),
                    ],
                    options={
                        "verbose_name": "reminder",
                        "verbose_name_plural": "reminder log",
                        "db_table": "accounts_reminder",
                        "ordering": ["-created_at"],
                        "indexes": [models.Index(fields=["status", "recipient"], name="accounts_re_status_8e40a5_idx")],
                        "constraints": [models.UniqueConstraint(fields=("recipient", "key"), name="one_reminder_per_key")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_type, restore_content_type),
    ]
