import pytest

from accounts.models import ReminderFrequency
from accounts.roles import Role
from reminders.services import recipients_by_state
from tests.conftest import make_user

from .conftest import follower

pytestmark = pytest.mark.django_db


def test_focal_point_is_reminded_of_their_own_state(focal_point, france):
    assert recipients_by_state([france.pk])[france.pk] == {focal_point.pk}


def test_focal_point_is_not_reminded_of_another_state(focal_point, germany):
    assert germany.pk not in recipients_by_state([germany.pk])


def test_profile_state_without_the_focal_point_role_is_not_enough(ngo_user, france):
    ngo_user.profile.state = france
    ngo_user.profile.save()
    assert france.pk not in recipients_by_state([france.pk])


@pytest.mark.parametrize("frequency", [ReminderFrequency.IMMEDIATE, ReminderFrequency.WEEKLY])
def test_followers_are_reminded(france, frequency):
    user = follower("fan", france, frequency=frequency)
    assert recipients_by_state([france.pk])[france.pk] == {user.pk}


def test_followers_who_chose_no_reminders_get_none(france):
    follower("quiet", france, frequency=ReminderFrequency.NONE)
    assert france.pk not in recipients_by_state([france.pk])


def test_focal_point_who_chose_no_reminders_gets_none(focal_point, france):
    focal_point.profile.reminder_frequency = ReminderFrequency.NONE
    focal_point.profile.save()
    assert france.pk not in recipients_by_state([france.pk])


def test_inactive_users_get_nothing(france):
    follower("gone", france, is_active=False)
    make_user("gone-fp", Role.FOCAL_POINT, state=france).__class__.objects.filter(
        username="gone-fp").update(is_active=False)
    assert france.pk not in recipients_by_state([france.pk])


def test_users_without_email_get_nothing(france):
    follower("mute", france, email="")
    assert france.pk not in recipients_by_state([france.pk])


def test_focal_point_who_also_follows_their_state_is_one_recipient(focal_point, france,
                                                                  germany):
    focal_point.profile.followed_states.set([france, germany])
    found = recipients_by_state([france.pk, germany.pk])
    assert (found[france.pk], found[germany.pk]) == ({focal_point.pk}, {focal_point.pk})
