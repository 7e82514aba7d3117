"""Fuzz the API from its own OpenAPI schema (schemathesis 4): no 5xx, and every
documented response matches the schema. Reads anonymously, writes as an admin."""

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from rest_framework.authtoken.models import Token
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    response_schema_conformance,
    status_code_conformance,
)

from upr_tracker.wsgi import application

# No 5xx, no status code the schema does not list, no body outside its schema.
CHECKS = [not_a_server_error, status_code_conformance, response_schema_conformance]
# The WSGI transport does not decode gzip (real clients do): ask for plain bodies.
PLAIN = {"Accept-Encoding": "identity"}
FUZZ = settings(max_examples=15, deadline=None, derandomize=True,
                suppress_health_check=list(HealthCheck))


# Loaded at collection: generating the schema reads no database. (schemathesis'
# lazy `from_fixture` loader does not work with pytest 9, which dropped `_nodeid`.)
schema = schemathesis.openapi.from_wsgi("/api/schema/?format=json", application)


@pytest.fixture(autouse=True)
def _fuzz_setup(corpus, settings):
    # Fuzzing sends hundreds of requests: lift the throttle for these tests only.
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {
        "anon": "100000/minute", "user": "100000/minute", "researcher": "100000/minute"}}
    # Requests go through the raw WSGI app, which would close the test's connection
    # (and its transaction) between requests; Django's test client does the same.
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@schema.include(method="GET").parametrize()
@FUZZ
def test_reads_never_fail_or_break_the_schema(case):
    case.call_and_validate(headers=PLAIN, checks=CHECKS)


@schema.include(method=["POST", "PUT", "PATCH"]).parametrize()
@FUZZ
def test_admin_writes_never_fail_or_break_the_schema(case, admin_user):
    token, _ = Token.objects.get_or_create(user=admin_user)
    case.call_and_validate(headers={"Authorization": f"Token {token.key}", **PLAIN},
                           checks=CHECKS)
