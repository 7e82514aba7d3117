"""Factories for tests. States, cycles and sessions come from the migrations."""

import factory

from recommendations.models import (
    Actor,
    Assessment,
    FollowUpAction,
    ImplementationStatus,
    Recommendation,
    Response,
)
from reviews.models import Review, Session
from states.models import State


def state(iso3: str) -> State:
    return State.objects.get(iso3=iso3)


def session(number: int) -> Session:
    return Session.objects.get(number=number)


class ReviewFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Review
        django_get_or_create = ("state", "session")

    state = factory.LazyFunction(lambda: state("FRA"))
    session = factory.LazyFunction(lambda: session(43))
    wg_report_symbol = "A/HRC/54/5"


class RecommendationFactory(factory.django.DjangoModelFactory):
    """A recommendation; `recommending_states=[...]` (default: Germany)."""

    class Meta:
        model = Recommendation
        skip_postgeneration_save = True

    review = factory.SubFactory(ReviewFactory)
    paragraph = factory.Sequence(lambda n: f"45.{n + 1}")
    text = factory.Sequence(lambda n: f"Ratify the optional protocol number {n} to the convention")
    response = Response.SUPPORTED

    @factory.post_generation
    def recommending_states(self, create: bool, extracted, **kwargs) -> None:
        if create:
            self.recommending_states.set(extracted or [state("DEU")])


class AssessmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Assessment

    recommendation = factory.SubFactory(RecommendationFactory)
    actor = Actor.CIVIL_SOCIETY
    status = ImplementationStatus.IN_PROGRESS


class FollowUpActionFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = FollowUpAction
        skip_postgeneration_save = True

    state = factory.LazyFunction(lambda: state("FRA"))
    title = factory.Sequence(lambda n: f"Draft the action plan, step {n}")
    responsible_institution = "Ministry of Justice"

    @factory.post_generation
    def recommendations(self, create: bool, extracted, **kwargs) -> None:
        if create and extracted:
            self.recommendations.set(extracted)
