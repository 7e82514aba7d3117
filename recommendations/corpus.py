"""Synthetic recommendations at scale (`manage.py generate_corpus`), for benchmarks.

Rows go in with bulk inserts straight into the tables, response rows included;
the audit history is left out (these rows were never edited).
"""

import random
from collections.abc import Callable

from django.db import transaction
from django.utils import timezone

from reviews.models import Review, Session
from states.models import State

from .models import (
    SDG,
    ImplementationStatus,
    Recommendation,
    ResponseRecord,
    Theme,
    paragraph_sort_key,
    text_key,
)

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
STATUSES = ["", "", ""] + [s for s in ImplementationStatus.values if s != "not_implemented"]


def generate_corpus(n: int, *, seed: int = 2026, batch: int = 5000,
                    progress: Callable[[int], None] | None = None) -> int:
    """Add `n` synthetic recommendations spread over reviews of every State and session."""
    rng = random.Random(seed)
    states = list(State.objects.all())
    sessions = list(Session.objects.all())
    themes = list(Theme.objects.values_list("id", flat=True))
    sdgs = list(SDG.objects.values_list("number", flat=True))
    per_review = 300
    needed_reviews = max(1, -(-n // per_review))
    existing = set(Review.objects.values_list("state_id", "session_id"))
    pairs = [(s, se) for se in sessions for s in states if (s.pk, se.pk) not in existing]
    rng.shuffle(pairs)
    reviews = []
    for state, session in pairs[:needed_reviews]:
        review = Review(state=state, session=session,
                        wg_report_symbol=f"A/HRC/{session.number + 6}/{rng.randint(1, 40)}")
        review.fill_defaults()
        reviews.append(review)
    reviews = Review.objects.bulk_create(reviews, batch_size=1000)

    Through = Recommendation.recommending_states.through
    ThemeThrough = Recommendation.themes.through
    SdgThrough = Recommendation.sdgs.through
    now = timezone.now()
    made = 0
    for start in range(0, n, batch):
        size = min(batch, n - start)
        rows = []
        for i in range(start, start + size):
            review = reviews[i // per_review % len(reviews)]
            text = (f"{rng.choice(VERBS)} {rng.choice(OBJECTS)}{rng.choice(TAILS)} "
                    f"(item {i})")
            paragraph = f"{rng.randint(100, 180)}.{i % per_review + 1}"
            rows.append(Recommendation(
                review=review, paragraph=paragraph, paragraph_sort=paragraph_sort_key(paragraph),
                text=text, text_key=text_key(text), response=rng.choice(RESPONSES),
                response_source=f"{review.wg_report_symbol}/Add.1",
                action_category=rng.randint(1, 5), government_status=rng.choice(STATUSES),
                created_at=now, updated_at=now))
        with transaction.atomic():
            created = Recommendation.objects.bulk_create(rows, batch_size=batch)
            Through.objects.bulk_create(
                [Through(recommendation_id=r.pk, state_id=s.pk)
                 for r in created for s in rng.sample(states, rng.choice([1, 1, 1, 2, 3]))
                 if s.pk != r.review.state_id], batch_size=batch, ignore_conflicts=True)
            ThemeThrough.objects.bulk_create(
                [ThemeThrough(recommendation_id=r.pk, theme_id=t)
                 for r in created for t in rng.sample(themes, 2)], batch_size=batch)
            SdgThrough.objects.bulk_create(
                [SdgThrough(recommendation_id=r.pk, sdg_id=g)
                 for r in created for g in rng.sample(sdgs, 1)], batch_size=batch)
            ResponseRecord.objects.bulk_create(
                [ResponseRecord(recommendation_id=r.pk, response=r.response,
                                source_symbol=r.response_source) for r in created],
                batch_size=batch)
        made += size
        if progress:
            progress(made)
    return made
