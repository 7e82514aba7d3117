"""Public recommendation pages: the filtered list and one recommendation.

Editing views (4b) are added below the public ones.
"""

import datetime as dt
import functools
from html import escape as _escape
from urllib.parse import urlencode

import orjson
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import formats, timezone, translation
from django.utils.dateparse import parse_datetime
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.roles import (
    can_edit_recommendations,
    can_manage_follow_up,
    focal_state_id,
)
from core.pagination import CappedPaginator
from reviews.models import Review
from states.models import State
from states.names import state_name_by_iso3

from . import names, readmodel, recurrence, services, similarity
from .filters import RecommendationRowFilter
from .forms import (
    CivilSocietyAssessmentForm,
    FollowUpActionForm,
    GovernmentStatusForm,
    RecommendationForm,
)
from .models import (
    ActionCategory,
    Actor,
    Assessment,
    FollowUpAction,
    ImplementationStatus,
    Recommendation,
    RecommendationRow,
    Response,
    Theme,
    ThemeGroup,
)
from .rows import FastPage, is_filtered
from .templatetags.upr_i18n import list_separator

PAGE_SIZE = 50
AUDIT_TRAIL_LIMIT = 100


# Filters shown as drop-downs on the list page, in this order; `q` and `updated_since`
# get their own inputs. The API accepts the same names.
SELECT_FILTERS = ("state_under_review", "recommending_state", "cycle", "session", "region",
                  "recommending_region", "response", "status", "theme", "sdg",
                  "action_category", "ordering")


# Long lists get a searchable picker (Tom Select; a plain select without JavaScript).
SEARCHABLE_FILTERS = ("state_under_review", "recommending_state", "session", "theme")


def filter_controls(form, codes: int) -> list[dict]:
    """The filter form's multiple-choice fields as plain single-choice selects ("any" +
    choices), which suit a browser better than a 195-row multi-select. A filter given
    several values in the URL is shown as a multi-select so nothing is lost.

    Built once per version of the reference data (`codes`: every write of a State,
    theme, SDG, session or cycle moves it), of the name translations and language, and
    cached: the choices and each select's options with none selected
    (`filter_options`), and the options of a select with a given selection."""
    language, names_version = translation.get_language(), names.version()
    options = readmodel.cached("list-filter-options", filter_options, language,
                               names_version, version=str(codes))
    controls = []
    for name in SELECT_FILTERS:
        field = form[name]
        given = field.value() or []
        given = {str(v) for v in (given if isinstance(given, list | tuple) else [given])}
        selected = given
        if name == "theme":
            # A source label in the URL (`?theme=migrants`) shows as its canonical theme.
            selected = {options["canonical_theme"].get(slug, slug) for slug in given}
        # Values that are not among the choices select nothing: they don't make a key.
        selected = selected & options["values"][name]
        if selected:  # (readmodel.cached hashes a long key)
            html = readmodel.cached(
                "list-filter-select",
                functools.partial(_options_html, name, options[name], selected),
                name, language, names_version, ",".join(sorted(selected)),
                version=str(codes))
        else:
            html = options["html"][name]
        controls.append({"field": field, "multiple": len(given) > 1,
                         "picker": name in SEARCHABLE_FILTERS, "options_html": html})
    return controls


def _control(name: str, choices: list, selected: set[str]) -> dict:
    def marked(choices: list[tuple[str, str]]) -> list[dict]:
        return [{"value": value, "label": label, "selected": value in selected}
                for value, label in choices]

    if name == "theme":  # canonical themes only, under their group headings
        return {"options": [], "groups": [{"label": label, "options": marked(themes)}
                                          for label, themes in choices]}
    return {"options": marked(choices)}


def _options_html(name: str, choices: list, selected: set[str]) -> str:
    html = render_to_string("recommendations/includes/filter_options.html",
                            {"control": _control(name, choices, selected)})
    # Without the file's final newline: the page's template puts the select's own.
    return mark_safe(html.rstrip("\n"))


