"""Synthetic recommendations at scale (`manage.py generate_corpus`), for benchmarks.

The corpus looks like the UPR: every State is reviewed once per cycle, in one of the
cycle's sessions; each review has a few hundred recommendations, most by one State,
some joint (2–13 States); themes, SDGs and affected groups; a response history (some
pending first, then decided); government and civil-society assessments on a share,
with the row's latest statuses in step; follow-up actions on a smaller share.

On PostgreSQL the rows go in with COPY (psycopg2's `copy_expert`) into a temporary
table, then one INSERT … SELECT per table fills the real ones, the search vector
computed in the same statement (the per-row trigger is switched off meanwhile; the
expression is the trigger's). On SQLite (small N, `make run`) ORM bulk inserts do the
same. The audit history is left out: these rows were never edited.
"""

import datetime as dt
import io
import random
from collections.abc import Callable

from django.db import connection, transaction
from django.utils import timezone

from reviews.models import Review, Session
from states.models import State

from .models import (
    SDG,
    Actor,
    AffectedGroup,
    Assessment,
    FollowUpAction,
    ImplementationStatus,
    Recommendation,
    ResponseRecord,
    Theme,
    paragraph_sort_key,
    text_key,
)
from .touch import touched

VERBS = ["Ratify", "Adopt", "Strengthen", "Ensure", "Guarantee", "Take measures to",
         "Continue efforts to", "Consider", "Establish", "Step up efforts to", "Combat",
         "Protect", "Promote", "Investigate", "Implement", "Review", "Amend", "Repeal"]
OBJECTS = ["the Optional Protocol to the Convention against Torture",
           "a national action plan on human rights", "the rights of persons with disabilities",
           "access to education for girls", "freedom of expression and of the press",
           "the independence of the judiciary", "violence against women and girls",
           "trafficking in persons", "the rights of migrants and refugees",
           "the national human rights institution in line with the Paris Principles",
           "child labour and child marriage", "racial discrimination and hate speech",
           "the rights of indigenous peoples to their lands", "conditions of detention",
           "the death penalty with a view to its abolition", "universal health coverage",
           "the right to adequate housing", "human rights defenders and journalists",
           "corruption in public institutions", "climate change adaptation"]
TAILS = ["", " in law and in practice", " with adequate resources",
         " in cooperation with civil society", " in line with international standards",
         " and ensure accountability", " throughout the country", " without delay"]
RESPONSES = ["supported"] * 7 + ["noted"] * 2 + ["partially_supported", "pending"]
GOVERNMENT_STATUSES = [s for s in ImplementationStatus.values if s != "not_implemented"]
# How many States join a recommendation: mostly one, sometimes up to 13.
JOINT = [1] * 85 + [2] * 7 + [3] * 3 + [4, 5, 6, 8, 10, 13]
PER_REVIEW = 300
ASSESSED_SHARE = 0.15
FOLLOW_UP_SHARE = 0.03
COPY_BATCH = 50_000


def _reviews(rng: random.Random, needed: int) -> list[Review]:
    """Existing reviews first, then one new review per State and cycle (in one of the
    cycle's sessions) until there are `needed`."""
    reviews = list(Review.objects.select_related("session").order_by("id"))
    if len(reviews) >= needed:
        return reviews[:needed]
    states = list(State.objects.order_by("iso3"))
    by_cycle: dict[int, list[Session]] = {}
    for session in Session.objects.order_by("number"):
        by_cycle.setdefault(session.cycle_id, []).append(session)
    reviewed = {(r.state_id, r.session.cycle_id) for r in reviews}
    new = []
    for cycle_id, sessions in sorted(by_cycle.items()):
        for i, state in enumerate(states):
            if len(reviews) + len(new) >= needed:
                break
            if (state.pk, cycle_id) in reviewed:
                continue
            session = sessions[i % len(sessions)]
            review = Review(state=state, session=session,
                            wg_report_symbol=f"A/HRC/{session.number + 6}/{rng.randint(1, 40)}")
            review.fill_defaults()
            new.append(review)
    Review.objects.bulk_create(new, batch_size=1000)
    return reviews + list(Review.objects.filter(
        pk__in=[r.pk for r in new]).select_related("session").order_by("id"))


class _Plan:
    """The rows of one batch, as tuples per table, before they are written."""

    def __init__(self) -> None:
        self.recommendations: list[tuple] = []
        self.states: list[tuple] = []
        self.themes: list[tuple] = []
        self.sdgs: list[tuple] = []
        self.groups: list[tuple] = []
        self.responses: list[tuple] = []
        self.assessments: list[tuple] = []
        self.follow_ups: list[tuple] = []  # (state_id, title, target_date, status, [rec ids])


