"""The data migration: follow-up actions' institution text becomes the State's
institutions (one per distinct name, blind to case and punctuation); the text stays."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("recommendations", "0013_followupaction_institution"), ("progress", None)]
AFTER = [("recommendations", "0014_followupaction_institution_from_text")]


def _migrate_to_latest() -> None:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())


@pytest.mark.django_db(transaction=True)
def test_action_texts_become_institutions_of_their_state():
    try:
        _check_the_data_migration()
    finally:
        # Whatever happened, later tests find every table.
        _migrate_to_latest()


def _check_the_data_migration() -> None:
    executor = MigrationExecutor(connection)
    executor.migrate(BEFORE)
    apps = executor.loader.project_state(BEFORE[:1]).apps
    State = apps.get_model("states", "State")
    Action = apps.get_model("recommendations", "FollowUpAction")
    fra, deu = State.objects.get(iso3="FRA"), State.objects.get(iso3="DEU")
    for state, text in [(fra, "Ministry of Justice"), (fra, "ministry of  justice."),
                        (fra, "Ministry of the Interior"), (deu, "Ministry of Justice"),
                        (fra, "")]:
        Action.objects.create(state=state, title=f"Do {text}", responsible_institution=text)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(AFTER)
    apps = executor.loader.project_state(AFTER).apps
    Institution = apps.get_model("states", "Institution")
    Action = apps.get_model("recommendations", "FollowUpAction")
    assert sorted(Institution.objects.filter(state__iso3="FRA").values_list("name", flat=True)) \
        == ["Ministry of Justice", "Ministry of the Interior"]
    assert Institution.objects.filter(state__iso3="DEU").count() == 1
    lower = Action.objects.get(title="Do ministry of  justice.")
    assert lower.institution.name == "Ministry of Justice"
    assert lower.responsible_institution == "ministry of  justice."
    assert Action.objects.get(title="Do ").institution is None
