"""Pages: a State's progress (per theme and per institution), its institutions, an
institution's desk, indicators with their due dates and reports, and the forms.

Every view asks the models (accounts.roles underneath) before reading a POST, so a
refused request writes nothing. List pages run a fixed number of queries."""

from collections import Counter, defaultdict

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count, Prefetch
from django.http import FileResponse, Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.roles import (
    can_manage_institutions,
    can_report_as_civil_society,
    contributor_institution_id,
    focal_state_id,
    is_state_user,
)
from core.bodylimit import allow_upload
from recommendations.models import Actor, FollowUpAction, Recommendation, Theme
from states.models import Institution, State

from . import services
from .forms import IndicatorForm, InstitutionForm, ProgressReportForm
from .models import Evidence, Indicator, Progress


def _rows(counts: Counter) -> list[dict]:
    """bar_chart rows (value, label, count, percent) in the order on track, late, met."""
    total = sum(counts.values()) or 1
    return [{"value": value, "label": label, "count": counts.get(value, 0),
             "percent": round(100 * counts.get(value, 0) / total, 1)}
            for value, label in Progress.choices]


def _table(groups: dict) -> list[dict]:
    return sorted(({"name": name, "on_track": c.get(Progress.ON_TRACK, 0),
                    "late": c.get(Progress.LATE, 0), "met": c.get(Progress.MET, 0),
                    "total": sum(c.values()), "chart": _rows(c)}
                   for name, c in groups.items()),
                  key=lambda row: (-row["total"], row["name"]))


def state_progress(request: HttpRequest, iso3: str) -> HttpResponse:
    """Where a State's indicators stand: on track, late or met, overall, per theme of the
    recommendations they measure and per responsible institution; public."""
    state = get_object_or_404(State, iso3=iso3.upper())
    today = timezone.localdate()
    indicators = list(Indicator.objects.for_state(state.pk).with_related().prefetch_related(
        Prefetch("recommendations__themes",
                 queryset=Theme.objects.select_related("canonical"))))
    overall: Counter = Counter()
    by_theme: dict[str, Counter] = defaultdict(Counter)
    by_institution: dict[str, Counter] = defaultdict(Counter)
    for indicator in indicators:
        indicator.status = indicator.progress(today)
        overall[indicator.status] += 1
        themes = {t.canonical_theme.localized_name
                  for r in indicator.recommendations.all() for t in r.themes.all()}
        for theme in themes or {_("No theme")}:
            by_theme[theme][indicator.status] += 1
        name = indicator.institution.name if indicator.institution else _("No institution")
        by_institution[name][indicator.status] += 1
    return render(request, "progress/state_progress.html", {
        "state": state, "indicators": indicators, "overall": _rows(overall),
        "by_theme": _table(by_theme), "by_institution": _table(by_institution),
        "can_manage": can_manage_institutions(request.user, state.pk),
        "institutions": Institution.objects.for_state(state.pk).annotate(
            n_indicators=Count("indicators", distinct=True),
            n_actions=Count("follow_up_actions", distinct=True)),
        "today": today,
    })


def institution_list(request: HttpRequest, iso3: str) -> HttpResponse:
    """A State's institutions (public), and for its focal point the form to add one."""
    state = get_object_or_404(State, iso3=iso3.upper())
    can_manage = can_manage_institutions(request.user, state.pk)
    if request.method == "POST" and not can_manage:
        raise PermissionDenied(_("Only the government focal point of %(state)s can manage "
                                 "its institutions.") % {"state": state.localized_name})
    form = InstitutionForm(request.POST or None, state=state)
    if request.method == "POST" and form.is_valid():
        institution = form.save(commit=False)
        institution.state = state
        institution.save()
        messages.success(request, _("Institution added."))
        return redirect("progress:institution_list", iso3=state.iso3)
    return render(request, "progress/institution_list.html", {
        "state": state, "form": form if can_manage else None,
        "institutions": Institution.objects.for_state(state.pk).annotate(
            n_indicators=Count("indicators", distinct=True),
            n_actions=Count("follow_up_actions", distinct=True),
            n_contributors=Count("contributors", distinct=True)),
    })