def filter_options() -> dict:
    """The choices of each select of the list's filters in the active language, as plain
    strings (cached): `(value, label)` lists by filter name; for `theme`, `(group label,
    choices)` of the canonical themes, and `canonical_theme`: each theme's canonical slug;
    `values`: each select's values; `html`: each select's options with none selected."""
    form = RecommendationRowFilter(queryset=RecommendationRow.objects.none()).form
    options: dict = {
        name: [(str(value), str(label)) for value, label in form.fields[name].choices
               if str(value) != ""]
        for name in SELECT_FILTERS if name != "theme"}
    options["theme"] = theme_choice_groups()
    options["canonical_theme"] = {
        slug: canonical or slug
        for slug, canonical in Theme.objects.values_list("slug", "canonical__slug")}
    options["values"] = {name: {value for value, _label in options[name]}
                         for name in SELECT_FILTERS if name != "theme"}
    options["values"]["theme"] = {value for _group, themes in options["theme"]
                                  for value, _label in themes}
    options["html"] = {name: _options_html(name, options[name], set())
                       for name in SELECT_FILTERS}
    return options


class RowLabels:
    """What the rows of a page show alike, worked out once per page rather than once
    per row (issue 24), escaped as the rows template escaped it: the column labels and
    the choices' labels in the active language, the list comma, State names, the
    "session" cell of each session, and the "Updated" cell of each day, as `|date:'c'`
    and `|date:"DATE_FORMAT"` write it."""

    def __init__(self) -> None:
        # str(): the choices' labels are lazy, and escape() keeps them lazy: each row
        # would translate them again (a gettext call per cell, a third of a review's time).
        self.responses = {value: escape(str(label)) for value, label in Response.choices}
        self.statuses = {value: escape(str(label))
                         for value, label in ImplementationStatus.choices}
        self.state = escape(_("State under review"))
        self.paragraph = escape(_("Paragraph"))
        self.asked_before = escape(_("Asked in an earlier cycle too"))
        self.recurring = escape(_("recurring"))
        self.recommendation = escape(_("Recommendation"))
        self.recommended_by = escape(_("Recommended by"))
        self.response = escape(_("Response"))
        self.government = escape(_("Government status"))
        self.civil_society = escape(_("Civil society"))
        self.updated_label = escape(_("Updated"))
        self.none = escape(_("(none)"))
        self.separator = escape(list_separator())
        self._states: dict[tuple[str, str], str] = {}
        self._sessions: dict[int, str] = {}
        self._days: dict[dt.date, str] = {}

    def state_name(self, state: dict) -> str:
        key = (state["iso3"], state["name"])
        name = self._states.get(key)
        if name is None:
            name = self._states[key] = escape(state_name_by_iso3(*key))
        return name

    def session(self, number: int) -> str:
        cell = self._sessions.get(number)
        if cell is None:
            # As `{% blocktrans with n=… %}session {{ n }}{% endblocktrans %}` wrote it.
            cell = self._sessions[number] = _("session %(n)s") % {
                "n": escape(formats.localize(number))}
        return cell

    def updated(self, when: dt.datetime | None) -> tuple[str, str]:
        if when is None:
            return "", ""
        when = timezone.localtime(when) if timezone.is_aware(when) else when
        day = self._days.get(when.date())
        if day is None:
            day = self._days[when.date()] = escape(formats.date_format(when, "DATE_FORMAT"))
        return escape(when.isoformat()), day


