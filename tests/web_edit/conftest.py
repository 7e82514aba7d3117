"""Fixtures of the editing pages: one review of France with a recommendation and a
follow-up action, one review of Germany, and a client per role."""

import pytest
from django.test import Client

from accounts.roles import Role
from tests.conftest import make_user
from tests.factories import FollowUpActionFactory, RecommendationFactory, ReviewFactory, session


@pytest.fixture
def review(france):
    return ReviewFactory(state=france, session=session(43))


@pytest.fixture
def recommendation(review):
    return RecommendationFactory(review=review, paragraph="45.1",
                                 text="Ratify the Optional Protocol to the Convention")


@pytest.fixture
def german_review(germany):
    return ReviewFactory(state=germany, session=session(44), wg_report_symbol="A/HRC/55/9")


@pytest.fixture
def german_recommendation(german_review, france):
    return RecommendationFactory(review=german_review, paragraph="140.3",
                                 text="Strengthen the national human rights institution",
                                 recommending_states=[france])


@pytest.fixture
def action(recommendation):
    return FollowUpActionFactory(recommendations=[recommendation],
                                 title="Draft the ratification bill")


@pytest.fixture
def german_action(german_recommendation, germany):
    return FollowUpActionFactory(state=germany, recommendations=[german_recommendation],
                                 title="Review the NHRI statute")


@pytest.fixture
def focal_point_germany(db, germany):
    return make_user("focal-deu", Role.FOCAL_POINT, state=germany)


@pytest.fixture
def users(ngo_user, focal_point, focal_point_germany, researcher, admin_user, plain_user):
    return {"ngo": ngo_user, "focal-fra": focal_point, "focal-deu": focal_point_germany,
            "researcher": researcher, "admin": admin_user, "plain": plain_user}


@pytest.fixture
def client_as(users):
    """`client_as("ngo")`: a test client logged in with that role (None: anonymous)."""

    def make(role: str | None) -> Client:
        client = Client()
        if role:
            client.force_login(users[role])
        return client

    return make
