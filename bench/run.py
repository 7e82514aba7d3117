"""`make bench`: the performance benchmark of issue 12 ("Speed at scale").

Against PostgreSQL (default database `upr_bench` on 127.0.0.1, created if missing; set
DATABASE_URL for another) through a real gunicorn on loopback:

1. tops the synthetic corpus up to --recommendations rows (default 500,000; kept
   between runs) with `generate_corpus` (COPY) and times it;
2. starts gunicorn (gthread workers) on 127.0.0.1:--port with DEBUG off;
3. times --runs requests (at least 50) per figure over HTTP keep-alive: API list pages
   (unfiltered and three filters), full-text search, detail, the HTML list, a repeated
   pull answered 304, and the CSV and JSON Lines exports (rows/s and the worker's peak
   RSS growth);
4. beside each figure, its SQL-only time: the statements the same request runs
   (recorded in-process) executed straight on psycopg2, the same number of times;
5. imports the 6,094-row UPR Info sample in-process (rolled back);
6. (issue 24) builds the peer's SQLite database from the same rows, starts Datasette,
   and times each list figure beside Datasette's as A/B pairs (alternating requests,
   medians), then requests per second under --clients clients for both (wrk, or a
   Python loop without it). `--no-peer` skips it.

Prints the issue's target table and writes bench-results/latest.json and latest.md
(and a dated copy). Nothing asserts a time: the machine is shared and figures are
noisy; read them as such.

`--prepare` only builds what the figures read (migrations, the corpus topped up to
--recommendations rows, the peer's SQLite database) and stops: run it once per size, then
time as often as needed; the peer database (bench-results/peer-N/peer.db) is reused while it
holds as many rows as PostgreSQL. Each size has its own database by default
(`upr_bench` for 500,000 rows, `upr_benchK` for K thousand, e.g. `upr_bench40`).
`--only lists` times the list figures and the peer comparison only, and writes
bench-results/lists-N-latest.json and .md (N the row count; `--only paging` likewise).

Throughput uses wrk when it is on the PATH (`apt-get install wrk` on Debian/Ubuntu,
`brew install wrk` on macOS); without it a Python loop of threads stands in (its own
overhead lowers both figures). The bench is not part of CI (`.ci/run` never calls it).
"""

import argparse
import datetime as dt
import http.client
import json
import os
import platform
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/upr_bench"


def default_database(recommendations: int) -> str:
    """One database per corpus size: `upr_bench` at 500,000 rows, `upr_bench40` at 40,000."""
    if recommendations == 500_000:
        return DEFAULT_DB
    return f"{DEFAULT_DB}{max(1, recommendations // 1000)}"
SECRET = "bench-only-secret-key-not-for-production-use-1234567890"


def ensure_database(url: str) -> None:
    import psycopg2
    from psycopg2 import sql

    name = url.rsplit("/", 1)[1]
    admin = psycopg2.connect(url.rsplit("/", 1)[0] + "/postgres")
    admin.autocommit = True
    with admin.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name])
        if not cur.fetchone():
            cur.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    admin.close()


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2),
            "runs": len(ordered)}


class Server:
    """gunicorn on loopback, started and stopped by the benchmark."""

    def __init__(self, port: int, workers: int, env: dict) -> None:
        self.port = port
        self.process = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "upr_tracker.wsgi", "-b", f"127.0.0.1:{port}",
             "-w", str(workers), "-k", "gthread", "--threads", "4", "--timeout", "300",
             "--keep-alive", "30", "--log-level", "warning"],
            cwd=ROOT, env=env, start_new_session=True, stdout=subprocess.DEVNULL)
        deadline = time.time() + 60
        while time.time() < deadline:
            try:
                self.get("/api/v1/cycles/")
                return
            except OSError:
                time.sleep(0.3)
        self.stop()
        raise SystemExit("gunicorn did not start")

    def connection(self) -> http.client.HTTPConnection:
        return http.client.HTTPConnection("127.0.0.1", self.port, timeout=600)

    def get(self, path: str, conn=None, headers=None) -> tuple[int, bytes, dict]:
        own = conn is None
        conn = conn or self.connection()
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        body = response.read()
        if own:
            conn.close()
        return response.status, body, dict(response.getheaders())

    def worker_pids(self) -> list[int]:
        pids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == self.process.pid:
                pids.append(int(stat.parent.name))
        return pids

    def stop(self) -> None:
        os.killpg(self.process.pid, signal.SIGTERM)
        self.process.wait(timeout=30)


