"""Lists of recommendation numbers as States write them (pure functions, no database)."""

from imports.readers.number_lists import parse_number_list

KNOWN_122 = {f"122.{n}" for n in range(1, 158)}


def numbers(text, **kwargs):
    result = parse_number_list(text, **kwargs)
    return result.paragraphs, result.problems


def test_full_numbers():
    assert numbers("140.7, 140.8, 140.10") == (["140.7", "140.8", "140.10"], [])


def test_short_numbers_take_the_reports_paragraph():
    assert numbers("1–5, 14–16", prefix="115") == (
        ["115.1", "115.2", "115.3", "115.4", "115.5", "115.14", "115.15", "115.16"], [])


def test_short_numbers_without_paragraph_are_reported():
    paragraphs, problems = numbers("3, 4")
    assert paragraphs == [] and len(problems) == 2


def test_ranges_with_hyphen_en_dash_and_spaces():
    assert numbers("122.17-18, 122.30–33, 122.34- 35, 122.23 – 24")[0] == [
        "122.17", "122.18", "122.30", "122.31", "122.32", "122.33", "122.34", "122.35",
        "122.23", "122.24"]


def test_range_broken_over_a_line_keeps_its_hyphen():
    assert numbers("122.62-\n66")[0] == ["122.62", "122.63", "122.64", "122.65", "122.66"]


def test_short_number_after_a_full_one_stays_in_its_paragraph():
    assert numbers("140.82-85, 87, 140.120, 209")[0] == [
        "140.82", "140.83", "140.84", "140.85", "140.87", "140.120", "140.209"]


def test_period_slipped_in_for_a_comma():
    assert numbers("140.34, 140.35. 140.36, 140.41. 140.42")[0] == [
        "140.34", "140.35", "140.36", "140.41", "140.42"]


def test_lost_hyphen_is_a_range_because_the_number_is_not_a_paragraph():
    assert numbers("122.60, 122.6266, 122.68", known=KNOWN_122) == (
        ["122.60", "122.62", "122.63", "122.64", "122.65", "122.66", "122.68"], [])


def test_lost_hyphen_without_the_report_by_size():
    assert numbers("122.6266")[0] == ["122.62", "122.63", "122.64", "122.65", "122.66"]
    assert numbers("140.140")[0] == ["140.140"]  # a real paragraph stays one


def test_lost_hyphen_across_a_power_of_ten():
    assert numbers("122.98102", known=KNOWN_122)[0] == [f"122.{n}" for n in range(98, 103)]


def test_numbers_not_in_the_report_are_reported_not_invented():
    paragraphs, problems = numbers("122.1, 122.158", known=KNOWN_122)
    assert paragraphs == ["122.1"]
    assert problems == ["122.158 is not a recommendation of the report"]


def test_repeats_count_once_and_backward_ranges_are_reported():
    paragraphs, problems = numbers("122.5, 122.5, 122.9-7")
    assert paragraphs == ["122.5"]
    assert problems == ["122.9-7: a range that runs backwards"]