class ListRow:
    """One row of the list page or the review page from its stored API JSON
    (RecommendationRow.row_json); `html()` writes its <tr>."""

    def __init__(self, data: dict, urls: dict[str, str], labels: RowLabels) -> None:
        self.pk = self.id = data["id"]
        self.paragraph, self.text = data["paragraph"], data["text"]
        self.response = data["response"]
        self.government_status = data["government_status"]
        self.civil_society_status = data["civil_society_status"]
        self.recurring = data.get("recurring", False)
        self._data, self._urls, self._labels = data, urls, labels

    def html(self, show_review: bool = False, updated: bool = False) -> str:
        """The row's <tr>, byte for byte what the rows template wrote before (issue 24:
        the template engine took ~0.2 ms a row, too slow for a review's thousands), with
        every value from the row escaped as autoescaping did (html.escape, which Django's
        escape wraps: without its lazy-string check, a few µs a value). `show_review` adds the
        State under review (the list page), `updated` the "Updated" column."""
        data, labels = self._data, self._labels
        url = self._urls["recommendation"].format(int(self.pk))
        review = ""
        if show_review:
            review_url = self._urls["review"].format(int(data["review"]))
            review = (f'<td data-label="{labels.state}" class="col-state"><a href="'
                      f'{review_url}">{labels.state_name(data["state_under_review"])}</a> '
                      f'<span class="muted nowrap">{labels.session(data["session"])}</span>'
                      "</td>")
        recurring = (f' <a class="badge badge-recurring" href="{url}#asked-before" '
                     f'title="{labels.asked_before}">{labels.recurring}</a>'
                     if self.recurring else "")
        paragraph = _escape(self.paragraph) if self.paragraph else labels.none
        text = _escape(_truncate_words(self.text, 60))
        by = labels.separator.join(labels.state_name(s) for s in data["recommending_states"])
        cells = [
            review,
            f'<td data-label="{labels.paragraph}"><a href="{url}">{paragraph}</a>'
            f"{recurring}</td>",
            f'<td class="rec-text"><span class="visually-hidden">{labels.recommendation}: '
            f'</span><span dir="auto">{text}</span>\n      <span class="rec-by">'
            f"{labels.recommended_by} {by}</span></td>",
            f'<td data-label="{labels.response}"><span class="badge badge-'
            f'{self.response}">{labels.responses[self.response]}</span></td>',
            _status_cell(labels.government, self.government_status, labels),
            _status_cell(labels.civil_society, self.civil_society_status, labels),
        ]
        if updated:
            iso, day = labels.updated(parse_datetime(data.get("updated_at") or ""))
            cells.append(f'<td data-label="{labels.updated_label}"><time datetime="{iso}">'
                         f"{day}</time></td>")
        else:
            cells.append("")
        return "\n  <tr>\n    " + "\n    ".join(cells) + "\n  </tr>\n"


def _truncate_words(text: str, length: int, truncate: str = " …") -> str:
    """`|truncatewords:60` (Truncator.words) without its lazy object (a row's text went
    through ~10 attribute look-ups of it): single spaces between the words, and the
    ellipsis after `length` of them unless the text already ends with it."""
    words = text.split()
    if len(words) <= length:
        return " ".join(words)
    text = " ".join(words[:length])
    return text if text.endswith(truncate) else text + truncate


def _status_cell(label: str, status: str, labels: RowLabels) -> str:
    if not status:
        return f'<td data-label="{label}"><span class="muted">—</span></td>'
    # `status` is one of the choices (the look-up fails otherwise): nothing to escape.
    return (f'<td data-label="{label}"><span class="badge badge-{status}">'
            f"{labels.statuses[status]}</span></td>")


def _url_template(name: str) -> str:
    return reverse(name, args=[0]).replace("/0/", "/{}/")


def row_urls() -> dict[str, str]:
    """The page links of a ListRow (its recommendation, its review), as templates
    already escaped for an attribute (an id fills them: digits only)."""
    return {"recommendation": _escape(_url_template("recommendations:recommendation_detail")),
            "review": _escape(_url_template("front:review_detail"))}


