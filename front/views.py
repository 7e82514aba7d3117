"""Pages that span reviews and recommendations: the dashboard, the States list and one
State's UPR record, a focal point's "my State" desk, and one review with its
recommendations. Counting lives on the querysets and, for the figures of the public
pages, on the tally (recommendations.tally); these views only arrange it."""

import hashlib
from itertools import groupby
from typing import NamedTuple
from urllib.parse import urlencode

import orjson
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.core.cache import cache
from django.db.models import Count
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from accounts.roles import focal_state_id, is_admin
from core import ratelimit
from core.pagination import CappedPaginator
from progress.models import Indicator
from recommendations import names, readmodel, tally
from recommendations.models import (
    FollowUpAction,
    ImplementationStatus,
    Recommendation,
    RecommendationRow,
    Response,
    ReviewTally,
    Theme,
)
from recommendations.recurrence import recurrence_by_cycle
from recommendations.views import ListRow, RowLabels, row_urls
from reviews.models import Cycle, Review
from states.models import RegionalGroup, State


def state_list(request: HttpRequest) -> HttpResponse:
    q = request.GET.get("q", "").strip()
    states = list(State.objects.search(q).order_by("region", "name"))
    # Two small queries on the tally, kept until a recommendation changes.
    counts = readmodel.cached("state-counts", tally.received_and_made_by_state)
    for state in states:
        state.received_count, state.made_count = counts.get(state.pk, (0, 0))
    labels = dict(RegionalGroup.choices)
    groups = [
        {"code": code, "label": labels.get(code, code), "states": list(rows)}
        for code, rows in groupby(states, key=lambda s: s.region)
    ]
    # Each group's HTML is kept under what it shows (its States, their counts, the
    # language and the names): a write that changes no count re-renders nothing, one
    # that does re-renders one or two groups, not 195 States (issue 24).
    language, names_version = translation.get_language(), names.version()
    for group in groups:
        shown = [(s.pk, s.iso3, s.name, s.is_observer, s.received_count, s.made_count)
                 for s in group["states"]]
        group["html"] = readmodel.cached(
            "state-group", lambda group=group: render_to_string(
                "front/includes/state_group.html", {"group": group}),
            group["code"], str(group["label"]), language, names_version,
            version=hashlib.blake2b(repr(shown).encode(), digest_size=16).hexdigest())
    return render(request, "front/state_list.html", {
        "q": q, "groups": groups, "count": sum(len(g["states"]) for g in groups)})


def state_detail(request: HttpRequest, iso3: str) -> HttpResponse:
    state = get_object_or_404(State, iso3=iso3.upper())
    context = readmodel.cached("state", lambda: _state_context(state), state.pk)
    return render(request, "front/state_detail.html", {
        "state": state, "aliases": state.aliases.all(), **context})


def _state_context(state: State) -> dict:
    reviews = (Review.objects.for_state(state.iso3).with_related()
               .annotate(recommendation_count=tally.recommendation_count())
               .order_by("-session__number"))
    by_cycle = [
        {"cycle": cycle, "reviews": list(rows)}
        for cycle, rows in groupby(reviews, key=lambda r: r.session.cycle)
    ]
    # Per cycle: received, and how many repeat earlier ones; its sum is the count received.
    recurrence = recurrence_by_cycle(state)
    received = tally.overview(ReviewTally.objects.filter(review__state=state))
    return {
        "by_cycle": by_cycle,
        "received_count": sum(row["total"] for row in recurrence),
        "made_count": tally.made_count(state.pk),
        "responses": received["responses"],
        "government": received["government"],
        "civil_society": received["civil_society"],
        "recurrence": recurrence,
    }


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
        return render(request, "front/my_state.html", {"not_focal_point": True}, status=403)
    today = timezone.localdate()
    received = Recommendation.objects.filter(review__state=state)
    statuses = received.government_distribution()
    status = request.GET.get("status", "")
    listing = received.select_related("review__session").prefetch_related(
        "recommending_states").order_by("-review__session__number", "paragraph_sort", "id")
    if status == "none":
        listing = listing.filter(government_status="")
    elif status in ImplementationStatus.values:
        listing = listing.filter(government_status=status)
    else:
        status = ""
    page = CappedPaginator(listing, 50).get_page(request.GET.get("page"))
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
    return render(request, "front/my_state.html", {
        "state": state, "statuses": statuses, "status": status, "page_obj": page,
        "base": base, "query": query, "total": sum(row["count"] for row in statuses),
        "overdue": list(actions.overdue(today)),
        # Indicators whose institution let a due date pass without a report (issue 25);
        # `next_due` is then the oldest of them. One query.
        "overdue_indicators": list(
            Indicator.objects.for_state(state.pk).overdue(today).with_next_due()
            .select_related("institution", "action__institution")
            .order_by("next_due", "title", "id")[:20]),
        "due_soon": list(actions.due_within(soon_days, today)),
        "soon_days": soon_days, "upcoming": upcoming, "today": today,
    })


