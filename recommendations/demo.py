"""A small, realistic data set for trying the app (`manage.py load_demo_data`).

Dates of follow-up actions and of the upcoming review are relative to today, so a
first reminder scan always finds something due. Texts are modelled on real UPR
recommendations; they are demo data, not quotations of a particular report.
"""

import datetime as dt

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone

from accounts.models import Profile, ReminderFrequency
from accounts.roles import Role, assign_role
from reviews.models import Review, Session
from states.models import State

from .models import (
    SDG,
    Actor,
    AffectedGroup,
    FollowUpAction,
    FollowUpActionStatus,
    ImplementationStatus,
    Recommendation,
    Response,
    Theme,
)
from .services import create_recommendation

DEMO_PASSWORD = "demo-password-2026"

# Apps above this one add their demo data here (from their AppConfig.ready()): each is
# called as extension(today=..., users=..., counts=...) after the recommendations, in
# the same transaction, and must be idempotent too.
EXTENSIONS: list = []

USERS = [
    # username, role, State (focal points), e-mail, followed States, language
    ("admin", Role.ADMIN, None, "admin@example.org", [], "en"),
    ("ngo", Role.NGO, None, "ngo@example.org", ["FRA", "BRA", "KEN"], "en"),
    ("ngo-fr", Role.NGO, None, "ong@example.org", ["FRA"], "fr"),
    ("focal-fra", Role.FOCAL_POINT, "FRA", "focal.fra@example.org", [], "fr"),
    ("focal-bra", Role.FOCAL_POINT, "BRA", "focal.bra@example.org", [], "es"),
    ("researcher", Role.RESEARCHER, None, "researcher@example.org", [], "en"),
]

