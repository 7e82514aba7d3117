"""The profile page: roles, the API token, notification preferences."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from .forms import NotificationPreferencesForm
from .models import Profile
from .roles import Role, roles_of


def _profile(user) -> Profile:
    # Users created before the post_save signal existed (or by raw fixtures) have none.
    profile, _created = Profile.objects.select_related("state").get_or_create(user=user)
    return profile


@login_required
def profile(request: HttpRequest) -> HttpResponse:
    profile = _profile(request.user)
    if request.method == "POST":
        form = NotificationPreferencesForm(request.POST, instance=profile)
        if form.is_valid():
            form.save()
            messages.success(request, _("Your preferences were saved."))
            response = redirect("accounts:profile")
            # The chosen language applies to the pages at once, not only to e-mails.
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, profile.language,
                                samesite="Lax")
            translation.activate(profile.language)
            return response
    else:
        form = NotificationPreferencesForm(instance=profile)
    roles = roles_of(request.user)
    return render(request, "accounts/profile.html", {
        "profile": profile,
        "form": form,
        "role_labels": [label for value, label in Role.choices if value in roles],
        "token": Token.objects.filter(user=request.user).first(),
    })


@login_required
@require_POST
def api_token(request: HttpRequest) -> HttpResponse:
    """Create the user's API token, or replace it: the old key stops working at once."""
    with transaction.atomic():
        existed = Token.objects.filter(user=request.user).delete()[0] > 0
        Token.objects.create(user=request.user)
    if existed:
        messages.success(request, _("A new API token was created. The old one no longer "
                                    "works."))
    else:
        messages.success(request, _("Your API token was created."))
    return redirect("accounts:profile")
