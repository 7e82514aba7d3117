import time

from django.core.management.base import BaseCommand, CommandError

from recommendations.corpus import generate_corpus


class Command(BaseCommand):
    help = "Add N synthetic recommendations (for benchmarks and load tests)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--recommendations", type=int, required=True, metavar="N")
        parser.add_argument("--seed", type=int, default=2026)

    def handle(self, *args, recommendations: int, seed: int, **options) -> None:
        if recommendations < 1:
            raise CommandError("--recommendations must be at least 1.")
        started = time.perf_counter()
        made = generate_corpus(
            recommendations, seed=seed,
            progress=lambda done: self.stdout.write(f"  {done:,} / {recommendations:,}"))
        elapsed = time.perf_counter() - started
        self.stdout.write(self.style.SUCCESS(
            f"Added {made:,} recommendations in {elapsed:.1f} s ({made / elapsed:,.0f}/s)."))
