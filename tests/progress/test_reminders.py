"""Indicator reminders in the digest (issue 25): the manager and the institution's
contributors before a due date and when it passed, the focal point once it is
INDICATOR_ESCALATE_DAYS overdue; each exactly once per due date and stage, each in the
recipient's own language, and saying what is due, for which indicator, with links."""

import dataclasses
import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail
from django.utils.formats import date_format

from accounts.roles import Role, assign_role
from progress import services
from progress.models import Indicator
from reminders.models import Reminder
from reminders.services import scan
from states.models import Institution, State
from tests.conftest import make_user

pytestmark = pytest.mark.django_db

TITLE = "Prisoners held in overcrowded cells"


@dataclasses.dataclass
class Setup:
    france: State
    justice: Institution
    manager: object  # a contributor of the Ministry of Justice, in French
    contributor: object  # another contributor of the Ministry, in Spanish
    focal: object  # France's focal point, in Arabic
    outsider: object  # a contributor of another institution
    indicator: Indicator
    due: dt.date


def speaking(user, language: str):
    user.profile.language = language
    user.profile.save(update_fields=["language"])
    return user


@pytest.fixture
def setup(settings, france) -> Setup:
    settings.SITE_URL = "https://upr.example.org"
    settings.INDICATOR_REMINDER_DAYS, settings.INDICATOR_ESCALATE_DAYS = 30, 14
    justice = Institution.objects.create(state=france, name="Ministry of Justice",
                                         kind="ministry")
    interior = Institution.objects.create(state=france, name="Ministry of the Interior",
                                          kind="ministry")
    people = {}
    for username, institution, language in (("manager", justice, "fr"),
                                            ("contributor", justice, "es"),
                                            ("outsider", interior, "fr")):
        user = make_user(username)
        assign_role(user, Role.CONTRIBUTOR, institution=institution)
        people[username] = speaking(user, language)
    focal = speaking(make_user("focal", Role.FOCAL_POINT, state=france), "ar")
    from tests.factories import RecommendationFactory, ReviewFactory

    review = ReviewFactory(state=france)
    # Starts in the future, so that no due date but the first is near any scan below.
    start = dt.date.today() + dt.timedelta(days=200)
    indicator = services.create_indicator(
        state=france, title=TITLE, kind="outcome", unit="prisoners",
        recommendations=[RecommendationFactory(review=review) for _ in range(3)],
        institution=justice, manager=people["manager"], baseline_value=Decimal(1000),
        baseline_date=start, target_value=Decimal(400), frequency_months=3,
        start_date=start, end_date=start + dt.timedelta(days=365))
    mail.outbox.clear()
    return Setup(france, justice, people["manager"], people["contributor"], focal,
                 people["outsider"], indicator, indicator.schedule()[0])


def digests(user) -> list:
    """The digests `user` received that mention the indicator."""
    return [m for m in mail.outbox if m.to == [user.email] and TITLE in m.body]


def scan_on(setup: Setup, days_from_due: int) -> None:
    scan(today=setup.due + dt.timedelta(days=days_from_due))


def test_manager_and_contributors_are_reminded_once_before_the_due_date(setup):
    scan_on(setup, -30)
    scan_on(setup, -29)
    scan_on(setup, -1)
    assert len(digests(setup.manager)) == 1
    assert len(digests(setup.contributor)) == 1


def test_focal_point_and_other_institutions_are_not_reminded_before(setup):
    scan_on(setup, -30)
    assert digests(setup.focal) == []
    assert digests(setup.outsider) == []


def test_nothing_is_sent_before_the_reminder_window(setup):
    scan_on(setup, -31)
    assert [m for m in mail.outbox if TITLE in m.body] == []


def test_overdue_reminder_is_sent_once(setup):
    scan_on(setup, -30)
    scan_on(setup, 1)
    scan_on(setup, 2)
    scan_on(setup, 7)
    assert len(digests(setup.manager)) == 2
    assert len(digests(setup.contributor)) == 2
    assert digests(setup.focal) == []


