"""parse_recommendation_list / resolve_state_names: the parser shared with "paste a list"."""

import pytest

from imports.parsing import (
    parse_recommendation_list,
    resolve_state_names,
    state_name_checker,
)
from states.models import State


def test_wg_report_line_with_several_states_gives_one_recommendation():
    [item] = parse_recommendation_list(
        "140.1 Ratify the Convention against Torture (Algeria) (Cabo Verde) (Paraguay);")
    assert (item.paragraph, item.text, item.state_names, item.errors) == (
        "140.1", "Ratify the Convention against Torture", ["Algeria", "Cabo Verde", "Paraguay"],
        [])


def test_one_recommendation_per_line_with_line_numbers():
    items = parse_recommendation_list("\n140.1 Ratify it (Peru);\n\n140.2 Adopt it (Chile);\n")
    assert [(i.paragraph, i.line) for i in items] == [("140.1", 2), ("140.2", 4)]


def test_cluster_under_one_paragraph_is_one_recommendation_with_its_parts():
    [item] = parse_recommendation_list(
        "140.2 Continue the plan (Egypt); continue work on it (Peru);take measures (Azerbaijan);")
    assert item.paragraph == "140.2"
    assert item.state_names == ["Egypt", "Peru", "Azerbaijan"]
    assert item.text == ("Continue the plan (Egypt); continue work on it (Peru); "
                         "take measures (Azerbaijan)")
    assert [(p.text, p.state_names) for p in item.parts] == [
        ("Continue the plan", ["Egypt"]), ("continue work on it", ["Peru"]),
        ("take measures", ["Azerbaijan"])]


def test_items_with_their_own_numbers_on_one_line_are_separate():
    items = parse_recommendation_list("140.9 One thing (Peru); 140.10 Another (Chile);")
    assert [(i.paragraph, i.text, i.state_names) for i in items] == [
        ("140.9", "One thing", ["Peru"]), ("140.10", "Another", ["Chile"])]


def test_comma_separated_states_in_one_parenthesis():
    [item] = parse_recommendation_list("121.5 Do more (Portugal, Slovakia);")
    assert item.state_names == ["Portugal", "Slovakia"]


def test_nested_parentheses_in_a_state_name():
    [item] = parse_recommendation_list(
        "140.167 Promote women's participation (Venezuela (Bolivarian Republic of));")
    assert item.state_names == ["Venezuela (Bolivarian Republic of)"]
    assert item.text == "Promote women's participation"


def test_convention_number_in_parentheses_is_text_not_a_state():
    [item] = parse_recommendation_list(
        "121.3 Ratify the Protocol to the Forced Labour Convention, 1930 (No. 29) "
        "(United Kingdom of Great Britain and Northern Ireland);")
    assert item.text.endswith("1930 (No. 29)")
    assert item.state_names == ["United Kingdom of Great Britain and Northern Ireland"]


def test_trailing_full_stop_instead_of_semicolon():
    [item] = parse_recommendation_list("121.58 Guarantee the rights of the erased (France).")
    assert (item.text, item.state_names) == ("Guarantee the rights of the erased", ["France"])


def test_paragraph_with_trailing_dot_and_states_each_after_a_semicolon():
    [item] = parse_recommendation_list("166.6. Ratify the Rome Statute (Chile); (Estonia);")
    assert (item.paragraph, item.text, item.state_names) == (
        "166.6", "Ratify the Rome Statute", ["Chile", "Estonia"])


def test_missing_state_is_reported_on_the_item():
    [item] = parse_recommendation_list("140.3 Adopt a law on disability;")
    assert item.state_names == []
    assert item.errors == ["no recommending State"]


def test_source_of_position_line_is_kept():
    [item] = parse_recommendation_list(
        "122.1 Ratify it (Senegal);\nSource of position: A/HRC/43/15/Add.1 - Para.3")
    assert (item.source_symbol, item.source_paragraph) == ("A/HRC/43/15/Add.1", "3")


def test_wrapped_line_continues_the_item():
    [item] = parse_recommendation_list("140.8 A long text that\nwraps over lines (France);")
    assert item.text == "A long text that wraps over lines"


def test_unknown_name_is_kept_as_a_candidate_for_the_caller():
    [item] = parse_recommendation_list("140.4 Do it (Frnace);")
    assert item.state_names == ["Frnace"]


@pytest.mark.django_db
def test_known_state_names_tell_text_parentheses_from_states():
    checker = state_name_checker(State.objects.alias_map())
    [item] = parse_recommendation_list("140.5 Ratify the Protocol (OP-CAT) (France);",
                                       is_state_name=checker)
    assert (item.text, item.state_names) == ("Ratify the Protocol (OP-CAT)", ["France"])


@pytest.mark.django_db
def test_resolve_state_names_through_aliases_and_reports_unknown():
    states, unknown = resolve_state_names(
        ["Cote d'Ivoire", "DPR Korea", "Türkiye", "Frnace", "Portugal, Slovakia"],
        State.objects.alias_map())
    assert [s.iso3 for s in states] == ["CIV", "PRK", "TUR", "PRT", "SVK"]
    assert unknown == ["Frnace"]
