"""The pages of the way in: upload a file and follow its import, the import history,
name the States a file spelt in a way nobody knew, confirm the responses read from an
addendum's sentences, and paste recommendations as they appear in a report."""

from urllib.parse import urlencode

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext
from django.views.decorators.http import require_POST

from accounts.roles import can_edit_recommendations, is_admin
from core.bodylimit import allow_upload
from recommendations.models import Recommendation, Response, paragraph_sort_key
from reviews.models import Review
from states.models import State

from . import services
from .forms import IMPORT_FORMATS, ImportUploadForm, PasteForm
from .jobs import broker_configured, fail_if_worker_lost
from .models import ImportJob
from .parsing import parse_recommendation_list, resolve_state_names, state_name_checker
from .tasks import start_import_job

PAGE_SIZE = 50


def _forbid(message: str) -> PermissionDenied:
    return PermissionDenied(message)


# The parser's messages, as the user should read them.
PARSER_ERRORS = {
    "no recommendation text": gettext_lazy("No recommendation text."),
    "no recommending State": gettext_lazy("No recommending State in brackets at the end of "
                                          "the recommendation."),
}


def _paste_rows(review: Review, text: str) -> list[dict]:
    """Parse pasted recommendations and check each line against the States' names and
    the review's paragraphs; a row with errors is shown, never saved."""
    alias_map = State.objects.alias_map()
    existing = set(review.recommendations.values_list("paragraph", flat=True))
    seen: set[str] = set()
    rows = []
    items = parse_recommendation_list(text, is_state_name=state_name_checker(alias_map))
    # Knowing the State names, the parser keeps `(OP-CAT) (France)`'s acronym in the text;
    # a second, blind parse finds the name-like groups it kept there too (a misspelt
    # `(Algerya) (Cabo Verde)`), so that they are reported rather than silently kept.
    blind = parse_recommendation_list(text)
    if len(blind) != len(items):
        blind = items
    for item, blind_item in zip(items, blind, strict=True):
        errors = [PARSER_ERRORS.get(error, error) for error in item.errors]
        states, unknown = resolve_state_names(item.state_names, alias_map)
        unknown += [name for name in resolve_state_names(blind_item.state_names, alias_map)[1]
                    if name not in unknown and name != name.upper()]
        if unknown:
            errors.append(_("Unknown State names: %(names)s") % {"names": ", ".join(unknown)})
            for name in unknown:
                closest = alias_map.closest(name, 1) if hasattr(alias_map, "closest") else []
                if closest:
                    errors.append(_("Did you mean %(state)s for “%(name)s”?") % {
                        "state": closest[0], "name": name})
        paragraph = (item.paragraph or "").strip().rstrip(".")
        if not paragraph:
            errors.append(_("No paragraph number (such as 140.1) at the start."))
        elif paragraph in existing:
            errors.append(_("Paragraph %(p)s is already in this review.") % {"p": paragraph})
        elif paragraph and paragraph in seen:
            errors.append(_("Paragraph %(p)s appears twice in the list.") % {"p": paragraph})
        seen.add(paragraph)
        rows.append({"paragraph": paragraph, "text": item.text, "states": states,
                     "line": item.line, "errors": errors})
    return rows


