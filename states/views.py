"""Public State pages: the list by regional group, and one State's UPR record."""

from itertools import groupby

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render

from recommendations.models import ImplementationStatus, Recommendation, Response
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
