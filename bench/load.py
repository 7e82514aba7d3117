"""`make load`: a bounded, self-stopping load test of the production server.

Starts gunicorn (gunicorn.conf.py: gthread workers) on loopback against PostgreSQL
(default database `upr_load`, created and filled with a synthetic corpus if needed),
then drives it with --clients concurrent asyncio clients (httpx) for --duration
seconds: a mix of reads (lists, filters, full-text search, detail, HTML pages, a
filtered CSV export) and writes by an NGO account (new recommendations, edits with
If-Match, civil-society assessments). It then stops gunicorn and checks in the
database that every write the server acknowledged is there.

Prints throughput and p50/p95/p99 latency per request type, writes them to
bench-results/load.json, and exits non-zero on any 5xx, transport error, or lost
write. `python -m bench.load --help` for the knobs; the test suite runs a short one.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import random
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_DB = "postgres://postgres@127.0.0.1:5432/upr_load"

# (name, weight): what a client does next, drawn at random with these weights.
MIX = [
    ("api_list", 20), ("api_filtered", 14), ("api_search", 10), ("api_detail", 14),
    ("html_list", 8), ("html_detail", 8), ("export_csv", 2),
    ("create_recommendation", 8), ("edit_recommendation", 8), ("add_assessment", 8),
]
WRITES = {"create_recommendation", "edit_recommendation", "add_assessment"}


def percentile(ordered: list[float], q: float) -> float:
    if not ordered:
        return 0.0
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered)) - 1))]


def server_env(database_url: str, port: int, workers: int) -> dict[str, str]:
    env = dict(os.environ)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    env.update({
        "DATABASE_URL": database_url, "DEBUG": "0", "SECURE_SSL_REDIRECT": "0",
        "SECRET_KEY": env.get("SECRET_KEY") or "load-test-only-" + uuid.uuid4().hex * 2,
        "ALLOWED_HOSTS": "127.0.0.1,localhost", "DJANGO_SETTINGS_MODULE": "upr_tracker.settings",
        "THROTTLE_ANON": "10000000/minute", "THROTTLE_USER": "10000000/minute",
        "THROTTLE_ANON_PAGES": "10000000/minute",
        "GUNICORN_BIND": f"127.0.0.1:{port}", "GUNICORN_WORKERS": str(workers),
        "GUNICORN_ACCESSLOG": "/dev/null", "STATIC_ROOT": str(ROOT / "staticfiles"),
    })
    return env


def prepare(args, env: dict[str, str]) -> dict:
    """Database, corpus, an NGO user with a token; returns ids the clients use."""
    os.environ.update({k: env[k] for k in ("DATABASE_URL", "DEBUG", "SECRET_KEY",
                                           "ALLOWED_HOSTS", "DJANGO_SETTINGS_MODULE",
                                           "SECURE_SSL_REDIRECT", "STATIC_ROOT")})
    from bench.run import ensure_database

    ensure_database(args.database_url)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from rest_framework.authtoken.models import Token

    from accounts.roles import Role, assign_role
    from recommendations.corpus import generate_corpus
    from recommendations.models import Recommendation
    from reviews.models import Review

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    have = Recommendation.objects.count()
    if have < args.recommendations:
        print(f"Generating {args.recommendations - have:,} recommendations…", flush=True)
        generate_corpus(args.recommendations - have, seed=have)
        from django.db import connection

        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    from django.contrib.auth import get_user_model

    user, _ = get_user_model().objects.get_or_create(username="load-ngo")
    assign_role(user, Role.NGO)
    token, _ = Token.objects.get_or_create(user=user)
    ids = list(Recommendation.objects.order_by("?").values_list("id", flat=True)[:5000])
    reviews = list(Review.objects.order_by("?").values_list("id", flat=True)[:200])
    from django.db import connections

    connections.close_all()
    return {"token": token.key, "ids": ids, "reviews": reviews}


class Run:
    def __init__(self, base: str, data: dict, clients: int, seed: int) -> None:
        self.base, self.data, self.clients = base, data, clients
        self.times: dict[str, list[float]] = defaultdict(list)
        self.statuses: dict[str, dict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.errors: list[str] = []
        self.created: dict[int, str] = {}           # id -> text
        self.edited: dict[int, str] = {}            # id -> last acknowledged text
        self.assessments: list[int] = []
        self.rng = random.Random(seed)
        # Each client edits only its own recommendations, so the last acknowledged
        # edit of each is the one that must be in the database.
        ids = data["ids"]
        self.own = {c: ids[c::clients] for c in range(clients)}

    async def client(self, number: int, stop_at: float) -> None:
        import httpx

        rng = random.Random(self.rng.random())
        names = [n for n, _ in MIX]
        weights = [w for _, w in MIX]
        auth = {"Authorization": f"Token {self.data['token']}"}
        async with httpx.AsyncClient(base_url=self.base, timeout=60.0) as http:
            while time.monotonic() < stop_at:
                kind = rng.choices(names, weights)[0]
                started = time.perf_counter()
                try:
                    status = await self.request(http, kind, number, rng, auth)
                except httpx.HTTPError as exc:
                    self.errors.append(f"{kind}: {exc.__class__.__name__}: {exc}")
                    continue
                self.times[kind].append((time.perf_counter() - started) * 1000)
                self.statuses[kind][status] += 1

    async def request(self, http, kind: str, number: int, rng, auth) -> int:
        ids = self.data["ids"]
        if kind == "api_list":
            r = await http.get("/api/v1/recommendations/", params={"page": rng.randint(1, 20)})
        elif kind == "api_filtered":
            r = await http.get("/api/v1/recommendations/", params=rng.choice([
                {"region": "WEOG", "response": "noted"}, {"cycle": "3", "sdg": "16"},
                {"state_under_review": "FRA", "recommending_state": "BRA"},
                {"status": "in_progress"}]))
        elif kind == "api_search":
            r = await http.get("/api/v1/recommendations/", params={"q": rng.choice(
                ["torture", "death penalty", "migrant workers", "journalists", "children"])})
        elif kind == "api_detail":
            r = await http.get(f"/api/v1/recommendations/{rng.choice(ids)}/")
        elif kind == "html_list":
            r = await http.get("/recommendations/", params={"region": "AFRICA",
                                                            "page": rng.randint(1, 5)})
        elif kind == "html_detail":
            r = await http.get(f"/recommendations/{rng.choice(ids)}/")
        elif kind == "export_csv":
            r = await http.get("/api/v1/recommendations/export/",
                               params={"format": "csv", "state_under_review": rng.choice(
                                   ["FRA", "DEU", "BRA", "KEN", "JPN"])})
        elif kind == "create_recommendation":
            text = f"Load test recommendation {uuid.uuid4()}"
            r = await http.post("/api/v1/recommendations/", headers=auth, json={
                "review": rng.choice(self.data["reviews"]), "text": text,
                "recommending_states": [rng.choice(["FRA", "DEU", "BRA", "KEN", "JPN"])],
                "response": "pending"})
            if r.status_code == 201:
                self.created[r.json()["id"]] = text
        elif kind == "edit_recommendation":
            pk = rng.choice(self.own[number])
            current = await http.get(f"/api/v1/recommendations/{pk}/")
            text = f"Edited under load {uuid.uuid4()}"
            r = await http.patch(f"/api/v1/recommendations/{pk}/", json={"text": text},
                                 headers={**auth, "If-Match": current.headers["ETag"]})
            if r.status_code == 200:
                self.edited[pk] = text
        elif kind == "add_assessment":
            r = await http.post("/api/v1/assessments/", headers=auth, json={
                "recommendation": rng.choice(ids), "actor": "civil_society",
                "status": rng.choice(["not_started", "in_progress", "not_implemented"]),
                "comment": "load test"})
            if r.status_code == 201:
                self.assessments.append(r.json()["id"])
        else:
            raise AssertionError(kind)
        if r.status_code >= 500 or (kind in WRITES and r.status_code not in (200, 201, 412)):
            self.errors.append(f"{kind}: HTTP {r.status_code} {r.text[:200]}")
        return r.status_code

    async def run(self, duration: float) -> float:
        stop_at = time.monotonic() + duration
        started = time.monotonic()
        await asyncio.gather(*(self.client(n, stop_at) for n in range(self.clients)))
        return time.monotonic() - started


def verify(run: Run) -> list[str]:
    """Every acknowledged write is in the database."""
    from recommendations.models import Assessment, Recommendation

    lost = []
    texts = dict(Recommendation.objects.filter(pk__in=run.created).values_list("pk", "text"))
    lost += [f"created recommendation {pk} missing or changed" for pk, text in
             run.created.items() if texts.get(pk) != text]
    texts = dict(Recommendation.objects.filter(pk__in=run.edited).values_list("pk", "text"))
    lost += [f"edit of recommendation {pk} lost" for pk, text in run.edited.items()
             if texts.get(pk) != text]
    found = set(Assessment.objects.filter(pk__in=run.assessments).values_list("pk", flat=True))
    lost += [f"assessment {pk} missing" for pk in run.assessments if pk not in found]
    return lost


def wait_for(url: str, process: subprocess.Popen, timeout: float = 60) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise SystemExit("gunicorn exited before answering:\n"
                             + (process.stderr.read() if process.stderr else ""))
        try:
            if httpx.get(url, timeout=2).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.3)
    raise SystemExit(f"gunicorn did not answer {url} within {timeout} s")


def stop(server: subprocess.Popen) -> str:
    """SIGTERM gunicorn's process group (graceful), SIGKILL if it lingers; its log."""
    try:
        os.killpg(server.pid, signal.SIGTERM)
    except ProcessLookupError:
        pass
    try:
        return server.communicate(timeout=30)[1] or ""
    except subprocess.TimeoutExpired:
        os.killpg(server.pid, signal.SIGKILL)
        return server.communicate()[1] or ""