def theme_choice_groups() -> list[tuple[str, list[tuple[str, str]]]]:
    """The canonical themes under their UHRI group headings, for a picker's optgroups:
    `(group label, [(slug, name), ...])`, names in the active language."""
    labels = dict(ThemeGroup.choices)
    groups: dict[str, list[tuple[str, str]]] = {}
    for theme in Theme.objects.pickable():
        groups.setdefault(theme.group, []).append((theme.slug, theme.localized_name))
    return [(str(labels.get(key, key)),
             sorted(groups[key], key=lambda choice: choice[1].casefold()))
            for key in ThemeGroup.values if key in groups]


# Column → the `ordering` key its header sorts by (the API's names).
SORTABLE_COLUMNS = ("state_under_review", "paragraph", "response", "status",
                    "civil_society_status", "updated_at")


def sort_headers(request: HttpRequest) -> dict[str, dict]:
    """For each sortable column: the URL its header links to (ascending first, then
    descending when it is the current ascending key) and its aria-sort state."""
    current = request.GET.get("ordering", "")
    params = [(k, v) for k, values in request.GET.lists()
              if k not in ("ordering", "page") for v in values if v]
    headers = {}
    for key in SORTABLE_COLUMNS:
        direction = ("ascending" if current == key else
                     "descending" if current == f"-{key}" else "none")
        target = f"-{key}" if direction == "ascending" else key
        headers[key] = {"url": "?" + urlencode([*params, ("ordering", target)]),
                        "sort": direction}
    return headers


def recommendation_list(request: HttpRequest) -> HttpResponse:
    """The API list's read path (issue 24): RecommendationRowFilter (the API's filters,
    one FilterSet for both) on the read model, its stored rows, 50 rows a page."""
    row_version, codes, changed, total = readmodel.versions()
    try:
        queryset, form = RecommendationRowFilter.apply(request.GET,
                                                       RecommendationRow.objects.all())
        # A filter that is not understood shows no list rather than everything, unfiltered.
        invalid = queryset is None
        if invalid:
            # .none() cannot become SQL (FastPage)
            queryset = RecommendationRow.objects.filter(pk__isnull=True)
        filter_errors = [{"label": form.fields[name].label or name if name in form.fields
                          else name, "messages": errors}
                         for name, errors in form.errors.items()] if invalid else []
        source = FastPage(queryset, "", filtered=is_filtered(request), build=_page_rows,
                          total=total, version=f"{row_version}.{codes}.{changed}")
        source.count()
        with source.page_plan():
            page = CappedPaginator(source, PAGE_SIZE).get_page(request.GET.get("page"))
        controls = filter_controls(form, codes)
    finally:
        readmodel.end_request()
    urls, labels = row_urls(), RowLabels()
    page.object_list = rows = [ListRow(data, urls, labels) for data in page.object_list]
    # The same query (minus page) feeds the pagination links and the export links.
    query = urlencode([(k, v) for k, values in request.GET.lists()
                       if k not in ("page", "format", "page_size") for v in values if v])
    return render(request, "recommendations/recommendation_list.html", {
        "form": form, "page_obj": page,
        "filter_errors": filter_errors,
        "controls": controls,
        "recommendations": rows, "query": query,
        "count_is_estimate": source.count_is_estimate,
        "is_filtered": bool(query), "sort": sort_headers(request),
        "active_filters": sum(1 for k, v in request.GET.lists()
                              if k not in ("page", "ordering", "format", "page_size")
                              and any(v)),
    })


def _page_rows(queryset, _template: str = "") -> list[dict]:
    """The page's stored rows, as stored (English): ListRow shows them in the active
    language itself, so they are not localized as the API's are."""
    return [orjson.loads(text) for text in queryset.values_list("row_json", flat=True)]


