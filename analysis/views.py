"""The cooperation pages (recommending State, regional matrix, theme over time) and the
mid-term report downloads. Figures come from analysis.cooperation; the API serves the
same dicts."""

from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.text import slugify
from django.utils.translation import gettext as _

from recommendations import names, readmodel
from recommendations.models import Recommendation, Theme
from reviews.models import Review
from states.models import State
from states.names import collation_key

from . import cooperation, midterm


def _filters(request: HttpRequest) -> cooperation.FigureFilterForm:
    form = cooperation.FigureFilterForm(request.GET or None)
    if form.is_bound:
        form.is_valid()
    else:
        form.cleaned_data = {}
    return form


def _list_filters(request: HttpRequest) -> cooperation.ListFilters:
    """The list's filters of the page's URL (cycle and theme from its form, and any other
    filter of the list page); an invalid value counts nothing, the form shows why."""
    return cooperation.ListFilters(request.GET)


def _filters_html(request: HttpRequest, form: cooperation.FigureFilterForm) -> str:
    """The figures' filter form as HTML, kept while the reference data (its cycles and
    themes), the language and the names stay: a recommendation written leaves it (its
    select of every theme took longer to render than the matrix took to count)."""
    shown = [request.GET.getlist(name) for name in form.fields]  # errors show too
    return readmodel.cached(
        "figure-filters",
        lambda: render_to_string("analysis/includes/filters.html", {"form": form}),
        shown, translation.get_language(), names.version(),
        version=str(readmodel.codes_version()))


def _choosers_html() -> str:
    """The matrix page's choosers: a select of every State that made a recommendation and
    of every theme one is tagged with, in the page's language and alphabetical order.
    Which ones is read each time (EXISTS: one index probe per State or theme, where a
    join with DISTINCT read every link, 0.3 s each at 500,000 recommendations); their
    HTML is kept under that list, the reference data, the language and the names."""
    state_ids = list(State.objects.filter(Exists(
        Recommendation.recommending_states.through.objects.filter(state_id=OuterRef("pk"))))
        .order_by("pk").values_list("pk", flat=True))
    theme_ids = list(Theme.objects.filter(Exists(
        Recommendation.themes.through.objects.filter(theme_id=OuterRef("pk"))))
        .order_by("pk").values_list("pk", flat=True))

    def render_choosers() -> str:
        # The options written here, not by a template loop (~0.05 ms an option; there
        # are a few hundred): (name, value) pairs, sorted by name, escaped.
        states = [(str(s), s.iso3) for s in State.objects.filter(pk__in=state_ids)]
        themes = [(t.localized_name, t.slug) for t in Theme.objects.filter(pk__in=theme_ids)]
        return render_to_string("analysis/includes/choosers.html", {
            "state_options": _options(states), "theme_options": _options(themes)})

    return readmodel.cached("matrix-choosers", render_choosers, state_ids, theme_ids,
                            translation.get_language(), names.version(),
                            version=str(readmodel.codes_version()))


def _options(choices: list[tuple[str, str]]) -> str:
    """`<option>`s of (label, value) pairs in the language's alphabetical order."""
    return mark_safe("".join(
        f'<option value="{escape(value)}">{escape(label)}</option>'
        for label, value in sorted(choices, key=lambda choice: collation_key(choice[0]))))


def matrix(request: HttpRequest) -> HttpResponse:
    form = _filters(request)
    filters = _list_filters(request)

    def build() -> str:
        # The page's content as HTML: the figures, counted from the tally, and the form
        # and choosers, each kept on its own while the reference data stays.
        return render_to_string("analysis/includes/matrix_body.html", {
            "filters_html": _filters_html(request, form),
            "figures": cooperation.regional_matrix(filters),
            "choosers_html": _choosers_html(),
        })

    # The form's own fields as given (their errors show on the page) beside the list's.
    shown = [request.GET.getlist(name) for name in form.fields]
    body = readmodel.cached("matrix-page", build, filters.query(), shown,
                            translation.get_language(), names.version())
    return render(request, "analysis/matrix.html", {"body": body})


def recommending_state(request: HttpRequest, iso3: str) -> HttpResponse:
    state = get_object_or_404(State, iso3=iso3.upper())
    form = _filters(request)
    filters = _list_filters(request)
    profile = readmodel.cached(
        "recommending-state", lambda: cooperation.recommending_state_profile(state, filters),
        state.pk, filters.query(), translation.get_language(), names.version())
    return render(request, "analysis/recommending_state.html", {
        "state": state, "filters_html": _filters_html(request, form), "profile": profile})


def theme_over_time(request: HttpRequest, slug: str) -> HttpResponse:
    theme = get_object_or_404(Theme, slug=slug)
    filters = _list_filters(request)
    figures = readmodel.cached(
        "theme-over-time", lambda: cooperation.theme_over_time(theme, filters),
        theme.pk, filters.query(), translation.get_language(), names.version())
    return render(request, "analysis/theme.html", {"theme": theme, "figures": figures})


def midterm_report(request: HttpRequest, pk: int) -> HttpResponse:
    """The page offering the versions the user may download, or the file itself with
    ?version=government|civil_society&grouping=theme|paragraph&format=docx|csv."""
    review = get_object_or_404(Review.objects.select_related("state", "session__cycle"),
                               pk=pk)
    allowed = midterm.allowed_versions(request.user, review)
    if not allowed:
        if not request.user.is_authenticated:
            from django.contrib.auth.views import redirect_to_login

            return redirect_to_login(request.get_full_path())
        raise PermissionDenied(_("Only NGO staff and the focal points of %(state)s may "
                                 "download its mid-term report.") % {"state": review.state})
    version = request.GET.get("version")
    if version is None:
        return render(request, "analysis/midterm.html", {
            "review": review, "versions": [(v, midterm.version_label(v)) for v in allowed]})
    fmt = request.GET.get("format", "docx")
    grouping = request.GET.get("grouping", "theme")
    if version in midterm.VERSIONS and version not in allowed:
        raise PermissionDenied(_("You may download only the government version."))
    if (version not in midterm.VERSIONS or fmt not in ("docx", "csv")
            or grouping not in midterm.GROUPINGS):
        return render(request, "analysis/midterm.html", {
            "review": review, "versions": [(v, midterm.version_label(v)) for v in allowed],
            "error": _("Choose one of the versions, formats and groupings offered below.")},
            status=400)
    report = midterm.build(review, version=version, grouping=grouping)
    # The grouping is in the name: both downloads of one version can sit side by side.
    name = slugify(f"mid-term-report-{review.state.iso3}-session-{review.session.number}-"
                   f"{version}-by-{grouping}")
    if fmt == "csv":
        response = HttpResponse(midterm.to_csv(report), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            midterm.to_docx(report),
            content_type="application/vnd.openxmlformats-officedocument."
                         "wordprocessingml.document")
    response["Content-Disposition"] = f'attachment; filename="{name}.{fmt}"'
    return response


def pick(request: HttpRequest) -> HttpResponse:
    """The choosers of the matrix page, without JavaScript: ?state=ISO3 or ?theme=slug."""
    from django.shortcuts import redirect

    iso3 = request.GET.get("state", "").strip().upper()
    if iso3:
        state = get_object_or_404(State, iso3=iso3)
        return redirect("analysis:recommending_state", state.iso3)
    theme = get_object_or_404(Theme, slug=request.GET.get("theme", "").strip())
    return redirect("analysis:theme", theme.slug)
