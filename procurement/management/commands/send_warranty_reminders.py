from datetime import date

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from procurement.acceptance.reminders import send_warranty_reminders


class Command(BaseCommand):
    help = (
        "Send the reminders of warranties ending soon now: the same function the daily Celery "
        "task runs, and as it, each reminder once."
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
        sent = send_warranty_reminders(today=today)
        self.stdout.write(f"{sent} warranty reminder(s) sent for {today.isoformat()}.")
