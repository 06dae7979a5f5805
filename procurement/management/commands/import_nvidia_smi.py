from pathlib import Path

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand, CommandError

from procurement.acceptance.nvidia_smi import MAX_REPORT_BYTES
from procurement.acceptance.services import acceptance_import_nvidia_smi
from procurement.management.options import acting_user, add_acting_user_argument
from procurement.models import Build
from procurement.permissions import refusal_text


class Command(BaseCommand):
    help = (
        "Fill the GPU items of a build's open acceptance checklist from the machine's own "
        "report (save `nvidia-smi -q -x` to a file): model, memory total, PCIe generation and "
        "width, serial number. The file is kept as their evidence. All or nothing. Recorded "
        "by the --as user (the system account unless given)."
    )

    def add_arguments(self, parser):
        parser.add_argument("build", help="The build's slug, e.g. pro-6000.")
        parser.add_argument("file", help="The output of `nvidia-smi -q -x`.")
        add_acting_user_argument(parser)

    def handle(self, *args, build: str, file: str, acting_username: str, **options):
        user = acting_user(acting_username)
        target = Build.objects.filter(slug=build).first()
        if target is None:
            raise CommandError(f"There is no build {build!r}.")
        path = Path(file)
        if not path.is_file():
            raise CommandError(f"Cannot read {file}: there is no such file.")
        if path.stat().st_size > MAX_REPORT_BYTES:
            raise CommandError(f"{path.name} is larger than an nvidia-smi report can be.")
        try:
            content = path.read_bytes()
        except OSError as error:
            raise CommandError(f"Cannot read {file}: {error.strerror}.") from None
        try:
            outcome = acceptance_import_nvidia_smi(
                build=target, content=content, name=path.name, user=user
            )
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        except PermissionDenied as error:
            raise CommandError(f"--as {acting_username}: {refusal_text(error)}") from None
        for line in outcome.lines:
            self.stdout.write(line)
        verdict = f"{outcome.failed} item(s) failed" if outcome.failed else "no item failed"
        self.stdout.write(
            f"Imported {path.name} into the acceptance of {target.slug} as evidence "
            f"E{outcome.evidence.pk}; {verdict}."
        )
