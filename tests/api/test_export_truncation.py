"""A cut-off export is detectable without a trailer row (issue 21).

Against gunicorn (gunicorn.conf.py, gthread, as deployed) serving
tests/api/failing_export_wsgi.py, whose COPY exports fail after their rows: the chunked
transfer ends without its last (zero-length) chunk, gzipped or not, so HTTP clients
(http.client, pandas) raise instead of loading a short file. In-process: `X-Total-Count`
is the list's `count`, `end_marker=1` adds the trailer, and HEAD builds no file.
"""

import http.client
import socket
import subprocess
import sys
import urllib.request
import zlib
from pathlib import Path

import pandas as pd
import pytest
from django.db import connection

from bench.load import server_env, stop, wait_for
from tests.conftest import need_service
from tests.test_load import free_port

ROOT = Path(__file__).resolve().parents[2]
EXPORT = "/api/v1/recommendations/export/"


@pytest.fixture(scope="module")
def failing_server(django_db_setup, django_db_blocker) -> str:
    """gunicorn on loopback against the test database, exports failing midway."""
    if connection.vendor != "postgresql":
        need_service("postgresql", "exports stream from COPY on PostgreSQL only")
    settings = connection.settings_dict
    database = "postgres://{user}:{password}@{host}:{port}/{name}".format(
        user=settings["USER"], password=settings["PASSWORD"] or "",
        host=settings["HOST"] or "127.0.0.1", port=settings["PORT"] or 5432,
        name=settings["NAME"])
    port = free_port()
    env = server_env(database, port, workers=1)
    env.pop("CACHE_URL", None)  # its own per-process cache: no shared state with tests
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "tests.api.failing_export_wsgi:application",
         "--config", "gunicorn.conf.py", "--error-logfile", "-"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True, start_new_session=True)
    base = f"http://127.0.0.1:{port}"
    try:
        wait_for(base + "/readyz", server)
        yield base
    finally:
        stop(server)


def raw_get(base: str, path: str, headers: dict[str, str] | None = None) -> tuple[str, bytes]:
    """(status line and headers, body as sent: chunk framing included), read to EOF."""
    host, port = base.removeprefix("http://").split(":")
    lines = [f"GET {path} HTTP/1.1", f"Host: {host}", "Connection: close",
             *(f"{k}: {v}" for k, v in (headers or {}).items())]
    with socket.create_connection((host, int(port)), timeout=30) as sock:
        sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    return head.decode("latin-1"), body


def dechunk(body: bytes) -> tuple[bytes, bool]:
    """The payload of a chunked body, and whether its last (zero-length) chunk came."""
    payload = b""
    while body:
        size_line, _, rest = body.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            return payload, True
        payload += rest[:size]
        body = rest[size + 2:]
    return payload, False


def _transfer(base: str, path: str, **headers: str) -> tuple[str, bytes, bool]:
    head, body = raw_get(base, path, headers)
    assert head.startswith("HTTP/1.1 200"), head
    assert "transfer-encoding: chunked" in head.lower(), head
    payload, complete = dechunk(body)
    return head, payload, complete


@pytest.mark.django_db(transaction=True)
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl"])
def test_a_failed_export_ends_without_its_last_chunk(failing_server, corpus, fmt):
    _head, payload, complete = _transfer(failing_server, f"{EXPORT}?format={fmt}")
    assert not complete
    assert b"Ratify the optional protocol" in payload  # the rows were sent, then the cut


@pytest.mark.django_db(transaction=True)
def test_a_failed_gzipped_export_lacks_the_last_chunk_and_gzips_trailer(failing_server,
                                                                        corpus):
    head, payload, complete = _transfer(failing_server, f"{EXPORT}?format=csv",
                                        **{"Accept-Encoding": "gzip"})
    assert "content-encoding: gzip" in head.lower()
    assert not complete
    assert payload.startswith(b"\x1f\x8b")
    # zlib holds small rows back until the end, so maybe no row came: what matters is
    # that the gzip member never ends (a client inflating it gets an error, not a file).
    inflate = zlib.decompressobj(16 + zlib.MAX_WBITS)
    inflate.decompress(payload)
    assert not inflate.eof


@pytest.mark.django_db(transaction=True)
def test_an_export_that_does_not_fail_ends_with_its_last_chunk(failing_server, corpus):
    # Built in Python (lang=fr), not by COPY: the test server leaves it whole.
    _head, payload, complete = _transfer(failing_server, f"{EXPORT}?format=csv&lang=fr")
    assert complete
    assert payload.count(b"\n") == 1 + len(corpus.all)


@pytest.mark.django_db(transaction=True)
def test_http_clients_and_pandas_raise_on_a_failed_export(failing_server, corpus):
    with pytest.raises(http.client.IncompleteRead):
        urllib.request.urlopen(f"{failing_server}{EXPORT}?format=csv", timeout=30).read()
    with pytest.raises(http.client.IncompleteRead):
        pd.read_csv(f"{failing_server}{EXPORT}?format=csv")


def _count(api_client, **params) -> int:
    return api_client.get("/api/v1/recommendations/", params).json()["count"]


def _body(response) -> bytes:
    assert response.status_code == 200, response.content[:300]
    return b"".join(response.streaming_content)


@pytest.mark.django_db
@pytest.mark.parametrize("params", [{}, {"state_under_review": "FRA"}, {"cycle": "1"}])
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_the_row_count_header_is_the_lists_count(api_client, corpus, params, fmt):
    response = api_client.get(EXPORT, {**params, "format": fmt})
    assert response["X-Total-Count"] == str(_count(api_client, **params))


@pytest.mark.django_db
def test_end_marker_1_ends_csv_and_jsonl_with_the_row_count(api_client, corpus):
    count = _count(api_client)
    csv_text = _body(api_client.get(EXPORT, {"format": "csv", "end_marker": "1"})).decode()
    assert csv_text.endswith(f"\n#END,{count}\n")
    jsonl = _body(api_client.get(EXPORT, {"format": "jsonl", "end_marker": "1"}))
    assert jsonl.splitlines()[-1] == b'{"_end": true, "rows": %d}' % count
    assert len(jsonl.splitlines()) == count + 1


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "jsonl"])
def test_without_end_marker_there_is_no_trailer(api_client, corpus, fmt):
    body = _body(api_client.get(EXPORT, {"format": fmt}))
    assert b"#END" not in body
    assert b"_end" not in body


@pytest.mark.django_db
@pytest.mark.parametrize("fmt", ["csv", "json", "jsonl", "xlsx"])
def test_head_gives_the_count_without_building_the_file(api_client, corpus, fmt,
                                                        monkeypatch):
    from recommendations import export

    def refuse(*args, **kwargs):
        raise AssertionError("HEAD built the file")

    for name in ("iter_csv", "iter_json", "iter_jsonl", "write_xlsx", "copy_stream",
                 "export_rows"):
        monkeypatch.setattr(export, name, refuse)
    response = api_client.head(EXPORT, {"format": fmt, "state_under_review": "FRA"})
    assert response.status_code == 200
    assert response["X-Total-Count"] == str(_count(api_client, state_under_review="FRA"))
    assert response.content == b""

