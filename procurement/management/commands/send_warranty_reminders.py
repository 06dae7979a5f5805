from django.core.management.base import BaseCommand
from django.utils import timezone

from procurement.acceptance.reminders import send_warranty_reminders
from procurement.management.options import parse_today


class Command(BaseCommand):
    help = (
        "Send the reminders of warranties ending soon now: the same function the daily Celery "
        "task runs, and as it, each reminder once."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The day to scan for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        today = parse_today(options["today"]) or timezone.localdate()
        sent = send_warranty_reminders(today=today)
        self.stdout.write(f"{sent} warranty reminder(s) sent for {today.isoformat()}.")
