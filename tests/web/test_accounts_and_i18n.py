"""Profile page, API token, preferences, language switching, escaping and error pages."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core import mail
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest
from django.test import RequestFactory
from django.urls import reverse
from django.views.defaults import permission_denied
from rest_framework.authtoken.models import Token

from tests.factories import RecommendationFactory

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def test_profile_needs_login(client):
    response = client.get(reverse("accounts:profile"))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("login"))


def test_profile_shows_roles_and_focal_state(client, focal_point):
    client.force_login(focal_point)
    content = client.get(reverse("accounts:profile")).content.decode()
    assert "Government focal point" in content
    assert "France" in content


def test_api_token_is_created_then_regenerated(client, researcher):
    client.force_login(researcher)
    client.post(reverse("accounts:api_token"))
    first = Token.objects.get(user=researcher).key
    assert first in client.get(reverse("accounts:profile")).content.decode()
    client.post(reverse("accounts:api_token"))
    second = Token.objects.get(user=researcher).key
    assert second != first
    assert not Token.objects.filter(key=first).exists()


def test_api_token_cannot_be_made_with_get(client, researcher):
    client.force_login(researcher)
    assert client.get(reverse("accounts:api_token")).status_code == 405
    assert not Token.objects.filter(user=researcher).exists()


def test_notification_preferences_are_saved(client, ngo_user, france, germany):
    client.force_login(ngo_user)
    response = client.post(reverse("accounts:profile"), {
        "followed_states": [france.pk, germany.pk], "reminder_frequency": "immediate",
        "language": "fr"})
    assert response.status_code == 302
    profile = ngo_user.profile
    profile.refresh_from_db()
    assert set(profile.followed_states.values_list("iso3", flat=True)) == {"FRA", "DEU"}
    assert profile.reminder_frequency == "immediate"
    assert profile.language == "fr"


def test_invalid_preferences_show_the_form_again(client, ngo_user):
    client.force_login(ngo_user)
    response = client.post(reverse("accounts:profile"), {"reminder_frequency": "hourly",
                                                          "language": "en"})
    assert response.status_code == 200
    assert response.context["form"].errors["reminder_frequency"]


def test_login_page_and_logout_by_post(client, ngo_user):
    assert client.get(reverse("login")).status_code == 200
    assert client.login(request=HttpRequest(), username="ngo", password="pw-for-tests-123")
    assert 'action="/accounts/logout/"' in client.get("/").content.decode()
    client.post(reverse("logout"))
    assert "_auth_user_id" not in client.session


def test_password_reset_sends_a_link_by_email(client, ngo_user):
    client.post(reverse("password_reset"), {"email": "ngo@example.org"})
    assert len(mail.outbox) == 1
    assert "/accounts/reset/" in mail.outbox[0].body
    assert mail.outbox[0].subject == "Reset your UPR Tracker password"


def test_recommendation_text_with_script_is_shown_escaped(client, db):
    rec = RecommendationFactory(text=f"Protect defenders {SCRIPT}")
    for url in (reverse("recommendations:recommendation_list"),
                reverse("recommendations:recommendation_detail", args=[rec.pk]),
                reverse("front:review_detail", args=[rec.review_id])):
        content = client.get(url).content.decode()
        assert SCRIPT not in content, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in content, url


def test_search_query_is_escaped_on_the_state_list(client, db):
    content = client.get(reverse("front:state_list"), {"q": SCRIPT}).content.decode()
    assert SCRIPT not in content


def test_accept_language_french_gives_french_pages(client, db):
    content = client.get("/", HTTP_ACCEPT_LANGUAGE="fr").content.decode()
    assert '<html lang="fr" dir="ltr">' in content
    assert "Recommandations" in content
    assert "Tableau de bord" in content


def test_set_language_switches_to_spanish(client, db):
    client.post(reverse("set_language"), {"language": "es", "next": "/"})
    content = client.get("/").content.decode()
    assert '<html lang="es" dir="ltr">' in content
    assert "Recomendaciones" in content


def test_every_page_has_a_language_switcher(client, db):
    content = client.get(reverse("front:state_list")).content.decode()
    assert 'action="/i18n/setlang/"' in content
    assert '<option value="fr" lang="fr"' in content


def test_unknown_page_shows_a_clear_404(client, db):
    response = client.get("/no-such-page/")
    assert response.status_code == 404
    assert "Page not found" in response.content.decode()


def test_forbidden_page_explains_and_offers_login(db):
    request = RequestFactory().get("/reviews/1/edit/")
    request.user = AnonymousUser()
    response = permission_denied(request, PermissionDenied())
    content = response.content.decode()
    assert response.status_code == 403
    assert "You are not allowed to do this" in content
    assert "Nothing was changed" in content
