"""`import_recommendations PATH... [--format F] [--dry-run] [--state ISO3] [--session N]
[--alias "NAME=ISO3"]...`.

Files are imported in the order given, each whole or not at all, so a Working Group
report and its addendum can come together: `import_recommendations report.pdf
addendum.pdf`. A dry run of several files shows each as if the ones before it had been
imported (all in one transaction, rolled back at the end).
"""

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction

from imports.pipeline import import_file, parse_alias_options
from imports.readers import FORMATS, ImportFailed


class Command(BaseCommand):
    help = ("Import recommendations from UPR Info, UHRI, OHCHR thematic list (.docx), "
            "UN Working Group report and addendum (PDF/.docx) or UPR Tracker export files. "
            "Each file is imported whole or not at all.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("paths", nargs="+", metavar="PATH")
        parser.add_argument("--format", dest="fmt", default="auto", choices=["auto", *FORMATS],
                            help="Format of the files (default: detected from the content).")
        parser.add_argument("--dry-run", action="store_true",
                            help="Show the full report without writing anything.")
        parser.add_argument("--state", dest="state_iso3", metavar="ISO3",
                            help="State under review, for files that do not name it.")
        parser.add_argument("--session", type=int, metavar="N",
                            help="Working Group session, for files that do not name it.")
        parser.add_argument("--alias", dest="aliases", action="append", default=[],
                            metavar="NAME=ISO3",
                            help="A State name the files use and no State goes by yet, and "
                                 "the State it means (repeatable). Saved as an alias when the "
                                 "import succeeds (not on a dry run).")

    def handle(self, *args, paths: list[str], fmt: str, dry_run: bool,
               state_iso3: str | None, session: int | None, aliases: list[str],
               **options) -> None:
        try:
            alias_map = parse_alias_options(aliases)
        except ImportFailed as exc:
            raise CommandError(str(exc)) from exc
        failed = []
        together = dry_run and len(paths) > 1
        with transaction.atomic():
            for number, path in enumerate(paths):
                if number:
                    self.stdout.write("")
                report = import_file(path, fmt=fmt, state_iso3=state_iso3, session=session,
                                     dry_run=dry_run and not together,
                                     aliases=alias_map)
                report.dry_run = dry_run
                style = self.style.SUCCESS if report.ok else self.style.ERROR
                self.stdout.write(style(report.format_text()))
                if not report.ok:
                    failed.append(path)
            if together:
                transaction.set_rollback(True)
        if failed:
            raise CommandError(f"{len(failed)} file(s) not imported: {', '.join(failed)}")
