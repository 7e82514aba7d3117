"""The change feed (`/api/v1/changes/`, issue 21): a mirror that follows it equals the
database, under a long import transaction and concurrent edits, deletions included."""

import threading

import pytest
from django.db import connection, transaction
from django.test import Client

from imports.pipeline import import_file
from recommendations import recurrence, services
from recommendations.models import Recommendation
from tests.factories import ReviewFactory, session, state

pytestmark = pytest.mark.django_db(transaction=True)


class Mirror:
    """What a researcher's script does: poll the feed, fetch changed rows, drop deleted."""

    def __init__(self) -> None:
        self.client = Client()
        self.position = "0"
        self.rows: dict[int, dict] = {}
        self.polls = 0

    def poll(self) -> int:
        """Read the feed to its end; the number of changes applied."""
        applied = 0
        while True:
            page = self.client.get("/api/v1/changes/", {"after": self.position}).json()
            changed = [c["id"] for c in page["results"] if c["action"] == "changed"]
            for start in range(0, len(changed), 500):
                chunk = changed[start:start + 500]
                got = self.client.get("/api/v1/recommendations/", {
                    "id": ",".join(map(str, chunk)), "page_size": 1000}).json()
                found = {row["id"]: row for row in got["results"]}
                for rid in chunk:
                    if rid in found:
                        self.rows[rid] = found[rid]
                    else:  # deleted later on: its "deleted" change follows
                        self.rows.pop(rid, None)
            for change in page["results"]:
                if change["action"] == "deleted":
                    self.rows.pop(change["id"], None)
            applied += len(page["results"])
            self.position = page["next"]
            self.polls += 1
            if not page["more"]:
                return applied


def database_rows() -> dict[int, tuple]:
    return {r.pk: (r.text, r.version, r.recurring)
            for r in Recommendation.objects.all()}


def mirrored(mirror: Mirror) -> dict[int, tuple]:
    return {rid: (row["text"], row["version"], row["recurring"])
            for rid, row in mirror.rows.items()}


def _make(review, paragraph: str, text: str) -> Recommendation:
    return services.create_recommendation(
        review=review, paragraph=paragraph, text=text, recommending_states=[state("DEU")],
        response="supported")


def test_mirror_equals_database_after_a_long_import_and_concurrent_edits(tmp_path):
    if connection.vendor != "postgresql":
        pytest.skip("concurrent transactions need PostgreSQL")
    review = ReviewFactory(state=state("FRA"), session=session(43))
    kept = _make(review, "1.1", "Ratify the convention against torture")
    doomed = _make(review, "1.2", "Abolish the death penalty")
    mirror = Mirror()
    assert mirror.poll() == 2
    assert mirrored(mirror) == database_rows()

    started, release, failed = threading.Event(), threading.Event(), []
    ReviewFactory(state=state("BRA"), session=session(41))
    upload = tmp_path / "import.csv"
    lines = ["state_under_review,session,paragraph,text,recommending_states,response,id,url"]
    lines += [f'BRA,41,9.{i},"Imported recommendation number {i}, on housing",'
              f'"[""DEU"", ""FRA""]",supported,,' for i in range(40)]
    upload.write_text("\n".join(lines) + "\n")

    def long_import() -> None:
        """The import in one long transaction (the worker's import, held open)."""
        try:
            with transaction.atomic():
                report = import_file(upload, fmt="app-export")
                assert report.ok, report.errors
                started.set()
                release.wait(30)
        except Exception as exc:  # pragma: no cover - reported below
            failed.append(exc)
        finally:
            started.set()
            connection.close()

    worker = threading.Thread(target=long_import)
    worker.start()
    try:
        assert started.wait(30)
        # Another client edits and deletes, and commits, while the import is still open:
        # its transaction started later, so its changes wait behind the import's.
        services.update_recommendation(kept, expected_version=None, user=None,
                                       text="Ratify the convention against torture (edited)")
        doomed_id = doomed.pk
        doomed.delete()
        before = mirror.position
        mirror.poll()
        assert mirror.position == before, "the feed must not pass the open import"
        assert doomed_id in mirror.rows  # not yet: served only once the import ends
    finally:
        release.set()
        worker.join(30)
    assert not failed
    mirror.poll()
    db = database_rows()
    assert len(db) == 41
    assert doomed_id not in db and doomed_id not in mirror.rows
    assert mirrored(mirror) == db
    assert mirror.rows[kept.pk]["text"].endswith("(edited)")


def test_feed_shows_recurring_flag_and_review_changes():
    review1 = ReviewFactory(state=state("FRA"), session=session(5))
    review4 = ReviewFactory(state=state("FRA"), session=session(43))
    _make(review1, "1", "Ratify the optional protocol to the convention against torture")
    later = _make(review4, "1", "Ratify the optional protocol to the convention against torture")
    mirror = Mirror()
    mirror.poll()
    assert mirror.rows[later.pk]["recurring"] is True  # linked by the task on create
    # The flag flips without a version change: the feed still carries it.
    first = Recommendation.objects.get(review=review1)
    services.update_recommendation(first, expected_version=None, user=None,
                                   text="Adopt a national action plan on housing")
    recurrence.link_state(state("FRA"))
    assert mirror.poll() >= 2
    assert mirror.rows[later.pk]["recurring"] is False
    assert mirrored(mirror) == database_rows()
    review4.addendum_symbol = "A/HRC/52/14/Add.1"
    review4.save()
    assert mirror.poll() == 1
    assert mirror.rows[later.pk]["addendum_symbol"] == "A/HRC/52/14/Add.1"


def test_feed_rejects_a_bad_position_and_page_size():
    client = Client()
    assert client.get("/api/v1/changes/", {"after": "abc"}).status_code == 400
    response = client.get("/api/v1/changes/", {"page_size": "5000"})
    assert response.status_code == 400
    assert "1000" in str(response.json())
    assert client.get("/api/v1/changes/", {"since": "1"}).status_code == 400


def test_one_entry_per_row_and_action_in_a_transaction_and_none_rolled_back():
    # PostgreSQL keeps these rules by transaction id; SQLite from the transaction's rows.
    from recommendations.change_feed import KIND_INSTITUTION, Change, record

    with transaction.atomic():
        try:
            with transaction.atomic():  # a savepoint rolled back takes its entry away
                record(KIND_INSTITUTION, [7])
                raise RuntimeError
        except RuntimeError:
            pass
        record(KIND_INSTITUTION, [7])
        record(KIND_INSTITUTION, [7, 9])  # once per transaction
        record(KIND_INSTITUTION, [8], "deleted")
        record(KIND_INSTITUTION, [8])  # nothing "changed" after its deletion
    record(KIND_INSTITUTION, [9])  # another transaction: again
    assert sorted(Change.objects.filter(kind=KIND_INSTITUTION).values_list(
        "object_id", "action")) == [(7, "changed"), (8, "deleted"), (9, "changed"),
                                    (9, "changed")]
