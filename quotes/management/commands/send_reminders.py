from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from kombu.exceptions import OperationalError
from kombu.utils.url import maybe_sanitize_url

from procurement.celery import app
from procurement.management.options import is_preview, parse_today
from procurement.notices import outbox
from quotes.tasks import send_quote_reminders


class Command(BaseCommand):
    help = (
        "Expire lapsed quote revisions and send the expiry reminders that are due: the daily "
        "scan of the Celery task, run at once."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--today",
            metavar="YYYY-MM-DD",
            help="Run the scan as if it were this date. A date after today is a preview: it "
            "prints what would be sent and changed, and sends and changes nothing.",
        )
        parser.add_argument(
            "--queue",
            action="store_true",
            help="Hand the scan to the Celery worker through the broker instead of running it here.",
        )

    def handle(
        self, *args: Any, today: str | None = None, queue: bool = False, **options: Any
    ) -> None:
        day = parse_today(today)
        if queue and is_preview(day):
            raise CommandError(
                f"--today {today} is after today: a preview runs here, not on the worker; "
                "leave out --queue."
            )
        if queue:
            self._enqueue(day)
            return
        if day is not None and is_preview(day):
            report = outbox.preview("quote_reminder", today=day)
        else:
            report = outbox.run("quote_reminder", today=day)
        for line in report.lines():
            self.stdout.write(line)
        if report.preview:
            self.stdout.write(
                f"Preview of the reminder scan for {report.today:%d.%m.%Y}: "
                f"{len(report.sent)} would be sent, {report.scan_counts['expired']} revisions "
                "would expire. Nothing was sent or changed."
            )
            return
        self.stdout.write(
            f"Reminder scan for {report.today:%d.%m.%Y}: {len(report.sent)} sent, "
            f"{len(report.failed)} failed, {report.scan_counts['expired']} revisions expired."
        )
        if report.failed:
            count = len(report.failed)
            raise CommandError(
                f"{count} notice{'s' if count > 1 else ''} could not be sent "
                f"({report.failed[0][1]}); unsent notices are retried at the next scan."
            )

    def _enqueue(self, day: date | None) -> None:
        try:
            send_quote_reminders.delay(today=day.isoformat() if day else None)
        except OperationalError as error:
            raise CommandError(
                f"The broker at {maybe_sanitize_url(app.conf.broker_url)} cannot be reached "
                f"({error}); nothing was queued. Run send_reminders without --queue to send "
                "the reminders at once."
            ) from None
        self.stdout.write("Queued the reminder scan for the Celery worker.")