RECENT_REVIEWS = 10


def home(request: HttpRequest) -> HttpResponse:
    """The dashboard: four queries whatever the size of the database, none over the
    recommendations (the tally counts them), and one while no recommendation or review
    changes (readmodel.cached)."""
    return render(request, "front/home.html", readmodel.cached("home", _home_context))


def _home_context() -> dict:
    figures = tally.overview()
    per_cycle = figures["per_cycle"]
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
    response_totals: dict[str, int] = {}
    for counts in per_cycle.values():
        for response, n in counts.items():
            response_totals[response] = response_totals.get(response, 0) + n
    responses = [
        {"value": value, "label": label, "count": response_totals.get(value, 0),
         "percent": round(100 * response_totals.get(value, 0) / (total or 1), 1)}
        for value, label in Response.choices
    ]
    return {
        "total": total,
        "cycles": cycles,
        "responses": responses,
        "government": figures["government"],
        "civil_society": figures["civil_society"],
        "recent_reviews": list(Review.objects.with_related()
                               .annotate(recommendation_count=tally.recommendation_count())
                               .order_by("-review_date", "-pk")[:RECENT_REVIEWS]),
    }


def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """A review with its documents, deadlines and every recommendation, grouped by the
    paragraph they sit under in the report (`140.x`) or by theme (`?group=theme`)."""
    review = get_object_or_404(Review.objects.with_related(), pk=pk)
    group_by = "theme" if request.GET.get("group") == "theme" else "paragraph"
    version = readmodel.page_version()
    responses = readmodel.cached(
        "review-responses",
        lambda: ReviewTally.objects.filter(review=review).response_distribution(),
        review.pk, version=version)
    count = sum(row["count"] for row in responses)
    # The rows' rendered HTML is cached under what it shows: the review's stored rows
    # (their digest), the reference data and the names' translations. A write elsewhere
    # leaves this review's fragment in place; a page read costs the rows' texts (one
    # indexed read), and grouping them only when the fragment is missing, rendering
    # only the rows not in the cache (_review_rows).
    stored = list(RecommendationRow.objects.filter(review_id=review.pk)
                  .order_by("paragraph_sort", "id").values_list("id", "row_json"))
    digest = hashlib.blake2b("\x1e".join(text for _pk, text in stored).encode(),
                             digest_size=16).hexdigest()
    depends = f"{version.split('.')[-1]}.{names.version()}"
    rows_version = f"{digest}.{depends}"

    def render_groups() -> str:
        return render_to_string("front/includes/review_groups.html", {
            "groups": _review_groups(stored, group_by, depends),
            # Every group's table has the same head: rendered once, not once a group
            # (~0.4 ms each time, most of a cold page of a review with 80 groups).
            "table_head": render_to_string(
                "recommendations/includes/recommendation_head.html")})

    # In the cache through readmodel.cached: a cache that is down means rendering every
    # time, never an error (the template's {% cache %} raised).
    groups_html = readmodel.cached("review-groups", render_groups, review.pk, group_by,
                                   translation.get_language(), version=rows_version)
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
        "groups_html": groups_html,
        "recommendation_count": count,
        "responses": responses,
    }
    return render(request, "front/review_detail.html", context)


