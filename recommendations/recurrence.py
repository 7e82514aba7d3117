"""Recurring recommendations: which earlier recommendations to the same State a
recommendation asks again, stored as SimilarRecommendation rows and the
`Recommendation.recurring` flag, and what the pages show from them.

Computed per State under review (a task after each import or edit, or
`manage.py link_recurring`), never at page time. Tag suggestions for a new text use
the same similarity against the nearest tagged recommendations.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable

from django.db import connection, transaction
from django.db.models import Count, Exists, OuterRef, Q, prefetch_related_objects
from django.utils import timezone

from reviews.models import Cycle
from states.models import State

from . import readmodel, similarity
from .models import (
    SDG,
    AffectedGroup,
    Recommendation,
    RecommendationRow,
    Response,
    ReviewTally,
    SimilarityFeedback,
    SimilarRecommendation,
    Theme,
)
from .tags import tag
from .touch import touched


def link_state(state: State | int, *, method: str | None = None) -> dict:
    """Recompute the earlier-recommendation links of every recommendation to `state`.

    Each recommendation is compared with the recommendations of the earlier cycles;
    the best `MAX_EARLIER` at or above the method's threshold are kept.
    """
    state_id = state.pk if isinstance(state, State) else state
    method = method or similarity.active_method()
    cutoff = similarity.threshold(method)
    rows = list(Recommendation.objects.filter(review__state_id=state_id)
                .order_by("id").values_list("id", "text", "review__session__cycle__number"))
    by_cycle: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for pk, text, cycle in rows:
        by_cycle[cycle].append((pk, text))
    links: list[SimilarRecommendation] = []
    cycles = sorted(by_cycle)
    for position, cycle in enumerate(cycles):
        earlier = [row for c in cycles[:position] for row in by_cycle[c]]
        if not earlier:
            continue
        current = by_cycle[cycle]
        matrix = similarity.scores([t for _, t in current], [t for _, t in earlier], method)
        for (pk, _text), row in zip(current, matrix, strict=True):
            best = sorted(((s, earlier[i][0]) for i, s in enumerate(row) if s >= cutoff),
                          reverse=True)[:similarity.MAX_EARLIER]
            links += [SimilarRecommendation(recommendation_id=pk, earlier_id=other,
                                            score=round(score, 4), method=method)
                      for score, other in best]
    # Pairs a person marked wrong stay out, whatever their score.
    wrong = set(SimilarityFeedback.objects.filter(recommendation__review__state_id=state_id)
                .values_list("recommendation_id", "earlier_id"))
    links = [link for link in links if (link.recommendation_id, link.earlier_id) not in wrong]
    recurring_ids = {link.recommendation_id for link in links}
    with transaction.atomic():
        SimilarRecommendation.objects.filter(
            recommendation__review__state_id=state_id).delete()
        SimilarRecommendation.objects.bulk_create(links, batch_size=1000)
        # .update(): no history row and no version change for a computed flag, but
        # readers see it: updated_at moves and the change feed hears of it.
        mine = Recommendation.objects.filter(review__state_id=state_id)
        gained = list(mine.filter(pk__in=recurring_ids, recurring=False)
                      .values_list("pk", flat=True))
        lost = list(mine.exclude(pk__in=recurring_ids).filter(recurring=True)
                    .values_list("pk", flat=True))
        now = timezone.now()
        Recommendation.objects.filter(pk__in=gained).update(recurring=True, updated_at=now)
        Recommendation.objects.filter(pk__in=lost).update(recurring=False, updated_at=now)
        touched([*gained, *lost])
        # The links changed even where no flag did: pages that count them are cached.
        readmodel.bump()
    return {"state": state_id, "recommendations": len(rows), "recurring": len(recurring_ids),
            "links": len(links), "method": method}


def link_all(*, iso3: str | None = None, method: str | None = None,
             progress: Callable[[int, int, str], None] | None = None) -> list[dict]:
    states = State.objects.filter(
        Exists(Recommendation.objects.filter(review__state=OuterRef("pk"))))
    if iso3:
        states = states.filter(iso3=iso3.upper())
    states = list(states.order_by("iso3"))
    results = []
    for done, state in enumerate(states, 1):
        results.append(link_state(state, method=method))
        if progress:
            progress(done, len(states), state.iso3)
    return results


# What the pages show ------------------------------------------------------------------

def asked_before(recommendation: Recommendation) -> tuple[list[SimilarRecommendation], int]:
    """The earlier recommendations this one repeats, best first, with their review,
    response and statuses loaded; and how many later recommendations repeat it.
    One query (two when there are earlier ones: their recommending States)."""
    links = list(SimilarRecommendation.objects.filter(
        Q(recommendation=recommendation) | Q(earlier=recommendation)
    ).select_related("earlier__review__session__cycle", "earlier__review__state")
        .order_by("-score", "earlier_id"))
    earlier = [link for link in links if link.recommendation_id == recommendation.pk]
    prefetch_related_objects(earlier, "earlier__recommending_states")
    for link in earlier:
        link.likeness = similarity.likeness(link.score, link.method)
    return earlier, len(links) - len(earlier)


def mark_wrong(recommendation: Recommendation, earlier_id: int, *, user=None) -> bool:
    """Record that `earlier_id` does not ask what `recommendation` asks: the link goes,
    the mark stays (for the next recomputation and for tuning), and the recurring flag
    follows. False when there was no such link."""
    from .touch import touched

    with transaction.atomic():
        link = (SimilarRecommendation.objects.select_for_update()
                .filter(recommendation=recommendation, earlier_id=earlier_id).first())
        if link is None:
            return False
        SimilarityFeedback.objects.get_or_create(
            recommendation=recommendation, earlier_id=earlier_id,
            defaults={"score": link.score, "method": link.method, "created_by": user})
        link.delete()
        still = SimilarRecommendation.objects.filter(recommendation=recommendation).exists()
        if recommendation.recurring != still:
            Recommendation.objects.filter(pk=recommendation.pk).update(recurring=still)
            recommendation.recurring = still
        touched([recommendation.pk])
    return True


def recurrence_by_cycle(state: State) -> list[dict]:
    """Per cycle of `state`: recommendations, how many repeat earlier ones (and the
    share), and how many of those repeat one that was supported before. The first two
    from the tally; the last from the State's links (one query over its recommendations
    that have a supported earlier one: the tally does not know the earlier ones)."""
    cycle = "review__session__cycle__number"
    counted = ReviewTally.objects.filter(review__state=state).counts(cycle, "recurring")
    # On the list's rows: the State's supported recommendations are one GIN lookup of
    # their tags, the links from them one index read, the State's rows counted per cycle.
    # Before, PostgreSQL hashed every supported recommendation (220 ms at 500,000 rows),
    # then, told the earlier one is the same State's, still bitmapped 320,000 supported
    # rows to find the State's (80-120 ms); now 30-45 ms, most of it the links' table.
    earlier = (RecommendationRow.objects
               .filter(tags__overlap=[tag("state_under_review", state.pk)])
               .filter(tags__overlap=[tag("response", Response.SUPPORTED)]).values("id"))
    linked = SimilarRecommendation.objects.filter(earlier_id__in=earlier).values(
        "recommendation_id")
    numbers = {cycle.pk: cycle.number for cycle in Cycle.objects.all()}
    supported_before: Counter = Counter()
    for cycle_id, n in (RecommendationRow.objects.filter(state_id=state.pk, id__in=linked)
                        .order_by().values_list("cycle_id").annotate(n=Count("id"))):
        supported_before[numbers[cycle_id]] += n
    rows = []
    for number in sorted({number for number, _recurring in counted}):
        total = counted.get((number, False), 0) + counted.get((number, True), 0)
        recurring = counted.get((number, True), 0)
        rows.append({"cycle": number, "total": total, "recurring": recurring,
                     "supported_before": supported_before.get(number, 0),
                     "percent": round(100 * recurring / total, 1) if total else 0.0})
    return rows


# Tag suggestions ----------------------------------------------------------------------

CANDIDATES = 300  # tagged recommendations scored for a suggestion
NEIGHBOURS = 10


def _candidates(text: str):
    tagged = Recommendation.objects.filter(
        Q(Exists(Recommendation.themes.through.objects.filter(recommendation_id=OuterRef("pk"))))
        | Q(Exists(Recommendation.sdgs.through.objects.filter(recommendation_id=OuterRef("pk"))))
    )
    words = sorted({t for t in similarity.terms(text) if "_" not in t}, key=len, reverse=True)
    if connection.vendor == "postgresql" and words:
        from django.contrib.postgres.search import SearchQuery, SearchRank

        query = SearchQuery(" | ".join(f"{w}:*" for w in words[:12]), config="english",
                            search_type="raw")
        return list(tagged.filter(search_vector=query)
                    .annotate(rank=SearchRank("search_vector", query))
                    .order_by("-rank", "-id").values_list("id", "text")[:CANDIDATES])
    found = tagged
    if words:
        any_word = Q()
        for word in words[:6]:
            any_word |= Q(text__icontains=word)
        found = found.filter(any_word)
    return list(found.order_by("-id").values_list("id", "text")[:CANDIDATES])


def suggest_tags(text: str, *, exclude_id: int | None = None, limit: int = 5) -> dict:
    """Themes, SDGs and affected groups of the nearest tagged recommendations, each
    with a score (the summed similarity of the neighbours carrying it). Suggestions
    only: nothing is applied."""
    text = (text or "").strip()
    result = {"method": similarity.LEXICAL, "neighbours": [], "themes": [], "sdgs": [],
              "affected_groups": []}
    if not text:
        return result
    candidates = [c for c in _candidates(text) if c[0] != exclude_id]
    if not candidates:
        return result
    # A lexical score here: the candidates came from a word search, and the model
    # would have to embed them all at request time.
    row = similarity.scores([text], [t for _, t in candidates], similarity.LEXICAL)[0]
    ranked = sorted(zip(row, (pk for pk, _ in candidates), strict=True), reverse=True)
    near = [(s, pk) for s, pk in ranked[:NEIGHBOURS] if s >= similarity.THRESHOLDS["lexical"]]
    weight = {pk: s for s, pk in near}
    result["neighbours"] = [{"id": pk, "score": round(s, 3)} for s, pk in near]
    for key, model, relation, field in (
            ("themes", Theme, Recommendation.themes.through, "theme_id"),
            ("sdgs", SDG, Recommendation.sdgs.through, "sdg_id"),
            ("affected_groups", AffectedGroup, Recommendation.affected_groups.through,
             "affectedgroup_id")):
        votes: Counter = Counter()
        for rec_id, obj_id in relation.objects.filter(
                recommendation_id__in=weight).values_list("recommendation_id", field):
            votes[obj_id] += weight[rec_id]
        objects = model.objects.in_bulk([pk for pk, _ in votes.most_common(limit)])
        result[key] = [{"id": pk, "label": str(objects[pk]), "score": round(v, 3),
                        **({"slug": objects[pk].slug} if hasattr(objects[pk], "slug") else {})}
                       for pk, v in votes.most_common(limit) if pk in objects]
    return result
