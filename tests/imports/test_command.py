"""The import_recommendations management command."""

import pytest
from django.core.management import CommandError, call_command

from recommendations.models import Recommendation

pytestmark = pytest.mark.django_db


def test_command_prints_the_report(slovenia_c4, capsys):
    call_command("import_recommendations", str(slovenia_c4))
    out = capsys.readouterr().out
    assert "Detected format: ohchr-list" in out
    assert "Rows read: 254" in out
    assert "created: 254" in out
    assert Recommendation.objects.count() == 254


def test_dry_run_writes_nothing(slovenia_c4, capsys):
    call_command("import_recommendations", str(slovenia_c4), "--dry-run")
    assert "Dry run: nothing was written." in capsys.readouterr().out
    assert Recommendation.objects.count() == 0


def test_errors_exit_non_zero_and_name_the_row(tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text("To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,"
                    "Session\nFrance,WEOG,EU,Ratify it,Narnia,WEOG,,Accepted,5,Justice,4\n")
    with pytest.raises(CommandError):
        call_command("import_recommendations", str(path))
    assert "row 2: unknown recommending State 'Narnia'" in capsys.readouterr().out
    assert Recommendation.objects.count() == 0


def test_unknown_session_number_is_an_error_naming_it(tmp_path, capsys):
    path = tmp_path / "list.csv"
    path.write_text("To,To-Rgrp,To-Org,Text,From,From-Rgrp,From-Org,Response,Action,Issue,"
                    "Session\nFrance,WEOG,EU,Ratify it,Chile,GRULAC,,Accepted,5,Justice,99\n")
    with pytest.raises(CommandError):
        call_command("import_recommendations", str(path))
    assert "row 2: unknown session number 99" in capsys.readouterr().out


def test_state_and_session_options_give_the_review_of_a_bare_list(tmp_path):
    from imports.readers.app_export import COLUMNS

    path = tmp_path / "export.csv"
    row = dict.fromkeys(COLUMNS, "")
    row.update(state_under_review="FRA", session="43", text="Ratify it",
               recommending_states="DEU", response="noted")
    path.write_text(",".join(COLUMNS) + "\n" + ",".join(row[c] for c in COLUMNS) + "\n")
    with pytest.raises(CommandError):
        call_command("import_recommendations", str(path), "--state", "DEU")
    call_command("import_recommendations", str(path), "--state", "FRA", "--session", "43")
    assert Recommendation.objects.get().review.state.iso3 == "FRA"
