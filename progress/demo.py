"""Demo institutions, contributors, indicators and progress reports for France and
Brazil (called by `load_demo_data` through recommendations.demo.EXTENSIONS). Dates are
relative to today, so the pages always show something on track, late, met and due."""

import datetime as dt
from decimal import Decimal

from django.contrib.auth import get_user_model

from accounts.models import Profile, ReminderFrequency
from accounts.roles import Role, assign_role
from recommendations.demo import DEMO_PASSWORD
from recommendations.models import Actor, FollowUpAction, Recommendation
from recommendations.services import create_follow_up_action
from states.models import Institution, InstitutionKind, State

from .models import Indicator
from .services import create_indicator, file_report

INSTITUTIONS = {
    "FRA": [("Ministry of Justice", "MJ", InstitutionKind.MINISTRY),
            ("Ministry of the Interior", "MI", InstitutionKind.MINISTRY),
            ("Ministry for Equality", "", InstitutionKind.MINISTRY),
            ("DILCRAH", "DILCRAH", InstitutionKind.AGENCY)],
    "BRA": [("Ministry of Human Rights and Citizenship", "MDHC", InstitutionKind.MINISTRY),
            ("Ministry of Indigenous Peoples", "MPI", InstitutionKind.MINISTRY),
            ("National Foundation of Indigenous Peoples", "FUNAI", InstitutionKind.AGENCY)],
}
# username, State, institution, e-mail, language
CONTRIBUTORS = [
    ("contrib-fra", "FRA", "DILCRAH", "dilcrah@example.org", "fr"),
    ("contrib-bra", "BRA", "National Foundation of Indigenous Peoples", "funai@example.org",
     "es"),
]


def _user(username: str, iso3: str, institution: Institution, email: str,
          language: str, counts: dict) -> object:
    User = get_user_model()
    user, created = User.objects.get_or_create(username=username, defaults={"email": email})
    if created:
        user.set_password(DEMO_PASSWORD)
        user.save(update_fields=["password"])
        assign_role(user, Role.CONTRIBUTOR, institution=institution)
        Profile.objects.filter(user=user).update(
            language=language, reminder_frequency=ReminderFrequency.IMMEDIATE)
        counts["users"] += 1
    return user