# Rendered rows stay as long as the review's rows fragment (review_detail.html).
REVIEW_ROWS_SECONDS = 3600
# The rows are cached in runs (one cache entry per ~32 rows, not per row: fetching
# thousands of keys cost about as much as rendering the rows). A run ends after each
# row whose id is a multiple of this, so an edit, an insertion or a deletion changes
# only the run it falls in.
REVIEW_ROWS_RUN = 32


class ReviewRow(NamedTuple):
    """A row of the review page: what its grouping reads, and its <tr> as
    ListRow.html writes it for this page's columns (no State, no "Updated")."""

    pk: int
    paragraph: str
    themes: tuple[str, ...]
    tr: str

    def html(self, show_review: bool = False, updated: bool = False) -> str:
        """For `{% recommendation_rows %}`, as a ListRow: only the review page's columns."""
        if show_review or updated:
            raise ValueError("a review page row has neither the State nor the date")
        return self.tr


def _review_rows(stored: list[tuple[int, str]], depends: str) -> list[ReviewRow]:
    """The review's stored rows (id, text) with their <tr>, kept in the cache by runs
    under the runs' stored texts (a digest) and what else a <tr> shows: the language,
    the reference data and the names (`depends`). So a write to one recommendation
    renders its run again, not the review's thousands (issue 24)."""
    runs, run = [], []
    for pk, text in stored:
        run.append(text)
        if pk % REVIEW_ROWS_RUN == 0:
            runs.append(run)
            run = []
    if run:
        runs.append(run)
    language = translation.get_language()
    keys = []
    for run in runs:
        digest = hashlib.blake2b("\x1e".join(run).encode(), digest_size=16).hexdigest()
        keys.append(f"review-rows:{digest}:{language}:{depends}")
    found = ratelimit.guarded(cache.get_many, keys, default={})
    urls = labels = None
    rows, rendered = [], {}
    for key, run in zip(keys, runs, strict=True):
        values = found.get(key)
        if values is None:
            if labels is None:
                urls, labels = row_urls(), RowLabels()
            # Cached as plain tuples: an entry outlives a change of ReviewRow.
            values = rendered[key] = [
                (data["id"], data["paragraph"], tuple(t["slug"] for t in data["themes"]),
                 ListRow(data, urls, labels).html())
                for data in map(orjson.loads, run)]
        rows.extend(ReviewRow(*value) for value in values)
    if rendered:
        ratelimit.guarded(cache.set_many, rendered, REVIEW_ROWS_SECONDS)
    return rows


def _review_groups(stored: list[tuple[int, str]], group_by: str,
                   depends: str) -> dict[str, list[ReviewRow]]:
    """The review's recommendations as the list page reads them (issue 24): its stored
    rows (RecommendationRow, one indexed read), written by ListRow as on the list page,
    so a cold page no longer loads and prefetches every recommendation."""
    rows = _review_rows(stored, depends)
    groups: dict[str, list[ReviewRow]] = {}
    if group_by == "theme":
        # A row stores the labels it was tagged with (by name, as the prefetch ordered
        # them); a group is their canonical theme, by name as before.
        canonical = Theme.objects.canonical_names()
        no_theme = []
        for row in rows:
            themes = list(dict.fromkeys(
                canonical[slug] for slug in row.themes if slug in canonical))
            for theme in themes:
                groups.setdefault(theme, []).append(row)
            if not themes:
                no_theme.append(row)
        groups = dict(sorted(groups.items(), key=lambda item: item[0].lower()))
        if no_theme:
            groups[_("No theme")] = no_theme
    else:
        heads: dict[str, str] = {}
        for row in rows:
            head = row.paragraph.split(".")[0] if row.paragraph else ""
            label = heads.get(head)
            if label is None:
                label = heads[head] = (_("Paragraph %(number)s") % {"number": head} if head
                                       else _("No paragraph"))
            groups.setdefault(label, []).append(row)
    return groups
