from django.core.management.base import BaseCommand
from django.utils import timezone

from procurement.deliveries import send_overdue_digests
from procurement.management.options import parse_today


class Command(BaseCommand):
    help = (
        "Send today's overdue-delivery digests now: the same function the daily Celery task "
        "runs, and as it, at most one e-mail per order owner per day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The day to scan for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        today = parse_today(options["today"]) or timezone.localdate()
        sent = send_overdue_digests(today=today)
        self.stdout.write(f"{sent} overdue digest(s) sent for {today.isoformat()}.")
