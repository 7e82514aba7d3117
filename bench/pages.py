"""Page times warm, after a write to another review, after a write to the timed review,
and with the cache emptied (issue 24).

    python -m bench.pages [--recommendations 40000] [--runs 7]

In-process (Django's test client, DEBUG off, the cache in Redis as in production), on the
database `bench.run --prepare` built for that size. Between two views of "after a write",
one recommendation of another review (or, for "this review", one of the timed review's
own) is edited through the service (a real write: the read model, the tally and the
versions move; Celery tasks run inline). The edits are kept:
run it on a bench database, never on data that matters. Prints one line per page; nothing
is asserted (figures are noisy on a shared machine).
"""

import argparse
import logging
import os
import statistics
import sys
import time

from bench.run import ROOT, SECRET, default_database


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recommendations", type=int, default=500_000)
    parser.add_argument("--runs", type=int, default=7)
    parser.add_argument("--cache-url", default="redis://127.0.0.1:6379/5")
    args = parser.parse_args()
    os.environ.setdefault("DATABASE_URL", default_database(args.recommendations))
    os.environ.update({
        "DJANGO_SETTINGS_MODULE": "upr_tracker.settings", "DEBUG": "0", "SECRET_KEY": SECRET,
        "ALLOWED_HOSTS": "127.0.0.1,testserver", "SECURE_SSL_REDIRECT": "0",
        "THROTTLE_ANON": "100000000/minute", "THROTTLE_ANON_PAGES": "",
        "CACHE_URL": args.cache_url})
    os.environ.pop("CELERY_BROKER_URL", None)  # tasks inline (settings: no broker, eager)
    sys.path.insert(0, str(ROOT))

    import django

    django.setup()
    # Tasks run inline here: their "succeeded" lines would bury the figures.
    logging.getLogger("celery").setLevel(logging.WARNING)
    from django.core.cache import cache
    from django.core.management import call_command
    from django.db.models import Count
    from django.test import Client

    from recommendations import services
    from recommendations.models import Recommendation, Theme
    from reviews.models import Review

    call_command("collectstatic", interactive=False, verbosity=0)
    client = Client(HTTP_HOST="127.0.0.1")
    review = Review.objects.annotate(n=Count("recommendations")).order_by("-n", "pk").first()
    other = Recommendation.objects.exclude(review__state=review.state).order_by("pk").first()
    own = Recommendation.objects.filter(review=review).order_by("pk").first()
    # The largest review, and one of the median size (a real review has 100-400).
    sizes = list(Review.objects.annotate(n=Count("recommendations")).filter(n__gt=0)
                 .order_by("n", "pk"))
    typical = sizes[len(sizes) // 2]
    maker = (Recommendation.recommending_states.through.objects.values("state__iso3")
             .annotate(n=Count("id")).order_by("-n").first()["state__iso3"])
    theme = (Theme.objects.annotate(n=Count("recommendations")).order_by("-n").first())
    pages = {
        "home": "/", "States list": "/states/", f"State {review.state.iso3}":
        f"/states/{review.state.iso3}/", f"review {review.pk} ({review.n} rows)":
        f"/reviews/{review.pk}/", f"review {typical.pk} ({typical.n} rows)":
        f"/reviews/{typical.pk}/", "analysis matrix": "/analysis/",
        f"recommending State {maker}": f"/analysis/recommending/{maker}/",
        f"theme over time ({theme.n} recs)": f"/analysis/themes/{theme.slug}/",
        "HTML list ?region=WEOG": "/recommendations/?region=WEOG",
    }

    def timed(path: str) -> float:
        start = time.perf_counter()
        response = client.get(path)
        elapsed = (time.perf_counter() - start) * 1000
        if response.status_code != 200:
            raise SystemExit(f"{path} answered {response.status_code}")
        return elapsed

    print(f"{Recommendation.objects.count():,} recommendations; median ms of {args.runs}: "
          "warm / after a write to another review / to this review / cache emptied",
          flush=True)

    def edited(rec: Recommendation, i: int) -> None:
        rec.refresh_from_db()
        services.update_recommendation(
            rec, expected_version=None, user=None,
            text=rec.text.rstrip(" .") + (" ." if i % 2 else "."))

    for name, path in pages.items():
        timed(path)
        warm = [timed(path) for _ in range(args.runs)]
        after, after_own = [], []
        for i in range(args.runs):
            edited(other, i)
            after.append(timed(path))
        for i in range(args.runs):
            edited(own, i)
            after_own.append(timed(path))
        emptied = []
        for _ in range(3):
            cache.clear()
            emptied.append(timed(path))
        print(f"{name:32} {statistics.median(warm):8.1f} {statistics.median(after):8.1f} "
              f"{statistics.median(after_own):8.1f} {statistics.median(emptied):8.1f}",
              flush=True)


if __name__ == "__main__":
    main()
