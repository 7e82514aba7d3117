"""The peer of `make bench` (issue 24): Datasette serving the same rows from SQLite.

`build_peer_db` writes the recommendations the benchmark's PostgreSQL holds, as the API
lists them, into one flat SQLite table the way one would publish them with
sqlite-utils: one column per scalar, the multi-valued ones (recommending States,
themes, SDGs) as JSON arrays for display and as many-to-many tables with a foreign key
to the recommendation (Datasette's `_through` filter: an indexed `id in (select ...)`;
its `__arraycontains` would scan every row's JSON), an index on each filtered column
and an FTS5 index on the text (`_search=`). `Datasette` starts
`datasette serve` on loopback (immutable mode, as a read-only data server runs).

`ab_pairs` times each list figure as alternating requests, ours then the peer's, on
two keep-alive connections, so both see the same machine load; `throughput` counts
requests per second under N concurrent clients (wrk when installed, else a Python
loop of N threads with keep-alive connections).
"""

from __future__ import annotations

import http.client
import json
import os
import shutil
import signal
import sqlite3
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import quote

COLUMNS = ("id", "paragraph", "text", "review", "state_under_review", "cycle", "session",
           "wg_report_symbol", "addendum_symbol", "response", "response_source",
           "recommending_states", "themes", "sdgs", "affected_groups", "action_category",
           "government_status", "civil_society_status", "recurring", "version",
           "created_at", "updated_at")
INDEXED = ("state_under_review", "cycle", "session", "response", "government_status",
           "action_category", "updated_at")


def build_peer_db(path: Path) -> int:
    """The rows of RecommendationRow (the API's rows) as a flat SQLite table."""
    from recommendations.models import RecommendationRow

    if path.exists():
        path.unlink()
    db = sqlite3.connect(path)
    db.execute(f"CREATE TABLE recommendations ({', '.join(COLUMNS)}, "
               "PRIMARY KEY (id))")
    insert = (f"INSERT INTO recommendations VALUES ({', '.join('?' for _ in COLUMNS)})")
    for name, column, kind in THROUGH:
        db.execute(f"CREATE TABLE {name} (recommendation_id INTEGER NOT NULL "
                   f"REFERENCES recommendations(id), {column} {kind} NOT NULL)")
    links: dict[str, list] = {name: [] for name, _c, _k in THROUGH}
    batch, count = [], 0
    queryset = RecommendationRow.objects.order_by("review_id", "paragraph_sort", "id")
    for text in queryset.values_list("row_json", flat=True).iterator(chunk_size=5000):
        row = json.loads(text)
        batch.append((
            row["id"], row["paragraph"], row["text"], row["review"],
            row["state_under_review"]["iso3"], row["cycle"], row["session"],
            row["wg_report_symbol"], row["addendum_symbol"], row["response"],
            row["response_source"],
            json.dumps([s["iso3"] for s in row["recommending_states"]]),
            json.dumps([t["slug"] for t in row["themes"]]), json.dumps(row["sdgs"]),
            json.dumps([g["slug"] for g in row["affected_groups"]]),
            row["action_category"], row["government_status"], row["civil_society_status"],
            int(row["recurring"]), row["version"], row["created_at"], row["updated_at"]))
        links["recommending_states"] += [(row["id"], s["iso3"])
                                         for s in row["recommending_states"]]
        links["recommendation_themes"] += [(row["id"], t["slug"]) for t in row["themes"]]
        links["recommendation_sdgs"] += [(row["id"], n) for n in row["sdgs"]]
        if len(batch) >= 5000:
            count += _flush(db, insert, batch, links)
    count += _flush(db, insert, batch, links)
    for name, column, _kind in THROUGH:
        db.execute(f"CREATE INDEX idx_{name} ON {name} ({column}, recommendation_id)")
    for column in INDEXED:
        db.execute(f"CREATE INDEX idx_{column} ON recommendations ({column})")
    # What sqlite-utils enable-fts writes; Datasette finds it and offers `_search`.
    db.execute("CREATE VIRTUAL TABLE recommendations_fts USING fts5 "
               '(paragraph, text, content="recommendations")')
    db.execute("INSERT INTO recommendations_fts (rowid, paragraph, text) "
               "SELECT rowid, paragraph, text FROM recommendations")
    db.commit()
    db.execute("ANALYZE")
    db.execute("VACUUM")
    db.close()
    return count


def ensure_peer_db(path: Path) -> int:
    """Reuse the peer database at `path` while it holds as many rows as the read model
    (and the same last change); build it otherwise. Returns its row count."""
    from django.db.models import Max

    from recommendations.models import RecommendationRow

    last = RecommendationRow.objects.aggregate(id=Max("id"), at=Max("updated_at"))
    stamp = f"{last['id']} {last['at'] and last['at'].isoformat()}"
    want = RecommendationRow.objects.count()
    marker = path.with_suffix(".stamp")
    if path.exists() and marker.exists() and marker.read_text() == f"{want} {stamp}":
        return want
    rows = build_peer_db(path)
    marker.write_text(f"{rows} {stamp}")
    return rows


