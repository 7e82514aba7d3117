"""`make bench`: the performance benchmark (DESIGN.md, "Targets to design for").

Runs in-process against PostgreSQL (default database `upr_bench` on 127.0.0.1, created
if missing; set DATABASE_URL to use another), tops the corpus up to --recommendations
synthetic rows (kept between runs), then times with Django's test client — the whole
request/response cycle minus the network:

- API list pages (50 rows) with assorted filters, full-text search, detail;
- the HTML list and detail pages;
- the streamed CSV export (rows/s) and its memory;
- importing the 6,094-row UPR Info sample (rolled back afterwards).

Figures are printed and written to bench-results/latest.json. Nothing here asserts a
time: read them, compare them with the targets, and note them.
"""

import argparse
import json
import os
import random
import statistics
import sys
import time
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/upr_bench"


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


def timed(client, url: str, runs: int, **extra) -> list[float]:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url, **extra)
        if hasattr(response, "streaming_content"):
            for _chunk in response.streaming_content:
                pass
        times.append((time.perf_counter() - start) * 1000)
        if response.status_code != 200:
            raise SystemExit(f"{url} answered {response.status_code}")
    return times


def summary(times: list[float]) -> dict[str, float]:
    ordered = sorted(times)
    p95 = ordered[max(0, round(0.95 * len(ordered)) - 1)]
    return {"p50_ms": round(statistics.median(ordered), 2), "p95_ms": round(p95, 2),
            "runs": len(ordered)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recommendations", type=int, default=100_000,
                        help="corpus size (default 100,000; the design target is 500,000)")
    parser.add_argument("--runs", type=int, default=40)
    args = parser.parse_args()

    os.environ.setdefault("DATABASE_URL", DEFAULT_DB)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "upr_tracker.settings")
    os.environ["DEBUG"] = "0"
    os.environ.setdefault("SECRET_KEY", "bench-only-secret-key-not-for-production-use-123456")
    os.environ.setdefault("ALLOWED_HOSTS", "testserver")
    os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
    os.environ.setdefault("THROTTLE_ANON", "1000000/minute")
    if os.environ["DATABASE_URL"].startswith("postgres"):
        ensure_database(os.environ["DATABASE_URL"])
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    from django.conf import settings
    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test import Client

    settings.STORAGES["staticfiles"]["BACKEND"] = (
        "django.contrib.staticfiles.storage.StaticFilesStorage")
    from recommendations.corpus import generate_corpus
    from recommendations.models import Recommendation

    call_command("migrate", verbosity=0)
    have = Recommendation.objects.count()
    if have < args.recommendations:
        print(f"Generating {args.recommendations - have:,} recommendations…", flush=True)
        start = time.perf_counter()
        generate_corpus(args.recommendations - have, seed=have)
        print(f"  {time.perf_counter() - start:.0f} s", flush=True)
        with connection.cursor() as cur:
            cur.execute("ANALYZE")
    total = Recommendation.objects.count()
    client = Client()
    rng = random.Random(1)
    results: dict[str, object] = {"database": connection.vendor, "recommendations": total}

    ids = list(Recommendation.objects.values_list("id", flat=True)[:2000])
    sample = rng.sample(ids, min(len(ids), args.runs))
    checks = {
        "api_list_page_50": "/api/v1/recommendations/?page_size=50",
        "api_list_filtered": "/api/v1/recommendations/?region=WEOG&response=noted&cycle=3",
        "api_list_two_states": "/api/v1/recommendations/?state_under_review=FRA"
                               "&state_under_review=DEU&recommending_state=BRA",
        "api_list_deep_page": f"/api/v1/recommendations/?page={max(1, total // 100)}",
        "api_full_text": "/api/v1/recommendations/?q=torture%20protocol",
        "html_list_page": "/recommendations/?region=WEOG",
        "html_full_text": "/recommendations/?q=death%20penalty",
    }
    for name, url in checks.items():
        timed(client, url, 2)  # warm caches
        results[name] = summary(timed(client, url, args.runs))
        print(f"{name:24} {results[name]}", flush=True)

    for name, pattern in (("api_detail", "/api/v1/recommendations/{}/"),
                          ("html_detail", "/recommendations/{}/")):
        times = []
        for pk in sample:
            times += timed(client, pattern.format(pk), 1)
        results[name] = summary(times)
        print(f"{name:24} {results[name]}", flush=True)

    # Streamed export of the whole corpus: rows per second and peak Python memory.
    tracemalloc.start()
    start = time.perf_counter()
    response = client.get("/api/v1/recommendations/export/?format=csv")
    lines = sum(chunk.count(b"\n") for chunk in response.streaming_content)
    elapsed = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    results["export_csv"] = {"rows": lines - 1, "seconds": round(elapsed, 2),
                             "rows_per_s": round((lines - 1) / elapsed),
                             "peak_python_mb": round(peak / 2**20, 1)}
    print(f"{'export_csv':24} {results['export_csv']}", flush=True)

    sample_file = ROOT.parent / "shared" / "data" / "upr-info-2015" / "sessions-01-05.csv"
    if sample_file.exists():
        from recommendations.importers import import_file

        with transaction.atomic():
            start = time.perf_counter()
            report = import_file(sample_file)
            elapsed = time.perf_counter() - start
            transaction.set_rollback(True)
        results["import_upr_info_6094"] = {
            "seconds": round(elapsed, 2), "rows": report.rows_read, "created": report.created}
        print(f"{'import_upr_info_6094':24} {results['import_upr_info_6094']}", flush=True)

    out = ROOT / "bench-results"
    out.mkdir(exist_ok=True)
    (out / "latest.json").write_text(json.dumps(results, indent=2))
    print(f"\nWritten to {out / 'latest.json'}")


if __name__ == "__main__":
    main()
