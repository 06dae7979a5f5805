"""The command of a kind of notice whose scan people also run by hand."""

from django.core.management.base import BaseCommand, CommandError

from procurement.management.options import is_preview, parse_today
from procurement.notices import outbox


class NoticeScanCommand(BaseCommand):
    """Runs the kind's scan at once, as its daily Celery task does; says what was sent."""

    kind: str
    noun: str

    def add_arguments(self, parser):
        parser.add_argument(
            "--today",
            help="The day to scan for, YYYY-MM-DD (default: today). A date after today is a "
            "preview: it prints what would be sent, and sends and changes nothing.",
        )

    def handle(self, *args, **options):
        day = parse_today(options["today"])
        if day is not None and is_preview(day):
            report = outbox.preview(self.kind, today=day)
        else:
            report = outbox.run(self.kind, today=day)
        if report.preview:
            for line in report.lines():
                self.stdout.write(line)
            self.stdout.write(
                f"Preview for {report.today.isoformat()}: {len(report.sent)} {self.noun}(s) "
                "would be sent. Nothing was sent or changed."
            )
            return
        for notice, error in report.failed:
            self.stdout.write(f"Not sent: {notice} to {notice.address}: {error}")
        self.stdout.write(f"{len(report.sent)} {self.noun}(s) sent for {report.today.isoformat()}.")
        if report.failed:
            raise CommandError(f"{len(report.failed)} {self.noun}(s) could not be sent; see above.")
