"""RecommendationRow.tags (issue 24, recommendations/tags.py): every filtered value of a
list row as one integer, under one GIN index on PostgreSQL. Filled from each row's own
columns, in batches."""

import json
from types import SimpleNamespace

from django.db import migrations

import recommendations.models

BATCH = 5000
COLUMNS = ("id", "recommending_state_ids", "recommending_regions", "theme_ids", "sdg_ids",
           "response", "state_id", "region", "cycle_id", "session_id", "government_status")


def fill_tags(apps, schema_editor):
    """Each stored row's tags from its own columns; then what earlier migrations left
    empty, migrating an older database (readmodel.catch_up: the rows, with their tags,
    and the tally). Only where the tables are as the code has them now: a later
    migration adding a column does this in its turn (and so should each that does)."""
    from recommendations import readmodel
    from recommendations.tags import row_tags

    from recommendations.models import ListVersion, RecommendationRow

    if readmodel.schema_is_current((RecommendationRow, ListVersion)):
        _fill_tags(apps, schema_editor, row_tags)
    if readmodel.schema_is_current():
        readmodel.catch_up()


def _fill_tags(apps, schema_editor, row_tags):
    row_model = apps.get_model("recommendations", "RecommendationRow")
    table = row_model._meta.db_table
    connection = schema_editor.connection
    last = 0
    while True:
        rows = list(row_model.objects.using(connection.alias).filter(id__gt=last)
                    .order_by("id").values_list(*COLUMNS)[:BATCH])
        if not rows:
            return
        last = rows[-1][0]
        tagged = [(row[0], row_tags(SimpleNamespace(**dict(zip(COLUMNS, row, strict=True)))))
                  for row in rows]
        with connection.cursor() as cursor:
            if connection.vendor == "postgresql":
                from psycopg2.extras import execute_values

                execute_values(
                    cursor, f"UPDATE {table} SET tags = v.tags::integer[] "
                    f"FROM (VALUES %s) AS v(id, tags) WHERE {table}.id = v.id",
                    tagged, template="(%s, %s)", page_size=BATCH)
            else:
                cursor.executemany(f"UPDATE {table} SET tags = %s WHERE id = %s",
                                   [(json.dumps(tags), pk) for pk, tags in tagged])


GIN = "CREATE INDEX listrow_tags_gin ON recommendations_recommendationrow USING gin (tags);"
NO_GIN = "DROP INDEX IF EXISTS listrow_tags_gin;"


def add_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(GIN)


def drop_gin(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(NO_GIN)


class Migration(migrations.Migration):

    dependencies = [
        ('recommendations', '0022_region_tally'),
    ]

    operations = [
        migrations.AddField(
            model_name='recommendationrow',
            name='tags',
            field=recommendations.models.ValuesField(),
        ),
        migrations.RunPython(fill_tags, migrations.RunPython.noop),
        migrations.RunPython(add_gin, drop_gin),
    ]
