"""The import pages moved from /recommendations/import/… to /imports/… (issue 19):
addresses people bookmarked lead to the same pages, with the query string."""

import uuid

import pytest
from django.urls import reverse


@pytest.mark.django_db
@pytest.mark.parametrize("old, name, args", [
    ("/recommendations/import/", "imports:import_upload", []),
    ("/recommendations/import/history/", "imports:import_history", []),
    ("/recommendations/import/{uuid}/", "imports:import_detail", ["uuid"]),
    ("/recommendations/import/{uuid}/run/", "imports:import_run", ["uuid"]),
    ("/recommendations/import/{uuid}/aliases/", "imports:import_aliases", ["uuid"]),
    ("/recommendations/review/7/paste/", "imports:recommendation_paste", [7]),
    ("/recommendations/review/7/responses/", "imports:proposed_responses", [7]),
])
def test_old_addresses_redirect_to_the_imports_pages(client, old, name, args):
    public_id = uuid.uuid4()
    args = [public_id if a == "uuid" else a for a in args]
    response = client.get(old.format(uuid=public_id) + "?state=12")
    assert response.status_code == 308
    assert response["Location"] == reverse(name, args=args) + "?state=12"
    assert reverse(name, args=args).startswith("/imports/")
