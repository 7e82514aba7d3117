"""A client generated from /api/schema/ by openapi-python-client (issue 21): generated
without warnings, and it parses what the API answers, errors included."""

import importlib
import json
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.django_db(transaction=True)

GENERATOR = shutil.which("openapi-python-client") or str(
    Path(sys.executable).with_name("openapi-python-client"))


@pytest.fixture
def generated_client(tmp_path, client, monkeypatch):
    schema = client.get("/api/schema/", {"format": "json"})
    assert schema.status_code == 200
    path = tmp_path / "schema.json"
    path.write_text(json.dumps(schema.json()))
    env = {"PATH": f"{Path(sys.executable).parent}:/usr/bin:/bin"}
    done = subprocess.run(
        [GENERATOR, "generate", "--path", str(path), "--meta", "none",
         "--output-path", str(tmp_path / "upr_client")],
        capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env)
    output = done.stdout + done.stderr
    assert done.returncode == 0, output
    assert "Warning" not in output, output
    monkeypatch.syspath_prepend(str(tmp_path))
    return importlib.import_module("upr_client")


def test_generated_client_parses_answers_and_errors(generated_client, live_server, corpus):
    v1 = importlib.import_module("upr_client.api.v1")
    models = importlib.import_module("upr_client.models")

    def call(name: str, **kwargs):
        module = importlib.import_module(f"{v1.__name__}.{name}")
        return module.sync_detailed(client=api, **kwargs)

    api = generated_client.Client(base_url=live_server.url, raise_on_unexpected_status=True)
    page = call("v1_recommendations_list", page_size=2)
    assert page.status_code == 200 and len(page.parsed.results) == 2
    assert isinstance(page.parsed.results[0].recurring, bool)
    assert page.parsed.next_ is not None and "cursor=" in page.parsed.next_

    bad = call("v1_recommendations_list", page_size=5000)
    assert bad.status_code == 400
    assert isinstance(bad.parsed, models.ValidationError)

    missing = call("v1_recommendations_retrieve", id=999_999)
    assert missing.status_code == 404 and isinstance(missing.parsed, models.ErrorDetail)

    state = call("v1_states_retrieve", iso3="FRA")
    assert state.status_code == 200
    assert state.parsed.recommendations_received.count == 2

    changes = call("changes_list")
    assert changes.status_code == 200 and changes.parsed.next_

    themes = call("themes_list")
    assert themes.status_code == 200 and themes.parsed[0].slug
    assert call("sdgs_list").parsed[0].number == 1
    assert call("affected_groups_list").status_code == 200

    matrix = call("v1_analysis_regional_matrix_retrieve")
    assert matrix.status_code == 200 and len(matrix.parsed.rows) == 5
    over_time = call("v1_analysis_themes_retrieve", slug=corpus.themes[0].slug)
    assert over_time.status_code == 200 and over_time.parsed.total >= 1
    refused = call("v1_analysis_regional_matrix_retrieve", cycle=[99])
    assert refused.status_code == 400 and isinstance(refused.parsed, models.ValidationError)


def test_generated_authenticated_client_writes_with_its_default_bearer_token(
        generated_client, live_server, corpus, ngo_user):
    from rest_framework.authtoken.models import Token

    update = importlib.import_module("upr_client.api.v1.v1_recommendations_partial_update")
    models = importlib.import_module("upr_client.models")
    token = Token.objects.create(user=ngo_user)
    api = generated_client.AuthenticatedClient(base_url=live_server.url, token=token.key,
                                               raise_on_unexpected_status=True)
    assert api.prefix == "Bearer"
    done = update.sync_detailed(str(corpus.death.pk), client=api,
                                body=models.PatchedRecommendationUpdateRequest(
                                    text="Abolish the death penalty everywhere"))
    assert done.status_code == 200, done.content[:300]
    assert done.parsed.text == "Abolish the death penalty everywhere"
