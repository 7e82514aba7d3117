"""Due dates, where an indicator stands, and who may report on what."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError

from accounts.roles import Role
from progress import services
from progress.models import Indicator, ReportingDue, add_months, due_dates
from recommendations.models import Actor
from tests.conftest import make_user

pytestmark = pytest.mark.django_db


def test_add_months_clips_to_the_end_of_the_month():
    assert add_months(dt.date(2026, 1, 31), 1) == dt.date(2026, 2, 28)
    assert add_months(dt.date(2026, 11, 30), 3) == dt.date(2027, 2, 28)


def test_quarterly_due_dates_run_from_start_to_end():
    assert due_dates(dt.date(2026, 1, 1), dt.date(2027, 1, 1), 3) == [
        dt.date(2026, 4, 1), dt.date(2026, 7, 1), dt.date(2026, 10, 1), dt.date(2027, 1, 1)]


def test_a_period_cut_short_by_the_end_date_is_still_due():
    assert due_dates(dt.date(2026, 1, 1), dt.date(2026, 8, 15), 6) == [
        dt.date(2026, 7, 1), dt.date(2026, 8, 15)]


def test_the_schedule_is_stored_as_due_date_rows(world):
    assert list(world.indicator.dues.values_list("due_date", flat=True)) == \
        world.indicator.schedule()


def test_a_due_date_passed_without_report_makes_the_indicator_overdue_and_late(world):
    first = world.indicator.schedule()[0]
    assert first < dt.date.today()
    assert Indicator.objects.overdue().filter(pk=world.indicator.pk).exists()
    indicator = Indicator.objects.with_related().get(pk=world.indicator.pk)
    assert indicator.progress() == "late"


def test_a_report_meets_the_earliest_due_date_and_clears_overdue(world):
    report = services.file_report(user=world.justice_contributor, indicator=world.indicator,
                                  value=Decimal(90), narrative="New prison opened")
    assert report.due_date == world.indicator.schedule()[0]
    assert report.institution == world.justice
    assert not Indicator.objects.overdue().filter(pk=world.indicator.pk).exists()
    indicator = Indicator.objects.with_related().get(pk=world.indicator.pk)
    assert indicator.progress() == "on_track"


def test_reaching_the_target_downwards_is_met(world):
    services.file_report(user=world.focal, indicator=world.indicator, value=Decimal(35))
    indicator = Indicator.objects.with_related().get(pk=world.indicator.pk)
    assert indicator.progress() == "met"
    assert indicator.percent_of_target() == 100


def test_a_due_date_is_met_once_and_a_second_report_answers_the_next(world):
    first, second = world.indicator.schedule()[:2]
    services.file_report(user=world.focal, indicator=world.indicator, value=Decimal(90))
    report = services.file_report(user=world.focal, indicator=world.indicator,
                                  value=Decimal(80))
    assert report.due_date == second
    with pytest.raises(ValidationError) as exc:
        services.file_report(user=world.focal, indicator=world.indicator, value=Decimal(70),
                             due_date=first)
    assert "due_date" in exc.value.message_dict


def test_a_government_report_without_a_value_is_refused_and_writes_nothing(world):
    with pytest.raises(ValidationError) as exc:
        services.file_report(user=world.focal, indicator=world.indicator, value=None)
    assert "value" in exc.value.message_dict
    assert not world.indicator.reports.exists()


def test_civil_society_reports_answer_no_due_date_and_keep_the_schedule_open(world, ngo_user):
    report = services.file_report(user=ngo_user, actor=Actor.CIVIL_SOCIETY,
                                  indicator=world.indicator, value=Decimal(120),
                                  organisation="Prison watch")
    assert report.due_date is None
    assert Indicator.objects.overdue().filter(pk=world.indicator.pk).exists()
    indicator = Indicator.objects.with_related().get(pk=world.indicator.pk)
    assert indicator.latest_value(Actor.CIVIL_SOCIETY) == Decimal(120)
    assert indicator.latest_value() is None


def test_contributor_may_report_on_their_institution_only(world):
    assert world.indicator.user_can_report(world.justice_contributor)
    assert not world.other_indicator.user_can_report(world.justice_contributor)
    assert world.other_indicator.user_can_report(world.interior_contributor)


def test_focal_point_reports_and_manages_all_of_their_state_contributor_manages_nothing(world):
    assert world.other_indicator.user_can_report(world.focal)
    assert world.indicator.user_can_edit(world.focal)
    assert not world.indicator.user_can_edit(world.justice_contributor)


def test_another_states_focal_point_may_not_report(world, germany):
    german = make_user("focal-deu", Role.FOCAL_POINT, state=germany)
    assert not world.indicator.user_can_report(german)


def test_an_indicator_on_another_states_recommendation_is_refused(world, germany):
    from tests.factories import RecommendationFactory, ReviewFactory

    foreign = RecommendationFactory(review=ReviewFactory(state=germany))
    before = Indicator.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.create_indicator(state=world.france, title="x", recommendations=[foreign],
                                  start_date=dt.date(2026, 1, 1), end_date=dt.date(2027, 1, 1))
    assert "recommendations" in exc.value.message_dict
    assert Indicator.objects.count() == before


def test_changing_the_rhythm_keeps_due_dates_that_carry_a_report(world):
    report = services.file_report(user=world.focal, indicator=world.indicator,
                                  value=Decimal(90))
    services.update_indicator(world.indicator, expected_version=world.indicator.version,
                              frequency_months=5)
    dates = set(ReportingDue.objects.filter(indicator=world.indicator)
                .values_list("due_date", flat=True))
    assert report.due_date in dates
    assert set(world.indicator.schedule()) <= dates
