from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from procurement.acceptance.protocol import NoChecklist, protocol_for, protocol_pdf
from procurement.models import Build
from procurement.pdf import PdfError


class Command(BaseCommand):
    help = (
        "Write a build's acceptance protocol (PDF): its parts and serial numbers, every item "
        "with expected, measured and result, the evidence and the sign-off. An open "
        "checklist is written as a draft."
    )

    def add_arguments(self, parser):
        parser.add_argument("build", help="The build's slug, e.g. pro-6000.")
        parser.add_argument("-o", "--output", required=True, metavar="FILE", help="PDF to write.")
        parser.add_argument(
            "--language",
            choices=[code for code, _name in settings.LANGUAGES],
            default=settings.LANGUAGE_CODE,
            help="The language of the document (default: %(default)s).",
        )

    def handle(self, *args, build: str, output: str, language: str, **options):
        target = Build.objects.select_related("requirements").filter(slug=build).first()
        if target is None:
            raise CommandError(f"There is no build {build!r}.")
        path = Path(output)
        if not path.parent.is_dir():
            raise CommandError(f"Cannot write {output}: the folder {path.parent} does not exist.")
        try:
            with translation.override(language):
                protocol = protocol_for(target)
                path.write_bytes(protocol_pdf(protocol))
        except NoChecklist as error:
            raise CommandError(str(error)) from None
        except PdfError as error:
            raise CommandError(str(error)) from None
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error.strerror}.") from None
        state = "draft, not signed off" if protocol.is_draft else "signed off"
        counts = protocol.counts
        self.stdout.write(
            f"Wrote {output}: acceptance of {target.slug} ({state}); {len(protocol.items)} items, "
            f"{counts['pass']} passed, {counts['fail']} failed, {counts['pending']} pending."
        )
