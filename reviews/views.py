"""Editing pages for reviews (NGO staff and administrators)."""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _

from accounts.roles import can_edit_recommendations
from core.versioning import StaleEdit

from .forms import ReviewForm
from .models import Review
from .services import update_review


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
