"""ListVersion becomes a few shards summed when read (readmodel.bump): rows are added by
their primary-key sequence, which 0018 never advanced (it wrote pk=1 itself)."""

from django.core.management.color import no_style
from django.db import migrations


def reset_sequence(apps, schema_editor):
    model = apps.get_model("recommendations", "ListVersion")
    connection = schema_editor.connection
    with connection.cursor() as cursor:
        for sql in connection.ops.sequence_reset_sql(no_style(), [model]):
            cursor.execute(sql)


class Migration(migrations.Migration):
    dependencies = [("recommendations", "0018_list_read_model")]

    operations = [migrations.RunPython(reset_sequence, migrations.RunPython.noop)]
