# The Reminder model now belongs to the reminders app (reminders.0001), on the same
# table: accounts forgets it without touching the database.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ("accounts", "0002_role_groups"),
        ("reminders", "0001_initial"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="Reminder")],
            database_operations=[],
        ),
    ]
