"""Public pages about reviews: the dashboard and one review."""

from collections import defaultdict

from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext as _

from recommendations.models import ImplementationStatus, Recommendation, Response
from states.views import distribution

from .models import Cycle, Review

RECENT_REVIEWS = 10


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: five queries whatever the size of the database."""
    by_cycle_response = (Recommendation.objects.order_by()
                         .values_list("review__session__cycle__number", "response")
                         .annotate(n=Count("id")))
    per_cycle: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for number, response, n in by_cycle_response:
        per_cycle[number][response] += n
    cycles = []
    for cycle in Cycle.objects.all():
        counts = per_cycle.get(cycle.number, {})
        total = sum(counts.values())
        cycles.append({
            "cycle": cycle, "total": total,
            "supported": counts.get(Response.SUPPORTED, 0),
            "noted": counts.get(Response.NOTED, 0),
            "other": total - counts.get(Response.SUPPORTED, 0) - counts.get(Response.NOTED, 0),
        })
    largest = max((c["total"] for c in cycles), default=0) or 1
    for row in cycles:
        row["percent"] = round(100 * row["total"] / largest, 1)
    total = sum(c["total"] for c in cycles)
    response_totals = defaultdict(int)
    for counts in per_cycle.values():
        for response, n in counts.items():
            response_totals[response] += n
    responses = [
        {"value": value, "label": label, "count": response_totals.get(value, 0),
         "percent": round(100 * response_totals.get(value, 0) / (total or 1), 1)}
        for value, label in Response.choices
    ]
    everything = Recommendation.objects.all()
    context = {
        "total": total,
        "cycles": cycles,
        "responses": responses,
        "government": distribution(everything, "government_status",
                                   ImplementationStatus.choices[:-1]),
        "civil_society": distribution(everything, "civil_society_status",
                                      ImplementationStatus.choices),
        "recent_reviews": (Review.objects.with_related()
                           .annotate(recommendation_count=Count("recommendations"))
                           .order_by("-review_date", "-pk")[:RECENT_REVIEWS]),
    }
    return render(request, "home.html", context)


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A review with its documents, deadlines and every recommendation, grouped by the
    paragraph they sit under in the report (`140.x`) or by theme (`?group=theme`)."""
    review = get_object_or_404(Review.objects.with_related(), pk=pk)
    group_by = "theme" if request.GET.get("group") == "theme" else "paragraph"
    recommendations = list(
        Recommendation.objects.filter(review=review).with_related()
        .order_by("paragraph_sort", "id"))
    groups: dict[str, list[Recommendation]] = {}
    if group_by == "theme":
        no_theme = []
        for rec in recommendations:
            themes = list(rec.themes.all())
            for theme in themes:
                groups.setdefault(theme.name, []).append(rec)
            if not themes:
                no_theme.append(rec)
        groups = dict(sorted(groups.items(), key=lambda item: item[0].lower()))
        if no_theme:
            groups[_("No theme")] = no_theme
    else:
        for rec in recommendations:
            head = rec.paragraph.split(".")[0] if rec.paragraph else ""
            label = (_("Paragraph %(number)s") % {"number": head} if head
                     else _("No paragraph"))
            groups.setdefault(label, []).append(rec)
    documents = [
        (label, symbol) for label, symbol in [
            (_("National report"), review.national_report_symbol),
            (_("UN compilation"), review.un_compilation_symbol),
            (_("Stakeholder summary"), review.stakeholder_summary_symbol),
            (_("Working Group report"), review.wg_report_symbol),
            (_("Addendum (responses)"), review.addendum_symbol),
        ] if symbol
    ]
    context = {
        "review": review,
        "documents": documents,
        "deadlines": review.deadlines(),
        "group_by": group_by,
        "groups": groups,
        "recommendation_count": len(recommendations),
        "responses": distribution(review.recommendations.all(), "response", Response.choices),
    }
    return render(request, "reviews/review_detail.html", context)
