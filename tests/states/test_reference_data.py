import csv
import html

import pytest

from recommendations.models import SDG, Theme
from reviews.models import Cycle, Session
from states.models import RegionalGroup, State, normalize_name

pytestmark = pytest.mark.django_db


def test_there_are_193_members_and_2_observers():
    assert State.objects.members().count() == 193
    assert set(State.objects.filter(is_observer=True).values_list("iso3", flat=True)) == {
        "VAT", "PSE"}


def test_every_state_is_in_exactly_one_known_regional_group():
    regions = set(State.objects.values_list("region", flat=True))
    assert regions == set(RegionalGroup.values)
    assert not State.objects.filter(region="").exists()


@pytest.mark.parametrize(("iso3", "region"), [
    ("FRA", "WEOG"), ("CHN", "APG"), ("BRA", "GRULAC"), ("UKR", "EEG"), ("NGA", "AFR"),
    ("USA", "WEOG"), ("TUR", "WEOG"), ("KIR", "APG"), ("PSE", "APG"), ("CYP", "APG"),
])
def test_regional_group_spot_checks(iso3, region):
    assert State.objects.get(iso3=iso3).region == region


def test_regional_group_sizes():
    sizes = {r: State.objects.members().in_region(r).count() for r in RegionalGroup.values}
    assert sizes == {"AFR": 54, "APG": 54, "EEG": 23, "GRULAC": 33, "WEOG": 29}


@pytest.mark.parametrize(("name", "iso3"), [
    ("Türkiye", "TUR"), ("Turkey", "TUR"), ("DPR Korea", "PRK"), ("Macedonia FYR", "MKD"),
    ("Cote d'Ivoire", "CIV"), ("Côte d’Ivoire", "CIV"), ("Bosnia & Herzegovina", "BIH"),
    ("St Kitts & Nevis", "KNA"), ("Saint Kitts and Nevis", "KNA"), ("Swaziland", "SWZ"),
    ("Democratic Republic of Congo", "COD"), ("Republic of Congo", "COG"),
    ("Holy See", "VAT"), ("Palestine", "PSE"), ("FRA", "FRA"), ("  viet nam ", "VNM"),
])
@pytest.mark.parametrize("kept", [False, True], ids=["queries", "kept-map"])
def test_names_resolve_through_aliases(name, iso3, kept, django_assert_num_queries):
    names = State.objects.alias_map() if kept else None
    if kept:
        with django_assert_num_queries(0):
            assert State.objects.resolve(name, names=names).iso3 == iso3
    assert State.objects.resolve(name, names=names).iso3 == iso3


@pytest.mark.parametrize("kept", [False, True], ids=["queries", "kept-map"])
def test_unknown_names_do_not_resolve(kept):
    names = State.objects.alias_map() if kept else None
    assert State.objects.resolve("Atlantis", names=names) is None
    assert State.objects.resolve("&#40;Unknown&#41;", names=names) is None


@pytest.mark.parametrize("name", ["BR", "BRA", "Brasil", "Бразилия", "البرازيل", "巴西",
                                  "Brésil", "brazil", "B r a z i l"])
def test_a_kept_name_map_resolves_as_the_queries_do(name):
    assert (State.objects.resolve(name, names=State.objects.alias_map())
            == State.objects.resolve(name))


def test_region_labels_from_sources_parse():
    assert RegionalGroup.parse("Asia") == RegionalGroup.ASIA_PACIFIC
    assert RegionalGroup.parse("Africa") == RegionalGroup.AFRICAN
    assert RegionalGroup.parse("weog") == RegionalGroup.WESTERN_EUROPEAN_OTHERS
    assert RegionalGroup.parse("Observer") is None


def _upr_info_names(path):
    with open(path, encoding="mac_roman", newline="") as f:
        rows = list(csv.DictReader(f))
    return {row["To"] for row in rows} | {row["From"] for row in rows}


def test_every_state_name_in_the_upr_info_sample_resolves(shared_data):
    names = _upr_info_names(shared_data / "upr-info-2015" / "sessions-01-05.csv")
    names |= _upr_info_names(shared_data / "upr-info-2015" / "voluntary-pledges.csv")
    names.discard(html.unescape("&#40;Unknown&#41;"))
    names.discard("&#40;Unknown&#41;")
    aliases = State.objects.alias_map()
    unresolved = sorted(n for n in names if normalize_name(n) not in aliases)
    assert len(names) > 140
    assert unresolved == []


def test_cycles_and_sessions_are_data_with_dates():
    assert list(Cycle.objects.values_list("number", flat=True)) == [1, 2, 3, 4]
    assert Session.objects.count() == 54
    assert not Session.objects.filter(start_date__isnull=True).exists()


@pytest.mark.parametrize(("session", "cycle"), [
    (1, 1), (12, 1), (13, 2), (26, 2), (27, 3), (40, 3), (41, 4), (54, 4)])
def test_sessions_map_to_their_cycles(session, cycle):
    assert Session.objects.get(number=session).cycle.number == cycle


def test_sessions_are_in_date_order():
    dates = list(Session.objects.order_by("number").values_list("start_date", flat=True))
    assert dates == sorted(dates)


def test_seventeen_sdgs():
    assert list(SDG.objects.values_list("number", flat=True)) == list(range(1, 18))
    assert SDG.objects.get(number=5).title == "Gender equality"


def test_theme_taxonomy_has_the_54_upr_info_issues(shared_data):
    with open(shared_data / "upr-info-2015" / "sessions-01-05.csv", encoding="mac_roman",
              newline="") as f:
        labels = {label for row in csv.DictReader(f) for label in row["Issue"].split(",")
                  if label}
    known = set(Theme.objects.filter(source="upr-info").values_list("name", flat=True))
    assert len(labels) == 54
    assert labels <= known
