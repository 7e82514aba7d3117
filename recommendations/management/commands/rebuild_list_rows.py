"""Rebuild the list's read model (RecommendationRow) and the pages' tally from the
recommendations."""

import time

from django.core.management.base import BaseCommand

from recommendations import readmodel, tally


class Command(BaseCommand):
    help = ("Rebuild the recommendation list's read model and the pages' tally from the "
            "recommendations, in one transaction; --check only reports what is stale.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--check", action="store_true",
                            help="List stale rows and counts instead of rebuilding; exit 1 if any.")

    def handle(self, *args, check: bool = False, **options) -> None:
        if check:
            stale = readmodel.stale_ids()
            if stale:
                self.stderr.write(f"{len(stale)} stale rows, e.g. {stale[:20]}")
            counts = tally.stale()
            if counts:
                self.stderr.write(f"{len(counts)} stale tally counts (stored, counted), e.g. "
                                  f"{dict(list(counts.items())[:10])}")
            if stale or counts:
                raise SystemExit(1)
            self.stdout.write("The list's read model and the pages' tally are exact.")
            return
        start = time.perf_counter()
        count = readmodel.rebuild()
        self.stdout.write(f"Rebuilt {count:,} list rows in {time.perf_counter() - start:.1f} s.")