def rss_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    return 0


def time_requests(server: Server, paths: list[str], headers=None,
                  expect: int = 200) -> list[float]:
    conn = server.connection()
    times = []
    for path in paths:
        start = time.perf_counter()
        status, _body, _ = server.get(path, conn, headers)
        times.append((time.perf_counter() - start) * 1000)
        if status != expect:
            raise SystemExit(f"{path} answered {status}")
    conn.close()
    return times


def record_sql(client, path: str) -> list[tuple[str, tuple]]:
    """The statements one request runs, recorded in-process."""
    from django.db import connection

    statements = []

    def wrapper(execute, sql, params, many, context):
        statements.append((sql, params))
        return execute(sql, params, many, context)

    with connection.execute_wrapper(wrapper):
        response = client.get(path)
        if getattr(response, "streaming", False):
            for _chunk in response.streaming_content:
                pass
    return statements


def time_sql(statements: list[tuple[str, tuple]], runs: int) -> list[float]:
    """The statements executed straight on psycopg2 (fetching every row)."""
    from django.db import connection

    raw = connection.connection
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with raw.cursor() as cursor:
            for sql, params in statements:
                cursor.execute(sql, params)
                if cursor.description:
                    cursor.fetchall()
        times.append((time.perf_counter() - start) * 1000)
    return times


class _Null:
    rows = 0

    def write(self, data) -> None:
        pass


def time_export(server: Server, path: str, runs: int) -> dict:
    pids = server.worker_pids()
    before = {pid: rss_kb(pid, "VmRSS") for pid in pids}
    rates, seconds, rows = [], [], 0
    for _ in range(runs):
        conn = server.connection()
        start = time.perf_counter()
        conn.request("GET", path)
        response = conn.getresponse()
        lines = 0
        tail = b""
        while chunk := response.read(1 << 20):
            lines += chunk.count(b"\n")
            tail = (tail + chunk)[-200:]
        elapsed = time.perf_counter() - start
        conn.close()
        rows = lines - (2 if path.find("format=csv") >= 0 else 1)  # header/trailer
        if not (tail.rstrip().split(b"\n")[-1].startswith((b"#END", b'{"_end"'))):
            raise SystemExit(f"{path}: no trailer, the export was cut off")
        rates.append(rows / elapsed)
        seconds.append(elapsed)
    growth = max((rss_kb(pid, "VmHWM") - before.get(pid, 0)) for pid in pids) / 1024
    return {"rows": rows, "seconds_p50": round(statistics.median(seconds), 2),
            "rows_per_s": round(statistics.median(rates)),
            "peak_rss_growth_mb": round(growth, 1), "runs": runs}


def time_copy_sql(copy_sql: str, runs: int) -> float:
    from django.db import connection

    raw = connection.connection
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        with raw.cursor() as cursor:
            cursor.execute("SET work_mem = '256MB'")
            cursor.copy_expert(copy_sql, _Null())
            cursor.execute("RESET work_mem")
        times.append(time.perf_counter() - start)
    return statistics.median(times)


