"""The demo data of issue 25: institutions, indicators and reports for France and Brazil,
and contributor accounts that the `make run` banner names, so that a newcomer can log in
as one."""

import re
from pathlib import Path

import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.roles import contributor_institution_id
from progress.models import Indicator, ProgressReport
from states.models import Institution

pytestmark = pytest.mark.django_db

MAKEFILE = Path(__file__).resolve().parents[2] / "Makefile"


def run_banner() -> str:
    """The lines `make run` echoes before it starts the server."""
    target = MAKEFILE.read_text().split("\nrun:", 1)[1].split("\n\n", 1)[0]
    return "\n".join(re.findall(r'@echo "(.*)"', target))


@pytest.fixture
def demo(settings):
    settings.DEBUG = True
    call_command("load_demo_data")


@pytest.mark.parametrize("iso3", ["FRA", "BRA"])
def test_demo_data_has_institutions_indicators_and_reports(demo, iso3):
    assert Institution.objects.filter(state__iso3=iso3).exists()
    assert Indicator.objects.filter(state__iso3=iso3).exists()
    assert ProgressReport.objects.filter(indicator__state__iso3=iso3).exists()


def test_run_banner_lists_every_demo_account(demo):
    banner = run_banner()
    for username in get_user_model().objects.values_list("username", flat=True):
        assert re.search(rf"^\s+{re.escape(username)}\s", banner, re.M), username


def test_run_banner_names_each_contributors_institution(demo):
    banner = run_banner()
    for user in get_user_model().objects.select_related("profile__institution"):
        if contributor_institution_id(user):
            line = next(x for x in banner.splitlines() if x.split()[:1] == [user.username])
            institution = user.profile.institution
            assert (institution.short_name or institution.name) in line, line
