"""The interface language remembered per user: the profile's language applies on any
browser the user logs in from (until they switch), and switching with the language menu
updates the profile, so that e-mails follow too."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.signals import user_logged_in
from django.dispatch import receiver
from django.urls import reverse
from django.utils import translation

from core.i18n import supported

SESSION_KEY = "profile_language"


@receiver(user_logged_in)
def remember_profile_language(sender, request, user, **kwargs) -> None:
    """At login, keep the profile's language in the session: no query per page after."""
    profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
    if request is not None and hasattr(request, "session") and profile is not None:
        request.session[SESSION_KEY] = profile.language


class ProfileLanguageMiddleware:
    """After AuthenticationMiddleware and LocaleMiddleware."""

    def __init__(self, get_response) -> None:
        self.get_response = get_response

    def __call__(self, request):
        cookie = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        session = getattr(request, "session", None)
        remembered = session.get(SESSION_KEY) if session is not None and not cookie else None
        adopt = supported(remembered) if "lang" not in request.GET else None
        if adopt:
            translation.activate(adopt)
            request.LANGUAGE_CODE = adopt
        response = self.get_response(request)
        if adopt:
            response.set_cookie(settings.LANGUAGE_COOKIE_NAME, adopt, samesite="Lax")
        user = getattr(request, "user", None)
        if (request.method == "POST" and request.path == reverse("set_language")
                and user is not None and user.is_authenticated):
            chosen = supported(request.POST.get("language"))
            profile = getattr(user, "profile", None) if hasattr(user, "profile") else None
            if chosen and profile is not None and chosen != profile.language:
                profile.language = chosen
                profile.save(update_fields=["language"])
        return response