TARGETS = {
    "api_list_page_50": ("API list page, 50 rows, unfiltered", "≤ 8 / ≤ 20"),
    "api_list_state_cycle": ("API list, State + cycle", "≤ 8 / ≤ 20"),
    "api_list_recommending_response": ("API list, recommending State + response", "≤ 8 / ≤ 20"),
    "api_list_theme_sdg": ("API list, theme + SDG", "≤ 8 / ≤ 20"),
    "api_list_deep_cursor": ("API list, deep page by cursor", "(≤ 8 / ≤ 20)"),
    "api_list_304": ("API list, repeated pull (304)", "—"),
    "api_full_text": ("full-text search page", "≤ 15 / ≤ 40"),
    "api_full_text_new_query": ("full-text search, a new query each request", "≤ 15 / ≤ 40"),
    "api_detail": ("recommendation detail", "≤ 8 / ≤ 15"),
    "html_list_page": ("HTML list page", "≤ 30 / ≤ 60"),
}


# Issue 21: deep paging by `next` links, page-size scaling, JIT.

def walk_by_next_links(server: Server, rows: int = 40_000, page_size: int = 1000) -> dict:
    """Follow the list's `next` links from the first page until `rows` rows (or the end):
    what a researcher's loop does. Target: 40,000 rows in under 30 s."""
    from urllib.parse import urlsplit

    conn = server.connection()
    path = f"/api/v1/recommendations/?page_size={page_size}"
    seen = pages = 0
    start = time.perf_counter()
    while path and seen < rows:
        status, body, _ = server.get(path, conn)
        if status != 200:
            raise SystemExit(f"{path} answered {status}")
        page = json.loads(body)
        seen += len(page["results"])
        pages += 1
        nxt = page["next"]
        path = (urlsplit(nxt).path + "?" + urlsplit(nxt).query) if nxt else None
    conn.close()
    elapsed = time.perf_counter() - start
    return {"rows": seen, "pages": pages, "seconds": round(elapsed, 2),
            "rows_per_s": round(seen / max(elapsed, 1e-9))}