def audit_trail(recommendation: Recommendation, limit: int = AUDIT_TRAIL_LIMIT) -> list[dict]:
    """The recommendation's saved versions, newest first, each with what changed from the
    version before it (one query; diffs are computed in memory)."""
    records = list(recommendation.history.select_related("history_user")
                   .order_by("-history_date", "-history_id")[:limit + 1])
    fields = {f.attname: f for f in Recommendation._meta.concrete_fields}
    trail = []
    # Rows written by bulk loads (generate_corpus) may have no history at all.
    for newer, older in zip(records, [*records[1:], None][:len(records)], strict=True):
        if len(trail) == limit:
            break
        changes = []
        if older is not None and newer.history_type == "~":
            for change in newer.diff_against(older, excluded_fields=["version", "updated_at"]
                                             ).changes:
                field = fields.get(change.field)
                display = (dict(field.flatchoices) if field is not None and field.choices
                           else {})
                changes.append({
                    "field": field.verbose_name if field is not None else change.field,
                    "old": display.get(change.old, change.old),
                    "new": display.get(change.new, change.new),
                })
        trail.append({"record": newer, "changes": changes})
    return trail


def recommendation_detail(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation.objects.with_related(), pk=pk)
    assessments = list(recommendation.assessments.select_related("created_by")
                       .order_by("-assessed_on", "-created_at", "-id"))
    for actor in (Actor.GOVERNMENT, Actor.CIVIL_SOCIETY):
        current = next((a for a in assessments if a.actor == actor and a.withdrawn_at is None),
                       None)
        if current is not None:
            current.is_latest = True
    for assessment in assessments:
        assessment.can_change = assessment.user_can_change(request.user)
    asked_before, asked_again_count = recurrence.asked_before(recommendation)
    return render(request, "recommendations/recommendation_detail.html", {
        "recommendation": recommendation,
        "review": recommendation.review,
        "responses": recommendation.responses.select_related("created_by")
                     .order_by("-date", "-created_at", "-id"),
        "government_assessments": [a for a in assessments if a.actor == Actor.GOVERNMENT],
        "civil_society_assessments": [a for a in assessments
                                      if a.actor == Actor.CIVIL_SOCIETY],
        "follow_up_actions": recommendation.follow_up_actions.order_by("target_date", "id"),
        "audit_trail": audit_trail(recommendation),
        "asked_before": asked_before,
        "asked_again_count": asked_again_count,
        "state": recommendation.review.state,
        "similarity_method": similarity.method_label(
            asked_before[0].method if asked_before else None),
        "asked_before_strong": [link for link in asked_before
                                if link.likeness != similarity.RELATED],
        "asked_before_weak": [link for link in asked_before
                              if link.likeness == similarity.RELATED],
        "can_mark_wrong": request.user.is_authenticated and (
            can_edit_recommendations(request.user)
            or recommendation.user_can_assess(request.user, Actor.GOVERNMENT)),
    })


@login_required
@require_POST
def mark_match_wrong(request: HttpRequest, pk: int, earlier_pk: int) -> HttpResponse:
    """"Not the same ask": the match goes from the page and the recurring flag, the mark
    is kept (recurrence.mark_wrong) for the next recomputation and to tune thresholds."""
    recommendation = get_object_or_404(Recommendation.objects.select_related("review"), pk=pk)
    user = request.user
    if not (can_edit_recommendations(user)
            or recommendation.user_can_assess(user, Actor.GOVERNMENT)):
        raise _forbid(_("Only NGO staff, the State's focal point and administrators can "
                        "mark a match wrong."))
    if recurrence.mark_wrong(recommendation, earlier_pk, user=user):
        messages.success(request, _("Marked as a wrong match; thank you. It is no longer "
                                    "shown, and the mark helps tune the matching."))
    return redirect(recommendation.get_absolute_url() + "#asked-before")


# Editing pages: NGO staff (recommendations, imports, civil-society assessments) and
# government focal points (their State's status and follow-up actions). Every view
# checks accounts.roles before reading the POST, so a refused request writes nothing.


def _forbid(message: str) -> PermissionDenied:
    return PermissionDenied(message)


