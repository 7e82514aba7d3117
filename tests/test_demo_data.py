import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.roles import Role, roles_of
from recommendations.models import Assessment, FollowUpAction, Recommendation
from reviews.models import Review

pytestmark = pytest.mark.django_db


def _counts() -> tuple[int, ...]:
    return (get_user_model().objects.count(), Review.objects.count(),
            Recommendation.objects.count(), Assessment.objects.count(),
            FollowUpAction.objects.count())


def test_demo_data_has_an_account_for_each_role_with_email(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    users = {u.username: u for u in get_user_model().objects.all()}
    roles = set().union(*(roles_of(u) for u in users.values()))
    assert roles == {r.value for r in Role}
    assert all(u.email for u in users.values())
    assert users["focal-fra"].profile.state.iso3 == "FRA"
    assert users["ngo"].profile.followed_states.exists()


def test_demo_data_covers_cycles_both_assessment_sides_and_due_actions(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    cycles = set(Review.objects.values_list("session__cycle__number", flat=True))
    assert {2, 3, 4} <= cycles or len(cycles) >= 2
    assert set(Assessment.objects.values_list("actor", flat=True)) == {
        "government", "civil_society"}
    assert FollowUpAction.objects.overdue().exists()
    assert FollowUpAction.objects.due_within(30).exists()
    assert Recommendation.objects.filter(recommending_states__isnull=True).count() == 0


def test_loading_the_demo_data_twice_adds_nothing_twice(settings):
    settings.DEBUG = True
    call_command("load_demo_data")
    first = _counts()
    call_command("load_demo_data")
    assert _counts() == first


def test_demo_data_is_refused_when_debug_is_off_unless_forced(settings):
    settings.DEBUG = False
    with pytest.raises(CommandError, match="--force"):
        call_command("load_demo_data")
    assert not Recommendation.objects.exists()
    call_command("load_demo_data", "--force")
    assert Recommendation.objects.exists()