def page_size_scaling(server: Server, runs: int) -> dict:
    """A 1,000-row page against a 100-row page: the first page of a filtered list
    (region=WEOG), and a page 90% deep in the unfiltered list (by cursor). The big page
    should cost under 3x the small one (10x the rows). Target: ratio < 3."""
    from core.pagination import encode_cursor
    from recommendations.models import Recommendation

    keys = Recommendation.objects.order_by("review_id", "paragraph_sort", "id").values_list(
        "review_id", "paragraph_sort", "id")
    deep = encode_cursor(keys[keys.count() * 9 // 10])
    out = {}
    for name, query in (("", "region=WEOG"), ("deep_", f"cursor={deep}")):
        for size in (100, 1000):
            path = f"/api/v1/recommendations/?page_size={size}&{query}"
            time_requests(server, [path] * 2)
            out[f"{name}page_{size}"] = summary(time_requests(server, [path] * runs))
        out[f"{name}ratio_p50"] = round(out[f"{name}page_1000"]["p50_ms"]
                                        / max(out[f"{name}page_100"]["p50_ms"], 0.01), 2)
    return out


def jit_cost(client, runs: int) -> dict:
    """The SQL of a 1,000-row page with PostgreSQL's JIT on and off (the app turns it off,
    settings DATABASE_JIT)."""
    from django.db import connection

    statements = record_sql(client, "/api/v1/recommendations/?page_size=1000&region=WEOG")
    out = {}
    for setting in ("on", "off"):
        with connection.cursor() as cursor:
            cursor.execute(f"SET jit = {setting}")
        out[f"jit_{setting}_sql_p50_ms"] = summary(time_sql(statements, runs))["p50_ms"]
    with connection.cursor() as cursor:
        cursor.execute("SET jit = off")
    return out


def issue21_figures(server: Server, client, runs: int) -> dict:
    return {"walk_40000_by_next": walk_by_next_links(server),
            "page_1000_vs_100": page_size_scaling(server, runs),
            "jit_page_1000": jit_cost(client, max(5, runs // 5))}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recommendations", type=int, default=500_000,
                        help="corpus size (default 500,000, the issue's target)")
    parser.add_argument("--runs", type=int, default=50, help="requests per figure (≥ 50)")
    parser.add_argument("--export-runs", type=int, default=3)
    parser.add_argument("--port", type=int, default=int(os.environ.get("BENCH_PORT", 8765)))
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--no-peer", dest="peer", action="store_false",
                        help="skip the comparison with Datasette")
    parser.add_argument("--peer-port", type=int,
                        default=int(os.environ.get("BENCH_PEER_PORT", 8766)))
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--load-seconds", type=int, default=10)
    parser.add_argument("--skip-exports", action="store_true")
    parser.add_argument("--only", choices=["paging", "lists"], default=None,
                        help="paging: only the paging figures of issue 21 (walk, page sizes, "
                             "JIT); lists: only the list figures and the peer comparison")
    parser.add_argument("--cache-url", default=os.environ.get("CACHE_URL",
                                                              "redis://127.0.0.1:6379/5"),
                        help="the servers' cache, as in production (default Redis DB 5; "
                             "`locmem` for each process's memory)")
    parser.add_argument("--prepare", action="store_true",
                        help="build the corpus and the peer database, then stop")
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", default_database(args.recommendations))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upr_tracker.settings")
    env = {**os.environ, "DEBUG": "0", "SECRET_KEY": os.environ.get("SECRET_KEY", SECRET),
           "ALLOWED_HOSTS": "127.0.0.1,testserver,localhost", "SECURE_SSL_REDIRECT": "0",
           "THROTTLE_ANON": "100000000/minute", "PYTHONPATH": str(ROOT)}
    if args.cache_url != "locmem":
        env["CACHE_URL"] = args.cache_url
    os.environ.update(env)
    if os.environ["DATABASE_URL"].startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    from recommendations import export
    from recommendations.models import Recommendation, Theme

    if connection.vendor != "postgresql":
        raise SystemExit("make bench measures PostgreSQL: set DATABASE_URL=postgres://…")
    call_command("migrate", verbosity=0)
    results: dict[str, object] = {
        "date": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.node()}: {os.cpu_count()} CPUs, {platform.machine()}, "
                   f"Python {platform.python_version()}",
        "database": connection.vendor, "runs": args.runs,
        "cache": "local memory" if args.cache_url == "locmem" else "Redis",
    }
    have = Recommendation.objects.count()
    if have < args.recommendations:
        from recommendations.corpus import generate_corpus

        print(f"Generating {args.recommendations - have:,} recommendations…", flush=True)
        start = time.perf_counter()
        generate_corpus(args.recommendations - have, seed=have)
        elapsed = time.perf_counter() - start
        results["generate_corpus"] = {"rows": args.recommendations - have,
                                      "seconds": round(elapsed, 1)}
        print(f"  {elapsed:.0f} s", flush=True)
    total = Recommendation.objects.count()
    results["recommendations"] = total
    if args.prepare:
        from bench import peer

        with connection.cursor() as cursor:  # the state a steady database is in
            cursor.execute("VACUUM ANALYZE recommendations_recommendationrow")
        start = time.perf_counter()
        rows = peer.ensure_peer_db(peer_db_path(total))
        print(f"Peer database: {rows:,} rows ({time.perf_counter() - start:.0f} s); "
              f"PostgreSQL: {total:,} rows ({os.environ['DATABASE_URL']}). Prepared.",
              flush=True)
        return

    rng = random.Random(1)
    ids = list(Recommendation.objects.order_by("?").values_list("id", flat=True)[:args.runs])
    theme = Theme.objects.filter(recommendations__isnull=False).values_list(
        "slug", flat=True).first()
    deep = Recommendation.objects.order_by("review_id", "paragraph_sort", "id").values_list(
        "review_id", "paragraph_sort", "id")[total * 9 // 10]
    from django.db.models import Count

    from core.pagination import encode_cursor

    # A State under review and a cycle with a full page of rows in this corpus.

    busiest = (Recommendation.objects.values_list("review__state__iso3",
                                                  "review__session__cycle__number")
               .annotate(n=Count("id")).order_by("-n", "review__state__iso3").first())
    iso3, cycle = busiest[:2] if busiest else ("FRA", 3)
    lists = {
        "api_list_page_50": "/api/v1/recommendations/?page_size=50",
        "api_list_state_cycle":
            f"/api/v1/recommendations/?state_under_review={iso3}&cycle={cycle}",
        "api_list_recommending_response":
            "/api/v1/recommendations/?recommending_state=BRA&response=noted",
        "api_list_theme_sdg": f"/api/v1/recommendations/?theme={theme}&sdg=5",
        "api_list_deep_cursor": f"/api/v1/recommendations/?cursor={encode_cursor(deep)}",
        "api_full_text": "/api/v1/recommendations/?q=torture%20protocol",
        "api_full_text_new_query": "(a new query each request)",
        "html_list_page": "/recommendations/?region=WEOG",
    }
    # Filtered counts are cached under the read model's version (rows.FastPage): the same
    # search again is read from the cache. This figure asks a query not asked before
    # each time (a pair of words of the corpus), so each request counts its matches.
    words = ["torture", "protocol", "disabilities", "girls", "expression", "judiciary",
             "women", "trafficking", "migrants", "institution", "child", "discrimination",
             "indigenous", "detention", "death", "health", "housing", "defenders",
             "corruption", "climate"]
    pairs = [f"{a}%20{b}" for i, a in enumerate(words) for b in words[i + 1:]]
    random.Random(len(pairs)).shuffle(pairs)
    new_queries = [f"/api/v1/recommendations/?q={pair}" for pair in pairs]

    client = Client(HTTP_HOST="127.0.0.1")
    call_command("collectstatic", interactive=False, verbosity=0)  # gunicorn serves them
    server = Server(args.port, args.workers, env)
    try:
        if args.only != "lists":
            results.update(issue21_figures(server, client, args.runs))
            for key in ("walk_40000_by_next", "page_1000_vs_100", "jit_page_1000"):
                print(f"{key:32} {results[key]}", flush=True)
        for name, path in ({} if args.only == "paging" else lists).items():
            if name == "api_full_text_new_query":
                paths, path = new_queries[:args.runs], new_queries[args.runs]
            else:
                paths = [path] * args.runs
                time_requests(server, [path] * 3)  # warm up
            results[name] = summary(time_requests(server, paths))
            statements = record_sql(client, path)
            sql = summary(time_sql(statements, args.runs))
            results[name]["sql_p50_ms"] = sql["p50_ms"]
            results[name]["queries"] = len(statements)
            results[name]["above_sql_ratio"] = round(
                results[name]["p50_ms"] / max(sql["p50_ms"], 0.01), 1)
            print(f"{name:32} {results[name]}", flush=True)

        if args.only == "lists" and args.peer:
            results["peer"] = compare_with_peer(server.port, args, lists, theme, iso3, cycle)
        if args.only:
            raise _Done
        status, _body, headers = server.get(lists["api_list_page_50"])
        results["api_list_304"] = summary(time_requests(
            server, [lists["api_list_page_50"]] * args.runs,
            headers={"If-None-Match": headers["ETag"]}, expect=304))
        print(f"{'api_list_304':32} {results['api_list_304']}", flush=True)

        paths = [f"/api/v1/recommendations/{pk}/" for pk in ids]
        rng.shuffle(paths)
        time_requests(server, paths[:3])
        results["api_detail"] = summary(time_requests(server, paths))
        sql_times = []
        for path in paths[:10]:
            sql_times += time_sql(record_sql(client, path), 5)
        results["api_detail"]["sql_p50_ms"] = summary(sql_times)["p50_ms"]
        print(f"{'api_detail':32} {results['api_detail']}", flush=True)

        queryset = Recommendation.objects.all()
        for fmt in () if args.skip_exports else ("csv", "jsonl"):
            name = f"export_{fmt}"
            results[name] = time_export(
                server, f"/api/v1/recommendations/export/?format={fmt}", args.export_runs)
            copy_sql = (export._csv_copy_sql(queryset) if fmt == "csv"
                        else export._json_copy_sql(queryset))
            sql_s = time_copy_sql(copy_sql, 1)
            results[name]["sql_rows_per_s"] = round(results[name]["rows"] / sql_s)
            print(f"{name:32} {results[name]}", flush=True)
        if args.peer:
            results["peer"] = compare_with_peer(server.port, args, lists, theme, iso3, cycle)
    except _Done:
        pass
    finally:
        server.stop()

    sample_file = ROOT.parent / "shared" / "data" / "upr-info-2015" / "sessions-01-05.csv"
    if sample_file.exists() and not args.only:
        from imports.pipeline import import_file

        with transaction.atomic():
            start = time.perf_counter()
            report = import_file(sample_file)
            elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        results["import_upr_info_6094"] = {
            "seconds": round(elapsed, 2), "rows": report.rows_read, "created": report.created}
        print(f"{'import_upr_info_6094':32} {results['import_upr_info_6094']}", flush=True)

    markdown = render_markdown(results)
    print("\n" + markdown)
    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    stamp = dt.datetime.now(dt.UTC).strftime("%Y%m%d-%H%M")
    names = ("latest", stamp) if not args.only else (f"{args.only}-{total}-latest",)
    for name in names:
        (out / f"{name}.json").write_text(json.dumps(results, indent=2) + "\n")
        (out / f"{name}.md").write_text(markdown)
    print(f"Written to {out / (names[0] + '.json')} and {out / (names[0] + '.md')}")


def peer_db_path(rows: int) -> Path:
    """The peer's SQLite file for a corpus of `rows` (built once by --prepare, reused)."""
    # Datasette names the database after the file: `peer` in every size's directory.
    path = ROOT / "bench-results" / f"peer-{rows}" / "peer.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


class _Done(Exception):
    """`--only`: the figures asked for are measured."""


def compare_with_peer(port: int, args, lists: dict, theme: str, iso3: str,
                      cycle: int) -> dict:
    """Datasette on the same rows: each list figure as A/B pairs, then throughput."""
    from bench import peer
    from recommendations.models import RecommendationRow

    path = peer_db_path(RecommendationRow.objects.count())
    start = time.perf_counter()
    rows = peer.ensure_peer_db(path)
    print(f"Peer database: {rows:,} rows ({time.perf_counter() - start:.0f} s)", flush=True)
    out: dict[str, object] = {"rows": rows}
    datasette = peer.Datasette(path, args.peer_port)
    try:
        for name, peer_path in peer.peer_paths(theme, iso3, cycle).items():
            out[name] = peer.ab_pairs((port, lists[name]), (args.peer_port, peer_path),
                                      args.runs)
            print(f"{name + ' vs Datasette':40} {out[name]}", flush=True)
        for name in ("api_list_page_50", "api_full_text"):
            peer_path = peer.peer_paths(theme, iso3, cycle)[name]
            ours = peer.throughput(port, lists[name], args.clients, args.load_seconds)
            theirs = peer.throughput(args.peer_port, peer_path, args.clients,
                                     args.load_seconds)
            out[f"rps_{name}"] = {"ours": ours, "peer": theirs,
                                  "ratio": round(ours / max(theirs, 0.1), 2),
                                  "clients": args.clients}
            print(f"{'req/s ' + name:40} {out[f'rps_{name}']}", flush=True)
    finally:
        datasette.stop()
    return out


PEER_LABELS = {
    "api_list_page_50": "unfiltered",
    "api_list_state_cycle": "State under review + cycle",
    "api_list_recommending_response": "recommending State + response",
    "api_list_theme_sdg": "theme + SDG",
    "api_full_text": "full-text search",
}


def render_peer(results: dict) -> list[str]:
    peer = results.get("peer")
    if not peer:
        return []
    lines = ["", f"Beside Datasette on the same {peer['rows']:,} rows (SQLite, `datasette serve "
             "-i`), A/B pairs of alternating requests, medians; target ratio ≤ 1.5 "
             "(goal ≤ 1.0), throughput ≥ 0.7×:", "",
             "| 50-row page | ours (ms) | Datasette (ms) | ratio |", "|---|---|---|---|"]
    for key, label in PEER_LABELS.items():
        row = peer.get(key)
        if row:
            lines.append(f"| {label} | {row['ours_p50_ms']} | {row['peer_p50_ms']} | "
                         f"{row['ratio']} |")
    for key, label in (("rps_api_list_page_50", "unfiltered"),
                       ("rps_api_full_text", "search")):
        row = peer.get(key)
        if row:
            lines.append(f"| under {row['clients']} clients, {label} (req/s) | {row['ours']} | "
                         f"{row['peer']} | {row['ratio']}× throughput |")
    return lines


def render_markdown(results: dict) -> str:
    lines = [
        f"Measured {results['date']} on {results['machine']}; PostgreSQL, gunicorn "
        f"(gthread) on loopback, cache in {results.get('cache', 'local memory')}, "
        f"{results['recommendations']:,} recommendations, "
        f"{results['runs']} requests per figure. Shared 2-core machine: figures are noisy. "
        "SQL only: every statement of one request run again on psycopg2 (a filtered count "
        "included, which the server reads from its cache on a repeated request).",
        "",
        "| figure | median / p95 (ms) | SQL only, median (ms) | page / SQL | target |",
        "|---|---|---|---|---|",
    ]
    for key, (label, target) in TARGETS.items():
        row = results.get(key)
        if not row:
            continue
        sql = row.get("sql_p50_ms", "")
        ratio = row.get("above_sql_ratio", "")
        lines.append(f"| {label} | {row['p50_ms']} / {row['p95_ms']} | {sql} | "
                     f"{f'{ratio}×' if ratio else ''} | {target} |")
    for key, label, target in (("export_csv", "CSV export", "≥ 100,000 rows/s, RSS < 50 MB"),
                               ("export_jsonl", "JSON Lines export", "≥ 50,000 rows/s")):
        row = results.get(key)
        if row:
            lines.append(
                f"| {label}, {row['rows']:,} rows | {row['rows_per_s']:,} rows/s "
                f"({row['seconds_p50']} s), peak RSS growth {row['peak_rss_growth_mb']} MB | "
                f"{row['sql_rows_per_s']:,} rows/s | | {target} |")
    row = results.get("import_upr_info_6094")
    if row:
        lines.append(f"| import UPR Info sample ({row['rows']:,} rows) | {row['seconds']} s | "
                     f"| | ≤ 3 s |")
    row = results.get("walk_40000_by_next")
    if row:
        lines.append(f"| walk {row['rows']:,} rows by `next` links ({row['pages']} pages) | "
                     f"{row['seconds']} s | | | < 30 s |")
    row = results.get("page_1000_vs_100")
    if row:
        lines.append(f"| 1,000-row page vs 100-row page (WEOG) | {row['page_1000']['p50_ms']}"
                     f" vs {row['page_100']['p50_ms']} ({row['ratio_p50']}×) | | | < 3× |")
        if "deep_ratio_p50" in row:
            lines.append(f"| the same, 90% deep by cursor | {row['deep_page_1000']['p50_ms']}"
                         f" vs {row['deep_page_100']['p50_ms']} ({row['deep_ratio_p50']}×)"
                         " | | | < 3× |")
    row = results.get("jit_page_1000")
    if row:
        lines.append(f"| SQL of a 1,000-row page, JIT on / off | {row['jit_on_sql_p50_ms']} / "
                     f"{row['jit_off_sql_p50_ms']} | | | JIT off |")
    row = results.get("generate_corpus")
    if row:
        lines.append(f"| generate_corpus {row['rows']:,} | {row['seconds']} s | | | ≤ 300 s |")
    lines += render_peer(results)
    return "\n".join(lines) + "\n"


if __name__ == "__main__":
    main()