# (state, session, WG report symbol, review date, recommendations)
# Each recommendation: paragraph, text, recommending States, response, themes (UPR Info
# issue names), SDGs, affected groups, action category.
REVIEWS = [
    ("FRA", 29, "A/HRC/38/4", dt.date(2018, 1, 15), [
        ("145.1", "Ratify the International Convention on the Protection of the Rights of All "
                  "Migrant Workers and Members of Their Families", ["EGY", "PHL", "SEN"],
         Response.NOTED, ["Migrants", "International instruments"], [10], ["Migrants"], 5),
        ("145.12", "Strengthen measures to combat hate speech, including online, and "
                   "racially motivated violence", ["DEU", "BRA"], Response.SUPPORTED,
         ["Racial discrimination"], [16], [], 4),
        ("145.33", "Ensure that conditions of detention comply with international standards "
                   "and reduce prison overcrowding", ["CAN", "DNK"], Response.SUPPORTED,
         ["Detention"], [16], ["Persons deprived of their liberty & detainees"], 4),
    ]),
    ("FRA", 43, "A/HRC/54/5", dt.date(2023, 5, 1), [
        ("45.1", "Consider ratifying the International Convention on the Protection of the "
                 "Rights of All Migrant Workers and Members of Their Families",
         ["IDN", "SEN", "LKA"], Response.NOTED, ["Migrants", "International instruments"],
         [8, 10], ["Migrants"], 3),
        ("45.27", "Adopt a national action plan against racism and antisemitism with "
                  "measurable targets", ["ISR", "USA"], Response.SUPPORTED,
         ["Racial discrimination", "National plan of action"], [10, 16], [], 5),
        ("45.58", "Step up efforts to prevent violence against women, including domestic "
                  "violence and femicide, and ensure access to shelters", ["ESP", "PRT", "CHL"],
         Response.SUPPORTED, ["Women's rights"], [5], ["Women"], 4),
        ("45.101", "Guarantee the right of peaceful assembly and ensure that law enforcement "
                   "officials use force only when necessary and proportionate",
         ["CHE", "NOR"], Response.SUPPORTED,
         ["Freedom of association and peaceful assembly", "Public security"], [16], [], 4),
        ("45.140", "Ensure that unaccompanied migrant children are not detained and have "
                   "access to education and health care", ["MEX", "URY"],
         Response.PARTIALLY_SUPPORTED, ["Rights of the Child", "Migrants"], [4, 10],
         ["Children", "Migrants"], 5),
        ("45.200", "Take measures to reduce child poverty, in particular in overseas "
                   "territories", ["CUB"], Response.SUPPORTED,
         ["Poverty", "Rights of the Child"], [1], ["Children"], 4),
    ]),
    ("BRA", 41, "A/HRC/52/14", dt.date(2022, 11, 14), [
        ("81.1", "Ratify the Escazú Agreement", ["CRI", "PAN"], Response.SUPPORTED,
         ["Environment", "International instruments"], [13, 16], [], 5),
        ("81.55", "Demarcate indigenous lands and protect indigenous peoples and "
                  "environmental defenders from violence", ["NOR", "DEU", "AUS"],
         Response.SUPPORTED, ["Indigenous peoples", "Human rights defenders"], [15, 16],
         ["Indigenous peoples"], 5),
        ("81.120", "Reduce lethal violence by the police, in particular against Afro-"
                   "Brazilian youth, and ensure accountability", ["USA", "BEL"],
         Response.SUPPORTED, ["Public security", "Racial discrimination", "Impunity"], [16],
         [], 4),
        ("81.201", "Decriminalise abortion in all circumstances", ["ISL"], Response.NOTED,
         ["Women's rights", "Right to health"], [3, 5], ["Women"], 5),
    ]),
    ("KEN", 35, "A/HRC/44/9", dt.date(2020, 1, 22), [
        ("142.1", "Ratify the Optional Protocol to the Convention against Torture",
         ["CZE", "DNK", "GHA"], Response.NOTED, ["Torture and other CID treatment"], [16], [],
         5),
        ("142.88", "Investigate all allegations of extrajudicial killings by the police and "
                   "bring perpetrators to justice", ["CAN", "GBR"], Response.SUPPORTED,
         ["Extrajudicial executions", "Impunity"], [16], [], 4),
        ("142.150", "Strengthen efforts to end female genital mutilation and child marriage",
         ["BEL", "ITA", "SLE"], Response.SUPPORTED, ["Women's rights", "Rights of the Child"],
         [5], ["Girls", "Women"], 4),
    ]),
]


def _themes(names: list[str]) -> list[Theme]:
    found = {t.name: t for t in Theme.objects.filter(name__in=names, source="upr-info")}
    return [found[n] for n in names if n in found]


@transaction.atomic
def load_demo_data(*, stdout=None) -> dict[str, int]:
    """Create the demo accounts and data; running it again adds nothing twice."""
    today = timezone.localdate()
    counts = {"users": 0, "reviews": 0, "recommendations": 0, "follow_up_actions": 0}
    User = get_user_model()
    users = {}
    for username, role, iso3, email, follows, language in USERS:
        user, created = User.objects.get_or_create(username=username, defaults={"email": email})
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
            assign_role(user, role, state=State.objects.get(iso3=iso3) if iso3 else None)
            profile = Profile.objects.get(user=user)
            profile.language = language
            profile.reminder_frequency = ReminderFrequency.IMMEDIATE
            profile.organisation = {"ngo": "Human Rights Watch-style NGO (demo)",
                                    "ngo-fr": "Ligue des droits (démo)"}.get(username, "")
            profile.save()
            profile.followed_states.set(State.objects.filter(iso3__in=follows))
            counts["users"] += 1
        users[username] = user

    states = {s.iso3: s for s in State.objects.all()}
    groups = {g.name: g for g in AffectedGroup.objects.all()}
    sdgs = {s.number: s for s in SDG.objects.all()}
    for iso3, session_number, symbol, review_date, items in REVIEWS:
        review, created = Review.objects.get_or_create(
            state=states[iso3], session=Session.objects.get(number=session_number),
            defaults={"review_date": review_date, "wg_report_symbol": symbol})
        counts["reviews"] += created
        for paragraph, text, recommenders, response, themes, goals, affected, action in items:
            if review.recommendations.filter(paragraph=paragraph).exists():
                continue
            create_recommendation(
                review=review, paragraph=paragraph, text=text,
                recommending_states=[states[c] for c in recommenders], response=response,
                source_symbol=f"{symbol}/Add.1", themes=_themes(themes),
                sdgs=[sdgs[g] for g in goals],
                affected_groups=[groups[a] for a in affected if a in groups],
                action_category=action, user=users["admin"])
            counts["recommendations"] += 1

    # An upcoming review, so that the deadline pages and reminders have something ahead.
    upcoming = Session.objects.filter(start_date__gt=today).order_by("number").first()
    if upcoming:
        _, created = Review.objects.get_or_create(state=states["KEN"], session=upcoming)
        counts["reviews"] += created

    _assessments_and_actions(today, users, counts)
    for extension in EXTENSIONS:
        extension(today=today, users=users, counts=counts)
    if stdout:
        stdout.write(", ".join(f"{v} {k.replace('_', ' ')}" for k, v in counts.items())
                     + " added.")
    return counts


