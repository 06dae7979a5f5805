from datetime import date, timedelta
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from procurement.management.options import acting_user, add_acting_user_argument
from procurement.models import Build, Vendor
from procurement.permissions import refusal_text
from quotes.management.commands._errors import one_line
from quotes.requests.services import request_quotes

DEFAULT_ANSWER_DAYS = 14


class Command(BaseCommand):
    help = (
        "Request quotes for a build from one or more vendors: each gets an e-mail in its "
        "language with the build's parts and quantities, the brief's constraints, delivery "
        "to Switzerland and the answer-by date (default: in 14 days); the text is kept. "
        "Requested by the --as user (the system account unless given)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("build", metavar="BUILD", help="The build's slug, e.g. pro-6000.")
        parser.add_argument(
            "--vendor",
            dest="vendors",
            metavar="SLUG",
            action="append",
            required=True,
            help="A vendor to ask (its slug); repeat for more.",
        )
        parser.add_argument(
            "--answer-by", metavar="YYYY-MM-DD", help="The day the answer is wanted by."
        )
        add_acting_user_argument(parser)

    def handle(
        self,
        *args: Any,
        build: str,
        vendors: list[str],
        answer_by: str | None = None,
        acting_username: str,
        **options: Any,
    ) -> None:
        the_build = Build.objects.filter(slug=build).first()
        if the_build is None:
            raise CommandError(f"BUILD: there is no build {build!r}.")
        chosen = self._vendors(vendors)
        day = self._answer_by(answer_by)
        try:
            requests = request_quotes(
                build=the_build, vendors=chosen, answer_by=day, user=acting_user(acting_username)
            )
        except ValidationError as error:
            raise CommandError(one_line(error)) from None
        except PermissionDenied as error:
            raise CommandError(f"--as {acting_username}: {refusal_text(error)}") from None
        for request in requests:
            request.refresh_from_db(fields=["emailed_at"])
            state = "sent" if request.emailed_at else "NOT sent (see the log), kept"
            self.stdout.write(
                f"Request to {request.vendor.name} <{request.address}> in "
                f"{request.get_language_display()}: {state}."
            )
        self.stdout.write(
            f"{len(requests)} request{'s' if len(requests) != 1 else ''} for {the_build.slug}, "
            f"answer wanted by {day:%d.%m.%Y}."
        )

    def _vendors(self, slugs: list[str]) -> list[Vendor]:
        found = Vendor.objects.in_bulk(slugs, field_name="slug")
        missing = [slug for slug in slugs if slug not in found]
        if missing:
            raise CommandError(f"--vendor: there is no vendor {missing[0]!r}.")
        return [found[slug] for slug in slugs]

    def _answer_by(self, value: str | None) -> date:
        if value is None:
            return timezone.localdate() + timedelta(days=DEFAULT_ANSWER_DAYS)
        try:
            return date.fromisoformat(value)
        except ValueError:
            raise CommandError(
                f"--answer-by must be a date as YYYY-MM-DD; got {value!r}."
            ) from None
