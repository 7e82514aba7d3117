"""A short `make load` (bench/load.py): gunicorn on loopback with PostgreSQL, concurrent
readers and writers; no 5xx, and every acknowledged write is in the database."""

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import need_service

ROOT = Path(__file__).resolve().parent.parent

pytestmark = pytest.mark.services


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_short_load_run_has_no_server_error_and_loses_no_write(tmp_path):
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith("postgres"):
        need_service("postgresql", "DATABASE_URL does not point at PostgreSQL")
    database = url.rsplit("/", 1)[0] + "/" + url.rsplit("/", 1)[1] + "_load"
    output = tmp_path / "load.json"
    env = {k: v for k, v in os.environ.items() if k != "DJANGO_ALLOW_ASYNC_UNSAFE"}
    result = subprocess.run(
        [sys.executable, "-m", "bench.load", "--clients", "12", "--duration", "6",
         "--workers", "2", "--recommendations", "400", "--port", str(free_port()),
         "--database-url", database, "--output", str(output)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    report = json.loads(output.read_text())
    assert report["server_errors"] == 0
    assert report["lost_writes"] == []
    assert report["acknowledged_writes"] > 0
    for kind in ("api_list", "create_recommendation", "edit_recommendation",
                 "add_assessment"):
        assert report["types"][kind]["count"] > 0, kind
