"""Public State pages: the list by regional group, and one State's UPR record."""

from itertools import groupby
from urllib.parse import urlencode

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils import timezone

from accounts.roles import focal_state_id, is_admin
from recommendations.models import FollowUpAction, ImplementationStatus, Recommendation, Response
from reviews.models import Review

from .models import RegionalGroup, State


def state_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    states = State.objects.search(q).order_by("region", "name")
    labels = dict(RegionalGroup.choices)
    groups = [
        {"code": code, "label": labels.get(code, code), "states": list(rows)}
        for code, rows in groupby(states, key=lambda s: s.region)
    ]
    return render(request, "states/state_list.html", {
        "q": q, "groups": groups, "count": sum(len(g["states"]) for g in groups)})


def distribution(queryset, field: str, choices) -> list[dict]:
    """Rows of {value, label, count, percent} for `field` over `queryset`, in the order of
    `choices`, with "" (nothing recorded) last; one query."""
    counts = dict(queryset.order_by().values_list(field).annotate(n=Count("id")))
    total = sum(counts.values()) or 1
    rows = [(value, label) for value, label in choices]
    rows += [(value, value) for value in counts if value and value not in dict(choices)]
    rows.append(("", None))
    return [
        {"value": value, "label": label, "count": counts.get(value, 0),
         "percent": round(100 * counts.get(value, 0) / total, 1)}
        for value, label in rows if counts.get(value, 0) or value != ""
    ]


def state_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    state = get_object_or_404(State, iso3=iso3.upper())
    reviews = (Review.objects.for_state(state.iso3).with_related()
               .annotate(recommendation_count=Count("recommendations"))
               .order_by("-session__number"))
    received = Recommendation.objects.for_state(state.iso3)
    by_cycle = [
        {"cycle": cycle, "reviews": list(rows)}
        for cycle, rows in groupby(reviews, key=lambda r: r.session.cycle)
    ]
    context = {
        "state": state,
        "aliases": state.aliases.all(),
        "by_cycle": by_cycle,
        "received_count": received.count(),
        "made_count": Recommendation.objects.made_by(state.iso3).count(),
        "responses": distribution(received, "response", Response.choices),
        "government": distribution(received, "government_status",
                                   ImplementationStatus.choices[:-1]),
        "civil_society": distribution(received, "civil_society_status",
                                      ImplementationStatus.choices),
    }
    return render(request, "states/state_detail.html", context)


def _my_state(request: HttpRequest) -> State | None:
    """The focal point's State; administrators may look at any with ?state=ISO3."""
    iso3 = request.GET.get("state", "")
    if iso3 and is_admin(request.user):
        return get_object_or_404(State, iso3=iso3.upper())
    state_id = focal_state_id(request.user)
    return State.objects.get(pk=state_id) if state_id else None


@login_required
def my_state(request: HttpRequest) -> HttpResponse:
    """A focal point's desk: their State's recommendations by government status, the
    follow-up actions overdue or due soon, and the next review deadlines. The number of
    queries does not depend on how many rows there are."""
    state = _my_state(request)
    if state is None:
        return render(request, "states/my_state.html", {"not_focal_point": True}, status=403)
    today = timezone.localdate()
    received = Recommendation.objects.filter(review__state=state)
    statuses = distribution(received, "government_status", ImplementationStatus.choices[:-1])
    status = request.GET.get("status", "")
    listing = received.select_related("review__session").prefetch_related(
        "recommending_states").order_by("-review__session__number", "paragraph_sort", "id")
    if status == "none":
        listing = listing.filter(government_status="")
    elif status in ImplementationStatus.values:
        listing = listing.filter(government_status=status)
    else:
        status = ""
    page = Paginator(listing, 50).get_page(request.GET.get("page"))
    soon_days = max(settings.REMINDER_LEAD_DAYS, default=30)
    actions = FollowUpAction.objects.filter(state=state).annotate(
        recommendation_count=Count("recommendations"))
    upcoming = sorted(
        ((day, label, review) for review in Review.objects.for_state(state.iso3).with_related()
         for _kind, label, day in review.deadlines() if day >= today),
        key=lambda row: row[0])[:8]
    # An administrator looking at another State keeps `state` in every link.
    base = urlencode({"state": state.iso3}) if state.pk != focal_state_id(request.user) else ""
    query = "&".join(q for q in (base, urlencode({"status": status}) if status else "") if q)
    return render(request, "states/my_state.html", {
        "state": state, "statuses": statuses, "status": status, "page_obj": page,
        "base": base, "query": query, "total": sum(row["count"] for row in statuses),
        "overdue": list(actions.overdue(today)),
        "due_soon": list(actions.due_within(soon_days, today)),
        "soon_days": soon_days, "upcoming": upcoming, "today": today,
    })
