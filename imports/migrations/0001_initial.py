# ImportJob, ProposedResponse and RecommendationSource moved here from recommendations
# (issue 19: the way in got its own app). The tables keep their names
# (recommendations_importjob, ...), so only Django"s idea of which app owns them changes:
# no row moves. recommendations.0011 forgets them the same way.

import uuid

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models

MODELS = ("importjob", "proposedresponse", "recommendationsource")


def move_content_types(apps, schema_editor):
    """Keep permissions and admin log entries pointing at the same content types."""
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="imports", model=model).exists():
            ContentType.objects.filter(app_label="recommendations", model=model).update(
                app_label="imports")


def restore_content_types(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MODELS:
        if not ContentType.objects.filter(app_label="recommendations", model=model).exists():
            ContentType.objects.filter(app_label="imports", model=model).update(
                app_label="recommendations")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ("recommendations", "0010_merge_duplicate_themes"),
        ("reviews", "0003_review_date_range"),
        ("states", "0003_un_document_names"),
        ("contenttypes", "0002_remove_content_type_name"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="ImportJob",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("public_id", models.UUIDField(default=uuid.uuid4, editable=False, unique=True)),
                        ("file", models.FileField(upload_to="imports/%Y/%m/")),
                        ("original_name", models.CharField(max_length=255)),
                        ("format", models.CharField(default="auto", max_length=20)),
                        ("detected_format", models.CharField(blank=True, max_length=20)),
                        ("session_number", models.PositiveSmallIntegerField(blank=True, null=True)),
                        ("dry_run", models.BooleanField(default=True)),
                        ("status", models.CharField(choices=[("pending", "Waiting"), ("running", "Running"), ("succeeded", "Done"), ("failed", "Failed")], default="pending", max_length=10)),
                        ("rows_total", models.PositiveIntegerField(default=0)),
                        ("rows_done", models.PositiveIntegerField(default=0)),
                        ("report", models.JSONField(blank=True, default=dict)),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("started_at", models.DateTimeField(blank=True, null=True)),
                        ("finished_at", models.DateTimeField(blank=True, null=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="import_jobs", to=settings.AUTH_USER_MODEL)),
                        ("state", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to="states.state")),
                    ],
                    options={
                        "verbose_name": "import",
                        "verbose_name_plural": "imports",
                        "db_table": "recommendations_importjob",
                        "ordering": ["-created_at"],
                    },
                ),
                migrations.CreateModel(
                    name="ProposedResponse",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("paragraph", models.CharField(max_length=30, verbose_name="paragraph")),
                        ("response", models.CharField(choices=[("supported", "Supported"), ("noted", "Noted"), ("partially_supported", "Partially supported"), ("pending", "Pending"), ("not_supported", "Not supported")], max_length=20, verbose_name="response")),
                        ("source_symbol", models.CharField(max_length=60, verbose_name="source document")),
                        ("source_paragraph", models.CharField(blank=True, max_length=30, verbose_name="paragraph of the source")),
                        ("wording", models.TextField(blank=True, verbose_name="the State's words")),
                        ("needs_confirmation", models.BooleanField(default=False, verbose_name="needs confirmation")),
                        ("created_at", models.DateTimeField(auto_now_add=True)),
                        ("created_by", models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name="+", to=settings.AUTH_USER_MODEL)),
                        ("review", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="proposed_responses", to="reviews.review", verbose_name="review")),
                    ],
                    options={
                        "verbose_name": "proposed response",
                        "verbose_name_plural": "proposed responses",
                        "db_table": "recommendations_proposedresponse",
                        "ordering": ["review", "id"],
                        "constraints": [models.UniqueConstraint(fields=("review", "paragraph"), name="one_proposed_response_per_paragraph")],
                    },
                ),
                migrations.CreateModel(
                    name="RecommendationSource",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name="ID")),
                        ("source", models.CharField(max_length=20, verbose_name="source format")),
                        ("file_name", models.CharField(blank=True, max_length=255, verbose_name="file")),
                        ("rows", models.CharField(blank=True, help_text="Rows of the file this recommendation came from", max_length=200, verbose_name="rows")),
                        ("match", models.CharField(blank=True, max_length=20, verbose_name="how it was matched")),
                        ("imported_at", models.DateTimeField(verbose_name="imported")),
                        ("recommendation", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name="sources", to="recommendations.recommendation")),
                    ],
                    options={
                        "verbose_name": "recommendation source",
                        "verbose_name_plural": "recommendation sources",
                        "db_table": "recommendations_recommendationsource",
                        "ordering": ["recommendation", "imported_at", "id"],
                        "constraints": [models.UniqueConstraint(fields=("recommendation", "source", "file_name"), name="recommendation_source_once_per_file")],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(move_content_types, restore_content_types),
    ]