def test_escalation_reaches_the_focal_point_once_and_only_them(setup):
    scan_on(setup, 1)
    scan_on(setup, 14)
    scan_on(setup, 15)
    scan_on(setup, 30)
    assert len(digests(setup.focal)) == 1
    assert len(digests(setup.manager)) == 1
    assert digests(setup.outsider) == []


def test_one_row_per_recipient_due_date_and_stage(setup):
    for day in (-30, -29, 1, 2, 14, 15):
        scan_on(setup, day)
    rows = sorted(Reminder.objects.filter(key__startswith=f"indicator:{setup.indicator.pk}:")
                  .values_list("recipient__username", "key"))
    key = f"indicator:{setup.indicator.pk}:{setup.due.isoformat()}"
    assert rows == [("contributor", f"{key}@before"), ("contributor", f"{key}@overdue"),
                    ("focal", f"{key}@escalation"), ("manager", f"{key}@before"),
                    ("manager", f"{key}@overdue")]


def test_a_report_filed_in_time_stops_the_overdue_reminder(setup):
    scan_on(setup, -30)
    services.file_report(user=setup.manager, indicator=setup.indicator, value=Decimal(900))
    scan_on(setup, 1)
    scan_on(setup, 14)
    assert len(digests(setup.manager)) == 1
    assert digests(setup.focal) == []


def test_manager_is_reminded_in_french(setup):
    scan_on(setup, -30)
    (message,) = digests(setup.manager)
    assert message.extra_headers["Content-Language"] == "fr"
    assert "Rapport d'indicateur attendu" in message.body
    assert "Rapport d'indicateur attendu" in message.alternatives[0][0].replace("&#x27;", "'")


def test_contributor_is_reminded_in_spanish(setup):
    scan_on(setup, -30)
    (message,) = digests(setup.contributor)
    assert message.extra_headers["Content-Language"] == "es"
    assert "Informe de indicador pendiente" in message.body
    assert "Francia" in message.body


def test_overdue_reminder_is_in_the_recipients_language(setup):
    scan_on(setup, 1)
    assert "Rapport d'indicateur en retard" in digests(setup.manager)[0].body
    assert "Informe de indicador atrasado" in digests(setup.contributor)[0].body


def test_escalation_is_in_arabic_for_the_focal_point(setup):
    scan_on(setup, 14)
    (message,) = digests(setup.focal)
    assert message.extra_headers["Content-Language"] == "ar"
    assert "تقرير مؤشر متأخر (أُحيل إلى مسؤول الاتصال)" in message.body
    assert 'dir="rtl"' in message.alternatives[0][0]


def test_contributor_digest_says_what_is_due_for_which_indicator_with_links(setup):
    speaking(setup.contributor, "en")
    scan_on(setup, -30)
    (message,) = digests(setup.contributor)
    assert (f"A progress report on the indicator “{TITLE}” (Ministry of Justice) is due "
            f"for the period ending {date_format(setup.due, 'DATE_FORMAT')}.") in message.body
    pk = setup.indicator.pk
    assert f"https://upr.example.org/progress/indicators/{pk}/report/" in message.body
    assert f"https://upr.example.org/progress/indicators/{pk}/" in message.body


def test_contributor_digest_says_why_they_receive_it(setup):
    speaking(setup.contributor, "en")
    scan_on(setup, -30)
    (message,) = digests(setup.contributor)
    assert "you report progress for Ministry of Justice" in message.body


def test_html_digest_links_to_the_report_form(setup):
    scan_on(setup, 1)
    html = digests(setup.contributor)[0].alternatives[0][0]
    assert f'href="https://upr.example.org/progress/indicators/{setup.indicator.pk}/report/"' \
        in html


def test_escalation_names_the_institution_and_links_to_the_indicator(setup):
    speaking(setup.focal, "en")
    scan_on(setup, 14)
    (message,) = digests(setup.focal)
    assert "Ministry of Justice has not filed the progress report" in message.body
    assert f"https://upr.example.org/progress/indicators/{setup.indicator.pk}/" in message.body
    assert "/report/" not in message.body
