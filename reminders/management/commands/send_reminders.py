"""`manage.py send_reminders [--dry-run] [--today YYYY-MM-DD]`: the daily reminder scan,
run here and now (the same scan Celery beat runs), printing each digest."""

import datetime as dt

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from reminders import services as reminders


class Command(BaseCommand):
    help = ("Record the deadline reminders owed today and send each recipient one digest. "
            "Safe to run again: nothing is sent twice.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--dry-run", action="store_true",
                            help="Print what would be sent; write and send nothing.")
        parser.add_argument("--today", help="Run as if today were this date (YYYY-MM-DD).")

    def handle(self, *args, dry_run: bool = False, today: str | None = None, **options) -> None:
        try:
            day = dt.date.fromisoformat(today) if today else None
        except ValueError as exc:
            raise CommandError(f"--today: {exc}") from exc
        if dry_run:
            self._dry_run(day or timezone.localdate())
            return
        sent = failed = 0

        def send(user_id: int, day: dt.date) -> None:
            nonlocal sent, failed
            user = get_user_model().objects.get(pk=user_id)
            try:
                count = reminders.send_digest(user_id=user_id, today=day)
            except Exception as exc:  # the rows stay pending; report and go on
                failed += 1
                self.stderr.write(f"FAILED {user.email}: {exc}")
                return
            if count:
                sent += 1
                self.stdout.write(f"Sent {user.email}: {count} reminder(s)")

        result = reminders.scan(today=day, dispatch=send)
        self.stdout.write(f"{result.created} reminder(s) recorded, {result.cancelled} cancelled, "
                          f"{sent} digest(s) sent, {failed} failed.")

    def _dry_run(self, day: dt.date) -> None:
        result = reminders.record_reminders(today=day, dry_run=True)
        users = get_user_model().objects.in_bulk(result.preview)
        for user_id, rows in result.preview.items():
            self.stdout.write(f"Would send {users[user_id].email}: {len(rows)} reminder(s)")
            for row in sorted(rows, key=lambda r: r.due_date):
                self.stdout.write(f"  {row.due_date}  {row.lead_days:>4}  {row.kind}: {row.title}")
        self.stdout.write(f"Dry run: {result.created} reminder(s) would be recorded, "
                          f"{result.cancelled} cancelled, {len(result.preview)} digest(s) sent.")
