import pytest
from accounts.roles import Role
pytestmark = [pytest.mark.django_db(transaction=True, serialized_rollback=True)]

def show(tag):
    from django.db import connections
    c = connections["default"]
    print(tag, id(c), len(getattr(c, "_test_serialized_contents", "") or ""))

def test_a(live_server, france):
    show("A0")
