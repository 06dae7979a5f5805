from django.core.management.base import BaseCommand, CommandError

from procurement.management.options import parse_today
from procurement.notices import outbox


class Command(BaseCommand):
    help = (
        "Send today's overdue-delivery digests now: the same function the daily Celery task "
        "runs, and as it, at most one e-mail per order owner per day."
    )

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The day to scan for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        report = outbox.run("overdue_digest", today=parse_today(options["today"]))
        for notice, error in report.failed:
            self.stdout.write(f"Not sent: {notice} to {notice.address}: {error}")
        self.stdout.write(
            f"{len(report.sent)} overdue digest(s) sent for {report.today.isoformat()}."
        )
        if report.failed:
            raise CommandError(f"{len(report.failed)} digest(s) could not be sent; see above.")
