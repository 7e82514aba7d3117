"""Issue 22, item 1: an alias never shadows a State's own name or another State's
alias, whatever its length; the key checked is the key stored; saving one is logged
with who and when."""

import logging

import pytest
from django.core.exceptions import ValidationError

from states.models import ALIAS_MAX_LENGTH, State, StateAlias
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_a_long_name_cut_to_a_states_key_is_refused(france, germany):
    # Checked whole, its key is "france x"; cut to 100 characters it used to be "france".
    name = "France" + "!" * 120 + " x"
    with pytest.raises(ValueError, match="at most 100"):
        State.objects.add_alias(name, germany)
    assert not StateAlias.objects.filter(state=germany).exists()
    assert State.objects.resolve("France") == france
    assert State.objects.alias_map().lookup("France") == france


@pytest.mark.parametrize("name", ["France", "FRANCE", "the France", "Fr ance", "FRA",
                                  "Swaziland", "Turkey", "Türkiye"])
def test_names_of_other_states_are_refused_whatever_the_route(name, germany):
    with pytest.raises(ValueError, match="already means"):
        State.objects.add_alias(name, germany)
    with pytest.raises(ValidationError):
        StateAlias(name=name, state=germany).save()  # the admin's route
    assert State.objects.resolve(name) != germany


def test_an_alias_stored_before_cannot_shadow_a_states_own_name(france, germany):
    # A row written before this check (as the old truncation did): the name still wins.
    StateAlias.objects.bulk_create([StateAlias(state=germany, name="France!",
                                               name_key="france")])
    assert State.objects.resolve("France") == france
    assert State.objects.alias_map().lookup("France") == france


def test_a_new_alias_is_saved_with_who_and_when(france, caplog):
    user = make_user("ngo-alias")
    caplog.set_level(logging.INFO, logger="states.aliases")
    alias = State.objects.add_alias("Republique francaise du test", france, user=user)
    assert alias is not None and alias.name_key == "republique francaise du test"
    assert alias.created_by == user and alias.created_at is not None
    assert "ngo-alias" in caplog.text and "FRA" in caplog.text
    assert State.objects.resolve("République française du test") == france
    # The same name again for the same State: nothing new.
    assert State.objects.add_alias("Republique Francaise du test", france) is None


def test_stored_key_is_the_checked_key_at_the_limit(france):
    name = "a" * ALIAS_MAX_LENGTH
    alias = State.objects.add_alias(name, france)
    assert alias.name == name and alias.name_key == name
    with pytest.raises(ValueError):
        State.objects.add_alias("b" * (ALIAS_MAX_LENGTH + 1), france)
    with pytest.raises(ValueError):
        State.objects.add_alias("&" * 30, france)  # key " and " * 30: longer than stored


# Whitespace and control characters around or inside a name are not a new name: they are
# stripped before the shadowing check, and the stored name is the stripped one.
@pytest.mark.parametrize("name", [" france", "France\u00a0", "FRANCE\t", "\tFrance\n",
                                  "France\x01", "\x0bFrance", "Fr\x00ance", "\u200bFrance",
                                  "France\u2028", "\x85France\x9f", "\ufeffFrance"])
def test_names_of_states_with_whitespace_or_control_characters_are_refused(
        name, france, germany):
    with pytest.raises(ValueError, match="already means"):
        State.objects.add_alias(name, germany)
    with pytest.raises(ValidationError):
        StateAlias(name=name, state=germany).save()
    assert not StateAlias.objects.filter(state=germany).exists()
    assert State.objects.resolve(name) == france
    assert State.objects.resolve("France") == france


def test_an_alias_is_stored_stripped_and_its_key_matches_its_name(france, germany):
    alias = State.objects.add_alias("\u00a0 Deutsch\x01land\t\x0b", germany)
    alias.refresh_from_db()
    assert alias.name == "Deutschland"
    assert alias.name_key == "deutschland"
    admin_route = StateAlias(name=" Bundes\x02republik\u00a0", state=germany)
    admin_route.save()
    admin_route.refresh_from_db()
    assert (admin_route.name, admin_route.name_key) == ("Bundesrepublik", "bundesrepublik")
    assert State.objects.resolve("Bundesrepublik") == germany
    # Invisible characters inside the name: the same alias, nothing new.
    assert State.objects.add_alias("Deutsch\u200bland\u00ad", germany) is None
    # The alias of another State, with the same noise: refused.
    with pytest.raises(ValueError, match="already means"):
        State.objects.add_alias("deutschLAND\x03 ", france)
