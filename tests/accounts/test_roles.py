import pytest
from django.contrib.auth import get_user_model
from django.core.management import CommandError, call_command

from accounts.roles import (
    Role,
    can_assess,
    can_edit_recommendations,
    can_manage_follow_up,
    focal_state_id,
    roles_of,
)
from states.models import State

pytestmark = pytest.mark.django_db


def test_add_user_creates_a_focal_point_tied_to_a_state():
    call_command("add_user", "marie", "--role", "focal-point", "--state", "fra",
                 "--email", "marie@example.org", "--password", "s3cret-pass-123")
    user = get_user_model().objects.get(username="marie")
    assert user.email == "marie@example.org"
    assert user.check_password("s3cret-pass-123")
    assert roles_of(user) == {Role.FOCAL_POINT}
    assert focal_state_id(user) == State.objects.get(iso3="FRA").pk


def test_add_user_refuses_a_focal_point_without_a_state():
    with pytest.raises(CommandError, match="--state"):
        call_command("add_user", "marie", "--role", "focal-point")
    assert not get_user_model().objects.filter(username="marie").exists()


def test_add_user_refuses_an_unknown_state():
    with pytest.raises(CommandError, match="XXX"):
        call_command("add_user", "marie", "--role", "focal-point", "--state", "XXX")
    assert not get_user_model().objects.filter(username="marie").exists()


def test_add_user_admin_is_superuser_and_without_password_cannot_log_in():
    call_command("add_user", "root2", "--role", "admin")
    user = get_user_model().objects.get(username="root2")
    assert user.is_superuser and user.is_staff
    assert not user.has_usable_password()


def test_add_user_twice_adds_a_role_without_duplicating_the_user():
    call_command("add_user", "sam", "--role", "ngo")
    call_command("add_user", "sam", "--role", "researcher")
    user = get_user_model().objects.get(username="sam")
    assert roles_of(user) == {Role.NGO, Role.RESEARCHER}


def test_ngo_staff_edit_recommendations_and_assess_as_civil_society(ngo_user, france):
    assert can_edit_recommendations(ngo_user)
    assert can_assess(ngo_user, "civil_society", france.pk)
    assert not can_assess(ngo_user, "government", france.pk)
    assert not can_manage_follow_up(ngo_user, france.pk)


def test_focal_point_acts_for_their_own_state_only(focal_point, france, germany):
    assert can_assess(focal_point, "government", france.pk)
    assert not can_assess(focal_point, "government", germany.pk)
    assert not can_assess(focal_point, "civil_society", france.pk)
    assert can_manage_follow_up(focal_point, france.pk)
    assert not can_manage_follow_up(focal_point, germany.pk)
    assert not can_edit_recommendations(focal_point)


def test_researchers_and_anonymous_users_only_read(researcher, france):
    from django.contrib.auth.models import AnonymousUser

    for user in (researcher, AnonymousUser()):
        assert not can_edit_recommendations(user)
        assert not can_assess(user, "civil_society", france.pk)
        assert not can_manage_follow_up(user, france.pk)


def test_admin_may_do_everything(admin_user, france):
    assert can_edit_recommendations(admin_user)
    assert can_assess(admin_user, "government", france.pk)
    assert can_manage_follow_up(admin_user, france.pk)


def test_a_user_removed_from_the_focal_point_group_loses_the_state(focal_point, france):
    focal_point.groups.clear()
    user = get_user_model().objects.get(pk=focal_point.pk)
    assert not can_assess(user, "government", france.pk)
