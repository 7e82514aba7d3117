"""A small corpus of recommendations across States, cycles, themes and SDGs."""

import datetime as dt
from types import SimpleNamespace

import pytest

from recommendations import services
from recommendations.models import SDG, Actor, AffectedGroup, Theme
from tests.factories import ReviewFactory, session, state


@pytest.fixture
def corpus(db) -> SimpleNamespace:
    fra, deu, bra = state("FRA"), state("DEU"), state("BRA")
    jpn, ken = state("JPN"), state("KEN")
    fra43 = ReviewFactory(state=fra, session=session(43), wg_report_symbol="A/HRC/52/14")
    deu30 = ReviewFactory(state=deu, session=session(30), wg_report_symbol="A/HRC/39/9")
    bra41 = ReviewFactory(state=bra, session=session(41), wg_report_symbol="A/HRC/52/14x")
    themes = list(Theme.objects.order_by("slug")[:3])
    torture = services.create_recommendation(
        review=fra43, paragraph="45.1", text="Ratify the optional protocol against torture",
        recommending_states=[deu], response="supported", themes=[themes[0]],
        sdgs=[SDG.objects.get(number=16)], action_category=5,
        affected_groups=[AffectedGroup.objects.order_by("slug")[0]])
    death = services.create_recommendation(
        review=fra43, paragraph="45.2", text="Abolish the death penalty in all territories",
        recommending_states=[bra, jpn], response="noted", themes=[themes[1]],
        sdgs=[SDG.objects.get(number=5), SDG.objects.get(number=16)], action_category=2)
    nhri = services.create_recommendation(
        review=deu30, paragraph="120.7", text="Strengthen the national human rights institution",
        recommending_states=[fra], response="partially_supported", action_category=4)
    indigenous = services.create_recommendation(
        review=bra41, paragraph="9.3", text="=HYPERLINK(\"http://evil\") protect indigenous land",
        recommending_states=[ken], response="pending", themes=[themes[2]])
    torture.add_assessment(actor=Actor.GOVERNMENT, status="in_progress",
                           assessed_on=dt.date(2024, 1, 10))
    torture.add_assessment(actor=Actor.CIVIL_SOCIETY, status="not_implemented",
                           assessed_on=dt.date(2024, 2, 1))
    return SimpleNamespace(
        fra43=fra43, deu30=deu30, bra41=bra41, themes=themes, torture=torture, death=death,
        nhri=nhri, indigenous=indigenous, all=[torture, death, nhri, indigenous])


def ids(response) -> set[int]:
    return {row["id"] for row in response.json()["results"]}
