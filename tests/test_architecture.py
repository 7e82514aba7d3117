"""The architecture holds: apps depend on one another in one direction only
(import-linter contracts in pyproject.toml), and the models that changed app kept
their rows."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["upr_tracker", "front", "reminders", "analysis", "imports", "progress",
            "recommendations", "reviews", "accounts", "states", "core"]
LINT_IMPORTS = Path(sys.executable).with_name("lint-imports")


def lint_imports(tree: Path) -> subprocess.CompletedProcess:
    if not LINT_IMPORTS.exists():
        pytest.fail(f"{LINT_IMPORTS} missing: install the test extras (import-linter)")
    return subprocess.run(
        [str(LINT_IMPORTS), "--config", str(tree / "pyproject.toml"), "--no-cache"],
        cwd=tree, env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
        capture_output=True, text=True, timeout=300)


def copy_tree(tmp_path: Path) -> Path:
    tree = tmp_path / "tree"
    tree.mkdir()
    shutil.copy(ROOT / "pyproject.toml", tree)
    for package in PACKAGES:
        shutil.copytree(ROOT / package, tree / package,
                        ignore=shutil.ignore_patterns("__pycache__", "data", "*.csv"))
    return tree


def test_the_import_contracts_hold():
    result = lint_imports(ROOT)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "3 kept, 0 broken" in result.stdout


@pytest.mark.parametrize("module, line, contract", [
    # reviews reaching back into recommendations: the circle issue 9 removed.
    ("reviews/models.py", "from recommendations.models import Recommendation",
     "Layers"),
    ("accounts/roles.py", "from reminders.models import Reminder",
     "accounts knows roles and people"),
    ("core/api.py", "from states.models import State", "core is generic plumbing"),
    # The domain reaching up into the way in (issue 19).
    ("recommendations/models.py", "from imports.readers import read_file", "Layers"),
    ("recommendations/api.py", "from imports.models import ImportJob", "Layers"),
    # Features stay independent of one another.
    ("imports/views.py", "from front.views import home", "Layers"),
    ("analysis/views.py", "from imports.models import ImportJob", "Layers"),
])
def test_a_forbidden_import_fails_naming_it(tmp_path, module, line, contract):
    tree = copy_tree(tmp_path)
    target = tree / module
    target.write_text(target.read_text() + f"\n{line}  # noqa\n")
    result = lint_imports(tree)
    assert result.returncode != 0
    broken = result.stdout
    assert f"{contract}" in broken and "BROKEN" in broken
    importer = module.removesuffix(".py").replace("/", ".")
    imported = line.split()[1]
    assert f"{importer} -> {imported}" in broken, broken


@pytest.mark.django_db(transaction=True)
def test_reminder_rows_survive_the_move_from_accounts_to_reminders(django_user_model):
    """A database migrated before the Reminder model moved app migrates forward with
    its rows, on the same table."""
    before = [("accounts", "0002_role_groups"), ("reminders", None)]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state([("accounts", "0002_role_groups")]).apps
    OldReminder = old_apps.get_model("accounts", "Reminder")
    OldUser = old_apps.get_model("auth", "User")
    user = OldUser.objects.create(username="focal-before", email="f@example.org")
    OldReminder.objects.create(recipient_id=user.pk, key="review:1:2026-01-01@30",
                               kind="review", title="Review of France",
                               due_date="2026-01-01", lead_days=30)

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from django.contrib.contenttypes.models import ContentType

    from reminders.models import Reminder

    moved = Reminder.objects.get(key="review:1:2026-01-01@30")
    assert (moved.recipient.username, moved.title, moved.lead_days) == (
        "focal-before", "Review of France", 30)
    assert Reminder._meta.db_table == "accounts_reminder"
    assert ContentType.objects.filter(app_label="reminders", model="reminder").count() == 1
    assert not ContentType.objects.filter(app_label="accounts", model="reminder").exists()


CIRCLES_SCRIPT = """
import json, sys
import grimp
graph = grimp.build_graph(*sys.argv[1:], include_external_packages=False, cache_dir=None)
found = set()
for module in graph.modules:
    for other in graph.find_modules_directly_imported_by(module):
        if module in graph.find_modules_directly_imported_by(other):
            found.add(tuple(sorted((module, other))))