def _assessments_and_actions(today: dt.date, users: dict, counts: dict[str, int]) -> None:
    fra = Recommendation.objects.filter(review__state__iso3="FRA", review__session__number=43)
    by_paragraph = {r.paragraph: r for r in fra}
    if not by_paragraph or FollowUpAction.objects.filter(state__iso3="FRA").exists():
        return
    racism, violence, assembly = (by_paragraph["45.27"], by_paragraph["45.58"],
                                  by_paragraph["45.101"])
    racism.add_assessment(actor=Actor.GOVERNMENT, status=ImplementationStatus.IN_PROGRESS,
                          user=users["focal-fra"], assessed_on=today - dt.timedelta(days=200),
                          comment="Plan national de lutte contre le racisme 2023-2026 adopted.")
    racism.add_assessment(actor=Actor.CIVIL_SOCIETY,
                          status=ImplementationStatus.PARTIALLY_IMPLEMENTED,
                          user=users["ngo"], organisation="Human Rights Watch-style NGO (demo)",
                          comment="The plan lacks measurable indicators.")
    violence.add_assessment(actor=Actor.GOVERNMENT,
                            status=ImplementationStatus.PARTIALLY_IMPLEMENTED,
                            user=users["focal-fra"])
    violence.add_assessment(actor=Actor.CIVIL_SOCIETY, status=ImplementationStatus.IN_PROGRESS,
                            user=users["ngo-fr"], organisation="Ligue des droits (démo)")
    assembly.add_assessment(actor=Actor.CIVIL_SOCIETY,
                            status=ImplementationStatus.NOT_IMPLEMENTED, user=users["ngo"],
                            comment="Reports of disproportionate force at demonstrations.")
    fra_state = racism.review.state
    plans = [
        ("Publish indicators for the national plan against racism", "DILCRAH",
         today + dt.timedelta(days=6), FollowUpActionStatus.IN_PROGRESS, [racism]),
        ("Open 1,000 additional emergency shelter places", "Ministry for Equality",
         today + dt.timedelta(days=29), FollowUpActionStatus.PLANNED, [violence]),
        ("Review the national policing doctrine on crowd control", "Ministry of the Interior",
         today - dt.timedelta(days=12), FollowUpActionStatus.PLANNED, [assembly]),
        ("Annual report on hate crime statistics", "Ministry of Justice",
         today - dt.timedelta(days=90), FollowUpActionStatus.COMPLETED, [racism]),
    ]
    for title, institution, target, status, recs in plans:
        action = FollowUpAction.objects.create(
            state=fra_state, title=title, responsible_institution=institution,
            target_date=target, status=status, created_by=users["focal-fra"],
            indicators="Published on the ministry's website.")
        action.recommendations.set(recs)
        counts["follow_up_actions"] += 1
