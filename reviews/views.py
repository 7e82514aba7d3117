"""Public pages about reviews: the dashboard and one review."""

from collections import defaultdict

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.roles import can_edit_recommendations
from recommendations.models import ImplementationStatus, Recommendation, Response
from recommendations.services import StaleEdit, update_review
from states.views import distribution

from .forms import ReviewForm
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


DEADLINE_DAY_CHOICES = [30, 90, 180, 365]


def upcoming_deadlines(request: HttpRequest) -> HttpResponse:
    """Deadlines to come, filterable by State (`?state=FRA`) and days ahead (`?days=90`);
    the same list as GET /api/v1/deadlines/. Three queries."""
    # Imported here so this view stays one block apart from the dashboard's code.
    from django.utils import timezone

    from states.models import State

    from . import reminders

    try:
        days = min(max(int(request.GET.get("days", 90)), 0), reminders.MAX_DAYS_AHEAD)
    except ValueError:
        days = 90
    rows = list(State.objects.values_list("pk", "iso3", "name"))
    states = [(iso3, name) for _pk, iso3, name in rows]
    state_ids = {iso3: pk for pk, iso3, _name in rows}
    state_iso3 = (request.GET.get("state") or "").upper()
    today = timezone.localdate()
    deadlines = [] if state_iso3 and state_iso3 not in state_ids else reminders.upcoming_deadlines(
        today=today, days=days, state_id=state_ids.get(state_iso3))
    context = {
        "deadlines": [d.as_dict(today) for d in deadlines],
        "states": states, "state_iso3": state_iso3, "days": days,
        "day_choices": sorted({*DEADLINE_DAY_CHOICES, days}),
    }
    return render(request, "reviews/deadlines.html", context)


# Editing pages (NGO staff and administrators).


@login_required
def review_create(request: HttpRequest) -> HttpResponse:
    if not can_edit_recommendations(request.user):
        raise PermissionDenied(_("Only NGO staff and administrators can add reviews."))
    form = ReviewForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        review = form.save()
        messages.success(request, _("Review added."))
        return redirect(review)
    return render(request, "reviews/review_form.html", {"form": form})


@login_required
def review_edit(request: HttpRequest, pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.with_related(), pk=pk)
    if not can_edit_recommendations(request.user):
        raise PermissionDenied(_("Only NGO staff and administrators can edit reviews."))
    form = ReviewForm(request.POST or None, instance=review)
    context = {"form": form, "review": review}
    if request.method == "POST" and form.is_valid():
        try:
            update_review(review, expected_version=form.cleaned_data["version"],
                          **form.edited_fields())
        except StaleEdit as exc:
            current = Review.objects.with_related().get(pk=exc.current.pk)
            rows = [(form.fields[name].label, _value(getattr(current, name)),
                     _value(form.cleaned_data[name])) for name in form.edited_fields()]
            data = request.POST.copy()
            data["version"] = str(current.version)
            stale_form = ReviewForm(data, instance=current)
            stale_form.is_valid()
            record = current.history.select_related("history_user").first()
            context.update(
                form=stale_form, review=current,
                stale=[{"label": label, "theirs": theirs, "yours": yours,
                        "differs": theirs != yours} for label, theirs, yours in rows],
                last_change={"user": getattr(record, "history_user", None),
                             "date": getattr(record, "history_date", None)})
            return render(request, "reviews/review_form.html", context, status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Review saved."))
            return redirect(review)
    return render(request, "reviews/review_form.html", context)


def _value(value) -> str:
    return str(value) if value not in (None, "") else "—"