THROUGH = (("recommending_states", "state", "TEXT"), ("recommendation_themes", "theme", "TEXT"),
           ("recommendation_sdgs", "sdg", "INTEGER"))


def _flush(db: sqlite3.Connection, insert: str, batch: list, links: dict) -> int:
    db.executemany(insert, batch)
    for name, _column, _kind in THROUGH:
        db.executemany(f"INSERT INTO {name} VALUES (?, ?)", links[name])
        links[name].clear()
    done = len(batch)
    batch.clear()
    return done


class Datasette:
    """`datasette serve` on loopback, started and stopped by the benchmark."""

    def __init__(self, path: Path, port: int) -> None:
        self.port = port
        executable = shutil.which("datasette", path=str(Path(sys.executable).parent)) or \
            shutil.which("datasette")
        if executable is None:
            raise SystemExit("Datasette is not installed: pip install -e '.[test]'")
        self.process = subprocess.Popen(
            [executable, "serve", "-i", str(path), "-h", "127.0.0.1", "-p", str(port),
             "--setting", "sql_time_limit_ms", "5000", "--setting", "max_returned_rows",
             "1000", "--setting", "suggest_facets", "off"],
            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=5)
                conn.request("GET", "/-/versions.json")
                conn.getresponse().read()
                conn.close()
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("datasette did not start")

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:  # uvicorn waits for keep-alive clients
            os.killpg(self.process.pid, signal.SIGKILL)
            self.process.wait(timeout=10)


def _get(conn: http.client.HTTPConnection, path: str) -> tuple[int, bytes]:
    conn.request("GET", path)
    response = conn.getresponse()
    return response.status, response.read()


def ab_pairs(ours: tuple[int, str], peer: tuple[int, str], runs: int) -> dict:
    """Alternate `runs` requests to each (port, path); medians in ms."""
    a = http.client.HTTPConnection("127.0.0.1", ours[0], timeout=120)
    b = http.client.HTTPConnection("127.0.0.1", peer[0], timeout=120)
    for _ in range(3):  # warm up both
        _get(a, ours[1])
        _get(b, peer[1])
    times_a, times_b = [], []
    for _ in range(runs):
        for conn, path, times in ((a, ours[1], times_a), (b, peer[1], times_b)):
            start = time.perf_counter()
            status, _body = _get(conn, path)
            times.append((time.perf_counter() - start) * 1000)
            if status != 200:
                raise SystemExit(f"{path} answered {status}")
    a.close()
    b.close()
    ours_ms, peer_ms = statistics.median(times_a), statistics.median(times_b)
    return {"ours_p50_ms": round(ours_ms, 2), "peer_p50_ms": round(peer_ms, 2),
            "ratio": round(ours_ms / peer_ms, 2), "runs": runs}


def throughput(port: int, path: str, clients: int = 20, seconds: int = 10) -> float:
    """Requests per second under `clients` concurrent keep-alive clients."""
    if shutil.which("wrk"):
        out = subprocess.run(
            ["wrk", "-t", "2", "-c", str(clients), "-d", f"{seconds}s",
             f"http://127.0.0.1:{port}{path}"], capture_output=True, text=True, check=True)
        for line in out.stdout.splitlines():
            if line.startswith("Requests/sec:"):
                return round(float(line.split()[1]), 1)
        raise SystemExit(f"wrk said: {out.stdout}\n{out.stderr}")
    done = [0] * clients
    stop = time.time() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)
        while time.time() < stop:
            _get(conn, path)
            done[i] += 1
        conn.close()

    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    start = time.time()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    return round(sum(done) / (time.time() - start), 1)


def peer_paths(theme: str, iso3: str, cycle: int) -> dict[str, str]:
    """Datasette's URL for each list figure of bench.run (50 rows, JSON objects)."""
    base = "/peer/recommendations.json?_shape=objects&_size=50"

    def through(table: str, column: str, value) -> str:
        return "_through=" + quote(json.dumps({"table": table, "column": column,
                                               "value": value}, separators=(",", ":")))

    return {
        "api_list_page_50": base,
        "api_list_state_cycle": f"{base}&state_under_review={iso3}&cycle={cycle}",
        "api_list_recommending_response":
            f"{base}&{through('recommending_states', 'state', 'BRA')}&response=noted",
        "api_list_theme_sdg": f"{base}&{through('recommendation_themes', 'theme', theme)}"
                              f"&{through('recommendation_sdgs', 'sdg', 5)}",
        "api_full_text": f"{base}&_search=torture%20protocol",
    }