def institution_detail(request: HttpRequest, pk: int) -> HttpResponse:
    """An institution's desk: its actions and indicators, what is due and what is late."""
    institution = get_object_or_404(Institution.objects.select_related("state"), pk=pk)
    today = timezone.localdate()
    indicators = list(Indicator.objects.for_institution(institution.pk).with_related())
    actions = list(FollowUpAction.objects.filter(institution=institution).annotate(
        recommendation_count=Count("recommendations")))
    due, overdue = [], []
    for indicator in indicators:
        indicator.status = indicator.progress(today)
        for day in indicator.unmet_due_dates():
            (overdue if day < today else due).append((day, indicator))
    is_own = contributor_institution_id(request.user) == institution.pk
    # The first report this institution owes, overdue or not: the page's headline.
    owed = sorted(overdue + due, key=lambda r: (r[0], r[1].pk))
    return render(request, "progress/institution_detail.html", {
        "next_due": owed[0] if owed else None,
        "institution": institution, "state": institution.state, "indicators": indicators,
        "actions": actions, "overdue": sorted(overdue, key=lambda r: (r[0], r[1].pk)),
        "due": sorted(due, key=lambda r: (r[0], r[1].pk))[:10],
        "overdue_actions": [a for a in actions if a.is_overdue(today)],
        "can_manage": can_manage_institutions(request.user, institution.state_id),
        "can_report": is_own or can_manage_institutions(request.user, institution.state_id),
        "is_own": is_own, "today": today,
    })


@login_required
def institution_edit(request: HttpRequest, pk: int) -> HttpResponse:
    institution = get_object_or_404(Institution.objects.select_related("state"), pk=pk)
    if not can_manage_institutions(request.user, institution.state_id):
        raise PermissionDenied(_("Only the government focal point of %(state)s can manage "
                                 "its institutions.") % {"state": institution.state})
    form = InstitutionForm(request.POST or None, instance=institution, state=institution.state)
    if request.method == "POST" and form.is_valid():
        form.save()
        messages.success(request, _("Institution saved."))
        return redirect(institution)
    return render(request, "progress/institution_form.html",
                  {"form": form, "institution": institution, "state": institution.state})


@login_required
def my_institution(request: HttpRequest) -> HttpResponse:
    """An institution contributor's start page: their institution's desk."""
    institution_id = contributor_institution_id(request.user)
    if institution_id is None:
        raise PermissionDenied(_("Your account does not report for an institution. Ask your "
                                 "State's focal point to make it a contributor."))
    return redirect("progress:institution_detail", pk=institution_id)


def _indicator_state(request: HttpRequest) -> tuple[State | None, dict]:
    """The State of a new indicator (from the recommendation or action it measures, or
    `state`, or the focal point's own) and the form's initial values."""
    initial: dict = {}
    rec_id, action_id = request.GET.get("recommendation", ""), request.GET.get("action", "")
    if rec_id.isdigit():
        rec = get_object_or_404(Recommendation.objects.select_related("review__state"),
                                pk=rec_id)
        initial["recommendations"] = [rec]
        return rec.review.state, initial
    if action_id.isdigit():
        action = get_object_or_404(FollowUpAction.objects.select_related("state"), pk=action_id)
        initial.update(action=action, institution=action.institution,
                       recommendations=list(action.recommendations.all()))
        return action.state, initial
    iso3 = request.GET.get("state", "")
    if iso3:
        return get_object_or_404(State, iso3=iso3.upper()), initial
    state_id = focal_state_id(request.user)
    return (State.objects.get(pk=state_id) if state_id else None), initial