def _last_change(obj) -> dict:
    """Who saved `obj` last and when, from its history, to show next to a refused edit."""
    record = obj.history.select_related("history_user").first()
    return {"user": getattr(record, "history_user", None),
            "date": getattr(record, "history_date", None)}


def _names(objects) -> str:
    return ", ".join(str(o) for o in objects) or "—"


def _changes(rows: list[tuple]) -> list[dict]:
    return [{"label": label, "theirs": theirs, "yours": yours, "differs": theirs != yours}
            for label, theirs, yours in rows]


def _recommendation_changes(current: Recommendation, data: dict) -> list[dict]:
    category = data.get("action_category")
    return _changes([
        (_("Paragraph"), current.paragraph, data["paragraph"]),
        (_("Text"), current.text, data["text"].strip()),
        (_("Recommending States"), _names(current.recommending_states.all()),
         _names(data["recommending_states"])),
        (_("Response"), current.get_response_display(), Response(data["response"]).label),
        (_("Action category"), current.get_action_category_display() or "—",
         ActionCategory(category).label if category else "—"),
        (_("Themes"), _names(current.themes.all()), _names(data["themes"])),
        (_("SDGs"), _names(current.sdgs.all()), _names(data["sdgs"])),
        (_("Affected groups"), _names(current.affected_groups.all()),
         _names(data["affected_groups"])),
    ])


def _restale(form_class, request: HttpRequest, current_version: int, **kwargs):
    """The user's form again, now carrying the current version: saving it once more is a
    deliberate choice to replace the other change, never a silent overwrite."""
    data = request.POST.copy()
    data["version"] = str(current_version)
    form = form_class(data, **kwargs)
    form.is_valid()
    return form


@login_required
def recommendation_create(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.with_related(), pk=review_pk)
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can add recommendations."))
    form = RecommendationForm(request.POST or None, review=review)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            recommendation = services.create_recommendation(
                review=review, user=request.user, paragraph=data["paragraph"],
                text=data["text"], recommending_states=list(data["recommending_states"]),
                response=data["response"], action_category=data["action_category"],
                themes=data["themes"], sdgs=data["sdgs"],
                affected_groups=data["affected_groups"])
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Recommendation %(p)s added.") % {
                "p": recommendation.paragraph or recommendation.pk})
            if "add_another" in request.POST:
                return redirect("recommendations:recommendation_create", review_pk=review.pk)
            return redirect(recommendation)
    return render(request, "recommendations/recommendation_form.html",
                  {"form": form, "review": review})


