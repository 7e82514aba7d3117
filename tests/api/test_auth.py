"""Token auth, session auth with CSRF, and throttling per kind of client."""

import pytest
from django.core.cache import cache
from django.http import HttpRequest
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

PASSWORD = "pw-for-tests-123"


def test_token_is_issued_for_username_and_password(api_client, researcher):
    response = api_client.post("/api/v1/auth/token/", {"username": "researcher",
                                                        "password": PASSWORD})
    assert response.json()["token"] == Token.objects.get(user=researcher).key


def test_wrong_password_gets_no_token(api_client, researcher):
    response = api_client.post("/api/v1/auth/token/", {"username": "researcher",
                                                        "password": "nope"})
    assert response.status_code == 400
    assert not Token.objects.exists()


def test_token_authenticates_writes(api_client, ngo_user, corpus):
    token = Token.objects.create(user=ngo_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    response = api_client.patch(f"/api/v1/recommendations/{corpus.death.pk}/",
                                {"text": "Abolish it"}, format="json")
    assert response.status_code == 200


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "Token"])
def test_bearer_token_authenticates_writes_as_token_does(api_client, ngo_user, corpus, scheme):
    # openapi-python-client's AuthenticatedClient sends `Bearer <token>` by default.
    token = Token.objects.create(user=ngo_user)
    api_client.credentials(HTTP_AUTHORIZATION=f"{scheme} {token.key}")
    response = api_client.patch(f"/api/v1/recommendations/{corpus.death.pk}/",
                                {"text": "Abolish it"}, format="json")
    assert response.status_code == 200, response.content[:200]


@pytest.mark.parametrize("scheme", ["Token", "Bearer"])
def test_bad_token_is_401(api_client, corpus, scheme):
    api_client.credentials(HTTP_AUTHORIZATION=f"{scheme} not-a-token")
    assert api_client.get("/api/v1/recommendations/").status_code == 401


def test_the_schema_declares_bearer_tokens(api_client):
    schemes = api_client.get("/api/schema/", {"format": "json"}).json()[
        "components"]["securitySchemes"]
    assert schemes["tokenAuth"]["type"] == "http"
    assert schemes["tokenAuth"]["scheme"] == "bearer"
    assert "Token <token>" in schemes["tokenAuth"]["description"]


def test_session_write_needs_csrf_token(ngo_user, corpus):
    client = APIClient(enforce_csrf_checks=True)
    client.login(request=HttpRequest(), username="ngo", password=PASSWORD)
    response = client.patch(f"/api/v1/recommendations/{corpus.death.pk}/",
                            {"text": "x"}, format="json")
    assert response.status_code == 403
    assert "CSRF" in response.json()["detail"]


@pytest.fixture
def small_rates(settings):
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "2/minute", "user": "4/minute", "researcher": "6/minute"}}
    cache.clear()


def allowed_requests(client: APIClient, tries: int = 10) -> int:
    return sum(client.get("/api/v1/states/FRA/").status_code == 200 for _ in range(tries))


def test_anonymous_clients_are_throttled_first(small_rates, api_client, db):
    assert allowed_requests(api_client) == 2
    response = api_client.get("/api/v1/states/FRA/")
    assert response.status_code == 429
    assert "Retry-After" in response.headers


def test_authenticated_users_get_a_higher_limit(small_rates, ngo_user):
    client = APIClient()
    client.force_authenticate(ngo_user)
    assert allowed_requests(client) == 4


def test_researchers_get_the_highest_limit(small_rates, researcher):
    token = Token.objects.create(user=researcher)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    assert allowed_requests(client) == 6


def test_each_user_has_their_own_allowance(small_rates, ngo_user, admin_user):
    first, second = APIClient(), APIClient()
    first.force_authenticate(ngo_user)
    second.force_authenticate(admin_user)
    allowed_requests(first)
    assert allowed_requests(second, tries=1) == 1


@pytest.mark.django_db
def test_an_over_long_username_is_a_clear_400_not_a_500(api_client):
    """django-axes records at most 255 characters of a failed login's username: a longer
    one is refused by the token endpoint before any attempt is recorded."""
    response = api_client.post("/api/v1/auth/token/", {"username": "x" * 300,
                                                       "password": "whatever"}, format="json")
    assert response.status_code == 400
    assert "username" in response.json()