def start_redis(port: int) -> subprocess.Popen:
    """A redis-server of the run's own on loopback (the cache: throttle counters), so
    that --stop-redis-after can stop it without touching anyone else's."""
    import shutil

    binary = shutil.which("redis-server")
    if not binary:
        raise SystemExit("--redis needs redis-server on PATH")
    process = subprocess.Popen([binary, "--port", str(port), "--bind", "127.0.0.1",
                                "--save", "", "--appendonly", "no"],
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    import socket

    for _ in range(100):
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return process
        time.sleep(0.1)
    process.kill()
    raise SystemExit(f"redis-server did not start on port {port}")


async def stop_redis_later(process: subprocess.Popen, after: float, log: list) -> None:
    await asyncio.sleep(after)
    process.terminate()
    log.append(time.monotonic())
    print(f"Redis (the cache) stopped after {after:.0f} s", flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--clients", type=int, default=50)
    parser.add_argument("--duration", type=float, default=60.0, help="seconds")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--port", type=int, default=int(os.environ.get("LOAD_PORT", 8765)))
    parser.add_argument("--recommendations", type=int, default=20_000,
                        help="corpus size (topped up, kept between runs)")
    parser.add_argument("--database-url", default=os.environ.get("LOAD_DATABASE_URL",
                                                                  DEFAULT_DB))
    parser.add_argument("--output", default=str(ROOT / "bench-results" / "load.json"))
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--redis-port", type=int, default=0,
                        help="start a redis-server of the run's own on this port as the "
                             "cache (CACHE_URL, DB 4)")
    parser.add_argument("--stop-redis-after", type=float, default=None, metavar="SECONDS",
                        help="with --redis-port: stop that Redis this long into the run "
                             "(no request may then fail with a 5xx)")
    args = parser.parse_args(argv)

    env = server_env(args.database_url, args.port, args.workers)
    redis_process = None
    if args.redis_port:
        redis_process = start_redis(args.redis_port)
        env["CACHE_URL"] = f"redis://127.0.0.1:{args.redis_port}/4"
    data = prepare(args, env)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "upr_tracker.wsgi:application",
         "--config", "gunicorn.conf.py", "--error-logfile", "-"], cwd=ROOT, env=env,
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
        start_new_session=True)
    base = f"http://127.0.0.1:{args.port}"
    try:
        wait_for(base + "/readyz", server)
        print(f"Load: {args.clients} clients for {args.duration:.0f} s against gunicorn "
              f"({args.workers} gthread workers) on {base}", flush=True)
        run = Run(base, data, args.clients, args.seed)
        stopped: list[float] = []

        async def drive() -> float:
            if redis_process is not None and args.stop_redis_after is not None:
                asyncio.get_running_loop().create_task(
                    stop_redis_later(redis_process, args.stop_redis_after, stopped))
            return await run.run(args.duration)

        elapsed = asyncio.run(drive())
    finally:
        server_log = stop(server)
        if redis_process is not None and redis_process.poll() is None:
            redis_process.terminate()
            redis_process.wait(10)
    lost = verify(run)

    total = sum(len(t) for t in run.times.values())
    report = {"clients": args.clients, "duration_s": round(elapsed, 1),
              "gunicorn_workers": args.workers, "recommendations": args.recommendations,
              "requests": total, "throughput_rps": round(total / elapsed, 1), "types": {},
              "cache": "redis" if redis_process is not None else "per process",
              "redis_stopped_after_s": args.stop_redis_after if stopped else None}
    print(f"\n{'request':24}{'count':>7}{'req/s':>8}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}"
          "  statuses")
    for kind, _ in MIX:
        ordered = sorted(run.times.get(kind, []))
        row = {"count": len(ordered), "rps": round(len(ordered) / elapsed, 2),
               "p50_ms": round(statistics.median(ordered), 1) if ordered else 0.0,
               "p95_ms": round(percentile(ordered, 0.95), 1),
               "p99_ms": round(percentile(ordered, 0.99), 1),
               "statuses": dict(sorted(run.statuses[kind].items()))}
        report["types"][kind] = row
        print(f"{kind:24}{row['count']:>7}{row['rps']:>8}{row['p50_ms']:>9}{row['p95_ms']:>9}"
              f"{row['p99_ms']:>9}  {row['statuses']}")
    server_errors = sum(n for s in run.statuses.values() for code, n in s.items()
                        if code >= 500)
    report |= {"server_errors": server_errors, "client_errors": run.errors[:20],
               "acknowledged_writes": len(run.created) + len(run.edited) + len(run.assessments),
               "lost_writes": lost[:20]}
    print(f"\n{total} requests in {elapsed:.1f} s: {report['throughput_rps']} req/s; "
          f"5xx: {server_errors}; other errors: {len(run.errors)}; acknowledged writes "
          f"checked: {report['acknowledged_writes']}, lost: {len(lost)}")
    Path(args.output).parent.mkdir(parents=True, exist_ok=True)
    Path(args.output).write_text(json.dumps(report, indent=2))
    if server_errors or run.errors or lost:
        for line in (run.errors + lost)[:20]:
            print("  " + line)
        if server_errors:
            print(server_log[-3000:])
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
