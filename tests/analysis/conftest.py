"""A small data set whose cooperation figures are counted by hand in the tests."""

from types import SimpleNamespace

import pytest

from recommendations import services
from recommendations.models import Theme
from tests.factories import ReviewFactory, session, state


@pytest.fixture
def small(db) -> SimpleNamespace:
    """Six recommendations:

    | rec | to (region)  | cycle | by (region)                   | response  | theme |
    |-----|--------------|-------|-------------------------------|-----------|-------|
    | r1  | FRA (WEOG)   | 4     | DEU (WEOG), BRA (GRULAC)      | supported | A     |
    | r2  | FRA (WEOG)   | 4     | DEU (WEOG), GBR (WEOG)        | noted     | B     |
    | r3  | FRA (WEOG)   | 4     | KEN (AFR)                     | supported | A     |
    | r4  | KEN (AFR)    | 4     | DEU (WEOG)                    | supported | A     |
    | r5  | KEN (AFR)    | 4     | JPN (APG)                     | noted     | B     |
    | r6  | BRA (GRULAC) | 3     | DEU (WEOG)                    | supported | A     |
    """
    # Two canonical themes: the list's `theme` filter (and so every figure) also finds a
    # canonical theme's source labels, which must not be the other theme.
    a, b = Theme.objects.pickable().order_by("slug")[:2]
    fra = ReviewFactory(state=state("FRA"), session=session(43), wg_report_symbol="A/HRC/54/5")
    ken = ReviewFactory(state=state("KEN"), session=session(43))
    bra = ReviewFactory(state=state("BRA"), session=session(30))
    make = services.create_recommendation
    return SimpleNamespace(
        theme_a=a, theme_b=b, fra=fra, ken=ken, bra=bra,
        r1=make(review=fra, paragraph="45.1", response="supported", themes=[a],
                text="Ratify the Optional Protocol to the Convention against Torture",
                recommending_states=[state("DEU"), state("BRA")]),
        r2=make(review=fra, paragraph="45.2", response="noted", themes=[b],
                text="Abolish the death penalty in all territories",
                recommending_states=[state("DEU"), state("GBR")]),
        r3=make(review=fra, paragraph="46.1", response="supported", themes=[a],
                text="Strengthen the national human rights institution",
                recommending_states=[state("KEN")]),
        r4=make(review=ken, paragraph="12.1", response="supported", themes=[a],
                text="Ratify the Optional Protocol to the Convention against Torture",
                recommending_states=[state("DEU")]),
        r5=make(review=ken, paragraph="12.2", response="noted", themes=[b],
                text="Decriminalise same-sex relations", recommending_states=[state("JPN")]),
        r6=make(review=bra, paragraph="30.1", response="supported", themes=[a],
                text="Reduce police violence", recommending_states=[state("DEU")]),
    )
