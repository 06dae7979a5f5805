from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from procurement.deliveries import send_overdue_digests


class Command(BaseCommand):
    help = (
        "Send today's overdue-delivery digests now: the same function the daily Celery task "
        "runs, and as it, at most one e-mail per order owner per day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The day to scan for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        today = timezone.localdate()
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(
                    f"--today must be a date as YYYY-MM-DD; got {options['today']!r}."
                ) from None
        sent = send_overdue_digests(today=today)
        self.stdout.write(f"{sent} overdue digest(s) sent for {today.isoformat()}.")