print(json.dumps(sorted(found)))
"""


def circles(tree: Path) -> list[tuple[str, str]]:
    """Pairs of modules of `tree` that import each other (at module level or inside a
    function), found by grimp (import-linter's graph) in a process of its own."""
    import json

    result = subprocess.run([sys.executable, "-c", CIRCLES_SCRIPT, *PACKAGES], cwd=tree,
                            env={"PYTHONPATH": str(tree), "PATH": "/usr/bin:/bin"},
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    return [tuple(pair) for pair in json.loads(result.stdout)]


def test_no_two_files_import_each_other():
    assert circles(ROOT) == []


def test_a_circle_between_two_files_is_found(tmp_path):
    """The circle test sees imports inside functions too (the kind issue 19 removed
    between recommendations.models and recommendations.names)."""
    tree = copy_tree(tmp_path)
    models = tree / "recommendations" / "models.py"
    models.write_text(models.read_text() + "\n\ndef _late():\n"
                      "    from recommendations import names  # noqa\n")
    assert ("recommendations.models", "recommendations.names") in circles(tree)


# The libraries that read the files people import, and the app-level names of readers.
FILE_READING_LIBRARIES = ("pypdf", "docx", "xlrd", "python_calamine", "defusedxml")


def test_the_domain_holds_no_file_reader_and_imports_holds_every_one():
    for source in sorted((ROOT / "recommendations").rglob("*.py")):
        text = source.read_text()
        for library in FILE_READING_LIBRARIES:
            assert f"import {library}" not in text and f"from {library}" not in text, (
                f"{source} reads files with {library}: that belongs in imports/")
    assert not (ROOT / "recommendations" / "importers").exists()
    assert not (ROOT / "recommendations" / "parsing.py").exists()
    from imports.readers import FORMATS

    readers = {path.stem for path in (ROOT / "imports" / "readers").glob("*.py")}
    for fmt in FORMATS:
        module = {"un-report": "un_documents", "un-addendum": "un_documents"}.get(
            fmt, fmt.replace("-", "_"))
        assert module in readers, fmt
    assert {"document_text", "number_lists", "files"} <= readers
    assert (ROOT / "imports" / "parsing.py").exists()
    assert (ROOT / "imports" / "management" / "commands" / "import_recommendations.py").exists()


@pytest.mark.django_db(transaction=True)
def test_import_rows_survive_the_move_from_recommendations_to_imports(django_user_model):
    """A database migrated at the main before issue 19 migrates forward with every import
    job, proposed response and source row intact, on the same tables."""
    before = [("recommendations", "0010_merge_duplicate_themes"), ("imports", None)]
    executor = MigrationExecutor(connection)
    executor.migrate(before)
    old_apps = executor.loader.project_state(
        [("recommendations", "0010_merge_duplicate_themes")]).apps
    User = old_apps.get_model("auth", "User")
    State = old_apps.get_model("states", "State")
    Review = old_apps.get_model("reviews", "Review")
    Session = old_apps.get_model("reviews", "Session")
    Recommendation = old_apps.get_model("recommendations", "Recommendation")
    OldJob = old_apps.get_model("recommendations", "ImportJob")
    OldProposal = old_apps.get_model("recommendations", "ProposedResponse")
    OldSource = old_apps.get_model("recommendations", "RecommendationSource")
    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.filter(app_label="imports").delete()
    ContentType.objects.get_or_create(app_label="recommendations", model="importjob")

    user = User.objects.create(username="ngo-before", email="n@example.org")
    france = State.objects.get(iso3="FRA")
    review = Review.objects.create(state=france, session=Session.objects.get(number=43))
    recommendation = Recommendation.objects.create(review=review, paragraph="45.1",
                                                   text="Ratify the Convention")
    job = OldJob.objects.create(file="imports/2026/01/upr.csv", original_name="upr.csv",
                                state=france, status="succeeded", report={"ok": True},
                                created_by=user, dry_run=False)
    OldProposal.objects.create(review=review, paragraph="45.2", response="supported",
                               source_symbol="A/HRC/53/5/Add.1", created_by=user)
    OldSource.objects.create(recommendation=recommendation, source="upr-info",
                             file_name="upr.csv", rows="2", imported_at="2026-01-01T00:00Z")

    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())

    from imports.models import ImportJob, ProposedResponse, RecommendationSource

    moved = ImportJob.objects.get()
    assert (moved.public_id, moved.original_name, moved.created_by.username,
            moved.state.iso3, moved.report) == (job.public_id, "upr.csv", "ngo-before",
                                                "FRA", {"ok": True})
    proposal = ProposedResponse.objects.get()
    assert (proposal.review_id, proposal.paragraph, proposal.source_symbol) == (
        review.pk, "45.2", "A/HRC/53/5/Add.1")
    source = RecommendationSource.objects.get()
    assert (source.recommendation_id, source.file_name) == (recommendation.pk, "upr.csv")
    assert ImportJob._meta.db_table == "recommendations_importjob"
    assert ContentType.objects.filter(app_label="imports", model="importjob").count() == 1
    assert not ContentType.objects.filter(app_label="recommendations",
                                             model="importjob").exists()
    # The read model and the tally, which migrations 0018-0023 fill with the code as it
    # is now, are filled by the last of them (readmodel.catch_up) and exact.
    from recommendations import readmodel, tally
    from recommendations.models import RecommendationRow

    assert RecommendationRow.objects.filter(pk=recommendation.pk).exists()
    assert readmodel.stale_ids() == [] and tally.stale() == {}
