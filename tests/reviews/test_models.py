import datetime as dt

import pytest
from django.db import IntegrityError, transaction

from reviews.models import Review, add_months
from tests.factories import ReviewFactory, session, state

pytestmark = pytest.mark.django_db


def test_a_state_cannot_be_reviewed_twice_in_one_session():
    Review.objects.create(state=state("FRA"), session=session(43))
    with pytest.raises(IntegrityError), transaction.atomic():
        Review.objects.create(state=state("FRA"), session=session(43))


def test_the_same_state_can_be_reviewed_in_another_session():
    Review.objects.create(state=state("FRA"), session=session(29))
    Review.objects.create(state=state("FRA"), session=session(43))
    assert Review.objects.for_state("FRA").count() == 2


def test_document_symbols_default_from_session_and_state():
    review = Review.objects.create(state=state("SVN"), session=session(34),
                                   wg_report_symbol="A/HRC/43/15")
    assert review.national_report_symbol == "A/HRC/WG.6/34/SVN/1"
    assert review.un_compilation_symbol == "A/HRC/WG.6/34/SVN/2"
    assert review.stakeholder_summary_symbol == "A/HRC/WG.6/34/SVN/3"
    assert review.addendum_symbol == "A/HRC/43/15/Add.1"


def test_deadlines_default_from_the_review_date():
    review = Review.objects.create(state=state("SVN"), session=session(34),
                                   review_date=dt.date(2019, 11, 12))
    assert review.national_report_due == dt.date(2019, 8, 20)  # 12 weeks before
    assert review.stakeholder_submissions_due == dt.date(2019, 5, 12)  # 6 months before
    assert review.documents_published == dt.date(2019, 10, 1)  # 6 weeks before
    assert review.adoption_date == dt.date(2020, 3, 12)
    assert review.midterm_report_due == dt.date(2022, 9, 12)  # 2.5 years after adoption
    assert review.next_review_due == dt.date(2024, 5, 12)  # 4.5 years later


def test_review_date_defaults_to_the_session_start():
    review = ReviewFactory(state=state("SVN"), session=session(48))
    assert review.review_date == session(48).start_date


def test_an_admin_override_of_a_deadline_is_kept():
    review = Review.objects.create(state=state("SVN"), session=session(34),
                                   review_date=dt.date(2019, 11, 12),
                                   national_report_due=dt.date(2019, 8, 1))
    review.save()
    assert review.national_report_due == dt.date(2019, 8, 1)


def test_deadlines_are_listed_in_date_order_and_skip_a_submitted_midterm_report():
    review = Review.objects.create(state=state("SVN"), session=session(34),
                                   review_date=dt.date(2019, 11, 12),
                                   midterm_report_submitted=dt.date(2022, 9, 1))
    kinds = [kind for kind, _label, _date in review.deadlines()]
    dates = [date for _kind, _label, date in review.deadlines()]
    assert dates == sorted(dates)
    assert "midterm_report" not in kinds
    assert kinds[0] == "stakeholder_submissions"


def test_add_months_clamps_to_month_end():
    assert add_months(dt.date(2024, 8, 31), 6) == dt.date(2025, 2, 28)
    assert add_months(dt.date(2024, 3, 15), -6) == dt.date(2023, 9, 15)