@login_required
def indicator_create(request: HttpRequest) -> HttpResponse:
    state, initial = _indicator_state(request)
    if state is None or not can_manage_institutions(request.user, state.pk):
        raise PermissionDenied(_("Only a State's government focal point can add its "
                                 "indicators."))
    form = IndicatorForm(request.POST or None, state=state, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            indicator = services.create_indicator(
                state=state, user=request.user,
                recommendations=list(form.cleaned_data["recommendations"]),
                **form.indicator_fields())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Indicator added."))
            return redirect(indicator)
    return render(request, "progress/indicator_form.html", {"form": form, "state": state})


@login_required
def indicator_edit(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.select_related("state"), pk=pk)
    if not indicator.user_can_edit(request.user):
        raise PermissionDenied(_("Only the government focal point of %(state)s can change its "
                                 "indicators.") % {"state": indicator.state})
    form = IndicatorForm(request.POST or None, state=indicator.state, instance=indicator)
    context = {"form": form, "state": indicator.state, "indicator": indicator}
    if request.method == "POST" and form.is_valid():
        try:
            services.update_indicator(
                indicator, expected_version=form.cleaned_data["version"],
                recommendations=list(form.cleaned_data["recommendations"]),
                **form.indicator_fields())
        except services.StaleEdit:
            form.add_error(None, _("Someone else changed this indicator meanwhile. Reload "
                                   "the page to see their version."))
            return render(request, "progress/indicator_form.html", context, status=409)
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Indicator saved."))
            return redirect(indicator)
    return render(request, "progress/indicator_form.html", context)


def indicator_detail(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.with_related(), pk=pk)
    today = timezone.localdate()
    user = request.user
    return render(request, "progress/indicator_detail.html", {
        "indicator": indicator, "state": indicator.state, "status": indicator.progress(today),
        "due_rows": indicator.due_rows(today),
        "government": indicator.government_reports()[::-1],
        "civil_society": indicator.civil_society_reports()[::-1],
        "latest": indicator.latest_value(),
        "civil_society_latest": indicator.latest_value(Actor.CIVIL_SOCIETY),
        "percent": indicator.percent_of_target(),
        "can_edit": indicator.user_can_edit(user),
        "can_report": indicator.user_can_report(user) and bool(indicator.unmet_due_dates()),
        "can_report_cs": can_report_as_civil_society(user),
        "can_see_private": is_state_user(user, indicator.state_id),
    })


def _report(request: HttpRequest, *, indicator: Indicator | None,
            action: FollowUpAction | None) -> HttpResponse:
    subject = indicator or action
    actor = (Actor.CIVIL_SOCIETY if request.GET.get("actor") == Actor.CIVIL_SOCIETY
             else Actor.GOVERNMENT)
    government = actor == Actor.GOVERNMENT
    allowed = (subject.user_can_report(request.user) if government
               else can_report_as_civil_society(request.user))
    if not allowed:
        raise PermissionDenied(
            _("Only the government focal point of %(state)s and the contributors of the "
              "responsible institution can report on this.") % {"state": subject.state}
            if government else _("Only NGO staff can file civil society's reports."))
    form = ProgressReportForm(request.POST or None, request.FILES or None,
                              indicator=indicator, government=government)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            report = services.file_report(
                user=request.user, actor=actor, indicator=indicator, action=action,
                due_date=form.due() if government and indicator else None,
                value=data.get("value"), narrative=data.get("narrative", ""),
                organisation=data.get("organisation", ""), evidence=form.evidence())
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Progress report filed."))
            return redirect(report)
    return render(request, "progress/report_form.html", {
        "form": form, "indicator": indicator, "action": action, "subject": subject,
        "state": subject.state, "government": government})


def _evidence_limit() -> int:
    return settings.EVIDENCE_MAX_UPLOAD_BYTES


@allow_upload(_evidence_limit)
@login_required
def report_create(request: HttpRequest, pk: int) -> HttpResponse:
    indicator = get_object_or_404(Indicator.objects.with_related(), pk=pk)
    return _report(request, indicator=indicator, action=None)


def action_progress(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(FollowUpAction.objects.select_related("state", "institution"),
                               pk=pk)
    reports = list(action.progress_reports.select_related("created_by", "institution")
                   .prefetch_related("evidence").order_by("-period_end", "-id"))
    return render(request, "progress/action_progress.html", {
        "action": action, "state": action.state,
        "government": [r for r in reports if r.actor == Actor.GOVERNMENT],
        "civil_society": [r for r in reports if r.actor == Actor.CIVIL_SOCIETY],
        "indicators": Indicator.objects.filter(action=action).with_related(),
        "can_report": action.user_can_report(request.user),
        "can_report_cs": can_report_as_civil_society(request.user),
        "can_manage": can_manage_institutions(request.user, action.state_id),
        "can_see_private": is_state_user(request.user, action.state_id),
    })


@allow_upload(_evidence_limit)
@login_required
def action_report_create(request: HttpRequest, pk: int) -> HttpResponse:
    action = get_object_or_404(FollowUpAction.objects.select_related("state"), pk=pk)
    return _report(request, indicator=None, action=action)


def evidence_file(request: HttpRequest, pk: int) -> HttpResponse:
    """An evidence file, as a download; private ones only to the State's users (a 404 to
    others, so that their existence is not told either)."""
    evidence = get_object_or_404(
        Evidence.objects.select_related("report__indicator", "report__action"), pk=pk)
    if not evidence.file or not evidence.user_can_see(request.user):
        raise Http404
    response = FileResponse(evidence.file.open("rb"), as_attachment=True,
                            filename=evidence.original_name or "evidence")
    response["X-Content-Type-Options"] = "nosniff"
    if not evidence.is_public:
        response["Cache-Control"] = "private, no-store"
    return response
