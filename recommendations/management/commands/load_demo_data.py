from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from recommendations.demo import load_demo_data


class Command(BaseCommand):
    help = "Load demo accounts and a small realistic data set (idempotent)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--force", action="store_true",
                            help="Load even when DEBUG is off (demo accounts have a known "
                                 "password: never on a public server).")

    def handle(self, *args, force: bool = False, **options) -> None:
        if not settings.DEBUG and not force:
            raise CommandError("DEBUG is off: refusing to create demo accounts with a known "
                               "password. Use --force if you really mean it.")
        load_demo_data(stdout=self.stdout)