@login_required
def recommendation_paste(request: HttpRequest, review_pk: int) -> HttpResponse:
    review = get_object_or_404(Review.objects.with_related(), pk=review_pk)
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can add recommendations."))
    form = PasteForm(request.POST or None)
    context = {"form": form, "review": review}
    if request.method == "POST" and form.is_valid():
        # "save" parses again rather than trusting the preview: the text may have changed.
        rows = _paste_rows(review, form.cleaned_data["text"])
        error_count = sum(1 for row in rows if row["errors"])
        context.update(rows=rows, error_count=error_count)
        if not rows:
            form.add_error("text", _("No recommendation found in the text."))
        elif "save" in request.POST and error_count:
            form.add_error(None, _("Nothing was saved: fix the lines marked below first."))
        elif "save" in request.POST:
            items = [{"paragraph": row["paragraph"], "text": row["text"],
                      "recommending_states": row["states"],
                      "response": form.cleaned_data["response"],
                      "themes": form.cleaned_data["themes"]} for row in rows]
            try:
                created, job = services.paste_recommendations(review=review, items=items,
                                                              user=request.user)
            except ValidationError as exc:
                for key, problems in exc.message_dict.items():
                    index = int(key.removeprefix("items[").rstrip("]"))
                    rows[index]["errors"].extend(problems)
                context["error_count"] = sum(1 for row in rows if row["errors"])
                form.add_error(None, _("Nothing was saved: fix the lines marked below first."))
            else:
                messages.success(request, ngettext(
                    "%(n)d recommendation saved.", "%(n)d recommendations saved.",
                    len(created)) % {"n": len(created)})
                # The paste is one step that can be undone from here.
                messages.info(request, _("Pasted into the wrong review? You can undo this "
                                         "paste in one step from the import history."))
                return redirect(review)
    return render(request, "imports/recommendation_paste.html", context)



