import sys

from django.core.management.base import BaseCommand, CommandError

from recommendations import similarity
from recommendations.recurrence import link_all
from states.models import State


class Command(BaseCommand):
    help = ("Recompute recurring recommendations (the earlier recommendations each one asks "
            "again) for every State under review, or one.")

    def add_arguments(self, parser) -> None:
        parser.add_argument("--state", metavar="ISO3", help="Only this State under review.")
        parser.add_argument("--method", choices=[similarity.LEXICAL, similarity.SEMANTIC],
                            help="Similarity method (default: the one in use, see README).")

    def handle(self, *args, state: str | None = None, method: str | None = None,
               **options) -> None:
        if state and not State.objects.filter(iso3=state.upper()).exists():
            raise CommandError(f"Unknown State {state!r}: give an ISO3 code such as FRA.")
        if method == similarity.SEMANTIC and not similarity.semantic_installed():
            raise CommandError('The semantic method needs the extra: pip install ".[semantic]"')
        method = method or similarity.active_method()
        self.stdout.write(f"Method: {similarity.method_label(method)}, threshold "
                          f"{similarity.threshold(method)}")
        interactive = hasattr(self.stdout, "isatty") and self.stdout.isatty()

        def progress(done: int, total: int, iso3: str) -> None:
            width = 30
            filled = width * done // total
            bar = f"[{'#' * filled}{'.' * (width - filled)}] {done}/{total} {iso3}"
            if interactive:
                sys.stdout.write("\r" + bar + ("\n" if done == total else ""))
                sys.stdout.flush()
            else:
                self.stdout.write(bar)

        results = link_all(iso3=state, method=method, progress=progress)
        recs = sum(r["recommendations"] for r in results)
        recurring = sum(r["recurring"] for r in results)
        self.stdout.write(self.style.SUCCESS(
            f"{len(results)} States, {recs} recommendations, {recurring} recurring, "
            f"{sum(r['links'] for r in results)} links to earlier recommendations."))
