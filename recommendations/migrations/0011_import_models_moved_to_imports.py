# ImportJob, ProposedResponse and RecommendationSource now belong to the imports app
# (imports.0001), on the same tables: recommendations forgets them without touching the
# database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("recommendations", "0010_merge_duplicate_themes"),
        ("imports", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="proposedresponse", name="created_by"),
                migrations.RemoveField(model_name="proposedresponse", name="review"),
                migrations.RemoveField(model_name="recommendationsource", name="recommendation"),
                migrations.DeleteModel(name="ImportJob"),
                migrations.DeleteModel(name="ProposedResponse"),
                migrations.DeleteModel(name="RecommendationSource"),
            ],
            database_operations=[],
        ),
    ]