@allow_upload(lambda: settings.IMPORT_MAX_UPLOAD_BYTES)
@login_required
def import_upload(request: HttpRequest) -> HttpResponse:
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can import files."))
    # The review page links here with its State and session filled in.
    initial = {key: request.GET[key] for key in ("state", "session_number") if key in request.GET}
    form = ImportUploadForm(request.POST or None, request.FILES or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        upload = data["file"]
        job = ImportJob.objects.create(
            file=upload, original_name=upload.name[:255], format=data["format"],
            state=data["state"], session_number=data["session_number"],
            dry_run=data["dry_run"], created_by=request.user)
        start_import_job(job)
        return redirect("imports:import_detail", public_id=job.public_id)
    jobs = ImportJob.objects.filter(created_by=request.user).order_by("-created_at")[:10]
    return render(request, "imports/import_upload.html", {
        "form": form, "jobs": jobs, "no_broker": not broker_configured(),
        "inline_max_mb": round(settings.IMPORT_INLINE_MAX_BYTES / 1048576, 1),
        # The command as it runs on this machine: the virtualenv's python, not "manage.py".
        "import_command": f"{command_python()} manage.py import_recommendations FILE"})


def command_python() -> str:
    """How to run this installation's python: its virtualenv's, relative to the project
    when it lives there (`.venv/bin/python`), else its absolute path."""
    import sys
    from pathlib import Path

    exe = Path(sys.executable)
    try:
        return str(exe.relative_to(Path(settings.BASE_DIR)))
    except ValueError:
        return str(exe)


def _own_import_job(request: HttpRequest, public_id, queryset=None) -> ImportJob:
    """The job, if the user may see it: its owner, or an administrator. Anyone else
    gets the same 404 as for a job that does not exist."""
    queryset = queryset if queryset is not None else ImportJob.objects.all()
    if not is_admin(request.user):
        queryset = queryset.filter(created_by=request.user)
    return get_object_or_404(queryset, public_id=public_id)


@login_required
def import_history(request: HttpRequest) -> HttpResponse:
    """One's own imports and pastes (an administrator: everyone's), newest first, 50 a
    page: only jobs whose page the user may open (imports are private to their owner)."""
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can see imports."))
    jobs = ImportJob.objects.select_related("created_by").order_by("-created_at", "-pk")
    if not is_admin(request.user):
        jobs = jobs.filter(created_by=request.user)
    page = Paginator(jobs, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "imports/import_history.html",
                  {"page_obj": page, "query": ""})


def _import_context(job: ImportJob) -> dict:
    """The job's report (imports.readers.core.ImportReport.as_dict) for display."""
    report = job.report or {}
    verb = job.dry_run
    labels = {
        "rows_read": _("Rows read"),
        "created": _("Recommendations that would be created") if verb
        else _("Recommendations created"),
        "updated": _("Recommendations that would be updated") if verb
        else _("Recommendations updated"),
        "unchanged": _("Recommendations unchanged"),
        "reviews_created": _("Reviews that would be created") if verb else _("Reviews created"),
    }
    if report.get("ok"):
        labels.update({
            "matched_exact": _("Matched a recommendation already in the database exactly"),
            "matched_near": _("Matched one nearly (check them below)"),
            "new": _("New recommendations"),
            "folded": _("Recommendations merged into their paragraph's"),
        })
    if report.get("responses_recorded") or report.get("responses_kept"):
        labels.update({
            "responses_recorded": _("Responses recorded on recommendations"),
            "responses_kept": _("Responses stored until the report comes or a person "
                                "confirms them"),
        })
    counts = [(label, report[key]) for key, label in labels.items() if key in report]
    skipped = report.get("skipped") or {}
    if isinstance(skipped, dict):
        counts += [(_("Skipped: %(reason)s") % {"reason": reason}, n)
                   for reason, n in sorted(skipped.items())]
    errors = [e if isinstance(e, dict) else {"message": str(e)}
              for e in report.get("errors") or []]
    fmt = job.detected_format or job.format
    unknown_names = [u for u in report.get("unknown_names") or [] if isinstance(u, dict)]
    for unknown in unknown_names:
        suggestions = unknown.get("suggestions") or []
        unknown["guess"] = suggestions[0]["iso3"] if suggestions else ""
        rows = unknown.get("rows") or []
        unknown["rows_label"] = ", ".join(str(r) for r in rows[:20]) + (
            " …" if len(rows) > 20 else "")
    # What this import created or updated: changed at or after the job was created, in
    # its State and session when the upload named them.
    params = [("updated_since", job.created_at.isoformat())] if job.created_at else []
    if job.state_id:
        params.append(("state_under_review", job.state.iso3))
    if job.session_number:
        params.append(("session", job.session_number))
    return {"job": job, "counts": counts, "errors": errors[:500],
            "unknown_names": unknown_names,
            "state_choices": State.objects.only("iso3", "name") if unknown_names else [],
            "near_matches": report.get("near_matches") or [],
            "imported_url": reverse("recommendations:recommendation_list") + "?"
            + urlencode(params),
            "imported_count": report.get("created", 0) + report.get("updated", 0),
            "sample": [{**r, "response": dict(Response.choices).get(r.get("response"), "")}
                       for r in report.get("sample") or []],
            "format_label": dict(IMPORT_FORMATS).get(fmt, fmt),
            "more_errors": max(0, len(errors) - 500), "notes": report.get("notes") or [],
            "can_import": (job.dry_run and job.status == ImportJob.Status.SUCCEEDED
                           and not errors),
            "running": job.status in (ImportJob.Status.PENDING, ImportJob.Status.RUNNING),
            "worker_lost": bool(report.get("worker_lost"))}


@login_required
def import_detail(request: HttpRequest, public_id) -> HttpResponse:
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can see imports."))
    job = _own_import_job(request, public_id,
                          ImportJob.objects.select_related("state", "created_by"))
    # A running job whose worker died says so as soon as it is looked at (issue 22).
    fail_if_worker_lost(job)
    context = _import_context(job)
    if request.headers.get("HX-Request"):
        return render(request, "imports/includes/import_status.html", context)
    return render(request, "imports/import_detail.html", context)


@login_required
@require_POST
def import_run(request: HttpRequest, public_id) -> HttpResponse:
    """Import for real the file a successful dry run checked."""
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can import files."))
    dry = _own_import_job(request, public_id)
    if not _import_context(dry)["can_import"]:
        messages.error(request, _("Only a successful dry run can be imported for real."))
        return redirect("imports:import_detail", public_id=dry.public_id)
    job = ImportJob.objects.create(
        file=dry.file.name, original_name=dry.original_name, format=dry.format,
        state=dry.state, session_number=dry.session_number, dry_run=False,
        created_by=request.user)
    start_import_job(job)
    return redirect("imports:import_detail", public_id=job.public_id)



@login_required
def proposed_responses(request: HttpRequest, review_pk: int) -> HttpResponse:
    """Confirm or correct, in one go, the responses read from an addendum's sentences."""
    review = get_object_or_404(Review.objects.with_related(), pk=review_pk)
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can confirm responses."))
    proposals = list(review.proposed_responses.order_by("id"))
    recommendations = {r.paragraph: r for r in Recommendation.objects.filter(
        review=review, paragraph__in=[p.paragraph for p in proposals])}
    rows = [{"proposal": p, "recommendation": recommendations.get(p.paragraph),
             "field": f"response-{p.pk}"} for p in proposals]
    rows.sort(key=lambda row: paragraph_sort_key(row["proposal"].paragraph))
    if request.method == "POST":
        valid = set(Response.values)
        choices = {row["proposal"].pk: request.POST.get(row["field"], "") for row in rows
                   if row["recommendation"] is not None}
        if any(value not in valid for value in choices.values()):
            messages.error(request, _("Choose a response for every recommendation."))
        else:
            done = services.confirm_proposed_responses(review, choices, user=request.user)
            messages.success(request, ngettext(
                "%(n)d response recorded.", "%(n)d responses recorded.", done) % {"n": done})
            return redirect(review)
    return render(request, "imports/proposed_responses.html", {
        "review": review, "rows": rows, "responses": Response.choices,
        "waiting": sum(1 for row in rows if row["recommendation"] is None)})


@login_required
@require_POST
def import_aliases(request: HttpRequest, public_id) -> HttpResponse:
    """Save the State each unknown name of a failed import means, and import the file
    again with the same options (the aliases stay: the next file just works)."""
    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can import files."))
    job = _own_import_job(request, public_id)
    unknown = [u.get("name", "") for u in (job.report or {}).get("unknown_names") or []
               if isinstance(u, dict)]
    states = {s.iso3: s for s in State.objects.all()}
    chosen: list[tuple[str, State]] = []
    for number, name in enumerate(unknown):
        state = states.get(request.POST.get(f"alias-{number}", ""))
        if name and state is not None:
            chosen.append((name, state))
    if not chosen:
        messages.error(request, _("Choose a State for at least one name."))
        return redirect("imports:import_detail", public_id=job.public_id)
    saved = 0
    with transaction.atomic():
        for name, state in chosen:
            try:
                saved += State.objects.add_alias(name, state, user=request.user,
                                                 via="import page") is not None
            except ValueError as exc:
                messages.error(request, _("%(name)s: %(problem)s") % {
                    "name": name, "problem": exc})
        again = ImportJob.objects.create(
            file=job.file.name, original_name=job.original_name, format=job.format,
            state=job.state, session_number=job.session_number, dry_run=job.dry_run,
            created_by=request.user)
        start_import_job(again)
    messages.success(request, ngettext(
        "%(count)d name saved as a State alias; the file is being imported again.",
        "%(count)d names saved as State aliases; the file is being imported again.",
        saved) % {"count": saved})
    return redirect("imports:import_detail", public_id=again.public_id)


@login_required
def import_undo(request: HttpRequest, public_id) -> HttpResponse:
    """Undo an import or a paste as one step: the page lists what it would remove and
    restore, and what of other people's it would touch; a POST (ticked when there is
    such) does it (imports.undo)."""
    from . import undo

    if not can_edit_recommendations(request.user):
        raise _forbid(_("Only NGO staff and administrators can undo imports."))
    job = _own_import_job(request, public_id, ImportJob.objects.select_related("state"))
    try:
        plan = undo.plan(job)
    except undo.CannotUndo as exc:
        messages.error(request, str(exc))
        return redirect("imports:import_detail", public_id=job.public_id)
    error = ""
    if request.method == "POST":
        if plan["needs_confirmation"] and request.POST.get("confirm") != "yes":
            error = _("Tick the box to confirm that what is listed goes too.")
        else:
            done = undo.undo(job, user=request.user)
            counts = {"created": len(done["created"]),
                      "changed": len(done["changed"]) + len(done["restored"])}
            messages.success(request, (_(
                "Paste undone: %(created)d recommendations removed, %(changed)d put back "
                "as they were.") if job.format == "paste" else _(
                "Import undone: %(created)d recommendations removed, %(changed)d put back "
                "as they were.")) % counts)
            return redirect("imports:import_detail", public_id=job.public_id)
    return render(request, "imports/import_undo.html", {
        "job": job, "plan": plan, "error": error}, status=400 if error else 200)