@login_required
def recommendation_edit(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation.objects.with_related(), pk=pk)
    if not recommendation.user_can_edit(request.user):
        raise _forbid(_("Only NGO staff and administrators can edit recommendations."))
    review = recommendation.review
    form = RecommendationForm(request.POST or None, review=review, instance=recommendation)
    context = {"form": form, "review": review, "recommendation": recommendation}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_recommendation(
                recommendation, expected_version=data["version"], user=request.user,
                paragraph=data["paragraph"], text=data["text"],
                action_category=data["action_category"],
                recommending_states=list(data["recommending_states"]),
                themes=data["themes"], sdgs=data["sdgs"],
                affected_groups=data["affected_groups"], response=data["response"],
                source_symbol=data["source_symbol"])
        except services.StaleEdit as exc:
            current = exc.current
            context.update(
                stale=_recommendation_changes(current, data), last_change=_last_change(current),
                form=_restale(RecommendationForm, request, current.version, review=review,
                              instance=current))
            return render(request, "recommendations/recommendation_form.html", context,
                          status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Recommendation saved."))
            return redirect(recommendation)
    return render(request, "recommendations/recommendation_form.html", context)


@login_required
def recommendation_delete(request: HttpRequest, pk: int) -> HttpResponse:
    """Delete one recommendation (NGO staff and admins). The page lists what goes with it
    (assessments, others' first) and the follow-up actions it unlinks; when there are any,
    the person ticks that they have read them before the delete goes through."""
    recommendation = get_object_or_404(Recommendation.objects.with_related(), pk=pk)
    if not recommendation.user_can_edit(request.user):
        raise _forbid(_("Only NGO staff and administrators can delete recommendations."))
    impact = services.deletion_impact([recommendation], user=request.user)
    error = ""
    if request.method == "POST":
        if impact["needs_confirmation"] and request.POST.get("confirm") != "yes":
            error = _("Tick the box to confirm that what is listed goes too.")
        else:
            review = recommendation.review
            label = recommendation.paragraph or str(recommendation.pk)
            services.delete_recommendations([recommendation], user=request.user)
            messages.success(request, _("Recommendation %(p)s deleted.") % {"p": label})
            return redirect(review)
    return render(request, "recommendations/recommendation_delete.html", {
        "recommendation": recommendation, "review": recommendation.review, "error": error,
        **impact}, status=400 if error else 200)


@login_required
def assessment_create(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation.objects.with_related(), pk=pk)
    if not recommendation.user_can_assess(request.user, Actor.CIVIL_SOCIETY):
        raise _forbid(_("Only NGO staff add civil-society assessments."))
    profile = getattr(request.user, "profile", None)
    form = CivilSocietyAssessmentForm(
        request.POST or None, initial={"organisation": getattr(profile, "organisation", "")})
    if request.method == "POST" and form.is_valid():
        try:
            recommendation.add_assessment(actor=Actor.CIVIL_SOCIETY, user=request.user,
                                          **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Assessment added."))
            return redirect(recommendation)
    return render(request, "recommendations/assessment_form.html", {
        "form": form, "recommendation": recommendation,
        "heading": _("Add a civil-society assessment")})


@login_required
def government_status(request: HttpRequest, pk: int) -> HttpResponse:
    recommendation = get_object_or_404(Recommendation.objects.with_related(), pk=pk)
    if not recommendation.user_can_assess(request.user, Actor.GOVERNMENT):
        raise _forbid(_("Only the government focal point of %(state)s can update the status "
                        "of its recommendations.") % {"state": recommendation.review.state})
    form = GovernmentStatusForm(request.POST or None,
                                initial={"status": recommendation.government_status or None})
    if request.method == "POST" and form.is_valid():
        try:
            recommendation.add_assessment(actor=Actor.GOVERNMENT, user=request.user,
                                          **form.cleaned_data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Government status updated."))
            return redirect(recommendation)
    return render(request, "recommendations/assessment_form.html", {
        "form": form, "recommendation": recommendation,
        "heading": _("Update the government status")})


def _changeable_assessment(request: HttpRequest, pk: int) -> Assessment:
    assessment = get_object_or_404(
        Assessment.objects.select_related("recommendation__review__state", "created_by"), pk=pk)
    if not assessment.user_can_change(request.user):
        raise _forbid(_("Only the person who entered this status or assessment, or an "
                        "administrator, can correct or withdraw it."))
    return assessment


@login_required
def assessment_correct(request: HttpRequest, pk: int) -> HttpResponse:
    """Correct an entry of the government's or civil society's history (its author or an
    admin); the entry as it was stays in its history and in the audit trail."""
    assessment = _changeable_assessment(request, pk)
    recommendation = assessment.recommendation
    government = assessment.actor == Actor.GOVERNMENT
    form_class = GovernmentStatusForm if government else CivilSocietyAssessmentForm
    initial = {"status": assessment.status, "comment": assessment.comment,
               "evidence_url": assessment.evidence_url,
               "organisation": assessment.organisation, "assessed_on": assessment.assessed_on}
    form = form_class(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        try:
            assessment.correct(user=request.user, **data)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Entry corrected; the earlier version is kept in "
                                        "its history."))
            return redirect(recommendation)
    return render(request, "recommendations/assessment_form.html", {
        "form": form, "recommendation": recommendation, "assessment": assessment,
        "heading": _("Correct the government status") if government
        else _("Correct the civil-society assessment")})


@login_required
@require_POST
def assessment_withdraw(request: HttpRequest, pk: int) -> HttpResponse:
    assessment = _changeable_assessment(request, pk)
    if assessment.withdrawn_at is None:
        assessment.withdraw(user=request.user)
        messages.success(request, _("Entry withdrawn; it stays in the history but no longer "
                                    "counts as the latest."))
    return redirect(assessment.recommendation)


def _follow_up_state(request: HttpRequest) -> tuple[State | None, Recommendation | None]:
    """The State a new follow-up action belongs to: the linked recommendation's, the
    `state` asked for (administrators), or the focal point's own."""
    recommendation = None
    rec_id = request.GET.get("recommendation", "")
    if rec_id.isdigit():
        recommendation = get_object_or_404(
            Recommendation.objects.select_related("review__state"), pk=rec_id)
        return recommendation.review.state, recommendation
    iso3 = request.GET.get("state", "")
    if iso3:
        return get_object_or_404(State, iso3=iso3.upper()), None
    state_id = focal_state_id(request.user)
    return (State.objects.get(pk=state_id) if state_id else None), None


@login_required
def followupaction_create(request: HttpRequest) -> HttpResponse:
    state, recommendation = _follow_up_state(request)
    if state is None or not can_manage_follow_up(request.user, state.pk):
        raise _forbid(_("Only a State's government focal point can plan its follow-up "
                        "actions."))
    form = FollowUpActionForm(request.POST or None, state=state,
                              initial={"recommendations": [recommendation] if recommendation
                                       else []})
    if request.method == "POST" and form.is_valid():
        try:
            action = services.create_follow_up_action(
                state=state, recommendations=list(form.cleaned_data["recommendations"]),
                user=request.user, **form.action_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Follow-up action added."))
            return redirect(action)
    return render(request, "recommendations/followupaction_form.html",
                  {"form": form, "state": state})


@login_required
def followupaction_edit(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(FollowUpAction.objects.select_related("state"), pk=pk)
    if not action.user_can_edit(request.user):
        raise _forbid(_("Only the government focal point of %(state)s can change its "
                        "follow-up actions.") % {"state": action.state})
    form = FollowUpActionForm(request.POST or None, state=action.state, instance=action)
    context = {"form": form, "state": action.state, "action": action}
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.update_follow_up_action(
                action, expected_version=data["version"],
                recommendations=list(data["recommendations"]), **form.action_fields())
        except services.StaleEdit as exc:
            current = exc.current
            rows = [(form.fields[name].label, _display(current, name), _display_value(
                form, name)) for name in FollowUpActionForm.FIELDS]
            rows.append((_("Recommendations"), _names(current.recommendations.all()),
                         _names(data["recommendations"])))
            context.update(
                stale=_changes(rows), last_change=_last_change(current),
                form=_restale(FollowUpActionForm, request, current.version, state=action.state,
                              instance=current))
            return render(request, "recommendations/followupaction_form.html", context,
                          status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Follow-up action saved."))
            return redirect(action)
    return render(request, "recommendations/followupaction_form.html", context)


def _display(obj, name: str) -> str:
    value = getattr(obj, f"get_{name}_display", lambda: getattr(obj, name))()
    return str(value) if value not in (None, "") else "—"


def _display_value(form, name: str) -> str:
    value = form.cleaned_data.get(name)
    choices = dict(getattr(form.fields[name], "choices", None) or ())
    value = choices.get(value, value)
    return str(value) if value not in (None, "") else "—"


def followupaction_detail(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(
        FollowUpAction.objects.select_related("state", "institution").prefetch_related(
            Prefetch("recommendations",
                     queryset=Recommendation.objects.select_related("review__session"))),
        pk=pk)
    return render(request, "recommendations/followupaction_detail.html", {
        "action": action, "can_edit": action.user_can_edit(request.user),
        "overdue": action.is_overdue()})
