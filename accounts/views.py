"""The profile page: roles, the API token, notification preferences; the throttled
password reset."""

import hashlib

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from rest_framework.authtoken.models import Token

from core import ratelimit
from core.net import client_ip

from .forms import NotificationPreferencesForm
from .models import Profile
from .roles import Role, roles_of
from .throttling import too_many


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


class ThrottledPasswordResetView(auth_views.PasswordResetView):
    """Django's password reset, rate-limited (issue 22): per client address
    (`THROTTLE_PASSWORD_RESET`, past it a 429 with Retry-After) and per e-mail address
    asked for (past it nothing more is sent, and the page answers as usual, so the
    limit tells nobody whether the address has an account)."""

    def post(self, request, *args, **kwargs):
        rate = settings.THROTTLE_PASSWORD_RESET
        if rate:
            wait = ratelimit.hit(f"password-reset-ip:{client_ip(request)}", rate)
            if wait is not None:
                return too_many(request, wait, _(
                    "Too many password reset requests from your address. Please try "
                    "again later."))
        return super().post(request, *args, **kwargs)

    def form_valid(self, form):
        rate = settings.THROTTLE_PASSWORD_RESET
        email = form.cleaned_data["email"].strip().lower()
        digest = hashlib.sha256(email.encode()).hexdigest()
        if rate and ratelimit.hit(f"password-reset-email:{digest}", rate) is not None:
            return HttpResponseRedirect(self.get_success_url())
        return super().form_valid(form)