def _plan(rng: random.Random, ids: list[int], first: int, reviews: list[Review],
          ref: dict, now: dt.datetime) -> _Plan:
    plan = _Plan()
    today = now.date()
    per_review = max(PER_REVIEW, -(-(first + len(ids)) // len(reviews)))
    for offset, rid in enumerate(ids):
        i = first + offset
        review = reviews[i // per_review % len(reviews)]
        text = f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)} (item {i})"
        paragraph = f"{rng.randint(100, 180)}.{i % per_review + 1}"
        response = rng.choice(RESPONSES)
        source = f"{review.wg_report_symbol}/Add.1"
        government = civil = ""
        if rng.random() < ASSESSED_SHARE:
            day = today - dt.timedelta(days=rng.randint(30, 900))
            if rng.random() < 0.7:
                government = rng.choice(GOVERNMENT_STATUSES)
                plan.assessments.append((rid, Actor.GOVERNMENT, government, "", "", "",
                                         day, now))
            if rng.random() < 0.6:
                civil = rng.choice(ImplementationStatus.values)
                plan.assessments.append((rid, Actor.CIVIL_SOCIETY, civil, "", "",
                                         "UPR Info partners", day + dt.timedelta(days=10), now))
        plan.recommendations.append((
            rid, review.pk, paragraph, paragraph_sort_key(paragraph), text, text_key(text),
            response, source, rng.randint(1, 5), government, civil, now, now))
        for state_id in {s for s in rng.sample(ref["states"], rng.choice(JOINT))
                         if s != review.state_id}:
            plan.states.append((rid, state_id))
        for theme_id in rng.sample(ref["themes"], rng.choice([1, 1, 2, 2, 3])):
            plan.themes.append((rid, theme_id))
        for sdg in rng.sample(ref["sdgs"], rng.choice([0, 1, 1, 2])):
            plan.sdgs.append((rid, sdg))
        for group_id in rng.sample(ref["groups"], rng.choice([0, 0, 1, 2])):
            plan.groups.append((rid, group_id))
        if response != "pending" and rng.random() < 0.2:
            plan.responses.append((rid, "pending", review.wg_report_symbol, "", None, now))
        plan.responses.append((rid, response, source, "", None, now))
        if rng.random() < FOLLOW_UP_SHARE:
            # An action on this recommendation and, sometimes, the previous ones of the
            # same review (actions are by the State under review).
            links = [r[0] for r in plan.recommendations[-rng.randint(1, 3):]
                     if r[1] == review.pk]
            plan.follow_ups.append((
                review.state_id, f"Action plan on item {i}",
                today + dt.timedelta(days=rng.randint(-200, 700)),
                rng.choice(["planned", "planned", "in_progress", "completed"]), links))
    return plan


def generate_corpus(n: int, *, seed: int = 2026, batch: int = COPY_BATCH,
                    progress: Callable[[int], None] | None = None) -> int:
    """Add `n` synthetic recommendations spread over reviews of every State and cycle."""
    rng = random.Random(seed)
    ref = {
        "states": list(State.objects.values_list("id", flat=True)),
        "themes": list(Theme.objects.values_list("id", flat=True)),
        "sdgs": list(SDG.objects.values_list("number", flat=True)),
        "groups": list(AffectedGroup.objects.values_list("id", flat=True)),
    }
    reviews = _reviews(rng, max(1, -(-n // PER_REVIEW)))
    now = timezone.now()
    write = _write_copy if connection.vendor == "postgresql" else _write_orm
    made = 0
    for start in range(0, n, batch):
        size = min(batch, n - start)
        with transaction.atomic():
            ids = _reserve_ids(size)
            write(_plan(rng, ids, start, reviews, ref, now))
            touched(ids)
        made += size
        if progress:
            progress(made)
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            if connection.in_atomic_block:
                cursor.execute("ANALYZE")
            else:
                # Also empties the GIN indexes' pending lists (every list search reads
                # them through: up to 4 MB after a bulk load) and sets the visibility map.
                cursor.execute("VACUUM ANALYZE")
    return made


def _reserve_ids(size: int) -> list[int]:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence('recommendations_recommendation', 'id'))"
                " FROM generate_series(1, %s)", [size])
            return [row[0] for row in cursor.fetchall()]
    last = Recommendation.objects.order_by("-id").values_list("id", flat=True).first() or 0
    return list(range(last + 1, last + size + 1))


# PostgreSQL: COPY.

def _copy_value(value) -> str:
    if value is None:
        return r"\N"
    if isinstance(value, str):
        return (value.replace("\\", "\\\\").replace("\t", "\\t").replace("\n", "\\n")
                .replace("\r", "\\r"))
    return str(value)


def _copy(cursor, table: str, columns: str, rows: list[tuple]) -> None:
    if not rows:
        return
    data = io.StringIO()
    data.writelines("\t".join(_copy_value(v) for v in row) + "\n" for row in rows)
    data.seek(0)
    cursor.copy_expert(f"COPY {table} ({columns}) FROM STDIN", data)


REC_COLUMNS = ("id, review_id, paragraph, paragraph_sort, text, text_key, response, "
               "response_source, action_category, government_status, civil_society_status, "
               "created_at, updated_at")
SEARCH_VECTOR = ("setweight(to_tsvector('english', coalesce(paragraph, '')), 'A') || "
                 "setweight(to_tsvector('english', coalesce(text, '')), 'B')")


def _write_copy(plan: _Plan) -> None:
    raw = connection.connection  # psycopg2's, for copy_expert
    with raw.cursor() as cursor:
        cursor.execute(f"CREATE TEMP TABLE corpus_staging ON COMMIT DROP AS SELECT {REC_COLUMNS} "
                       "FROM recommendations_recommendation WITH NO DATA")
        _copy(cursor, "corpus_staging", REC_COLUMNS, plan.recommendations)
        # The search vector in bulk, in the same pass as the insert: the trigger's
        # expression, once per statement instead of a PL/pgSQL call per row.
        cursor.execute("ALTER TABLE recommendations_recommendation "
                       "DISABLE TRIGGER recommendation_search_vector")
        cursor.execute(
            f"INSERT INTO recommendations_recommendation ({REC_COLUMNS}, version, recurring, "
            f"search_vector) SELECT {REC_COLUMNS}, 1, false, {SEARCH_VECTOR} "
            "FROM corpus_staging")
        # The deferred foreign-key checks now, or the table cannot be altered back.
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("ALTER TABLE recommendations_recommendation "
                       "ENABLE TRIGGER recommendation_search_vector")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
        cursor.execute("DROP TABLE corpus_staging")
        _copy(cursor, "recommendations_recommendation_recommending_states",
              "recommendation_id, state_id", plan.states)
        _copy(cursor, "recommendations_recommendation_themes", "recommendation_id, theme_id",
              plan.themes)
        _copy(cursor, "recommendations_recommendation_sdgs", "recommendation_id, sdg_id",
              plan.sdgs)
        _copy(cursor, "recommendations_recommendation_affected_groups",
              "recommendation_id, affectedgroup_id", plan.groups)
        _copy(cursor, "recommendations_responserecord",
              "recommendation_id, response, source_symbol, source_paragraph, date, created_at",
              plan.responses)
        _copy(cursor, "recommendations_assessment",
              "recommendation_id, actor, status, comment, evidence_url, organisation, "
              "assessed_on, created_at", plan.assessments)
    _write_follow_ups(plan)


# Both: follow-up actions are few, the ORM writes them.

def _write_follow_ups(plan: _Plan) -> None:
    if not plan.follow_ups:
        return
    actions = FollowUpAction.objects.bulk_create([
        FollowUpAction(state_id=state_id, title=title, target_date=target, status=status)
        for state_id, title, target, status, _links in plan.follow_ups])
    Through = FollowUpAction.recommendations.through
    Through.objects.bulk_create([
        Through(followupaction_id=action.pk, recommendation_id=rid)
        for action, (*_rest, links) in zip(actions, plan.follow_ups, strict=True)
        for rid in links])


# SQLite (and any other database): ORM bulk inserts.

def _write_orm(plan: _Plan) -> None:
    names = [c.strip() for c in REC_COLUMNS.split(",")]
    Recommendation.objects.bulk_create(
        [Recommendation(**dict(zip(names, row, strict=True))) for row in plan.recommendations],
        batch_size=500)
    for relation, column, rows in (("recommending_states", "state_id", plan.states),
                                   ("themes", "theme_id", plan.themes),
                                   ("sdgs", "sdg_id", plan.sdgs),
                                   ("affected_groups", "affectedgroup_id", plan.groups)):
        Through = getattr(Recommendation, relation).through
        Through.objects.bulk_create([Through(recommendation_id=rid, **{column: other})
                                     for rid, other in rows], batch_size=500)
    ResponseRecord.objects.bulk_create([
        ResponseRecord(recommendation_id=rid, response=response, source_symbol=symbol,
                       source_paragraph=paragraph, date=date, created_at=created)
        for rid, response, symbol, paragraph, date, created in plan.responses], batch_size=500)
    Assessment.objects.bulk_create([
        Assessment(recommendation_id=rid, actor=actor, status=status, comment=comment,
                   evidence_url=url, organisation=org, assessed_on=day, created_at=created)
        for rid, actor, status, comment, url, org, day, created in plan.assessments],
        batch_size=500)
    _write_follow_ups(plan)
