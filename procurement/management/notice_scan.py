"""The command of a kind of notice whose scan people also run by hand."""

from django.core.management.base import BaseCommand, CommandError

from procurement.management.options import parse_today
from procurement.notices import outbox


class NoticeScanCommand(BaseCommand):
    """Runs the kind's scan at once, as its daily Celery task does; says what was sent."""

    kind: str
    noun: str

    def add_arguments(self, parser):
        parser.add_argument("--today", help="The day to scan for, YYYY-MM-DD (default: today).")

    def handle(self, *args, **options):
        report = outbox.run(self.kind, today=parse_today(options["today"]))
        for notice, error in report.failed:
            self.stdout.write(f"Not sent: {notice} to {notice.address}: {error}")
        self.stdout.write(f"{len(report.sent)} {self.noun}(s) sent for {report.today.isoformat()}.")
        if report.failed:
            raise CommandError(f"{len(report.failed)} {self.noun}(s) could not be sent; see above.")