def load_demo_progress(*, today: dt.date, users: dict, counts: dict) -> None:
    if Indicator.objects.filter(state__iso3__in=INSTITUTIONS).exists():
        return
    states = {s.iso3: s for s in State.objects.filter(iso3__in=INSTITUTIONS)}
    institutions = {}
    for iso3, rows in INSTITUTIONS.items():
        for name, short, kind in rows:
            institution = Institution.objects.match(states[iso3].pk, name)
            if institution is None:
                institution = Institution.objects.create(state=states[iso3], name=name,
                                                         short_name=short, kind=kind)
            institutions[iso3, name] = institution
    # The demo's follow-up actions named their institution as text: link them.
    for action in FollowUpAction.objects.filter(state__in=states.values(),
                                                institution__isnull=True
                                                ).exclude(responsible_institution=""):
        action.institution = Institution.objects.match_or_create(
            action.state_id, action.responsible_institution)
        action.save(update_fields=["institution"])
    contributors = {iso3: _user(username, iso3, institutions[iso3, name], email, language,
                                counts)
                    for username, iso3, name, email, language in CONTRIBUTORS}
    recs = {(r.review.state.iso3, r.paragraph): r
            for r in Recommendation.objects.filter(review__state__iso3__in=INSTITUTIONS)
            .select_related("review__state")}
    counts.setdefault("indicators", 0)
    counts.setdefault("progress_reports", 0)
    ngo = users.get("ngo")

    def report(indicator, value, narrative, *, actor=Actor.GOVERNMENT, user=None, **kw):
        file_report(user=user, actor=actor, indicator=indicator, value=Decimal(value),
                    narrative=narrative, **kw)
        counts["progress_reports"] += 1

    # France: the plan against racism (quarterly, two reports filed, one overdue), and a
    # cluster of three recommendations measured by one outcome indicator.
    if ("FRA", "45.27") in recs:
        action = FollowUpAction.objects.filter(
            state=states["FRA"], title__startswith="Publish indicators").first()
        plan = create_indicator(
            state=states["FRA"], title="Measures of the national plan against racism in force",
            kind="process", unit="%", recommendations=[recs["FRA", "45.27"]], action=action,
            institution=institutions["FRA", "DILCRAH"], manager=contributors["FRA"],
            baseline_value=Decimal(0), baseline_date=today - dt.timedelta(days=400),
            target_value=Decimal(100), target_date=today + dt.timedelta(days=600),
            frequency_months=3, start_date=today - dt.timedelta(days=300),
            end_date=today + dt.timedelta(days=700), user=users.get("focal-fra"))
        report(plan, "20", "Twelve of the plan's sixty measures in force.",
               user=contributors["FRA"], evidence=[{
                   "title": "Plan national 2023-2026", "is_public": True,
                   "url": "https://www.dilcrah.gouv.fr/"}])
        report(plan, "35", "Training of police and gendarmes under way.",
               user=contributors["FRA"])
        if ngo is not None:
            report(plan, "15", "Most measures announced are not funded.",
                   actor=Actor.CIVIL_SOCIETY, user=ngo, organisation="Human Rights Watch-style "
                   "NGO (demo)")
        counts["indicators"] += 1
    cluster = [recs.get(("FRA", p)) for p in ("45.58", "45.101", "45.140")]
    if all(cluster):
        shelters = create_indicator(
            state=states["FRA"], title="Emergency shelter places for women victims of violence",
            kind="outcome", unit="places", recommendations=cluster,
            institution=institutions["FRA", "Ministry for Equality"],
            baseline_value=Decimal(10000), baseline_date=today - dt.timedelta(days=500),
            target_value=Decimal(11000), target_date=today + dt.timedelta(days=200),
            frequency_months=6, start_date=today - dt.timedelta(days=150),
            end_date=today + dt.timedelta(days=900), user=users.get("focal-fra"))
        counts["indicators"] += 1
        del shelters  # its first report is due in about a month: the reminders show it
    # Brazil: indigenous lands demarcated (met), police lethality (late, no report).
    if ("BRA", "81.55") in recs:
        create_follow_up_action(
            state=states["BRA"], recommendations=[recs["BRA", "81.55"]],
            title="Complete the demarcation of the pending indigenous lands",
            institution=institutions["BRA", "National Foundation of Indigenous Peoples"],
            target_date=today + dt.timedelta(days=45), user=users.get("focal-bra"))
        counts["follow_up_actions"] += 1
        lands = create_indicator(
            state=states["BRA"], title="Indigenous lands demarcated since the review",
            kind="outcome", unit="lands", recommendations=[recs["BRA", "81.55"]],
            institution=institutions["BRA", "National Foundation of Indigenous Peoples"],
            manager=contributors["BRA"], baseline_value=Decimal(0),
            baseline_date=dt.date(2022, 11, 14), target_value=Decimal(10),
            target_date=today + dt.timedelta(days=365), frequency_months=6,
            start_date=today - dt.timedelta(days=380), end_date=today + dt.timedelta(days=800),
            user=users.get("focal-bra"))
        report(lands, "6", "Six lands homologated by presidential decree.",
               user=contributors["BRA"])
        report(lands, "10", "Four more lands homologated.", user=contributors["BRA"],
               evidence=[{"title": "Decrees", "is_public": True,
                          "url": "https://www.gov.br/funai/"}])
        if ngo is not None:
            report(lands, "8", "Two of the homologated lands are still occupied.",
                   actor=Actor.CIVIL_SOCIETY, user=ngo,
                   organisation="Human Rights Watch-style NGO (demo)")
        counts["indicators"] += 1
    if ("BRA", "81.120") in recs:
        create_indicator(
            state=states["BRA"], title="Deaths resulting from police interventions",
            kind="outcome", unit="deaths a year", recommendations=[recs["BRA", "81.120"]],
            institution=institutions["BRA", "Ministry of Human Rights and Citizenship"],
            baseline_value=Decimal(6430), baseline_date=dt.date(2022, 12, 31),
            target_value=Decimal(4000), target_date=today + dt.timedelta(days=700),
            frequency_months=12, start_date=today - dt.timedelta(days=400),
            end_date=today + dt.timedelta(days=1100), user=users.get("focal-bra"))
        counts["indicators"] += 1
